from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from kam.api import api
from kam.core import list_views
from kam.core import views as core_views
from kam.notify import inbox
from kam.obligations import views as obligation_views
from kam.users.views import LoginView
from kam.workbench import search as workbench_search
from kam.workbench import views as workbench_views

admin.site.site_header = "大客户维护系统 · 系统管理"

urlpatterns = [
    path("", workbench_views.home, name="home"),
    path("search/", workbench_search.search_page, name="search"),
    path("search/suggest/", workbench_search.search_suggest, name="search_suggest"),
    path("healthz", core_views.healthz, name="healthz"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("customers/", include("kam.dossier.urls")),
    path("policy/", include("kam.policy.urls")),
    path("audit/", include("kam.confidentiality.urls")),
    path("exchange/", include("kam.exchange.urls")),
    path("designation/", include("kam.qualification.urls")),
    path("engagement/", include("kam.engagement.urls")),
    path("service/", include("kam.service.urls")),
    path("requests/", include("kam.demands.urls")),
    path("care/", include("kam.care.urls")),
    path("queues/<slug:department>/", obligation_views.queue, name="queue"),
    path("obligations/<int:pk>/acknowledge/", obligation_views.acknowledge, name="obligation_acknowledge"),
    path("my-day/", obligation_views.my_day, name="my_day"),
    path("compliance/", obligation_views.compliance, name="compliance"),
    path("approvals/", include("kam.approvals.urls")),
    path("lists/views/", list_views.saved_view_save, name="saved_view_save"),
    path("lists/views/<int:pk>/delete/", list_views.saved_view_delete, name="saved_view_delete"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/read/", inbox.inbox_read, name="inbox_read"),
    path("account/", include("kam.users.urls")),
    path("system/notify/", include("kam.notify.urls")),
    path("system/", include("kam.users.system_urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

# error answers: HTML pages, JSON under /api/ (issue 12 §5)
handler400 = "kam.core.views.bad_request"
handler403 = "kam.core.views.permission_denied"
handler404 = "kam.core.views.page_not_found"
handler500 = "kam.core.views.server_error"
