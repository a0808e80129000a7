# placeholder until the policy pages land
from django.http import HttpResponse
from django.urls import path

app_name = "policy"
urlpatterns = [path("", lambda request: HttpResponse("policy"), name="in_force")]
