from django.urls import path

from kam.service import exports, views

app_name = "service"
urlpatterns = [
    path("tickets/export.xlsx", exports.tickets_export, name="tickets_export"),
    path("tickets/", views.ticket_list, name="tickets"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("care/new/", views.care_new, name="care_new"),
]
