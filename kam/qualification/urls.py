from django.urls import path

from kam.qualification import exports, views

app_name = "qualification"
urlpatterns = [
    path("key-accounts/export.xlsx", exports.key_accounts_export, name="key_accounts_export"),
    path("criteria/", views.criteria, name="criteria"),
    path("reviews/", views.review_list, name="reviews"),
    path("reviews/<int:pk>/", views.review_detail, name="review"),
    path("reviews/<int:pk>/decide/", views.review_decide, name="review_decide"),
    path("reviews/<int:pk>/export.xlsx", views.review_export, name="review_export"),
    path("reviews/<int:pk>/<slug:action>/", views.review_action, name="review_action"),
    path("key-accounts/", views.key_account_list, name="key_accounts"),
    path("key-accounts/recompute-tiers/", views.tiers_recompute, name="tiers_recompute"),
    path("portfolios/", views.portfolios, name="portfolios"),
    path("midyear/", views.midyear, name="midyear"),
]
