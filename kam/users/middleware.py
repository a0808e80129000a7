"""What a session owes after the password, enforced on every request (issue 12 §4).

A user who has an authenticator must give a code; a user whose role requires two-factor authentication and
who has none must enrol; a user given a temporary password must choose a new one. Until then the session
reaches only the pages that settle it (and log-out); the API does not accept such a session at all (API
tokens still work). Costs no query: the state is kept in the session at log-in (kam.users.signals).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

OPEN_PREFIXES = ("/static/", "/media/", "/i18n/", "/logout/", "/healthz")


class AccountGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._gate(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    @staticmethod
    def owed(request, user) -> tuple[str, tuple[str, ...]] | None:
        """(the page that settles what the session owes, the pages allowed meanwhile), or None."""
        from kam.users import second_factor

        state = request.session.get(second_factor.SESSION_KEY)
        if state is None:  # a session from before this gate existed
            state = second_factor.state_for(user)
            request.session[second_factor.SESSION_KEY] = state
        verified = getattr(user, "is_verified", lambda: False)()
        if state and not verified:
            pages = ("users:otp_verify", "users:otp_enrol")
            return pages[0], pages
        if user.must_change_password:
            return "users:password_change", ("users:password_change",)
        return None

    def _gate(self, request, user):
        path = request.path_info
        if path.startswith(OPEN_PREFIXES):
            return None
        owed = self.owed(request, user)
        if owed is None:
            return None
        if path.startswith("/api/"):
            request.user = AnonymousUser()  # a half-finished log-in is no API session
            return None
        target, allowed = owed
        if path in {reverse(name) for name in allowed}:
            return None
        url = reverse(target)
        if request.method == "GET" and not request.headers.get("HX-Request"):
            url += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return redirect(url)
