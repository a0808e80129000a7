from django.urls import path

from kam.qualification import exports, views

app_name = "qualification"
urlpatterns = [
    path("key-accounts/export.xlsx", exports.key_accounts_export, name="key_accounts_export"),
    path("criteria/", views.criteria, name="criteria"),
    path("reviews/", views.review_list, name="reviews"),
    path("reviews/open/", views.review_open, name="review_open"),
    path("reviews/<int:pk>/", views.review_detail, name="review"),
    path("reviews/<int:pk>/decide/", views.review_decide, name="review_decide"),
    path("reviews/<int:pk>/export.xlsx", views.review_export, name="review_export"),
    path("reviews/<int:pk>/redraft/", views.review_redraft, name="review_redraft"),
    path("reviews/<int:pk>/add/", views.review_add, name="review_add"),
    path("reviews/<int:pk>/submit/", views.review_submit, name="review_submit"),
    path("reviews/<int:pk>/approve/", views.review_approve, name="review_approve"),
    path("reviews/<int:pk>/return/", views.review_return, name="review_return"),
    path("key-accounts/", views.key_account_list, name="key_accounts"),
    path("key-accounts/recompute-tiers/", views.tiers_recompute, name="tiers_recompute"),
    path("portfolios/", views.portfolios, name="portfolios"),
    path("portfolios/handover/", views.portfolio_handover, name="portfolio_handover"),
    path("midyear/", views.midyear, name="midyear"),
    path("midyear/proposals/", views.proposal_create, name="proposal_create"),
    path("midyear/proposals/<int:proposal_id>/decide/", views.proposal_decide, name="proposal_decide"),
]
