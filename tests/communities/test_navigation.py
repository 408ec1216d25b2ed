"""The header leads a signed-in resident to their notifications (with the unread count), their
topics and their profile; the footer links the consultation rules; the logo is a link home."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.models import Notification

pytestmark = pytest.mark.django_db

UNREAD_QUERY = re.compile(r'FROM "communities_notification".*"read_at" IS NULL', re.S)


def header(response):
    html = response.content.decode()
    return html[html.index('<header class="site-header">') : html.index("</header>")]


def footer(response):
    html = response.content.decode()
    return html[html.index('<footer class="site-footer">') : html.index("</footer>")]


def notify_unread(user, n):
    for i in range(n):
        Notification.objects.create(recipient=user, event="topic.send_to_screening", url=f"/{i}/")


@pytest.fixture
def resident(client, verified_resident):
    client.force_login(verified_resident.user)
    return verified_resident.user


def test_header_shows_unread_count_and_links_to_notifications_and_my_topics(client, resident):
    notify_unread(resident, 3)
    Notification.objects.create(
        recipient=resident, event="topic.send_to_screening", url="/x/", read_at=timezone.now()
    )

    html = header(client.get("/en/profile/"))

    assert 'href="/en/notifications/"' in html
    assert 'href="/en/topics/mine/"' in html
    assert '<span class="nav-count" aria-hidden="true">3</span>' in html
    assert "3 unread" in html


def test_header_shows_no_badge_when_everything_is_read(client, resident):
    Notification.objects.create(
        recipient=resident, event="topic.send_to_screening", url="/x/", read_at=timezone.now()
    )

    html = header(client.get("/en/profile/"))

    assert 'href="/en/notifications/"' in html
    assert "nav-count" not in html


def test_opening_notifications_clears_the_badge_on_that_very_page(client, resident):
    notify_unread(resident, 2)

    response = client.get("/en/notifications/")

    assert "nav-count" not in header(response)
    # The header's count must not overwrite the page's own `unread`: the list still marks both new.
    assert response.text.count('class="badge badge--pending"') == 2
    assert "nav-count" not in header(client.get("/en/profile/"))


def test_badge_counts_only_my_own_notifications(client, resident, user_factory):
    notify_unread(user_factory(), 5)
    notify_unread(resident, 1)

    html = header(client.get("/en/profile/"))

    assert '<span class="nav-count" aria-hidden="true">1</span>' in html


def test_anonymous_visitor_sees_no_personal_links_and_pays_no_unread_query(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/en/accounts/login/")

    html = header(response)
    assert "/notifications/" not in html
    assert "/topics/mine/" not in html
    assert "nav-count" not in html
    assert not [q for q in captured if "communities_notification" in q["sql"]]


def test_signed_in_page_pays_one_query_for_the_unread_count(client, resident):
    notify_unread(resident, 4)

    with CaptureQueriesContext(connection) as captured:
        client.get("/en/profile/")

    assert len([q for q in captured if UNREAD_QUERY.search(q["sql"])]) == 1


def test_logo_is_a_link_home_and_footer_links_the_rules(client):
    response = client.get("/accounts/login/")

    assert re.search(r'<a class="brand" href="/" rel="home">', header(response))
    assert 'href="/rules/"' in footer(response)
    assert "议事规则" in footer(response)
