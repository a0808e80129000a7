"""/system/notify/ (kam.urls includes this module under "system/notify/")."""

from django.urls import path

from kam.notify import views

app_name = "notify"
urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("robots/new/", views.robot_create, name="robot_create"),
    path("robots/<int:pk>/", views.robot_edit, name="robot_edit"),
    path("robots/<int:pk>/toggle/", views.robot_toggle, name="robot_toggle"),
    path("wecom/", views.wecom_app, name="wecom_app"),
]
