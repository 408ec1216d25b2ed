"""The dashboard panel: what waits for staff in each community the user manages — decisions,
reported comments, unanswered objections and outcomes past their implementation deadline."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.components import Component

from communities.permissions import managed_communities

from ..models import (
    CommentReport,
    Objection,
    Topic,
    TopicState,
)


def _count(queryset):
    return Coalesce(
        Subquery(
            queryset.order_by().values("community_id").annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


class TopicsNeedingDecisionPanel(Component):
    """The topics waiting for staff (the screening deadline is a promise to residents)."""

    order = 40
    template_name = "consultation/admin/decisions_panel.html"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        here = OuterRef("pk")
        screening = Topic.objects.filter(community=here, status=TopicState.SCREENING)
        reports = (
            CommentReport.objects.filter(comment__topic__community=here, resolved_at__isnull=True)
            .order_by()
            .values("comment__topic__community")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        )
        objections = (
            Objection.objects.filter(notice__community=here, answered_at__isnull=True)
            .order_by()
            .values("notice__community")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        )
        late = Topic.objects.filter(
            community=here,
            status=TopicState.IMPLEMENTING,
            implementation_deadline__lt=timezone.localdate(),
        )
        communities = managed_communities(self.user).annotate(
            screening=_count(screening),
            overdue=_count(screening.filter(screening_deadline__lt=timezone.now())),
            reported=Coalesce(Subquery(reports, output_field=IntegerField()), 0),
            objections=Coalesce(Subquery(objections, output_field=IntegerField()), 0),
            implementation_overdue=_count(late),
        )
        return {
            "communities": communities.order_by("name")[:20],
            "topics_url": reverse("topics:index"),
            "comments_url": reverse("topic_comments:index"),
            "objections_url": reverse("objections:index"),
        }
