from django.urls import path

from kam.customers import exports, views
from kam.dossier import views as dossier_views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("export.xlsx", exports.customer_export, name="export"),
    path("<int:pk>/", dossier_views.dossier, name="detail"),
    path("<int:pk>/print/", dossier_views.print_view, name="print"),
    path("<int:pk>/edit/<slug:section>/", dossier_views.section_edit, name="edit"),
    path("<int:pk>/confirm/<slug:section>/", dossier_views.section_confirm, name="confirm"),
    path("<int:pk>/contacts/new/", dossier_views.contact_form, name="contact_new"),
    path("<int:pk>/contacts/<int:contact_id>/", dossier_views.contact_form, name="contact_edit"),
    path("<int:pk>/contacts/<int:contact_id>/anonymise/", dossier_views.contact_anonymise, name="contact_anonymise"),
    path("<int:pk>/licenses/", dossier_views.license_add, name="license_add"),
    path("<int:pk>/reveal/<slug:what>/", dossier_views.reveal, name="reveal"),
    path("<int:pk>/floor-prices/", dossier_views.floor_price_save, name="floor_price_save"),
]
