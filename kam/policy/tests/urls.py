"""A self-contained URLconf for the policy page tests, independent of the project's kam.urls:
the policy URLs for real, every other navigation entry (kam.core NAV) as a stub."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import include, path

from kam.core.context_processors import NAV


def stub(request, *args, **kwargs):
    return HttpResponse("stub")


urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("policy/", include("kam.policy.urls")),
]

_namespaces: dict[str, list[str]] = {}
for _name, _label, _roles in NAV:
    namespace, _, name = _name.rpartition(":")
    if namespace == "policy":
        continue
    if namespace:
        _namespaces.setdefault(namespace, []).append(name)
    else:
        urlpatterns.append(path("" if name == "home" else f"{name}/", stub, name=name))
for namespace, names in _namespaces.items():
    urlpatterns.append(path(f"{namespace}/", include(([path(f"{n}/", stub, name=n) for n in names], namespace))))
if not any(getattr(p, "name", None) == "home" for p in urlpatterns):
    urlpatterns.append(path("", stub, name="home"))
