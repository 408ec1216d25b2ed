from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("organisations/", views.directory, name="directory"),
    path("organisations/new/", views.file_organisation, name="file"),
    path("organisations/mine/", views.mine, name="mine"),
    path("organisations/<int:pk>/", views.detail, name="detail"),
    path("organisations/<int:pk>/edit/", views.edit, name="edit"),
    path("organisations/<int:pk>/<slug:action>/", views.act, name="act"),
]
