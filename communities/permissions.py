"""Who may do what with people and places: plain, named functions, each tested on its own.

A user of another community gets 404 for private things, so views use these to build their
querysets (what is not yours does not exist) rather than to raise 403.
"""

from .models import Community, Membership, Resident, Role, Street


def is_staff_member(user):
    """Holds any staff role (or is a superuser): may enter the Wagtail admin."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or Membership.objects.filter(user=user).exists()


def managed_streets(user):
    if user.is_superuser:
        return Street.objects.all()
    return Street.objects.filter(
        memberships__user=user, memberships__role=Role.STREET_OFFICER
    ).distinct()


def managed_communities(user):
    """Communities whose records the user may see and change in the admin.

    Community staff manage their own community; a street officer manages every community of
    the street; superusers manage all.
    """
    if not user.is_authenticated:
        return Community.objects.none()
    if user.is_superuser:
        return Community.objects.all()
    return Community.objects.filter(
        pk__in=Membership.objects.filter(user=user, role=Role.COMMUNITY_STAFF).values(
            "community_id"
        )
    ) | Community.objects.filter(
        street__in=Membership.objects.filter(user=user, role=Role.STREET_OFFICER).values(
            "street_id"
        )
    )


def can_manage_community(user, community):
    return managed_communities(user).filter(pk=community.pk).exists()


def can_verify(user, resident):
    """Staff of the resident's community (or its street) verify residents, never themselves."""
    if resident.community_id is None or resident.user_id == user.pk:
        return False
    return managed_communities(user).filter(pk=resident.community_id).exists()


def residents_visible_to(user):
    return Resident.objects.filter(community__in=managed_communities(user))
