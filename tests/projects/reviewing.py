"""People and applications for the review tests: a round's officer, its reviewers, and
applications already in review (their status set directly: screening is another test's)."""

from decimal import Decimal

from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone

from communities.models import Role
from communities.roles import grant_role
from projects.models import ApplicationState, Reviewer
from tests.factories import UserFactory
from tests.organisations.factories import OrganisationFactory

from .factories import application

TOTP_SECRET = "JBSWY3DPEHPK3PXP"


def officer_of(street, **fields):
    """A street officer who passed their second factor (force_login records it)."""
    user = UserFactory(**fields)
    grant_role(user, Role.STREET_OFFICER, street=street)
    TOTP.activate(user, TOTP_SECRET)
    return user


def reviewer_of(round, **fields):
    user = UserFactory(**fields)
    Reviewer.objects.create(round=round, user=user)
    return user


def in_review(round, organisation=None, *, requested="8000.00", **fields):
    """An application of `round` in review, asking `requested` yuan in one line."""
    organisation = organisation or OrganisationFactory(street=round.street)
    amount = Decimal(requested)
    return application(
        round,
        organisation,
        lines=(("活动材料", str(amount), 1, str(amount), "0.00"),),
        status=ApplicationState.IN_REVIEW,
        submitted_at=timezone.now(),
        **fields,
    )


def scores(round, *values, comment=""):
    """{criterion pk: (score, comment)} for the round's criteria, in their order."""
    criteria = list(round.criteria.all())
    assert len(values) == len(criteria)
    return {c.pk: (value, comment) for c, value in zip(criteria, values, strict=True)}
