from django.urls import path

from kam.dossier import views

app_name = "dossier"
urlpatterns = [
    path("access-log/", views.access_log, name="access_log"),
    path("access-log/export.xlsx", views.access_log_export, name="access_log_export"),
    path("classification/", views.classification, name="classification"),
]
