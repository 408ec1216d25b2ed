from django.urls import path

from . import views

app_name = "communities"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("notifications/", views.notifications, name="notifications"),
]
