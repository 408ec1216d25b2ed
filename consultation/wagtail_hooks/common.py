"""What every consultation staff screen shares: who may open it and what it reaches."""

from django.utils.translation import gettext_lazy
from django_filters import ChoiceFilter
from wagtail.permissions import register_permission_policy

from communities.admin_ui import LocalTimeInspectView, local_datetime  # noqa: F401
from communities.models import Community
from communities.permissions import managed_communities
from communities.scoping import ScopedViewSet as BaseScopedViewSet
from communities.scoping import StaffRolePolicy, manages_any_community  # noqa: F401

from ..models import (
    Comment,
    ConsultationSettings,
    Meeting,
    Objection,
    Topic,
    TopicState,
)

# Topics, comments and objections change only through the workflow; meetings and settings are
# records staff keep. Nothing here is deleted: the process record is kept forever.
register_permission_policy(Topic, StaffRolePolicy(Topic, {"view"}))
register_permission_policy(Comment, StaffRolePolicy(Comment, {"view"}))
register_permission_policy(Objection, StaffRolePolicy(Objection, {"view"}))
register_permission_policy(Meeting, StaffRolePolicy(Meeting, {"view", "add", "change"}))
register_permission_policy(
    ConsultationSettings, StaffRolePolicy(ConsultationSettings, {"view", "add", "change"})
)


def scoped(queryset, user):
    """The part of `queryset` in the communities the user manages; drafts are never staff's."""
    communities = managed_communities(user)
    if queryset.model is Topic:
        return queryset.filter(community__in=communities).exclude(status=TopicState.DRAFT)
    if queryset.model is ConsultationSettings:
        return queryset.filter(community__in=communities)
    return queryset.filter(topic__community__in=communities).exclude(topic__status=TopicState.DRAFT)


class ScopedViewSet(BaseScopedViewSet):
    scope = staticmethod(scoped)
    form_fields = []  # Topics and comments have no edit form: they change through the workflow.
    inspect_view_class = LocalTimeInspectView


YES_NO = [("true", gettext_lazy("Yes")), ("false", gettext_lazy("No"))]


class YesNoFilter(ChoiceFilter):
    """Yes / no; its method receives "true" or "false" (an empty choice filters nothing)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=YES_NO, **kwargs)


def community_choices(request):
    if request is None:
        return Community.objects.none()
    return managed_communities(request.user).order_by("name")
