"""Invariants the database itself keeps, whatever screen or script writes the rows."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from communities.models import Household, Membership, Role, VerificationMethod
from tests.factories import HouseholdFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_community_staff_without_a_community_cannot_be_saved(user, street):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.COMMUNITY_STAFF, street=street)
    assert not Membership.objects.filter(user=user).exists()


def test_street_officer_without_a_street_cannot_be_saved(user, community):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.STREET_OFFICER, community=community)
    assert not Membership.objects.filter(user=user).exists()


def test_roles_in_their_own_kind_of_place_are_saved(user, community, street):
    Membership.objects.create(user=user, role=Role.COMMUNITY_STAFF, community=community)
    Membership.objects.create(user=user, role=Role.STREET_OFFICER, street=street)
    assert Membership.objects.filter(user=user).count() == 2


def test_the_same_role_in_the_same_community_is_held_once(user, community):
    Membership.objects.create(user=user, role=Role.COMMUNITY_STAFF, community=community)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.COMMUNITY_STAFF, community=community)


@pytest.mark.parametrize(
    "missing",
    [
        {"household": None},
        {"verified_by": None},
        {"verification_method": ""},
    ],
    ids=["without household", "without verifier", "without method"],
)
def test_an_incomplete_verification_cannot_be_saved(resident, household, missing):
    fields = {
        "household": household,
        "verified_at": timezone.now(),
        "verified_by": UserFactory(),
        "verification_method": VerificationMethod.IN_PERSON,
        **missing,
    }
    for name, value in fields.items():
        setattr(resident, name, value)
    with pytest.raises(IntegrityError), transaction.atomic():
        resident.save()
    resident.refresh_from_db()
    assert not resident.is_verified


def test_a_complete_verification_is_saved(resident, household):
    resident.household = household
    resident.verified_at = timezone.now()
    resident.verified_by = UserFactory()
    resident.verification_method = VerificationMethod.IN_PERSON
    resident.save()
    resident.refresh_from_db()
    assert resident.is_verified


def test_an_address_is_one_household_per_community(community):
    HouseholdFactory(community=community, address="幸福路12号301室")
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdFactory(community=community, address="幸福路12号301室")
    assert Household.objects.filter(address="幸福路12号301室").count() == 1


def test_the_same_address_may_exist_in_another_community(community):
    HouseholdFactory(community=community, address="幸福路12号301室")
    HouseholdFactory(address="幸福路12号301室")
    assert Household.objects.filter(address="幸福路12号301室").count() == 2


def test_a_register_number_is_used_once_per_community(community):
    HouseholdFactory(community=community, register_number="0001")
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdFactory(community=community, register_number="0001")


def test_households_without_a_register_number_do_not_clash(community):
    HouseholdFactory(community=community, register_number="")
    HouseholdFactory(community=community, register_number="")
    assert Household.objects.filter(community=community, register_number="").count() == 2


def test_another_community_may_use_the_same_register_number(community):
    HouseholdFactory(community=community, register_number="0001")
    HouseholdFactory(register_number="0001")
    assert Household.objects.filter(register_number="0001").count() == 2
