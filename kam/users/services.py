from __future__ import annotations

import secrets
import time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.audit.services import audit_log
from kam.core.errors import AccessDenied, ApplicationError
from kam.users.models import ROLE_DEPARTMENT, ApiToken, Role, RoleGrant, User, hash_token

TOKEN_PREFIX = "kam_"


@transaction.atomic
def user_create(*, actor, username: str, password: str, roles: list[str], display_name: str = "",
                email: str = "", wecom_userid: str = "") -> User:
    if actor is not None and not (actor.is_superuser or actor.has_role(Role.ADMINISTRATOR)):
        raise AccessDenied(_("只有系统管理员可以创建用户。"))
    for role in roles:
        if role not in Role.values:
            raise ApplicationError(_("未知角色：%(role)s") % {"role": role}, field="roles")
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(_("用户名 %(u)s 已存在。") % {"u": username}, field="username")
    user = User.objects.create_user(username=username, password=password, email=email,
                                    display_name=display_name, wecom_userid=wecom_userid)
    if roles:
        user.department = ROLE_DEPARTMENT[Role(roles[0])]
        user.save(update_fields=["department"])
    RoleGrant.objects.bulk_create([RoleGrant(user=user, role=r) for r in roles])
    audit_log(actor=actor, action="users.user.created", target=user, changes={"roles": roles})
    return user


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
