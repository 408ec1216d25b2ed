"""Query budgets for the consultation pages residents open most: a community's topic list and a
busy topic page. The count must not grow with the number of topics or comments."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image
from wagtail.models import Page, Site

from consultation import voting, workflow
from consultation.models import Comment, TopicPhoto
from home.models import CommunityPage, HomePage
from tests.consultation.ballot_factories import BallotFactory, VotingTopicFactory
from tests.consultation.factories import (
    DeliberatingTopicFactory,
    MeetingFactory,
    SupportFactory,
    TopicFactory,
)
from tests.factories import GridFactory, UserFactory, VerifiedResidentFactory

pytestmark = pytest.mark.django_db

BUDGET = 15
# The community page shows a dozen sections (figures, grids, topics, agenda, votes, outcomes,
# satisfaction, rules), one query or so each; what matters is that none grows with the rows.
COMMUNITY_PAGE_BUDGET = 20


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def community_page(db, community):
    root = Page.get_first_root_node()
    home = HomePage(title="议事", slug="yishi-home")
    root.add_child(instance=home)
    home.save_revision().publish()
    Site.objects.filter(is_default_site=True).update(root_page=home)
    page = CommunityPage(title=community.name, slug=community.slug, community=community)
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


def add_topics(community, n):
    grid = GridFactory(community=community)
    for i in range(n):
        topic = TopicFactory(community=community, grid=grid if i % 2 else None)
        for _ in range(1 + i % 3):
            SupportFactory(topic=topic)


def test_topic_list_stays_within_budget_whatever_the_number_of_topics(
    client, community, community_page, django_assert_max_num_queries
):
    url = f"/{community_page.slug}/topics/"
    add_topics(community, 5)
    client.get(url)  # warm the site-root and settings caches, as a live server would have
    with django_assert_max_num_queries(BUDGET):
        few, response = count_queries(client, url)
    assert len(response.context["topics"]) == 5

    add_topics(community, 55)
    with django_assert_max_num_queries(BUDGET):
        many, response = count_queries(client, url)
    assert len(response.context["topics"]) == 20
    with django_assert_max_num_queries(BUDGET):
        last, response = count_queries(client, url + "?page=3")
    assert len(response.context["topics"]) == 20

    assert few == many == last
    # Counted for the page's rows only, and still right.
    shown = response.context["topics"]
    assert [t.support_count for t in shown] == [t.supports.count() for t in shown]


def test_agenda_stays_within_budget_whatever_the_number_of_topics(
    client, community, community_page, django_assert_max_num_queries
):
    url = f"/{community_page.slug}/agenda/"
    for _ in range(3):
        MeetingFactory(topic=DeliberatingTopicFactory(community=community))
    client.get(url)
    with django_assert_max_num_queries(BUDGET):
        few, _response = count_queries(client, url)

    for _ in range(57):
        MeetingFactory(topic=DeliberatingTopicFactory(community=community))
    with django_assert_max_num_queries(BUDGET):
        many, response = count_queries(client, url)
    assert len(response.context["topics"]) == 50
    with django_assert_max_num_queries(BUDGET):
        last, response = count_queries(client, url + "?page=2")
    assert len(response.context["topics"]) == 10
    assert ">51</td>" in response.text  # numbered on from the first page

    assert few == many == last


@pytest.fixture
def busy_topic(community, staff):
    """200 comments (150 top-level, 50 replies, some hidden), meetings and photos."""
    topic = DeliberatingTopicFactory(community=community)
    people = [VerifiedResidentFactory(community=community).user for _ in range(10)]
    top_level = Comment.objects.bulk_create(
        Comment(topic=topic, author=people[i % 10], stance=("for", "against", "other")[i % 3],
                body=f"意见{i}")
        for i in range(150)
    )  # fmt: skip
    Comment.objects.bulk_create(
        Comment(topic=topic, author=people[i % 10], parent=top_level[i], body=f"回复{i}")
        for i in range(50)
    )
    for comment in top_level[:5]:
        workflow.hide_comment(comment, staff, "人身攻击")
    MeetingFactory(topic=topic, minutes="会议纪要", recorded_by=staff)
    MeetingFactory(topic=topic, held_at=timezone.now() + timedelta(days=10), recorded_by=staff)
    for i in range(3):
        buffer = io.BytesIO()
        Image.new("RGB", (4, 4)).save(buffer, "PNG")
        TopicPhoto.objects.create(
            topic=topic, image=SimpleUploadedFile(f"p{i}.png", buffer.getvalue()), position=i
        )
    return topic


def test_busy_topic_page_stays_within_budget_for_a_visitor(
    client, busy_topic, community_page, django_assert_max_num_queries
):
    url = busy_topic.get_absolute_url()
    client.get(url)
    with django_assert_max_num_queries(BUDGET):
        _count, response = count_queries(client, url)
    assert response.text.count('class="comment__hidden"') == 5


def test_busy_topic_page_stays_within_budget_for_a_participant(
    client, busy_topic, community, community_page, django_assert_max_num_queries
):
    participant = VerifiedResidentFactory(community=community).user
    client.force_login(participant)
    url = busy_topic.get_absolute_url()
    client.get(url)
    with django_assert_max_num_queries(BUDGET):
        _count, response = count_queries(client, url)
    assert response.context["can_comment"]
    assert response.text.count('class="comment__hidden"') == 5
    assert response.text.count('name="body"') == 1  # one form, however many comments

    # The last page, replying to a comment there: the same budget, one reply form more.
    last = Comment.objects.filter(topic=busy_topic, parent=None).order_by("-pk").first()
    with django_assert_max_num_queries(BUDGET):
        _count, response = count_queries(client, f"{url}?page=3&reply_to={last.pk}")
    assert response.context["comments"].number == 3
    assert response.text.count('name="body"') == 2


def test_an_outsiders_visit_costs_the_same_as_an_anonymous_one_with_more_comments(
    client, busy_topic, community_page
):
    url = busy_topic.get_absolute_url()
    client.get(url)
    before, _response = count_queries(client, url)
    Comment.objects.bulk_create(
        Comment(topic=busy_topic, author=UserFactory(), stance="for", body=f"新意见{i}")
        for i in range(20)
    )

    after, _response = count_queries(client, url)

    assert after == before


def open_ballots(community, n):
    for _ in range(n):
        ballot = BallotFactory(topic=VotingTopicFactory(community=community))
        voting.cast_vote(ballot, VerifiedResidentFactory(community=community).user, [1])


def test_community_page_stays_within_budget_whatever_the_number_of_votes_under_way(
    client, community, community_page, django_assert_max_num_queries
):
    """正在表决: each ballot's turnout is counted in the one query that lists them."""
    url = community_page.url
    open_ballots(community, 2)
    client.get(url)
    with django_assert_max_num_queries(COMMUNITY_PAGE_BUDGET):
        few, response = count_queries(client, url)
    assert len(response.context["being_voted"]) == 2

    open_ballots(community, 6)
    with django_assert_max_num_queries(COMMUNITY_PAGE_BUDGET):
        many, response = count_queries(client, url)
    assert len(response.context["being_voted"]) == 8

    assert few == many
