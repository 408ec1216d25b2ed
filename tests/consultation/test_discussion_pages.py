"""A long discussion is read a page at a time: fifty top-level comments with all their replies,
oldest first so a comment keeps its address (?page=3#comment-812), and one reply form, opened
from a comment's "Reply" link without JavaScript. Pages are read in English."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from consultation import workflow
from consultation.models import Comment
from consultation.views import COMMENTS_PER_PAGE
from tests.factories import VerifiedResidentFactory

from .factories import DeliberatingTopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    with translation.override(None):
        yield


@pytest.fixture
def discussion(community, author, staff):
    """120 top-level comments a minute apart, each of the first 60 with a reply; the 2nd hidden."""
    topic = DeliberatingTopicFactory(community=community, author=author)
    start = timezone.now() - timedelta(days=1)
    comments = Comment.objects.bulk_create(
        Comment(topic=topic, author=author, stance=("for", "against", "other")[i % 3],
                body=f"意见{i}", created_at=start + timedelta(minutes=i))
        for i in range(120)
    )  # fmt: skip
    Comment.objects.bulk_create(
        Comment(topic=topic, author=author, parent=comments[i], body=f"回复{i}",
                created_at=start + timedelta(minutes=i, seconds=30))
        for i in range(60)
    )  # fmt: skip
    workflow.hide_comment(comments[1], staff, "人身攻击")
    return topic, comments


def page(client, topic, query=""):
    return client.get(f"/en/topics/{topic.pk}/{query}")


def test_the_first_page_shows_fifty_threads_with_their_replies(client, discussion):
    topic, comments = discussion

    response = page(client, topic)

    text = response.text
    assert COMMENTS_PER_PAGE == 50
    assert "意见0<" in text and "意见49<" in text and "意见50<" not in text
    assert "回复0<" in text and "回复49<" in text and "回复50<" not in text
    assert "Hidden by the community office: 人身攻击" in text and "意见1<" not in text
    assert "Page 1 of 3" in text
    assert 'href="?page=3#comments">Newest<' in text
    # The stance counts are the whole discussion's, not the page's (the hidden one is in none).
    assert response.context["stances"] == [
        ("for", "For", 40),
        ("against", "Against", 39),
        ("other", "Other view", 40),
    ]


def test_a_later_page_is_reached_by_its_number(client, discussion):
    topic, comments = discussion

    text = page(client, topic, "?page=3").text

    assert "意见100<" in text and "意见119<" in text and "意见99<" not in text
    assert "Page 3 of 3" in text and 'href="?page=1#comments">Oldest<' in text


def test_a_visitor_sees_no_reply_or_report_links(client, discussion):
    topic, _comments = discussion

    text = page(client, topic).text

    assert "reply_to=" not in text and "/report/" not in text
    assert 'name="body"' not in text


def test_a_participant_gets_one_reply_form_for_the_comment_they_reply_to(
    client, discussion, neighbour
):
    topic, comments = discussion
    client.force_login(neighbour)

    plain = page(client, topic).text
    assert plain.count('name="body"') == 1  # the new-comment form only
    assert f'href="?page=1&amp;reply_to={comments[3].pk}#reply"' in plain
    assert f'href="/en/topics/{topic.pk}/comments/{comments[3].pk}/report/"' in plain

    # A link without the page number finds the comment's page.
    replying = page(client, topic, f"?reply_to={comments[70].pk}").text

    assert "Page 2 of 3" in replying
    assert replying.count('name="body"') == 2
    assert 'id="reply"' in replying
    assert f'action="/en/topics/{topic.pk}/comments/{comments[70].pk}/reply/"' in replying


def test_a_hidden_comment_gets_no_reply_form(client, discussion, neighbour):
    topic, comments = discussion
    client.force_login(neighbour)

    text = page(client, topic, f"?reply_to={comments[1].pk}").text

    assert 'id="reply"' not in text
    assert f"&amp;reply_to={comments[1].pk}#reply" not in text


def test_a_reply_leads_back_to_the_page_of_its_thread(client, discussion, neighbour):
    topic, comments = discussion
    client.force_login(neighbour)

    response = client.post(
        f"/en/topics/{topic.pk}/comments/{comments[70].pk}/reply/", {"body": "同意"}
    )

    assert response.url.endswith(f"?page=2#comment-{comments[70].pk}")
    assert "同意" in client.get(response.url).text


def test_a_new_comment_leads_to_the_newest_page(client, discussion, neighbour):
    topic, _comments = discussion
    client.force_login(neighbour)

    response = client.post(f"/en/topics/{topic.pk}/comment/", {"stance": "for", "body": "新意见"})

    posted = Comment.objects.get(body="新意见")
    assert response.url.endswith(f"?page=3#comment-{posted.pk}")
    assert "新意见" in client.get(response.url).text


def test_an_unknown_page_number_shows_a_page_rather_than_an_error(client, discussion):
    topic, _comments = discussion

    assert page(client, topic, "?page=99").status_code == 200
    assert page(client, topic, "?page=x&reply_to=y").status_code == 200


def test_reporting_from_a_later_page_leads_back_to_it(client, discussion):
    topic, comments = discussion
    reporter = VerifiedResidentFactory(community=topic.community).user
    client.force_login(reporter)

    response = client.post(
        f"/en/topics/{topic.pk}/comments/{comments[110].pk}/report/", {"reason": "广告"}
    )

    assert response.url.endswith(f"?page=3#comment-{comments[110].pk}")


@pytest.fixture
def fragments_on(settings):
    """As in production: the page cache on, so shared fragments are kept (communities/
    page_cache.py); off in the rest of the suite."""
    settings.CACHE_MIDDLEWARE_SECONDS = 60


def test_signed_in_readers_share_a_page_of_the_thread_until_someone_comments(
    client, discussion, neighbour, community, fragments_on, django_capture_on_commit_callbacks
):
    topic, comments = discussion
    another = VerifiedResidentFactory(community=community).user
    client.force_login(neighbour)
    with CaptureQueriesContext(connection) as drawing:
        first = page(client, topic)
    client.force_login(another)
    with CaptureQueriesContext(connection) as sharing:
        shared = page(client, topic)

    assert len(sharing) < len(drawing)  # the thread's comments were not read again
    assert shared.text.count('class="comment"') == first.text.count('class="comment"') == 50
    assert shared.text.count(">Reply</a>") == first.text.count(">Reply</a>") == 49

    assert "新的意见" not in page(client, topic, "?page=3").text  # the last page, kept
    with django_capture_on_commit_callbacks(execute=True):
        workflow.post_comment(topic, another, body="新的意见", stance="for")
    assert "新的意见" in page(client, topic, "?page=3").text


def test_readers_who_may_not_reply_never_get_the_reply_links_from_the_shared_thread(
    client, discussion, neighbour, fragments_on, django_user_model
):
    topic, comments = discussion
    client.force_login(neighbour)
    assert ">Reply</a>" in page(client, topic).text

    outsider = django_user_model.objects.create_user("outsider", password="x")  # no residence
    client.force_login(outsider)
    text = page(client, topic).text
    assert ">Reply</a>" not in text and ">Report</a>" in text
    client.logout()
    text = page(client, topic).text
    assert ">Reply</a>" not in text and ">Report</a>" not in text
