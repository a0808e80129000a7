from django.urls import path

from kam.users import views

app_name = "users"
urlpatterns = [
    path("", views.security, name="security"),
    path("password/", views.password_change, name="password_change"),
    path("2fa/enrol/", views.otp_enrol, name="otp_enrol"),
    path("2fa/verify/", views.otp_verify, name="otp_verify"),
    path("2fa/recovery-codes/", views.otp_recovery_codes, name="otp_recovery_codes"),
    path("2fa/remove/", views.otp_remove, name="otp_remove"),
    path("tokens/", views.api_tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.api_token_revoke, name="token_revoke"),
]
