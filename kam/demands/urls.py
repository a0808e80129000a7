from django.urls import path

from kam.demands import exports, views

app_name = "demands"
urlpatterns = [
    path("export.xlsx", exports.requests_export, name="export"),
    path("", views.request_list, name="list"),
    path("new/", views.request_new, name="new"),
    path("<int:pk>/", views.request_detail, name="detail"),
]
