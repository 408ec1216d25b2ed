"""Page permissions, per community. Wagtail grants page permissions to groups, not to users, so
each community gets its own group holding add / change / publish on that community's page
only; whoever manages the community (its staff, the officers of its street) is a member.

Outcome pages live under the community's page, so this is what lets staff write and publish
their own community's outcomes in Wagtail's editor, and no other community's.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from wagtail.models import GroupPagePermission

from communities.models import Community, Role
from communities.permissions import managed_communities

PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")


def page_group_name(community):
    # Community names repeat across streets; the key keeps two communities' groups apart.
    return f"{community.name}·社区工作人员 #{community.pk}"


def community_managers(community):
    return (
        get_user_model()
        .objects.filter(
            Q(memberships__role=Role.COMMUNITY_STAFF, memberships__community=community)
            | Q(memberships__role=Role.STREET_OFFICER, memberships__street_id=community.street_id),
            is_active=True,
        )
        .distinct()
    )


def community_staff(community):
    """The community office's own staff: who is told when a step of theirs is due."""
    return (
        get_user_model()
        .objects.filter(
            memberships__role=Role.COMMUNITY_STAFF,
            memberships__community=community,
            is_active=True,
        )
        .distinct()
    )


def ensure_page_permissions(community_page):
    """The community's page group: page rights on `community_page` (and so on the outcome
    pages under it), members the people who manage the community now. Idempotent; whoever
    lost their role since the last call leaves the group."""
    community = community_page.community
    group, _created = Group.objects.get_or_create(name=page_group_name(community))
    permissions = Permission.objects.filter(
        content_type__app_label="wagtailcore", codename__in=PAGE_PERMISSIONS
    )
    for permission in permissions:
        GroupPagePermission.objects.get_or_create(
            group=group, page=community_page, permission=permission
        )
    group.user_set.set(community_managers(community))
    return group


def resync_page_groups(sender, instance, **kwargs):
    """A membership was added, changed or removed (in the admin or anywhere else): the page
    groups of every community it touches are set again from the memberships, so page rights
    end with the role."""
    user = instance.user
    by_name = {page_group_name(community): community for community in Community.objects.all()}
    touched = Community.objects.filter(
        Q(pk=instance.community_id)
        | Q(street_id=instance.street_id)
        | Q(pk__in=managed_communities(user))
    )
    names = {page_group_name(community) for community in touched}
    names |= set(user.groups.filter(name__in=by_name).values_list("name", flat=True))
    for group in Group.objects.filter(name__in=names):
        group.user_set.set(community_managers(by_name[group.name]))
