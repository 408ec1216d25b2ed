"""表决 through the browser's eyes: the ballot on the topic page, casting a vote, the published
result, and the staff screens that open and close a ballot.

Resident pages are read under /en/; the clock is frozen at NOW.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from consultation import voting
from consultation.models import Ballot, BallotCounter, BallotStatus, Franchise, TopicState, Voter
from tests.factories import (
    CommunityFactory,
    HouseholdFactory,
    ResidentFactory,
    VerifiedResidentFactory,
)

from .ballot_factories import BallotFactory, VotingTopicFactory
from .factories import CommentFactory, DeliberatingTopicFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
HIDDEN = "Results are hidden from everyone, the community office included, until the ballot closes."
FORM = "Cast my vote"


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request under /en/ activates English for the thread; keep it inside the test."""
    with translation.override(None):
        yield


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def en(path):
    return path if path.startswith("/en/") else "/en" + path


def messages_of(response):
    """The messages this request added (earlier unread ones stay in the cookie)."""
    return [str(m) for m in response.wsgi_request._messages._queued_messages]


@pytest.fixture
def ballot(community, staff):
    return BallotFactory(
        topic=VotingTopicFactory(community=community, title="小区东侧划设停车位"),
        question="是否同意在小区东侧划设停车位？",
        opened_by=staff,
    )


def page_of(client, ballot, user=None):
    if user is not None:
        client.force_login(user)
    response = client.get(en(ballot.topic.get_absolute_url()))
    assert response.status_code == 200
    return response.text


def vote_url(ballot):
    return en(reverse("consultation:vote", args=[ballot.topic.pk, ballot.pk]))


def resident(community, **kwargs):
    return VerifiedResidentFactory(community=community, **kwargs).user


# The ballot on the topic page.


def test_an_eligible_resident_sees_the_question_and_the_vote_form(client, ballot, neighbour):
    text = page_of(client, ballot, neighbour)

    assert "是否同意在小区东侧划设停车位？" in text
    assert FORM in text
    assert vote_url(ballot) in text
    for label in ("赞成", "反对", "弃权"):
        assert label in text


@pytest.mark.parametrize("who", ["anonymous", "stranger", "outsider", "unverified", "staff"])
def test_people_who_may_not_vote_see_the_question_but_no_form(
    client, ballot, community, who, request
):
    if who == "anonymous":
        user = None
    elif who == "unverified":
        user = ResidentFactory(community=community).user
    else:
        user = request.getfixturevalue(who)

    text = page_of(client, ballot, user)

    assert "是否同意在小区东侧划设停车位？" in text
    assert FORM not in text
    assert vote_url(ballot) not in text


def test_no_form_before_the_ballot_opens(client, community, neighbour):
    ballot = BallotFactory(
        topic=VotingTopicFactory(community=community),
        opens_at=NOW + timedelta(hours=2),
        closes_at=NOW + timedelta(days=2),
    )

    assert FORM not in page_of(client, ballot, neighbour)


@pytest.mark.parametrize("who", ["anonymous", "neighbour", "staff", "voter"])
def test_results_stay_hidden_from_everyone_while_the_ballot_is_open(
    client, ballot, community, who, request
):
    users = [resident(community) for _ in range(3)]
    for user in users:
        voting.cast_vote(ballot, user, [1])
    if who == "anonymous":
        viewer = None
    elif who == "voter":
        viewer = users[0]
    else:
        viewer = request.getfixturevalue(who)

    text = page_of(client, ballot, viewer)

    assert HIDDEN in text
    assert "eligible voted" not in text
    assert 'class="tally"' not in text
    assert "Quorum met" not in text and "Quorum not met" not in text


def test_no_page_reads_the_running_counts_while_the_ballot_is_open(
    client, ballot, community, staff_with_totp
):
    """The counters hold running totals in the database; the site must not even read them
    before the close, neither on the topic page nor on the staff's screens of the topic."""
    voting.cast_vote(ballot, resident(community), [1])
    pages = [
        (None, en(ballot.topic.get_absolute_url())),
        (staff_with_totp, en(ballot.topic.get_absolute_url())),
        (staff_with_totp, reverse("topics:inspect", args=[ballot.topic.pk])),
        (staff_with_totp, reverse("topics:index")),
        (staff_with_totp, close_url(ballot.topic)),
    ]
    for user, url in pages:
        if user is not None:
            client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        counters_read = [q["sql"] for q in queries if BallotCounter._meta.db_table in q["sql"]]
        assert counters_read == [], url


def test_a_vote_is_posted_and_the_receipt_is_shown(client, ballot, neighbour):
    client.force_login(neighbour)

    response = client.post(vote_url(ballot), {"choice": "2"})

    assert response.status_code == 302
    assert response["Location"] == en(ballot.topic.get_absolute_url()) + "#ballot"
    voter = Voter.objects.get(ballot=ballot)
    assert messages_of(response) == [f"Your vote is recorded. Keep your receipt: {voter.receipt}"]
    text = page_of(client, ballot)
    assert "Your vote was recorded at 2026-06-01 09:00" in text
    assert voter.receipt in text
    assert FORM not in text
    assert HIDDEN in text


def test_posting_twice_is_refused_with_a_message(client, ballot, neighbour):
    client.force_login(neighbour)
    client.post(vote_url(ballot), {"choice": "2"})

    response = client.post(vote_url(ballot), {"choice": "1"})

    assert messages_of(response) == ["You have already voted on this ballot."]
    assert Voter.objects.filter(ballot=ballot).count() == 1


def test_a_vote_posted_after_staff_closed_the_ballot_is_refused_on_the_topic_page(
    client, ballot, neighbour, staff
):
    assert FORM in page_of(client, ballot, neighbour)  # the form was on the resident's screen
    voting.close_ballot(ballot, actor=staff, reason="业主大会提前召开")

    response = client.post(vote_url(ballot), {"choice": "1"}, follow=True)

    assert response.redirect_chain == [(en(ballot.topic.get_absolute_url()) + "#ballot", 302)]
    assert "Voting on this ballot has closed. Your vote was not recorded." in response.text
    assert not Voter.objects.exists()
    assert Ballot.objects.get(pk=ballot.pk).voter_count == 0


def test_a_post_without_a_valid_option_is_refused(client, ballot, neighbour):
    client.force_login(neighbour)

    for data in ({}, {"choice": "9"}, {"choice": "abc"}):
        response = client.post(vote_url(ballot), data)
        assert response.status_code == 302
        assert messages_of(response) == ["Choose an option (at most 1)."]
    assert not Voter.objects.exists()


def test_a_post_from_someone_not_eligible_stores_nothing(client, ballot, community, outsider):
    client.force_login(outsider)

    response = client.post(vote_url(ballot), {"choice": "1"})

    assert messages_of(response) == [f"Only verified residents of {community.name} can vote."]
    assert not Voter.objects.exists()


def test_an_anonymous_post_goes_to_the_login_page(client, ballot):
    response = client.post(vote_url(ballot), {"choice": "1"})

    assert response.status_code == 302
    assert "login" in response["Location"]
    assert not Voter.objects.exists()


def test_a_ballot_of_another_topic_is_not_found(client, ballot, community, neighbour):
    other = BallotFactory(topic=VotingTopicFactory(community=community))
    client.force_login(neighbour)

    url = en(reverse("consultation:vote", args=[ballot.topic.pk, other.pk]))

    assert client.post(url, {"choice": "1"}).status_code == 404
    assert not Voter.objects.exists()


def test_a_household_member_sees_that_the_household_has_voted(client, community):
    ballot = BallotFactory(
        topic=VotingTopicFactory(community=community), franchise=Franchise.HOUSEHOLD
    )
    home = HouseholdFactory(community=community)
    first = resident(community, household=home)
    second = resident(community, household=home)
    voting.cast_vote(ballot, first, [1])

    text = page_of(client, ballot, second)

    assert "Your household has voted (one vote per household)." in text
    assert FORM not in text
    response = client.post(vote_url(ballot), {"choice": "2"})
    assert messages_of(response) == ["Your household has already voted."]


def test_after_the_close_the_page_shows_counts_turnout_and_quorum(
    client, ballot, community, neighbour, clock
):
    voters = [resident(community) for _ in range(3)]  # with the neighbour: 4 eligible
    for user, position in zip(voters, [1, 1, 2], strict=True):
        voting.cast_vote(ballot, user, [position])
    clock.move_to(ballot.closes_at)
    voting.close_ballot(ballot)

    for viewer in (None, neighbour, voters[0]):
        text = page_of(client, ballot, viewer)
        assert HIDDEN not in text
        assert "3 of 4 eligible voted (75.0%)." in text
        assert "Quorum met" in text
        assert '<span class="tally__label">赞成</span>' in text
        assert '--share: 67%"></span> <strong>2</strong>' in text
        assert '--share: 33%"></span> <strong>1</strong>' in text
        assert '--share: 0%"></span> <strong>0</strong>' in text
        assert FORM not in text


def test_a_failed_count_shows_no_result(client, ballot, community, clock):
    voting.cast_vote(ballot, resident(community), [1])
    ballot.counters.update(papers=0, chosen=0)  # tampering, simulated
    clock.move_to(ballot.closes_at)
    voting.close_ballot(ballot)

    text = page_of(client, ballot)

    assert "failed its integrity check" in text
    assert "eligible voted" not in text
    assert 'class="tally"' not in text


# Staff screens.


@pytest.fixture
def staff_client(client, staff_with_totp):
    client.force_login(staff_with_totp)
    return client


def open_url(topic):
    return reverse("consultation_topic_open_ballot", args=[topic.pk])


def close_url(topic):
    return reverse("consultation_close_ballot", args=[topic.pk])


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def ballot_form(**overrides):
    return {
        "question": "是否同意在小区东侧划设停车位？",
        "options": "赞成\r\n反对\r\n\r\n弃权\r\n",
        "max_choices": "1",
        "opens_at": local(NOW),
        "closes_at": local(NOW + timedelta(days=7)),
        "franchise": Franchise.HOUSEHOLD,
        "quorum_percent": "60",
        "secret": "on",
        **overrides,
    }


def test_staff_open_a_ballot_from_the_admin(staff_client, community, author, staff):
    topic = DeliberatingTopicFactory(community=community, author=author)
    assert staff_client.get(open_url(topic)).status_code == 200

    response = staff_client.post(open_url(topic), ballot_form())

    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.status == TopicState.VOTING
    ballot = topic.ballots.get()
    assert list(ballot.options.values_list("label", flat=True)) == ["赞成", "反对", "弃权"]
    assert (ballot.opens_at, ballot.closes_at) == (NOW, NOW + timedelta(days=7))
    assert ballot.franchise == Franchise.HOUSEHOLD
    assert (ballot.quorum_percent, ballot.secret, ballot.max_choices) == (60, True, 1)
    assert ballot.opened_by == staff
    assert topic.history.order_by("-history_date", "-history_id").first().history_user == staff


def test_an_open_ballot_left_unticked_as_secret_is_an_open_ballot(staff_client, community):
    topic = DeliberatingTopicFactory(community=community)
    data = ballot_form()
    del data["secret"]

    staff_client.post(open_url(topic), data)

    assert topic.ballots.get().secret is False


@pytest.mark.parametrize(
    "overrides",
    [
        {"options": "赞成"},
        {"options": "赞成\n赞成"},
        {"max_choices": "4"},
        {"closes_at": local(NOW - timedelta(days=1)), "opens_at": local(NOW - timedelta(days=2))},
        {"closes_at": local(NOW), "opens_at": local(NOW + timedelta(days=1))},
    ],
    ids=["one option", "duplicate", "too many choices", "past", "closes before opens"],
)
def test_a_bad_ballot_form_is_shown_again_and_nothing_changes(staff_client, community, overrides):
    topic = DeliberatingTopicFactory(community=community)

    response = staff_client.post(open_url(topic), ballot_form(**overrides))

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Ballot.objects.exists()
    topic.refresh_from_db()
    assert topic.status == TopicState.DELIBERATING


def test_staff_close_a_ballot_early_with_a_reason(staff_client, ballot, community):
    voting.cast_vote(ballot, resident(community), [1])
    assert staff_client.get(close_url(ballot.topic)).status_code == 200

    response = staff_client.post(close_url(ballot.topic), {"reason": "业主大会改期"})

    assert response.status_code == 302
    closed = Ballot.objects.get(pk=ballot.pk)
    assert closed.status == BallotStatus.CLOSED
    assert closed.closed_early_reason == "业主大会改期"
    assert closed.voter_count == 1
    assert "业主大会改期" in page_of(staff_client, ballot)


def test_staff_closing_early_are_told_when_the_count_fails(staff_client, ballot, community):
    voting.cast_vote(ballot, resident(community), [1])
    ballot.counters.update(papers=0, chosen=0)  # tampering, simulated

    response = staff_client.post(close_url(ballot.topic), {"reason": "业主大会改期"})

    assert response.status_code == 302
    assert Ballot.objects.get(pk=ballot.pk).status == BallotStatus.FAILED
    told = response.wsgi_request._messages._queued_messages
    assert [m.level_tag for m in told] == ["error"]
    assert "integrity check" in told[0].message or "完整性核对" in told[0].message


def test_closing_early_without_a_reason_is_refused(staff_client, ballot):
    response = staff_client.post(close_url(ballot.topic), {"reason": ""})

    assert response.status_code == 200
    assert Ballot.objects.get(pk=ballot.pk).status == BallotStatus.OPEN


def test_a_closed_ballot_cannot_be_closed_again_from_the_admin(staff_client, ballot, staff):
    voting.close_ballot(ballot, actor=staff, reason="业主大会改期")

    assert staff_client.post(close_url(ballot.topic), {"reason": "再来一次"}).status_code == 404


def test_another_communitys_staff_cannot_open_or_close_its_ballots(staff_client):
    elsewhere = CommunityFactory(name="外社区")
    deliberating = DeliberatingTopicFactory(community=elsewhere)
    voting_ballot = BallotFactory(topic=VotingTopicFactory(community=elsewhere))

    assert staff_client.get(open_url(deliberating)).status_code == 404
    assert staff_client.post(open_url(deliberating), ballot_form()).status_code == 404
    assert staff_client.post(close_url(voting_ballot.topic), {"reason": "越权"}).status_code == 404
    assert Ballot.objects.get(pk=voting_ballot.pk).status == BallotStatus.OPEN
    assert not deliberating.ballots.exists()


# Query budget.

BUDGET = 15


@pytest.fixture
def busy_closed_ballot(community, community_page, clock):
    """A voting topic with a closed, counted ballot and 200 comments (some with replies)."""
    ballot = BallotFactory(topic=VotingTopicFactory(community=community))
    authors = [resident(community) for _ in range(10)]
    for index in range(200):
        CommentFactory(topic=ballot.topic, author=authors[index % 10])
    for parent in ballot.topic.comments.all()[:20]:
        CommentFactory(topic=ballot.topic, author=authors[0], parent=parent, stance="")
    for user, position in zip(authors[:6], [1, 1, 2, 3, 1, 2], strict=True):
        voting.cast_vote(ballot, user, [position])
    clock.move_to(ballot.closes_at)
    voting.close_ballot(ballot)
    return ballot


@pytest.mark.parametrize("who", ["anonymous", "verified resident", "voter"])
def test_a_busy_topic_page_with_a_result_stays_within_the_query_budget(
    client, busy_closed_ballot, community, who, django_assert_max_num_queries
):
    ballot = busy_closed_ballot
    if who == "verified resident":
        client.force_login(resident(community))
    elif who == "voter":
        client.force_login(Voter.objects.filter(ballot=ballot).first().resident.user)
    url = en(ballot.topic.get_absolute_url())
    client.get(url)  # warm the site-root and settings caches, as a live server would have

    with django_assert_max_num_queries(BUDGET):
        response = client.get(url)

    assert response.status_code == 200
    assert "6 of 10 eligible voted (60.0%)." in response.text
    # The first page of the discussion: 50 of the 200 comments, with the replies to them, and
    # the way to the other three pages (the 4th page costs the same: the budget holds there).
    assert response.text.count('class="comment"') == 50
    assert response.text.count("comment comment--reply") == 20
    assert "?page=4" in response.text
    with django_assert_max_num_queries(BUDGET):
        last = client.get(url + "?page=4")
    assert last.text.count('class="comment"') == 50
