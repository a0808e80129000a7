from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.audit.models import AuditEvent
from kam.core.access import require_role
from kam.users.models import ApiToken, LoginThrottle, Role, RoleGrant, User


def user_api_tokens(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def users_with_role(*, role: str) -> QuerySet[User]:
    return User.objects.filter(is_active=True, role_grants__role=role).order_by("username")


def account_managers() -> QuerySet[User]:
    return users_with_role(role=Role.ACCOUNT_MANAGER)


# --- the administrator's system pages ---------------------------------------------------------------------

def system_users(*, user: User) -> QuerySet[User]:
    """Every account with its roles and whether it has an authenticator (two queries for the whole list)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    require_role(user, Role.ADMINISTRATOR)
    return (User.objects.annotate(has_2fa=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
            .prefetch_related(Prefetch("role_grants", queryset=RoleGrant.objects.order_by("role")))
            .order_by("-is_active", "username"))


def system_user_get(*, user: User, pk: int) -> User:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(system_users(user=user), pk=pk)


def login_throttles(*, user: User, now: dt.datetime | None = None) -> QuerySet[LoginThrottle]:
    """Pairs and addresses with recent failures, delayed ones first (the administrator can lift a delay)."""
    require_role(user, Role.ADMINISTRATOR)
    now = now or timezone.now()
    window = dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    return (LoginThrottle.objects.filter(Q(locked_until__gt=now) | Q(last_failure_at__gte=now - window))
            .order_by("-locked_until", "-last_failure_at", "-id"))


#: the log-in history's events (audit action → label)
LOGIN_EVENTS = {
    "users.login.succeeded": _("密码正确，登录"),
    "users.login.failed": _("登录失败"),
    "users.login.throttled": _("登录被延迟拒绝"),
    "users.login.throttle_lifted": _("解除登录限制"),
    "users.2fa.verified": _("两步验证通过"),
    "users.2fa.failed": _("两步验证失败"),
    "users.2fa.recovery_code_used": _("使用恢复码登录"),
    "users.2fa.enrolled": _("启用两步验证"),
    "users.2fa.removed": _("移除两步验证"),
    "users.2fa.recovery_codes_regenerated": _("重新生成恢复码"),
    "users.logout": _("退出登录"),
    "users.password.changed": _("修改密码"),
    "users.password.reset": _("管理员重置密码"),
}


def login_events(*, user: User, username: str = "", action: str = "", since: dt.date | None = None,
                 until: dt.date | None = None) -> QuerySet[AuditEvent]:
    """Log-in history from the append-only audit trail: administrator and management (issue 12 §4)."""
    require_role(user, Role.ADMINISTRATOR, Role.MANAGEMENT)
    qs = AuditEvent.objects.filter(action__in=list(LOGIN_EVENTS)).select_related("actor")
    if action:
        qs = qs.filter(action=action)
    if username:
        qs = qs.filter(target_repr__iexact=username.strip())
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs.order_by("-at", "-id")


def login_event_detail(event: AuditEvent) -> str:
    """The event's particulars in words (never a password: none is ever recorded)."""
    changes = event.changes if isinstance(event.changes, dict) else {}
    parts = []
    if "failures" in changes:
        parts.append(str(_("连续失败 %(n)s 次")) % {"n": changes["failures"]})
    if changes.get("delayed_until"):
        scope = _("该地址") if changes.get("scope") == "address" else _("该用户名与地址")
        until = dt.datetime.fromisoformat(changes["delayed_until"])
        parts.append(str(_("%(scope)s延迟至 %(t)s")) % {"scope": scope, "t": f"{timezone.localtime(until):%m-%d %H:%M:%S}"})
    if changes.get("second_factor") == "verify":
        parts.append(str(_("待两步验证")))
    elif changes.get("second_factor") == "enrol":
        parts.append(str(_("须先启用两步验证")))
    if "recovery_codes_left" in changes:
        parts.append(str(_("剩余恢复码 %(n)s 个")) % {"n": changes["recovery_codes_left"]})
    if changes.get("by_administrator"):
        parts.append(str(_("由管理员操作")))
    if event.action == "users.login.throttle_lifted" and changes.get("ip"):
        parts.append(str(_("地址 %(ip)s")) % {"ip": changes["ip"]})
    return "；".join(parts)
