"""The HTTP API (django-ninja): /api/, schema at /api/openapi.json, docs at /api/docs.

Every endpoint reads through the same selectors as the pages; errors are JSON with a message and
the field or rule at fault.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from kam.core.api_tools import document_errors
from kam.core.errors import AccessDenied, ApplicationError
from kam.core.views import json_error
from kam.users.api_auth import ApiRateLimit, ApiTokenRefused, api_auth, throttled_message


class KamAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """The schema with the error answers every operation may give, in one shared schema (issue 12 §5)."""
        return document_errors(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))


api = KamAPI(title="kam API", version="1", auth=api_auth, urls_namespace="api", throttle=[ApiRateLimit()],
             description="大客户维护系统 API。认证：浏览器会话，或 Authorization: Bearer <API 令牌>。"
                         "错误一律为 JSON（message，及 field 或 rule）；每用户、每令牌限速（429 与 Retry-After）。")


@api.exception_handler(AccessDenied)
def _access_denied(request, exc: AccessDenied):
    return api.create_response(request, exc.as_dict(), status=403)


@api.exception_handler(ApplicationError)
def _application_error(request, exc: ApplicationError):
    return api.create_response(request, exc.as_dict(), status=400)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"message": _("未找到。")}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    message = exc.message if isinstance(exc, ApiTokenRefused) else _("未登录或令牌无效。")  # e.g. expired
    return api.create_response(request, {"message": message}, status=401)


@api.exception_handler(Throttled)
def _throttled(request, exc: Throttled):
    # ninja adds Retry-After from the limiter's wait
    return api.create_response(request, {"message": throttled_message(request, exc.wait)}, status=429)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 403 and "CSRF" in str(exc):
        message = _("CSRF 校验失败：请刷新页面后重试，或改用 API 令牌。")
    else:
        message = str(exc)
    return api.create_response(request, {"message": message}, status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return json_error(413, request)


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    errors = exc.errors
    first = errors[0] if errors else {}
    # the field's path; pydantic's tags of union members ("str-enum[TicketStatus]", "literal['']") are no field
    loc = [str(x) for x in first.get("loc", []) if x not in ("body", "query", "path", "payload")
           and str(x).replace("_", "").isalnum()]
    field = ".".join(loc)
    return api.create_response(
        request, {"message": _("「%(f)s」：%(m)s") % {"f": field, "m": first.get("msg", "")}, "field": field,
                  "errors": errors}, status=422)


def _mount() -> None:
    from kam.care.api import router as care_router
    from kam.demands.api import router as requests_router
    from kam.dossier.api import router as customers_router
    from kam.engagement.api import router as visits_router
    from kam.obligations.api import router as obligations_router
    from kam.orders.api import router as orders_router
    from kam.policy.api import router as policy_router
    from kam.qualification.api import router as designation_router
    from kam.service.api import tickets_router

    api.add_router("/customers", customers_router)
    api.add_router("/orders", orders_router)
    api.add_router("/policy", policy_router)
    api.add_router("/designation", designation_router)
    api.add_router("/tickets", tickets_router)
    api.add_router("/requests", requests_router)
    api.add_router("/obligations", obligations_router)
    api.add_router("/visits", visits_router)
    api.add_router("/care", care_router)


_mount()
