"""Verifying a resident, and taking a verification back: who may, with what, and what is kept."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import override

from communities.history_reasons import render_reason
from communities.models import Role, VerificationMethod
from communities.roles import grant_role
from communities.workflow import revoke_verification, verify_resident
from tests.factories import (
    CommunityFactory,
    HouseholdFactory,
    RegisteredMemberFactory,
    ResidentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

IN_PERSON = VerificationMethod.IN_PERSON
REGISTER = VerificationMethod.HOUSEHOLD_REGISTER


def assert_unverified(resident):
    resident.refresh_from_db()
    assert not resident.is_verified
    assert resident.household is None
    assert resident.verified_by is None
    assert resident.verification_method == ""


def test_staff_verify_in_person_with_a_household_of_the_community(staff, resident, household):
    verify_resident(resident, by=staff, method=IN_PERSON, household=household)

    resident.refresh_from_db()
    assert resident.is_verified
    assert resident.household == household
    assert resident.verified_by == staff
    assert resident.verification_method == IN_PERSON


def test_verifying_in_person_needs_a_household(staff, resident):
    with pytest.raises(ValidationError):
        verify_resident(resident, by=staff, method=IN_PERSON)
    assert_unverified(resident)


def test_register_match_finds_the_household_by_itself(staff, resident, household):
    RegisteredMemberFactory(household=household, name=resident.real_name, phone=resident.phone)
    HouseholdFactory(community=resident.community)  # another household nobody points to

    verify_resident(resident, by=staff, method=REGISTER)

    resident.refresh_from_db()
    assert resident.is_verified
    assert resident.household == household
    assert resident.verification_method == REGISTER


def test_register_match_ignores_surrounding_spaces_in_the_name(staff, resident, household):
    RegisteredMemberFactory(household=household, name=resident.real_name, phone=resident.phone)
    resident.real_name = f" {resident.real_name} "
    resident.save()

    verify_resident(resident, by=staff, method=REGISTER)

    assert resident.__class__.objects.get(pk=resident.pk).household == household


def test_no_register_match_refuses_and_changes_nothing(staff, resident, household):
    RegisteredMemberFactory(household=household, name=resident.real_name, phone="13912345678")

    with override("en"), pytest.raises(ValidationError) as error:
        verify_resident(resident, by=staff, method=REGISTER)

    assert resident.real_name in error.value.messages[0]
    assert_unverified(resident)


def test_register_of_another_community_does_not_count(staff, resident):
    elsewhere = HouseholdFactory(community=CommunityFactory())
    RegisteredMemberFactory(household=elsewhere, name=resident.real_name, phone=resident.phone)

    with pytest.raises(ValidationError):
        verify_resident(resident, by=staff, method=REGISTER)
    assert_unverified(resident)


def test_household_of_another_community_is_refused(staff, resident):
    elsewhere = HouseholdFactory(community=CommunityFactory())

    with pytest.raises(ValidationError):
        verify_resident(resident, by=staff, method=IN_PERSON, household=elsewhere)
    assert_unverified(resident)


def test_staff_of_another_community_may_not_verify(resident, household):
    stranger = UserFactory()
    grant_role(stranger, Role.COMMUNITY_STAFF, community=CommunityFactory())

    with pytest.raises(PermissionDenied):
        verify_resident(resident, by=stranger, method=IN_PERSON, household=household)
    assert_unverified(resident)


def test_staff_cannot_verify_themselves(staff, community, household):
    own_profile = ResidentFactory(user=staff, community=community)

    with pytest.raises(PermissionDenied):
        verify_resident(own_profile, by=staff, method=IN_PERSON, household=household)
    assert_unverified(own_profile)


def test_verifying_twice_is_refused(staff, verified_resident, household):
    first_verifier = verified_resident.verified_by
    with pytest.raises(ValidationError):
        verify_resident(verified_resident, by=staff, method=IN_PERSON, household=household)
    verified_resident.refresh_from_db()
    assert verified_resident.verified_by == first_verifier


def test_resident_without_a_real_name_is_not_verified(staff, community, household):
    nameless = ResidentFactory(community=community, real_name="")
    with pytest.raises(ValidationError):
        verify_resident(nameless, by=staff, method=IN_PERSON, household=household)
    assert_unverified(nameless)


def test_unknown_method_is_refused(staff, resident, household):
    with pytest.raises(ValidationError):
        verify_resident(resident, by=staff, method="phone_call", household=household)
    assert_unverified(resident)


def test_revoking_takes_the_verification_back(staff, verified_resident):
    revoke_verification(verified_resident, by=staff, reason="搬离本社区")

    verified_resident.refresh_from_db()
    assert not verified_resident.is_verified
    assert verified_resident.verified_by is None
    assert verified_resident.verification_method == ""


@pytest.mark.parametrize("reason", ["", "   "])
def test_revoking_needs_a_reason(staff, verified_resident, reason):
    with pytest.raises(ValidationError):
        revoke_verification(verified_resident, by=staff, reason=reason)
    verified_resident.refresh_from_db()
    assert verified_resident.is_verified


def test_revoking_an_unverified_resident_is_refused(staff, resident):
    with pytest.raises(ValidationError):
        revoke_verification(resident, by=staff, reason="搬离本社区")


def test_staff_of_another_community_may_not_revoke(verified_resident):
    stranger = UserFactory()
    grant_role(stranger, Role.COMMUNITY_STAFF, community=CommunityFactory())
    with pytest.raises(PermissionDenied):
        revoke_verification(verified_resident, by=stranger, reason="搬离本社区")
    verified_resident.refresh_from_db()
    assert verified_resident.is_verified


def test_a_resident_verified_again_after_revoking(staff, verified_resident, household):
    revoke_verification(verified_resident, by=staff, reason="登记有误")
    verify_resident(verified_resident, by=staff, method=IN_PERSON, household=household)
    verified_resident.refresh_from_db()
    assert verified_resident.is_verified
    assert verified_resident.verified_by == staff


def test_history_records_who_verified_and_how(staff, resident, household):
    with override("en"):
        verify_resident(resident, by=staff, method=IN_PERSON, household=household)

    latest = resident.history.first()
    assert latest.history_user == staff
    assert latest.verified_by == staff
    with override("en"):
        assert render_reason(latest.history_change_reason) == (
            "Verified: In person, with an identity document"
        )
    with override("zh-hans"):
        assert render_reason(latest.history_change_reason).startswith("已核验：")


def test_history_records_who_revoked_and_why(staff, verified_resident):
    with override("en"):
        revoke_verification(verified_resident, by=staff, reason="  搬离本社区 ")

    latest = verified_resident.history.first()
    assert latest.history_user == staff
    assert latest.verified_at is None
    with override("en"):
        assert render_reason(latest.history_change_reason) == "Verification revoked: 搬离本社区"
