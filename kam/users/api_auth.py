from __future__ import annotations

import threading

from django.conf import settings
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import BaseThrottle

from kam.core.errors import AccessDenied
from kam.core.ratelimit import rate_hit

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
        request.api_token_id = grant.token_id  # the per-token rate limit (ApiRateLimit)
        return grant.user


class ActiveSessionAuth(SessionAuth):
    """Browser session (CSRF checked on unsafe methods)."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


api_auth = [TokenAuth(), ActiveSessionAuth()]


_refusal = threading.local()  # the limiter object is shared by the server's threads; its wait() is per request


class ApiRateLimit(BaseThrottle):
    """Requests per minute of each user (session and tokens together) and of each API token (issue 12 §5):
    settings.API_RATE_LIMIT_PER_MINUTE and API_TOKEN_RATE_LIMIT_PER_MINUTE (0 = no limit), counted in the shared
    cache (kam.core.ratelimit), so every web process counts together. Past a limit the answer is 429 with
    Retry-After (the seconds left in the minute) and a message naming the limit. It runs after
    authentication: a request without valid credentials is a 401 and is not counted."""

    def allow_request(self, request) -> bool:
        _refusal.wait = None
        user = getattr(request, "auth", None)
        if user is None or getattr(user, "pk", None) is None:
            return True
        checks = [("user", str(user.pk), int(settings.API_RATE_LIMIT_PER_MINUTE))]
        token_id = getattr(request, "api_token_id", None)
        if token_id is not None:
            checks.append(("token", str(token_id), int(settings.API_TOKEN_RATE_LIMIT_PER_MINUTE)))
        refused = None
        for scope, ident, limit in checks:
            verdict = rate_hit(f"api-{scope}", ident, limit=limit)
            if not verdict.allowed and (refused is None or verdict.retry_after > refused[1].retry_after):
                refused = (scope, verdict)
        if refused is None:
            return True
        request.kam_rate_refusal = refused
        _refusal.wait = refused[1].retry_after
        return False

    def wait(self):
        return getattr(_refusal, "wait", None)


def throttled_message(request, wait) -> str:
    """The 429's message: which limit, and how long to wait."""
    scope, verdict = getattr(request, "kam_rate_refusal", ("user", None))
    seconds = int(wait or (verdict.retry_after if verdict else 60))
    limit = verdict.limit if verdict else 0
    if scope == "token":
        return _("该令牌的请求过于频繁（每分钟最多 %(n)d 次），请 %(s)d 秒后再试。") % {"n": limit, "s": seconds}
    return _("请求过于频繁（每个用户每分钟最多 %(n)d 次），请 %(s)d 秒后再试。") % {"n": limit, "s": seconds}
