"""Core views: the health check and the error handlers (HTML for pages, JSON under /api/)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

from kam.core.health import run_probes

API_PREFIX = "/api/"


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


def _too_big_message(request) -> str:
    if (request.META.get("CONTENT_TYPE") or "").startswith("multipart/"):
        limit = int(getattr(settings, "MAX_REQUEST_BODY_BYTES", 0) or 0)
    else:
        limit = int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)
    if not limit:
        return _("请求体过大。")
    return _("请求体过大（上限 %(n)s）。") % {"n": _mb(limit)}


def json_error(status: int, request=None, message: str = "") -> JsonResponse:
    """An error answer of the API (the body of kam.core.api_tools.ErrorOut)."""
    if not message:
        message = {
            400: _("请求无效。"),
            403: _("无权访问。"),
            404: _("未找到。"),
            413: _too_big_message(request) if request is not None else _("请求体过大。"),
            500: _("服务器内部错误，已记录，请稍后再试。"),
        }.get(status, _("请求失败。"))
    return JsonResponse({"message": message}, status=status, json_dumps_params={"ensure_ascii": False})


def _is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


@requires_csrf_token
def bad_request(request, exception=None):
    """handler400 (SuspiciousOperation, e.g. a body over the limits): JSON under /api/ — a body that is too
    large is 413 there."""
    if _is_api(request):
        return json_error(413 if isinstance(exception, RequestDataTooBig) else 400, request)
    return defaults.bad_request(request, exception)


@requires_csrf_token
def permission_denied(request, exception=None):
    if _is_api(request):
        return json_error(403, request)
    return defaults.permission_denied(request, exception)


@requires_csrf_token
def page_not_found(request, exception=None):
    """handler404: an unknown address under /api/ is a JSON 404, never an HTML page."""
    if _is_api(request):
        return json_error(404, request)
    return defaults.page_not_found(request, exception)


@requires_csrf_token
def server_error(request):
    """handler500 (after Django logged the exception): JSON under /api/, the plain error page elsewhere."""
    if _is_api(request):
        return json_error(500, request)
    return defaults.server_error(request)


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers and every registered probe is healthy (the sweep ran recently, the outbox
    is not stuck), 503 otherwise — for load balancers and monitors."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    body: dict = {"status": "ok", "database": "ok"}
    for name, (ok, details) in run_probes().items():
        body[name] = {"ok": ok, **details}
        if not ok:
            body["status"] = "error"
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)
