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
