from django.urls import path

from kam.engagement import views

app_name = "engagement"
urlpatterns = [
    path("contacts/", views.contact_list, name="contacts"),
    path("visits/", views.visit_list, name="visits"),
    path("log/", views.log_contact, name="log"),
    path("log/contacts/", views.contact_options, name="contact_options"),
    path("visits/new/", views.book_visit, name="book"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/confirm/", views.visit_confirm, name="visit_confirm"),
    path("visits/<int:pk>/cancel/", views.visit_cancel, name="visit_cancel"),
    path("visits/<int:pk>/record/", views.visit_record, name="visit_record"),
    path("calendar/", views.visit_calendar, name="calendar"),
    path("calendar/feed/", views.calendar_feed, name="calendar_feed"),
    path("calendar/feed/revoke/", views.calendar_feed_revoke, name="calendar_feed_revoke"),
    path("calendar/feed.ics", views.ics_feed, name="ics_bearer"),  # the token in an Authorization header
    path("calendar/<str:token>.ics", views.ics_feed, name="ics"),
]
