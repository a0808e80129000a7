from django.urls import path

from kam.service import exports, views

app_name = "service"
urlpatterns = [
    path("tickets/export.xlsx", exports.tickets_export, name="tickets_export"),
    path("tickets/", views.ticket_list, name="tickets"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/respond/", views.ticket_respond, name="ticket_respond"),
    path("tickets/<int:pk>/schedule/", views.ticket_schedule, name="ticket_schedule"),
    path("tickets/<int:pk>/on-site/", views.ticket_on_site, name="ticket_on_site"),
    path("tickets/<int:pk>/resolve/", views.ticket_resolve, name="ticket_resolve"),
    path("tickets/<int:pk>/close/", views.ticket_close, name="ticket_close"),
    path("tickets/<int:pk>/pause/", views.ticket_pause, name="ticket_pause"),
    path("tickets/<int:pk>/resume/", views.ticket_resume, name="ticket_resume"),
    path("care/new/", views.care_new, name="care_new"),
]
