"""Who may do what with social organisations: plain, named functions, each tested on its own."""

from django.db.models import Q

from communities.permissions import managed_communities, managed_streets

from .models import Organisation, OrganisationState, Representative


def is_representative(user, organisation):
    return user.is_authenticated and organisation.representatives.filter(user=user).exists()


def represented_by(user):
    """Organisations the user acts for."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(representatives__user=user)


def decides_filing(user, organisation):
    """Street officers of the street an organisation files with decide on its filing."""
    return (
        user.is_authenticated and managed_streets(user).filter(pk=organisation.street_id).exists()
    )


def organisations_for_staff(queryset, user):
    """Staff reach the organisations filed with their street, and community staff those
    serving their community (to know who works there; the street office decides)."""
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    serving = Organisation.communities.through.objects.filter(
        community__in=managed_communities(user)
    ).values("organisation_id")
    return queryset.filter(Q(street__in=managed_streets(user)) | Q(pk__in=serving))


def visible_organisations(user):
    """Everyone sees filed organisations; representatives and the street office also see
    theirs in every other state."""
    filed = Organisation.objects.filter(status=OrganisationState.FILED)
    if not user.is_authenticated:
        return filed
    mine = Representative.objects.filter(user=user).values("organisation_id")
    staff = organisations_for_staff(Organisation.objects.all(), user).values("pk")
    return Organisation.objects.filter(
        Q(status=OrganisationState.FILED) | Q(pk__in=mine) | Q(pk__in=staff)
    )
