from __future__ import annotations

from kam.core import navigation


def navigation_context(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = navigation.entries_for(user)
    for item in items:
        url = item["url"]
        item["active"] = request.path == url or (url != "/" and request.path.startswith(url))
    return {"nav_items": items, "unread_count": navigation.count("inbox", user=user)}
