"""The header links to my funding pages: "my applications" when I act for an organisation,
"my reviews" when I review a round; one query for a signed-in page, none for an anonymous one."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Reviewer
from tests.factories import UserFactory
from tests.organisations.factories import OrganisationFactory, representative_of

from .factories import funding_round, home_page

pytestmark = pytest.mark.django_db

MY_APPLICATIONS = reverse("projects:my_applications")
MY_REVIEWS = reverse("projects:my_reviews")


@pytest.fixture
def round():
    home_page()
    return funding_round(OrganisationFactory().street)


def home(client, user=None):
    if user is not None:
        client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def asks_about_funding(sql):
    return '"projects_reviewer"' in sql or '"organisations_representative"' in sql


def test_anonymous_visitors_see_no_funding_links_and_cost_no_query(client, round):
    page, queries = home(client)

    assert MY_APPLICATIONS not in page and MY_REVIEWS not in page
    assert not [sql for sql in queries if asks_about_funding(sql)]


def test_a_resident_without_a_funding_role_sees_neither_link(client, round):
    page, queries = home(client, UserFactory())

    assert MY_APPLICATIONS not in page and MY_REVIEWS not in page
    assert len([sql for sql in queries if asks_about_funding(sql)]) == 1


def test_a_representative_sees_my_applications(client, round):
    representative = representative_of(OrganisationFactory(street=round.street))

    page, _queries = home(client, representative)

    assert MY_APPLICATIONS in page
    assert MY_REVIEWS not in page


def test_a_reviewer_sees_my_reviews(client, round):
    reviewer = UserFactory()
    Reviewer.objects.create(round=round, user=reviewer)

    page, _queries = home(client, reviewer)

    assert MY_REVIEWS in page
    assert MY_APPLICATIONS not in page


def test_both_links_cost_what_the_page_costs_anyone_signed_in(
    client, round, django_assert_max_num_queries
):
    _page, baseline = home(client, UserFactory())
    both = representative_of(OrganisationFactory(street=round.street))
    Reviewer.objects.create(round=round, user=both)
    client.force_login(both)

    with django_assert_max_num_queries(len(baseline)):
        page = client.get("/").content.decode()

    assert MY_APPLICATIONS in page and MY_REVIEWS in page
