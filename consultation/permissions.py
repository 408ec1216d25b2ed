"""Who may do what with a topic: plain named functions, each tested on its own."""

from communities.models import Resident
from communities.permissions import can_manage_community


def verified_resident_of(user, community):
    """The user's resident profile if it is verified in `community`, else None."""
    if not user.is_authenticated:
        return None
    resident = Resident.objects.filter(user=user).first()
    if resident and resident.is_verified and resident.community_id == community.pk:
        return resident
    return None


def is_staff_for(user, topic):
    return user.is_authenticated and can_manage_community(user, topic.community)


def can_view(user, topic):
    """A draft is its author's alone; others get 404."""
    return topic.status != "draft" or (user.is_authenticated and topic.author_id == user.pk)


def is_invited(user, topic):
    if not user.is_authenticated:
        return False
    return (
        topic.invited_users.filter(pk=user.pk).exists()
        or topic.invited_households.filter(residents__user=user).exists()
    )


def is_participant(user, topic):
    """Verified residents of the community and the parties invited to deliberate."""
    return verified_resident_of(user, topic.community) is not None or is_invited(user, topic)
