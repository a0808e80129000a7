"""The customer pages (namespace `customers`): the list, one dossier per customer (A6), its edits, reveals of
core data (A7) and the print view."""

from django.urls import path

from kam.dossier import exports, views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("export.xlsx", exports.customer_export, name="export"),
    path("<int:pk>/", views.dossier, name="detail"),
    path("<int:pk>/print/", views.print_view, name="print"),
    path("<int:pk>/activity/", views.activity, name="activity"),
    path("<int:pk>/edit/<slug:section>/", views.section_edit, name="edit"),
    path("<int:pk>/confirm/<slug:section>/", views.section_confirm, name="confirm"),
    path("<int:pk>/contacts/new/", views.contact_form, name="contact_new"),
    path("<int:pk>/contacts/<int:contact_id>/", views.contact_form, name="contact_edit"),
    path("<int:pk>/contacts/<int:contact_id>/anonymise/", views.contact_anonymise, name="contact_anonymise"),
    path("<int:pk>/licenses/", views.license_add, name="license_add"),
    path("<int:pk>/licenses/<int:license_id>/file/", views.license_file, name="license_file"),
    path("<int:pk>/reveal/<slug:what>/", views.reveal, name="reveal"),
    path("<int:pk>/floor-prices/", views.floor_price_save, name="floor_price_save"),
]
