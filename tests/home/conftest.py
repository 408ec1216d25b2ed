import pytest
from wagtail.models import Page, Site

from home.models import CommunityPage, HomePage
from tests.factories import CommunityFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def home_page(db):
    """A published HomePage under Wagtail's root, serving as the default site's root."""
    root = Page.get_first_root_node()
    home = HomePage(title="议事 · 测试街道", slug="yishi-home", intro="社区的事，大家商量着办")
    root.add_child(instance=home)
    home.save_revision().publish()
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()
    return home


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
