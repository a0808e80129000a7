from django.urls import path

from kam.care import contract_views, views

app_name = "care"
urlpatterns = [
    path("gifts/", views.gift_list, name="gifts"),
    path("gifts/new/", views.gift_new, name="gift_new"),
    path("gifts/refusals/", views.refusal_list, name="refusals"),
    path("gifts/<int:pk>/", views.gift_detail, name="gift"),
    path("gifts/<int:pk>/decide/", views.gift_decide, name="gift_decide"),
    path("gifts/<int:pk>/given/", views.gift_given, name="gift_given"),
    path("occasions/", views.occasion_list, name="occasions"),
    path("occasions/new/", views.occasion_new, name="occasion_new"),
    path("occasions/<int:pk>/<slug:key>/", views.occasion_detail, name="occasion"),
    path("commitments/", views.commitment_list, name="commitments"),
    path("commitments/new/", views.commitment_new, name="commitment_new"),
    path("commitments/<int:pk>/", views.commitment_detail, name="commitment"),
    path("commitments/<int:pk>/decide/", views.commitment_decide, name="commitment_decide"),
    path("commitments/<int:pk>/done/", views.commitment_done, name="commitment_done"),
    path("integrity/", views.integrity, name="integrity"),
    # A18.2 contracts (kam.care.contract_views)
    path("contracts/", contract_views.contract_list, name="contracts"),
    path("contracts/new/", contract_views.contract_new, name="contract_new"),
    path("contracts/<int:pk>/", contract_views.contract_detail, name="contract"),
    path("contracts/<int:pk>/edit/", contract_views.contract_edit, name="contract_edit"),
    path("contracts/<int:pk>/end/", contract_views.contract_end, name="contract_end"),
    path("contracts/<int:pk>/reveal/", contract_views.contract_reveal, name="contract_reveal"),
    path("contracts/<int:pk>/document/", contract_views.contract_document, name="contract_document"),
]

# A14.2: the gift photo, reports, exports and the half-yearly summary (kam.care.gift_views)
from kam.care import gift_views  # noqa: E402

urlpatterns += [
    path("gifts/export.xlsx", gift_views.gift_export, name="gifts_export"),
    path("gifts/summary/", gift_views.gift_summary, name="gift_summary"),
    path("gifts/reports/<slug:which>/", gift_views.gift_report, name="gift_report"),
    path("gifts/reports/<slug:which>/export.xlsx", gift_views.gift_report_export, name="gift_report_export"),
    path("gifts/<int:pk>/photo/", gift_views.gift_photo, name="gift_photo"),
    path("gifts/<int:pk>/photo/set/", gift_views.gift_photo_set, name="gift_photo_set"),
]

# A14.1: the company's holiday list and the monthly overview (kam.care.occasion_views)
from kam.care import occasion_views  # noqa: E402

urlpatterns += [
    path("holidays/", occasion_views.holiday_list, name="holidays"),
    path("holidays/<int:pk>/", occasion_views.holiday_edit, name="holiday"),
    path("occasion-month/", occasion_views.occasion_month, name="occasion_month"),
]
