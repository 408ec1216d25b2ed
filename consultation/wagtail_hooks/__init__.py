"""Staff screens for consultation, inside the Wagtail admin.

Staff see the topics, comments, meetings and settings of the communities they manage and
nothing else: anything of another community answers 404. Screens never change a topic's
status themselves; each button leads to a form whose data goes to consultation.workflow,
and whatever the workflow refuses is shown on the form, with nothing changed.
"""

from django.urls import path
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSetGroup

from .comments import CommentViewSet, HideCommentView
from .common import manages_any_community
from .dashboard import TopicsNeedingDecisionPanel
from .objections import AnswerObjectionView, ObjectionViewSet
from .outcomes import PublishOutcomeView, RecordProgressView, WriteOutcomeView
from .records import (
    ConsultationSettingsViewSet,
    MeetingMinutesView,
    MeetingViewSet,
    RecordMeetingView,
)
from .topics import ACTION_VIEWS, CloseBallotView, EnterOnBehalfView, TopicViewSet


class ConsultationGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Consultation")
    menu_icon = "comment"
    menu_order = 150
    items = (
        TopicViewSet("topics"),
        CommentViewSet("topic_comments"),
        ObjectionViewSet("objections"),
        MeetingViewSet("meetings"),
        ConsultationSettingsViewSet("consultation_settings"),
    )


@hooks.register("register_admin_viewset")
def register_consultation():
    return ConsultationGroup()


@hooks.register("construct_homepage_panels")
def add_decisions_panel(request, panels):
    if manages_any_community(request.user):
        panels.append(TopicsNeedingDecisionPanel(request.user))


@hooks.register("register_admin_urls")
def register_consultation_urls():
    return [
        path(
            f"topics/<int:pk>/{action.replace('_', '-')}/",
            view.as_view(),
            name=f"consultation_topic_{action}",
        )
        for action, view in ACTION_VIEWS.items()
    ] + [
        path("topics/enter/", EnterOnBehalfView.as_view(), name="consultation_enter_topic"),
        path(
            "topics/<int:pk>/close-ballot/",
            CloseBallotView.as_view(),
            name="consultation_close_ballot",
        ),
        path(
            "topics/<int:pk>/write-outcome/",
            WriteOutcomeView.as_view(),
            name="consultation_topic_write_outcome",
        ),
        path(
            "topics/<int:pk>/review-outcome/",
            PublishOutcomeView.as_view(),
            name="consultation_topic_review_outcome",
        ),
        path(
            "topics/<int:pk>/record-meeting/",
            RecordMeetingView.as_view(),
            name="consultation_topic_record_meeting",
        ),
        path(
            "meetings/<int:pk>/minutes/",
            MeetingMinutesView.as_view(),
            name="consultation_meeting_minutes",
        ),
        path(
            "topics/<int:pk>/record-progress/",
            RecordProgressView.as_view(),
            name="consultation_topic_record_progress",
        ),
        path(
            "objections/<int:pk>/answer/",
            AnswerObjectionView.as_view(),
            name="answer_objection",
        ),
        path(
            "topic-comments/<int:pk>/hide/",
            HideCommentView.as_view(),
            name="consultation_hide_comment",
        ),
    ]
