from django.urls import path

from kam.users import views

app_name = "users"
urlpatterns = [
    path("tokens/", views.api_tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.api_token_revoke, name="token_revoke"),
]
