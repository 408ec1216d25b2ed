"""People and pages around a topic, as fixtures: `def test_x(topic, author, neighbour):`."""

import pytest
from pytest_factoryboy import LazyFixture, register

from communities.models import Role
from communities.roles import grant_role
from consultation.models import ConsultationSettings
from tests.factories import CommunityFactory, UserFactory, VerifiedResidentFactory

from .factories import TopicFactory

register(TopicFactory, "topic", community=LazyFixture("community"), author=LazyFixture("author"))


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def author(db, community):
    """A verified resident of `community` who proposes topics."""
    return VerifiedResidentFactory(community=community, real_name="李提议").user


@pytest.fixture
def neighbour(db, community):
    """A verified resident of `community` who did not write the topic."""
    return VerifiedResidentFactory(community=community, real_name="王邻居").user


@pytest.fixture
def other_community(db):
    return CommunityFactory(name="外社区")


@pytest.fixture
def other_staff(db, other_community):
    """Community staff, but of another community."""
    user = UserFactory(username="other-staff")
    grant_role(user, Role.COMMUNITY_STAFF, community=other_community)
    return user


@pytest.fixture
def outsider(db, other_community):
    """A verified resident of another community."""
    return VerifiedResidentFactory(community=other_community, real_name="赵外人").user


@pytest.fixture
def stranger(db):
    """Logged in, but no resident profile and no role anywhere."""
    return UserFactory(username="stranger")


@pytest.fixture
def consultation_settings(db, community):
    """The community's rules, small enough to reach in a test: 3 supporters, 5 days."""
    found = ConsultationSettings.for_community(community)
    found.support_threshold = 3
    found.screening_days = 5
    found.save()
    return found
