from __future__ import annotations

from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth

from kam.core.errors import AccessDenied

#: the methods a read-only token may use
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ApiTokenRefused(AuthenticationError):
    """401 with a message saying why the token was refused (expired, revoked, …)."""

    def __init__(self, message: str) -> None:
        super().__init__(status_code=401, message=message)


class TokenAuth(HttpBearer):
    """Per-user API tokens (Authorization: Bearer kam_…), stored hashed, expiring, scoped (read / write) and
    revocable at once in every process (issue 12 §5)."""

    openapi_description = ("API token created under 账户 → API 令牌; it expires (KAM_API_TOKEN_DAYS) and a "
                           "read-only token may only use GET")

    def authenticate(self, request, token):
        from kam.users.services import TokenRefused, api_token_verify

        try:
            grant = api_token_verify(token)
        except TokenRefused as exc:
            raise ApiTokenRefused(str(exc.message)) from None
        if request.method not in SAFE_METHODS and not grant.can_write:
            raise AccessDenied(_("该令牌为只读令牌，不能执行修改操作（%(method)s）；请使用读写令牌。")
                               % {"method": request.method})
        request.user = grant.user
        return grant.user


class ActiveSessionAuth(SessionAuth):
    """Browser session (CSRF checked on unsafe methods)."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


api_auth = [TokenAuth(), ActiveSessionAuth()]
