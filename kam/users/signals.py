"""Django's log-in and log-out signals (every way in: our log-in page, Django admin's, force_login) feed the
audit trail and decide what the new session still owes: a second factor or an enrolment."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out

from kam.core.middleware import client_ip


def on_logged_in(sender, request, user, **kwargs) -> None:
    from kam.users import second_factor, services

    state = second_factor.state_for(user)
    if request is not None and hasattr(request, "session"):
        request.session[second_factor.SESSION_KEY] = state
    ip = client_ip(request) if request is not None and hasattr(request, "META") else None
    services.login_succeeded(user=user, ip=ip, second_factor=state)


def on_logged_out(sender, request, user, **kwargs) -> None:
    from kam.users import services

    if user is not None and getattr(user, "pk", None):
        services.logout_record(user=user)


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="kam.users.on_logged_in")
    user_logged_out.connect(on_logged_out, dispatch_uid="kam.users.on_logged_out")
