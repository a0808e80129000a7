from __future__ import annotations

from django.db.models import QuerySet

from kam.users.models import ApiToken, Role, User


def user_api_tokens(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def users_with_role(*, role: str) -> QuerySet[User]:
    return User.objects.filter(is_active=True, role_grants__role=role).order_by("username")


def account_managers() -> QuerySet[User]:
    return users_with_role(role=Role.ACCOUNT_MANAGER)
