from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from kam.core import navigation, search


def navigation_context(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    menu, counts = navigation.menu_and_counts(user, request.path, extra_counts=("inbox",))
    items = [item for group in menu for item in group["items"]]
    return {"nav_groups": menu, "nav_items": items, "unread_count": counts["inbox"],
            "search_urls": _search_urls(user)}


def _search_urls(user) -> dict[str, str] | None:
    """The search box's results page and drop-down (issue 13), for users a search provider serves."""
    if not search.available(user):
        return None
    try:
        return {"page": reverse("search"), "suggest": reverse("search_suggest")}
    except NoReverseMatch:
        return None
