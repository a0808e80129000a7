from django.urls import path

from kam.confidentiality import views

app_name = "confidentiality"
urlpatterns = [
    path("", views.audit_events, name="audit_events"),
    path("access-log/", views.access_log, name="access_log"),
    path("access-log/export.xlsx", views.access_log_export, name="access_log_export"),
    path("access-log/customers/", views.access_log_customers, name="access_log_customers"),
    path("classification/", views.classification_page, name="classification"),
    path("classification/set/", views.classify, name="classify"),
]
