"""Django's model backend with log-in throttling by (user name, client address) — see kam.users.throttling."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from kam.core.middleware import client_ip
from kam.users import throttling


class ThrottledModelBackend(ModelBackend):
    """Every log-in form (ours and Django admin's) goes through here: a delayed pair is refused before the
    password is checked, and a wrong password is counted for its pair and address."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self.get_user_model().USERNAME_FIELD)
        ip = client_ip(request) if request is not None else None
        if username and not getattr(request, "_kam_throttle_checked", False):
            delay = throttling.delay_for(username=username, ip=ip)
            if delay is not None:
                throttling.login_throttled_record(username=username, delay=delay)
                # PermissionDenied stops the chain: no backend gets to check the password.
                raise PermissionDenied("log-in delayed after failed attempts")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and username:
            delay = throttling.login_failure_record(username=username, ip=ip)
            if request is not None:
                request._kam_login_delay = delay
        return user
