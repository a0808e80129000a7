from django.urls import path

from kam.demands import exports, views

app_name = "demands"
urlpatterns = [
    path("export.xlsx", exports.requests_export, name="export"),
    path("", views.request_list, name="list"),
    path("new/", views.request_new, name="new"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/respond/", views.request_respond, name="respond"),
    path("<int:pk>/solution/", views.request_solution, name="solution"),
    path("<int:pk>/escalate/", views.request_escalate, name="escalate"),
    path("<int:pk>/assign/", views.request_assign, name="assign"),
    path("<int:pk>/outcome/", views.request_outcome, name="outcome"),
    path("<int:pk>/feedback/", views.request_feedback, name="feedback"),
    path("<int:pk>/close/", views.request_close, name="close"),
]
