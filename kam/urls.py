from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from kam.api import api
from kam.core import list_exports
from kam.core import views as core_views
from kam.obligations import views as obligation_views
from kam.service import views as service_views
from kam.users.views import LoginView

admin.site.site_header = "大客户维护系统 · 系统管理"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("customers/", include("kam.customers.urls")),
    path("policy/", include("kam.policy.urls")),
    path("audit/", include("kam.audit.urls")),
    path("dossier/", include("kam.dossier.urls")),
    path("exchange/", include("kam.exchange.urls")),
    path("designation/", include("kam.qualification.urls")),
    path("engagement/", include("kam.engagement.urls")),
    path("service/", include("kam.service.urls")),
    path("requests/", include("kam.demands.urls")),
    path("queues/<slug:department>/", service_views.queue, name="queue"),
    path("designation/key-accounts/export.xlsx", list_exports.key_accounts_export, name="key_accounts_export"),
    path("service/tickets/export.xlsx", list_exports.tickets_export, name="tickets_export"),
    path("requests/export.xlsx", list_exports.requests_export, name="requests_export"),
    path("my-day/", obligation_views.my_day, name="my_day"),
    path("compliance/", obligation_views.compliance, name="compliance"),
    path("inbox/", obligation_views.inbox, name="inbox"),
    path("inbox/read/", obligation_views.inbox_read, name="inbox_read"),
    path("account/", include("kam.users.urls")),
    path("system/notify/", include("kam.notify.urls")),
    path("system/", include("kam.users.system_urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
