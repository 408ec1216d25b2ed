"""The anonymous page cache (communities/page_cache.py), switched on as in production.

What a visitor would notice: a second anonymous visit is served without touching the database;
a change anywhere shows on the next visit; nobody is ever served a page built for someone else
(a signed-in resident's page, a page with a message, a form's CSRF token); /healthz, the admin
and other languages are kept apart.
"""

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from communities.page_cache import GENERATION_KEY, HEADER, pages_changed
from tests.consultation.factories import TopicFactory
from tests.factories import VerifiedResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.CACHE_MIDDLEWARE_SECONDS = 60
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def visit(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    return response, len(queries)


def test_a_second_anonymous_visit_is_served_from_the_cache_without_the_database(
    client, community_page
):
    url = f"/{community_page.slug}/topics/"
    first, first_queries = visit(client, url)
    second, second_queries = visit(client, url)

    assert first.status_code == second.status_code == 200
    assert first[HEADER] == "miss" and first_queries > 0
    assert second[HEADER] == "hit"
    assert second_queries == 0
    assert second.content == first.content
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_a_committed_change_shows_on_the_next_anonymous_visit(
    client, community, community_page, django_capture_on_commit_callbacks
):
    url = f"/{community_page.slug}/topics/"
    visit(client, url)
    assert visit(client, url)[0][HEADER] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        TopicFactory(community=community, title="楼道灯坏了三个月")

    response, queries = visit(client, url)
    assert response[HEADER] == "miss" and queries > 0
    assert "楼道灯坏了三个月" in response.content.decode()


def test_a_change_rolled_back_empties_nothing(client, community, community_page):
    """Only a commit moves the generation on: inside a transaction that never commits (as here,
    in the test's own transaction) the pages stay cached."""
    url = f"/{community_page.slug}/topics/"
    visit(client, url)
    TopicFactory(community=community)
    assert visit(client, url)[0][HEADER] == "hit"


def test_a_signed_in_resident_never_gets_the_cached_page_nor_leaves_theirs(
    client, community, community_page
):
    url = f"/{community_page.slug}/"
    anonymous, _ = visit(client, url)
    assert anonymous[HEADER] == "miss"

    resident = VerifiedResidentFactory(household__community=community)
    client.force_login(resident.user)
    signed_in, queries = visit(client, url)
    assert HEADER not in signed_in and queries > 0
    assert 'action="/accounts/logout/"' in signed_in.content.decode()

    client.logout()
    client.cookies.clear()
    again, _ = visit(client, url)
    assert again[HEADER] == "hit"
    assert 'action="/accounts/logout/"' not in again.content.decode()


def test_a_visitor_with_a_message_waiting_is_not_served_from_the_cache(client, community_page):
    url = f"/{community_page.slug}/"
    visit(client, url)
    storage = CookieStorage(RequestFactory().get(url))
    client.cookies["messages"] = storage._encode([Message(constants.SUCCESS, "已提交，等待审核")])

    response, queries = visit(client, url)
    assert HEADER not in response and queries > 0
    assert "已提交，等待审核" in response.content.decode()


def test_a_page_with_a_form_is_never_shared(client):
    """The login form carries a CSRF token tied to the visitor's own cookie."""
    first, _ = visit(client, "/accounts/login/")
    client.cookies.clear()
    second, _ = visit(client, "/accounts/login/")
    assert HEADER not in first and HEADER not in second
    assert second.cookies["csrftoken"].value != first.cookies["csrftoken"].value
    # Nor with the cookie already there: the page renews it, and is drawn for this visitor.
    third, _ = visit(client, "/accounts/login/")
    assert HEADER not in third and "csrftoken" in third.cookies


def test_healthz_and_the_admin_are_never_cached(client):
    for _ in range(2):
        assert HEADER not in client.get("/healthz")
        assert HEADER not in client.get("/admin/")


def test_each_language_has_its_own_copy(client, community_page):
    chinese, _ = visit(client, f"/{community_page.slug}/topics/")
    english, _ = visit(client, f"/en/{community_page.slug}/topics/")
    again, _ = visit(client, f"/en/{community_page.slug}/topics/")
    assert english[HEADER] == "miss" and again[HEADER] == "hit"
    assert 'lang="en"' in again.content.decode()
    assert 'lang="zh-hans"' in chinese.content.decode()


def test_another_query_string_is_another_page(client, community, community_page):
    for _ in range(25):
        TopicFactory(community=community)
    url = f"/{community_page.slug}/topics/"
    first, _ = visit(client, url)
    second_page, _ = visit(client, url + "?page=2")
    assert second_page[HEADER] == "miss"
    assert second_page.content != first.content


def test_a_generation_lost_from_the_cache_never_brings_old_pages_back(client, community_page):
    url = f"/{community_page.slug}/"
    visit(client, url)
    cache.delete(GENERATION_KEY)  # evicted, or Redis restarted without its data
    assert visit(client, url)[0][HEADER] == "miss"
    assert visit(client, url)[0][HEADER] == "hit"
    cache.delete(GENERATION_KEY)
    pages_changed()  # a change while the number was lost starts a new one as well
    assert visit(client, url)[0][HEADER] == "miss"


def test_switched_off_the_cache_keeps_nothing(client, community_page, settings):
    settings.CACHE_MIDDLEWARE_SECONDS = 0
    url = f"/{community_page.slug}/"
    for _ in range(2):
        response, queries = visit(client, url)
        assert HEADER not in response and queries > 0


def test_signed_in_visitors_share_the_home_page_fragment_until_something_changes(
    client, community, community_page, django_capture_on_commit_callbacks
):
    """The communities and their figures are the same for everyone: a signed-in visitor gets
    them drawn once, still with their own header; a change draws them again."""
    first = VerifiedResidentFactory(community=community)
    second = VerifiedResidentFactory(community=community)
    client.force_login(first.user)
    drawn, drawing_queries = visit(client, "/")
    client.force_login(second.user)
    shared, shared_queries = visit(client, "/")

    assert HEADER not in shared
    assert shared_queries < drawing_queries
    assert 'action="/accounts/logout/"' in shared.content.decode()
    assert community.name in shared.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        community.name = "幸福里社区（新）"
        community.save()
    again, again_queries = visit(client, "/")
    assert "幸福里社区（新）" in again.content.decode()
    assert again_queries > shared_queries


def test_the_community_page_is_drawn_once_for_everyone_until_something_changes(
    client, community, community_page, django_capture_on_commit_callbacks
):
    url = f"/{community_page.slug}/"
    resident = VerifiedResidentFactory(community=community)
    client.force_login(resident.user)
    _, drawing_queries = visit(client, url)
    client.force_login(VerifiedResidentFactory(community=community).user)
    shared, shared_queries = visit(client, url)
    assert shared_queries < drawing_queries

    with django_capture_on_commit_callbacks(execute=True):
        TopicFactory(community=community, title="小区东门加装充电桩")
    again, again_queries = visit(client, url)
    assert "小区东门加装充电桩" in again.content.decode()
    assert again_queries > shared_queries
