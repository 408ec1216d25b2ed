from django.urls import include, path

from . import (
    evaluation_views,
    letters,
    notice_views,
    project_views,
    record_views,
    report_views,
    review_views,
    scan_views,
    views,
    vote_views,
)

app_name = "projects"
urlpatterns = [
    path("", include(views.urlpatterns)),
    path("", include(review_views.urlpatterns)),
    path("", include(letters.urlpatterns)),
    path("", include(notice_views.urlpatterns)),
    path("", include(vote_views.urlpatterns)),
    path("", include(report_views.urlpatterns)),
    path("", include(evaluation_views.urlpatterns)),
    path("", include(scan_views.urlpatterns)),
    path("", include(project_views.urlpatterns)),
    path("", include(record_views.urlpatterns)),
]
