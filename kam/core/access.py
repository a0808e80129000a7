"""Role gates for views (decorators) and services (require_role). Object access lives in selectors."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from kam.core.errors import AccessDenied


def require_role(user, *roles: str, message: str | None = None) -> None:
    """Raise AccessDenied unless the user holds one of the roles (for services)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.has_role(*roles):
        raise AccessDenied(message or _("您没有执行此操作的权限。"))


def role_required(*roles: str) -> Callable:
    """View decorator: log-in required, and one of the roles (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if roles and not request.user.has_role(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def login_required(view):
    return role_required()(view)
