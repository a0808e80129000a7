"""The project's URLs plus `/__bench/floor`: a constant JSON answer through the same middleware stack.

Only `kam bench api` and `kam bench pages` use this URLconf (via kam.demo.bench_settings); the floor is what the
framework costs per request (with a session cookie: the session and user look-ups the middleware makes), so the
list endpoints and the pages can be compared with it.
"""

from django.http import JsonResponse
from django.urls import path

from kam.urls import urlpatterns as project_urlpatterns


def floor(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("__bench/floor", floor), *project_urlpatterns]
