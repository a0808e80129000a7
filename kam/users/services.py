from __future__ import annotations

import secrets
import time

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.audit.services import audit_log, diff
from kam.core.errors import AccessDenied, ApplicationError
from kam.users.models import ROLE_DEPARTMENT, ApiToken, Role, RoleGrant, User, hash_token

TOKEN_PREFIX = "kam_"
TEMPORARY_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no l/I/O/0/1


def _require_administrator(actor, message: str) -> None:
    if actor is not None and not (actor.is_superuser or actor.has_role(Role.ADMINISTRATOR)):
        raise AccessDenied(message)


def _check_roles(roles: list[str]) -> None:
    for role in roles:
        if role not in Role.values:
            raise ApplicationError(_("未知角色：%(role)s") % {"role": role}, field="roles")


def temporary_password() -> str:
    """A one-time password an administrator hands over; the user must replace it at the next log-in."""
    return "".join(secrets.choice(TEMPORARY_PASSWORD_ALPHABET) for _i in range(12))


@transaction.atomic
def user_create(*, actor, username: str, password: str, roles: list[str], display_name: str = "",
                email: str = "", wecom_userid: str = "", phone: str = "",
                must_change_password: bool = False) -> User:
    _require_administrator(actor, _("只有系统管理员可以创建用户。"))
    username = (username or "").strip()
    if not username:
        raise ApplicationError(_("请填写用户名。"), field="username")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise ApplicationError(_("用户名只能包含字母、数字和 @ . + - _ 字符。"), field="username")
    if len(username) > 150:
        raise ApplicationError(_("用户名最多 150 个字符。"), field="username")
    _check_roles(roles)
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(_("用户名 %(u)s 已存在。") % {"u": username}, field="username")
    user = User.objects.create_user(username=username, password=password, email=email,
                                    display_name=display_name, wecom_userid=wecom_userid, phone=phone,
                                    must_change_password=must_change_password)
    if roles:
        user.department = ROLE_DEPARTMENT[Role(roles[0])]
        user.save(update_fields=["department"])
    RoleGrant.objects.bulk_create([RoleGrant(user=user, role=r) for r in roles])
    audit_log(actor=actor, action="users.user.created", target=user,
              changes={"username": username, "roles": roles, "must_change_password": must_change_password})
    return user


def _other_active_administrators(user: User) -> bool:
    return User.objects.filter(is_active=True, role_grants__role=Role.ADMINISTRATOR).exclude(pk=user.pk).exists()


@transaction.atomic
def user_update(*, actor: User, user: User, display_name: str, email: str, phone: str,
                wecom_userid: str) -> dict:
    """Basic account data (name, e-mail, phone, WeCom account); returns what changed."""
    _require_administrator(actor, _("只有系统管理员可以修改用户。"))
    values = {"display_name": display_name.strip(), "email": email.strip(), "phone": phone.strip(),
              "wecom_userid": wecom_userid.strip()}
    changes = diff(user, values, secret_fields=frozenset({"phone"}))
    if changes:
        for name, value in values.items():
            setattr(user, name, value)
        user.save(update_fields=list(values))
        audit_log(actor=actor, action="users.user.updated", target=user, target_repr=user.username,
                  changes=changes)
    return changes


@transaction.atomic
def user_roles_set(*, actor: User, user: User, roles: list[str]) -> tuple[list[str], list[str]]:
    """Replace a user's roles; returns (granted, revoked). The last active administrator keeps the role."""
    _require_administrator(actor, _("只有系统管理员可以修改角色。"))
    _check_roles(roles)
    if not roles:
        raise ApplicationError(_("请至少选择一个角色。"), field="roles")
    current = set(user.role_grants.values_list("role", flat=True))
    wanted = set(roles)
    granted, revoked = sorted(wanted - current), sorted(current - wanted)
    if Role.ADMINISTRATOR in revoked and not _other_active_administrators(user):
        raise ApplicationError(_("不能取消最后一位系统管理员的管理员角色。"), field="roles")
    if not granted and not revoked:
        return [], []
    RoleGrant.objects.filter(user=user, role__in=revoked).delete()
    RoleGrant.objects.bulk_create([RoleGrant(user=user, role=r) for r in granted])
    departments = [ROLE_DEPARTMENT[Role(r)] for r in roles]
    if user.department not in departments:
        user.department = departments[0]
        user.save(update_fields=["department"])
    user.__dict__.pop("roles", None)
    audit_log(actor=actor, action="users.user.roles_changed", target=user, target_repr=user.username,
              changes={"granted": granted, "revoked": revoked})
    return granted, revoked


@transaction.atomic
def user_edit(*, actor: User, user: User, display_name: str, email: str, phone: str, wecom_userid: str,
              roles: list[str]) -> dict:
    """The system page's edit: basic data and roles in one transaction; returns what changed."""
    changes = user_update(actor=actor, user=user, display_name=display_name, email=email, phone=phone,
                          wecom_userid=wecom_userid)
    granted, revoked = user_roles_set(actor=actor, user=user, roles=roles)
    if granted:
        changes["granted"] = granted
    if revoked:
        changes["revoked"] = revoked
    return changes


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> None:
    """The account can no longer log in, and its sessions end at their next request (Django refuses inactive
    users); its API tokens stop working. Nothing of its history is deleted."""
    _require_administrator(actor, _("只有系统管理员可以停用用户。"))
    if user.pk == actor.pk:
        raise ApplicationError(_("不能停用自己的账号。"))
    if not user.is_active:
        raise ApplicationError(_("该用户已是停用状态。"))
    if user.has_role(Role.ADMINISTRATOR) and not _other_active_administrators(user):
        raise ApplicationError(_("不能停用最后一位系统管理员。"))
    user.is_active = False
    user.save(update_fields=["is_active"])
    _token_cache.clear()  # a cached token of this user must not outlive the account
    user.__dict__.pop("roles", None)
    audit_log(actor=actor, action="users.user.deactivated", target=user, target_repr=user.username)


@transaction.atomic
def user_reactivate(*, actor: User, user: User) -> None:
    _require_administrator(actor, _("只有系统管理员可以启用用户。"))
    if user.is_active:
        raise ApplicationError(_("该用户已是启用状态。"))
    user.is_active = True
    user.save(update_fields=["is_active"])
    user.__dict__.pop("roles", None)
    audit_log(actor=actor, action="users.user.reactivated", target=user, target_repr=user.username)


@transaction.atomic
def user_password_reset(*, actor: User, user: User) -> str:
    """A one-time temporary password, returned once (never stored or logged in clear); the user must choose
    a new password at the next log-in. The user's sessions end (the session hash follows the password)."""
    _require_administrator(actor, _("只有系统管理员可以重置密码。"))
    if actor is not None and actor.pk == user.pk:
        raise ApplicationError(_("请在“账户安全”页修改自己的密码。"))
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit_log(actor=actor, action="users.password.reset", target=user, target_repr=user.username)
    return password


@transaction.atomic
def password_change(*, actor: User, old_password: str, new_password: str) -> None:
    """A user changes their own password. Their other sessions end (Django's session hash follows the
    password); the view keeps the current one (update_session_auth_hash)."""
    if not actor.check_password(old_password or ""):
        raise ApplicationError(_("当前密码不正确。"), field="old_password")
    if old_password == new_password:
        raise ApplicationError(_("新密码不能与当前密码相同。"), field="new_password1")
    try:
        validate_password(new_password, user=actor)
    except ValidationError as exc:
        raise ApplicationError(" ".join(str(m) for m in exc.messages), field="new_password1")
    actor.set_password(new_password)
    actor.must_change_password = False
    actor.save(update_fields=["password", "must_change_password"])
    audit_log(actor=actor, action="users.password.changed", target=actor, target_repr=actor.username)


@transaction.atomic
def login_succeeded(*, user: User, ip: str | None, second_factor: str) -> None:
    """The password was right: the pair's failures are forgotten and the log-in is audited."""
    from kam.users.throttling import login_success_reset

    login_success_reset(username=user.get_username(), ip=ip)
    audit_log(actor=user, action="users.login.succeeded", target=user, target_repr=user.username,
              changes={"second_factor": second_factor} if second_factor else {})


@transaction.atomic
def logout_record(*, user: User) -> None:
    audit_log(actor=user, action="users.logout", target=user, target_repr=user.username)


@transaction.atomic
def role_grant(*, actor, user: User, role: str) -> None:
    if actor is not None and not (actor.is_superuser or actor.has_role(Role.ADMINISTRATOR)):
        raise AccessDenied(_("只有系统管理员可以授予角色。"))
    _grant, created = RoleGrant.objects.get_or_create(user=user, role=role)
    if created:
        audit_log(actor=actor, action="users.role.granted", target=user, changes={"role": role})
    user.__dict__.pop("roles", None)


@transaction.atomic
def api_token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for the actor; the raw value is returned once and stored only hashed."""
    name = name.strip()
    if not name:
        raise ApplicationError(_("请填写令牌名称。"), field="name")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=actor, name=name[:80], prefix=raw[:12], token_hash=hash_token(raw))
    audit_log(actor=actor, action="users.api_token.created", target=token, changes={"name": token.name})
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> None:
    if token.user_id != actor.pk and not actor.has_role(Role.ADMINISTRATOR):
        raise AccessDenied(_("只能撤销自己的令牌。"))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        _token_cache.pop(token.token_hash, None)
        audit_log(actor=actor, action="users.api_token.revoked", target=token)


#: token hash -> (monotonic expiry, user with roles loaded). A revocation or a deactivated account takes
#: effect at once in this process and within TOKEN_CACHE_SECONDS in the others.
TOKEN_CACHE_SECONDS = 10.0
_token_cache: dict[str, tuple[float, User]] = {}


def api_token_authenticate(raw: str) -> User | None:
    if not raw.startswith(TOKEN_PREFIX):
        return None
    digest = hash_token(raw)
    cached = _token_cache.get(digest)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]  # read-only use; nothing writes to request.user on the API paths
    token = (ApiToken.objects.select_related("user")
             .filter(token_hash=digest, revoked_at__isnull=True, user__is_active=True).first())
    if token is None:
        _token_cache.pop(digest, None)
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    user = token.user
    _ = user.roles  # load once; the cached copy keeps them
    if len(_token_cache) > 10000:
        _token_cache.clear()
    _token_cache[digest] = (time.monotonic() + TOKEN_CACHE_SECONDS, user)
    return user
