from django.urls import path

from kam.engagement import views

app_name = "engagement"
urlpatterns = [
    path("log/", views.log_contact, name="log"),
    path("log/contacts/", views.contact_options, name="contact_options"),
    path("visits/new/", views.book_visit, name="book"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("calendar/", views.visit_calendar, name="calendar"),
    path("calendar/feed/", views.calendar_feed, name="calendar_feed"),
    path("calendar/feed.ics", views.ics_feed, name="ics_bearer"),  # the token in an Authorization header
    path("calendar/<str:token>.ics", views.ics_feed, name="ics"),
]
