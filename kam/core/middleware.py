from __future__ import annotations

import uuid

from kam.core import context


def client_ip(request) -> str | None:
    # behind a proxy configure it to set REMOTE_ADDR (gunicorn --forwarded-allow-ips)
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    """Gives each request an id and records the client IP for audit events."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.META.get("HTTP_X_REQUEST_ID") or uuid.uuid4().hex
        request.request_id = request_id[:64]
        channel = "api" if request.path.startswith("/api/") else "page"
        token = context.set_current(context.RequestContext(request_id=request.request_id, ip=client_ip(request),
                                                           channel=channel))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


class ChineseFirstLocaleMiddleware:
    """The UI is Chinese by default whatever the browser says; a user who chose English (the language switch
    sets a cookie) gets English. Django's LocaleMiddleware would follow Accept-Language instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("Vary", "Cookie")
        return response
