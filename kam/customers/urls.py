from django.urls import path

from kam.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/reveal/<slug:what>/", views.reveal_core, name="reveal"),
]
