from __future__ import annotations

from kam.core import navigation


def navigation_context(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    menu, counts = navigation.menu_and_counts(user, request.path, extra_counts=("inbox",))
    items = [item for group in menu for item in group["items"]]
    return {"nav_groups": menu, "nav_items": items, "unread_count": counts["inbox"]}
