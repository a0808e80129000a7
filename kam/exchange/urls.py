from django.urls import path

from kam.exchange import views

app_name = "exchange"
urlpatterns = [
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.run_detail, name="run"),
    path("imports/<int:pk>/mapping/", views.run_mapping, name="run_mapping"),
    path("imports/<int:pk>/confirm/", views.run_confirm, name="run_confirm"),
    path("imports/<int:pk>/retry/", views.run_retry, name="run_retry"),
    path("imports/<int:pk>/errors.xlsx", views.run_error_file, name="run_error_file"),
    path("templates/<slug:kind>.xlsx", views.template_download, name="template"),
]
