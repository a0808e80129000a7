from django.urls import path

from kam.approvals import views

app_name = "approvals"
urlpatterns = [path("", views.waiting, name="waiting")]
