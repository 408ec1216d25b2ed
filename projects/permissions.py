"""Who may see and act on applications: plain, named functions, each tested on its own.

An application is the organisation's own while it is a draft: nobody else reaches it, not even
the street office. Once submitted it is also the street office's (the officers of the round's
street), and its assigned reviewers'. Everyone else gets 404, representatives of another
organisation included.
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from communities.permissions import managed_communities, managed_streets
from organisations.models import OrganisationState
from organisations.permissions import represented_by

from .models import Application

SUBMITTED_ONCE = Q(submitted_at__isnull=False)


def applications_of_representative(user):
    """Applications of the organisations the user acts for, drafts included."""
    if not user.is_authenticated:
        return Application.objects.none()
    return Application.objects.filter(organisation__in=represented_by(user).values("pk"))


def applications_for_staff(queryset, user):
    """The admin's scope: officers reach the submitted applications of their street's rounds;
    community staff those serving their community (to know what is planned there; they do
    not decide)."""
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset.filter(SUBMITTED_ONCE)
    serving = Application.communities.through.objects.filter(
        community__in=managed_communities(user)
    ).values("application_id")
    return queryset.filter(
        SUBMITTED_ONCE, Q(round__street__in=managed_streets(user)) | Q(pk__in=serving)
    )


def visible_applications(user):
    """What the application page shows: the organisation's representatives, the officers of
    the round's street once it is submitted, and reviewers assigned to it."""
    if not user.is_authenticated:
        return Application.objects.none()
    mine = Q(organisation__representatives__user=user)
    officers = SUBMITTED_ONCE & Q(round__street__in=managed_streets(user))
    # An assigned reviewer who still holds the round's reviewer role and declared no conflict.
    reviewing = SUBMITTED_ONCE & Q(
        reviews__reviewer=user,
        reviews__conflict_of_interest=False,
        round__reviewers__user=user,
    )
    return Application.objects.filter(
        pk__in=Application.objects.filter(mine | officers | reviewing).values("pk")
    )


def screens_applications(user, application):
    """Officers of the round's street screen its applications."""
    return (
        user.is_authenticated
        and managed_streets(user).filter(pk=application.round.street_id).exists()
    )


def refusal_to_apply(organisation, round):
    """Why `organisation` may not apply to `round`, or None when it may."""
    if organisation.status == OrganisationState.SUSPENDED:
        return _(
            "“%(name)s” is suspended by the street office and cannot apply for funding "
            "until it is reinstated."
        ) % {"name": organisation.name}
    if organisation.status != OrganisationState.FILED:
        return _(
            "“%(name)s” is not filed with the street office yet; only filed organisations "
            "can apply."
        ) % {"name": organisation.name}
    if not round.accepts_category(organisation.category):
        return _("Organisations of the category “%(category)s” cannot apply to “%(round)s”.") % {
            "round": round.title,
            "category": organisation.get_category_display(),
        }
    served = {community.street_id for community in organisation.communities.all()}
    if round.street_id not in served:
        return _("“%(name)s” serves no community of %(street)s, which runs this round.") % {
            "name": organisation.name,
            "street": round.street.name,
        }
    return None


# Funded projects.


def is_project_officer(user, project):
    """The officers of the street whose round funded the project run it: they start it, pay
    its tranches, assign its evaluators and complete its evaluations."""
    return (
        user.is_authenticated and managed_streets(user).filter(pk=project.round.street_id).exists()
    )


def records_for(user, project):
    """Who may record activities, expenses and readings: the organisation's representatives
    and the staff of a community the project serves (a street officer is staff of them all)."""
    if not user.is_authenticated:
        return False
    return projects_recorded_by(user).filter(pk=project.pk).exists()


def projects_recorded_by(user):
    """The projects the user keeps the record of (see `records_for`)."""
    from .models import Project

    if not user.is_authenticated:
        return Project.objects.none()
    if user.is_superuser:
        return Project.objects.all()
    serving = Application.communities.through.objects.filter(
        community__in=managed_communities(user)
    ).values("application_id")
    return Project.objects.filter(
        Q(application__organisation__in=represented_by(user).values("pk"))
        | Q(application_id__in=serving)
    )


def projects_for_staff(queryset, user):
    """The admin's scope: officers of the funding round's street, and staff of a community the
    project serves."""
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    serving = Application.communities.through.objects.filter(
        community__in=managed_communities(user)
    ).values("application_id")
    return queryset.filter(
        Q(application__round__street__in=managed_streets(user)) | Q(application_id__in=serving)
    )


def evaluations_of(user):
    """The evaluations assigned to the user in rounds they still review (ending the reviewer
    membership ends the access), never of an organisation they represent."""
    from .models import Evaluation

    if not user.is_authenticated:
        return Evaluation.objects.none()
    return Evaluation.objects.filter(
        evaluator=user, project__application__round__reviewers__user=user
    ).exclude(project__application__organisation__representatives__user=user)
