"""The dashboard panel: what waits for a decision in each community the user manages."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.components import Component

from communities.permissions import managed_communities

from ..models import (
    CommentReport,
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
        communities = managed_communities(self.user).annotate(
            screening=_count(screening),
            overdue=_count(screening.filter(screening_deadline__lt=timezone.now())),
            reports=Coalesce(Subquery(reports, output_field=IntegerField()), 0),
        )
        return {
            "communities": communities.order_by("name")[:20],
            "topics_url": reverse("topics:index"),
            "comments_url": reverse("topic_comments:index"),
        }
