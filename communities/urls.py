from django.urls import path

from . import views

app_name = "communities"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
]
