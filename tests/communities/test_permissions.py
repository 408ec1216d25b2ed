"""Who reaches which community: the functions every staff screen builds its querysets from."""

import pytest
from django.contrib.auth.models import AnonymousUser

from communities.models import Role
from communities.permissions import (
    can_verify,
    is_staff_member,
    managed_communities,
    residents_visible_to,
)
from communities.roles import grant_role, revoke_role
from tests.factories import CommunityFactory, ResidentFactory, StreetFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(street):
    user = UserFactory(username="officer")
    grant_role(user, Role.STREET_OFFICER, street=street)
    return user


def test_community_staff_manage_only_their_community(staff, community, street):
    CommunityFactory(street=street)
    CommunityFactory()
    assert list(managed_communities(staff)) == [community]


def test_street_officer_manages_every_community_of_the_street(officer, street, community):
    neighbour = CommunityFactory(street=street)
    CommunityFactory(street=StreetFactory())
    assert set(managed_communities(officer)) == {community, neighbour}


def test_superuser_manages_every_community(community):
    other = CommunityFactory()
    admin = UserFactory(is_superuser=True)
    assert set(managed_communities(admin)) == {community, other}


def test_anonymous_visitor_manages_nothing(community):
    assert not managed_communities(AnonymousUser()).exists()
    assert not is_staff_member(AnonymousUser())


def test_user_without_a_role_manages_nothing(user, community):
    assert not managed_communities(user).exists()
    assert not is_staff_member(user)


def test_staff_and_officers_are_staff_members(staff, officer):
    assert is_staff_member(staff)
    assert is_staff_member(officer)


def test_revoking_the_last_role_closes_the_admin(staff):
    revoke_role(staff.memberships.get())
    assert not is_staff_member(staff)
    assert not staff.has_perm("wagtailadmin.access_admin")


def test_granted_role_opens_the_admin(staff):
    assert staff.has_perm("wagtailadmin.access_admin")


def test_staff_may_verify_a_resident_of_their_community(staff, resident):
    assert can_verify(staff, resident)


def test_street_officer_may_verify_residents_of_the_street(officer, resident):
    assert can_verify(officer, resident)


def test_staff_may_not_verify_a_resident_of_another_community(staff):
    assert not can_verify(staff, ResidentFactory(community=CommunityFactory()))


def test_staff_may_not_verify_themselves(staff, community):
    own_profile = ResidentFactory(user=staff, community=community)
    assert not can_verify(staff, own_profile)


def test_nobody_verifies_a_resident_who_named_no_community(staff):
    assert not can_verify(staff, ResidentFactory(community=None))


def test_resident_without_a_role_may_not_verify_anyone(resident, verified_resident):
    assert not can_verify(verified_resident.user, resident)


def test_staff_see_only_residents_of_their_community(staff, resident):
    ResidentFactory(community=CommunityFactory())
    assert list(residents_visible_to(staff)) == [resident]
