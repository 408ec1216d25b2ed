import pytest

from home.models import CommunityPage
from tests.factories import CommunityFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def add_community_page(home_page):
    """Publish a CommunityPage under the home page, for `community` or a new one."""

    def add(community=None, **fields):
        community = community or CommunityFactory()
        page = CommunityPage(
            title=community.name, slug=community.slug, community=community, **fields
        )
        home_page.add_child(instance=page)
        page.save_revision().publish()
        return page

    return add
