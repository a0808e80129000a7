from __future__ import annotations

from ninja.security import HttpBearer, SessionAuth


class TokenAuth(HttpBearer):
    """Per-user API tokens (Authorization: Bearer kam_…), stored hashed, revocable."""

    openapi_description = "API token created under 账户 → API 令牌"

    def authenticate(self, request, token):
        from kam.users.services import api_token_authenticate

        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    """Browser session (CSRF checked on unsafe methods)."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


api_auth = [TokenAuth(), ActiveSessionAuth()]
