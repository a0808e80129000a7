from django.urls import path

from kam.policy import views

app_name = "policy"
urlpatterns = [
    path("", views.in_force, name="in_force"),
    path("versions/new/", views.draft_create, name="draft_create"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/edit/", views.draft_edit, name="draft_edit"),
    path("versions/<int:pk>/submit/", views.version_submit, name="version_submit"),
    path("versions/<int:pk>/publish/", views.version_publish, name="version_publish"),
    path("versions/<int:pk>/return/", views.version_return, name="version_return"),
    path("operating/", views.operating, name="operating"),
]
