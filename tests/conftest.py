import pytest
from django.core.cache import cache
from pytest_factoryboy import register

from communities.models import Role
from communities.roles import grant_role

from . import factories

register(factories.UserFactory)
register(factories.StreetFactory)
register(factories.CommunityFactory)
register(factories.GridFactory)
register(factories.HouseholdFactory)
register(factories.RegisteredMemberFactory)
register(factories.ResidentFactory)
register(factories.VerifiedResidentFactory, "verified_resident")


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(db, community):
    """Community staff of `community`, with admin access through their role's group."""
    user = factories.UserFactory(username="staff")
    grant_role(user, Role.COMMUNITY_STAFF, community=community)
    return user


@pytest.fixture
def staff_with_totp(staff):
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(staff, "JBSWY3DPEHPK3PXP")
    return staff


@pytest.fixture
def verified_resident__user(db):
    """Its own account, so a test may use `resident` and `verified_resident` side by side."""
    return factories.UserFactory()


@pytest.fixture
def verified_resident__verified_by(db):
    """Verified by someone else than themselves, as verification requires."""
    return factories.UserFactory()
