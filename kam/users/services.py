from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.audit.services import audit_log, diff
from kam.core.errors import AccessDenied, ApplicationError
from kam.users.models import ROLE_DEPARTMENT, ApiToken, Role, RoleGrant, TokenScope, User, hash_token

log = logging.getLogger("kam.users")
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
    _tokens_changed()  # a cached token carries the user's roles
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
    _tokens_changed()  # a cached token of this user must not outlive the account, in any process
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
        _tokens_changed()
        audit_log(actor=actor, action="users.role.granted", target=user, changes={"role": role})
    user.__dict__.pop("roles", None)


@transaction.atomic
def api_token_create(*, actor: User, name: str, scope: str = TokenScope.WRITE) -> tuple[ApiToken, str]:
    """Create a token for the actor; the raw value is returned once and stored only hashed. It expires
    settings.API_TOKEN_DAYS after now (issue 12 §5); a read token may only read. The token page offers read
    first; integrations created in code keep the write scope they always had unless they pass READ."""
    name = name.strip()
    if not name:
        raise ApplicationError(_("请填写令牌名称。"), field="name")
    if scope not in TokenScope.values:
        raise ApplicationError(_("请选择令牌权限（只读或读写）。"), field="scope")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + dt.timedelta(days=settings.API_TOKEN_DAYS)
    token = ApiToken.objects.create(user=actor, name=name[:80], prefix=raw[:12], token_hash=hash_token(raw),
                                    scope=scope, expires_at=expires_at)
    audit_log(actor=actor, action="users.api_token.created", target=token,
              changes={"name": token.name, "scope": scope, "expires_at": expires_at.isoformat()})
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> None:
    """Revoke at once, in every process: this process forgets the token now, and once the revocation is
    committed the shared revocation generation changes, so every other process re-reads its tokens."""
    if token.user_id != actor.pk and not actor.has_role(Role.ADMINISTRATOR):
        raise AccessDenied(_("只能撤销自己的令牌。"))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        _tokens_changed()
        audit_log(actor=actor, action="users.api_token.revoked", target=token)


# --- token authentication ---------------------------------------------------------------------------------
#
# Every process keeps the tokens it has checked for TOKEN_CACHE_SECONDS (no query per API request), but an
# entry is trusted only while the *revocation generation* in Django's cache is the one it was read under.
# The cache is shared by every process (the file cache of the web workers and the task worker); a revocation,
# a deactivated user or changed roles set a new generation once committed, so every process re-reads its
# tokens on its next request. A generation is a random value, never a counter: if the cache loses the key
# (culling, a cleared cache), the first reader writes a new random one, which no cached entry carries.

#: settings.CACHES key holding the current generation
TOKEN_GENERATION_KEY = "kam:api-token-generation"
TOKEN_CACHE_SECONDS = 60.0
_token_cache: dict[str, tuple[float, str, TokenGrant]] = {}


@dataclass(frozen=True)
class TokenGrant:
    """What a valid token grants: whose rights (with roles loaded) and which scope, until when."""

    token_id: int
    user: User
    scope: str
    expires_at: dt.datetime

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE


class TokenRefused(ApplicationError):
    """The token is unknown, revoked, expired, or its user is deactivated: the message says which."""


def _token_generation() -> str:
    """The shared revocation generation (a fresh one if the cache has none or cannot be read: then nothing
    cached matches it and the token is read from the database)."""
    fresh = uuid.uuid4().hex
    try:
        value = cache.get(TOKEN_GENERATION_KEY)
        if value is None:
            cache.add(TOKEN_GENERATION_KEY, fresh, timeout=None)
            value = cache.get(TOKEN_GENERATION_KEY)
    except Exception:  # noqa: BLE001 - an unreadable cache only costs a query
        log.exception("API token generation could not be read from the cache")
        return fresh
    return value if isinstance(value, str) else fresh


def _bump_token_generation() -> None:
    try:
        cache.set(TOKEN_GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:  # noqa: BLE001 - logged loudly; this process already forgot its tokens
        log.exception("API token revocation could not be published to the shared cache")


def _tokens_changed() -> None:
    """A token was revoked, or a user deactivated or given other roles: forget every cached token here now
    and, once committed, in every other process."""
    _token_cache.clear()
    transaction.on_commit(_bump_token_generation)


def api_token_verify(raw: str) -> TokenGrant:
    """The grant of a raw token, or TokenRefused with a message naming why (expired, revoked, …)."""
    if not raw.startswith(TOKEN_PREFIX):
        raise TokenRefused(_("令牌无效。"))
    digest = hash_token(raw)
    generation = _token_generation()  # read before the database: a revocation committed later changes it
    now = timezone.now()
    cached = _token_cache.get(digest)
    if cached is not None and cached[0] > time.monotonic() and cached[1] == generation:
        grant = cached[2]
        if grant.expires_at > now:
            return grant
    token = ApiToken.objects.select_related("user").filter(token_hash=digest).first()
    if token is None or not token.user.is_active:
        _token_cache.pop(digest, None)
        raise TokenRefused(_("令牌无效。"))
    if token.revoked_at is not None:
        _token_cache.pop(digest, None)
        raise TokenRefused(_("该令牌已于 %(at)s 撤销。") % {"at": _local(token.revoked_at)})
    if token.expires_at <= now:
        _token_cache.pop(digest, None)
        raise TokenRefused(_("该令牌已于 %(at)s 过期，请在“账户 → API 令牌”创建新令牌。")
                           % {"at": _local(token.expires_at)})
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    user = token.user
    user.roles  # noqa: B018 - loaded once; the cached copy keeps them
    grant = TokenGrant(token_id=token.pk, user=user, scope=token.scope, expires_at=token.expires_at)
    if len(_token_cache) > 10000:
        _token_cache.clear()
    _token_cache[digest] = (time.monotonic() + TOKEN_CACHE_SECONDS, generation, grant)
    return grant


def api_token_authenticate(raw: str) -> User | None:
    """The user of a valid token, or None."""
    try:
        return api_token_verify(raw).user
    except TokenRefused:
        return None


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
