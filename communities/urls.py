from django.urls import path

from . import views

app_name = "communities"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/my-data/", views.my_data, name="my_data"),
    path("profile/close/", views.close_my_account, name="close_account"),
    path("notifications/", views.notifications, name="notifications"),
]
