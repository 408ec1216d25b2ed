from django.urls import path

from . import views

app_name = "consultation"
urlpatterns = [
    path("topics/mine/", views.my_topics, name="my_topics"),
    path("topics/<int:pk>/", views.topic_detail, name="topic"),
    path("topics/<int:pk>/edit/", views.edit_draft, name="edit"),
    path("topics/<int:pk>/support/", views.support, name="support"),
    path("topics/<int:pk>/comment/", views.comment, name="comment"),
    path("topics/<int:pk>/comments/<int:comment_pk>/reply/", views.reply, name="reply"),
    path("topics/<int:pk>/comments/<int:comment_pk>/report/", views.report, name="report"),
    path("topics/<int:pk>/ballots/<int:ballot_pk>/vote/", views.vote, name="vote"),
    path("topics/<int:pk>/object/", views.object_to_outcome, name="object"),
    path("topics/<int:pk>/rate/", views.rate_outcome, name="rate"),
    path("topics/<int:pk>/notice.pdf", views.notice_pdf, name="notice_pdf"),
    path("topics/<int:pk>/<slug:action>/", views.act, name="act"),
]
