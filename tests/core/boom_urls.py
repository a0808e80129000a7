"""The project's URLs plus two addresses under /api/ that fail: a plain view and an operation of a django-ninja
API — for the test that a server error under /api/ is answered with JSON (the project's handler500)."""

from django.urls import path
from ninja import NinjaAPI

from kam.urls import handler400, handler403, handler404, handler500  # noqa: F401 - the error handlers
from kam.urls import urlpatterns as project_urlpatterns

boom_api = NinjaAPI(urls_namespace="boom-api", auth=None)


@boom_api.get("/fail")
def fail_in_operation(request):
    raise RuntimeError("boom in an API operation")


def fail_in_view(request):
    raise RuntimeError("boom in a view")


urlpatterns = [path("api/boom/view", fail_in_view), path("api/boom/", boom_api.urls), *project_urlpatterns]
