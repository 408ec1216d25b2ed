"""What every consultation staff screen shares: who may open it and what it reaches."""

from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_filters import ChoiceFilter
from wagtail.admin.views import generic
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from communities.models import Community
from communities.permissions import managed_communities
from communities.scoping import ScopedViewSet as BaseScopedViewSet

from ..models import (
    Comment,
    ConsultationSettings,
    Meeting,
    Objection,
    Topic,
    TopicState,
)

# ---------------------------------------------------------------------------------------------
# Who may open these screens: anyone who manages a community (staff of it, or an officer of its
# street). Roles are memberships, so no Django model permission is involved; which records they
# reach is narrowed below, per community.


def manages_any_community(user):
    if not (user.is_authenticated and user.is_active):
        return False
    if not hasattr(user, "_consultation_manages_any"):
        user._consultation_manages_any = managed_communities(user).exists()
    return user._consultation_manages_any


class ManagedCommunityPolicy(BasePermissionPolicy):
    """Allows `actions` on the model to people who manage at least one community."""

    def __init__(self, model, actions):
        super().__init__(model)
        self.actions = frozenset(actions)

    def user_has_permission(self, user, action):
        return action in self.actions and manages_any_community(user)

    def user_has_any_permission(self, user, actions):
        return bool(self.actions & set(actions)) and manages_any_community(user)

    def users_with_any_permission(self, actions):
        from django.contrib.auth import get_user_model

        if not self.actions & set(actions):
            return get_user_model().objects.none()
        return (
            get_user_model()
            .objects.filter(
                Q(is_superuser=True) | Q(memberships__isnull=False),
                is_active=True,
            )
            .distinct()
        )


# Topics, comments and objections change only through the workflow; meetings and settings are
# records staff keep. Nothing here is deleted: the process record is kept forever.
register_permission_policy(Topic, ManagedCommunityPolicy(Topic, {"view"}))
register_permission_policy(Comment, ManagedCommunityPolicy(Comment, {"view"}))
register_permission_policy(Objection, ManagedCommunityPolicy(Objection, {"view"}))
register_permission_policy(Meeting, ManagedCommunityPolicy(Meeting, {"view", "add", "change"}))
register_permission_policy(
    ConsultationSettings, ManagedCommunityPolicy(ConsultationSettings, {"view", "add", "change"})
)


def scoped(queryset, user):
    """The part of `queryset` in the communities the user manages; drafts are never staff's."""
    communities = managed_communities(user)
    if queryset.model is Topic:
        return queryset.filter(community__in=communities).exclude(status=TopicState.DRAFT)
    if queryset.model is ConsultationSettings:
        return queryset.filter(community__in=communities)
    return queryset.filter(topic__community__in=communities).exclude(topic__status=TopicState.DRAFT)


class LocalTimeInspectView(generic.InspectView):
    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if isinstance(value, datetime):
            # Shown in the community's time, as the listings do (the template only formats it).
            return timezone.localtime(value)
        return "—" if value is None or value == "" else value


class ScopedViewSet(BaseScopedViewSet):
    scope = staticmethod(scoped)
    form_fields = []  # Topics and comments have no edit form: they change through the workflow.
    inspect_view_class = LocalTimeInspectView


def local_datetime(attribute, only_if=None):
    """A cell showing a date and time as such (“2026-12-05 19:00”), not “in 3 days”."""

    def accessor(instance):
        value = getattr(instance, attribute)
        if value is None or (only_if and not only_if(instance)):
            return ""
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")

    return accessor


YES_NO = [("true", gettext_lazy("Yes")), ("false", gettext_lazy("No"))]


class YesNoFilter(ChoiceFilter):
    """Yes / no; its method receives "true" or "false" (an empty choice filters nothing)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=YES_NO, **kwargs)


def community_choices(request):
    if request is None:
        return Community.objects.none()
    return managed_communities(request.user).order_by("name")
