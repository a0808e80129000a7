from django.urls import path

from kam.customers import exports, views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("export.xlsx", exports.customer_export, name="export"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/reveal/<slug:what>/", views.reveal_core, name="reveal"),
]
