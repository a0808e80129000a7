"""/system/: the administrator's pages (kam.urls includes this module under "system/")."""

from django.urls import path

from kam.users import system_views as views

app_name = "system"
urlpatterns = [
    path("", views.index, name="index"),
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("users/<int:pk>/reset-password/", views.user_password_reset, name="user_password_reset"),
    path("users/<int:pk>/reset-2fa/", views.user_otp_reset, name="user_otp_reset"),
    path("logins/", views.login_history, name="logins"),
    path("throttles/", views.throttles, name="throttles"),
    path("throttles/<int:pk>/lift/", views.throttle_lift, name="throttle_lift"),
]
