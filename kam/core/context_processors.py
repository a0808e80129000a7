from __future__ import annotations

from kam.core import navigation


def navigation_context(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    menu = navigation.menu_for(user, request.path)
    items = [item for group in menu for item in group["items"]]
    return {"nav_groups": menu, "nav_items": items, "unread_count": navigation.count("inbox", user=user)}
