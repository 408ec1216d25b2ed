"""The residents' say through the browser's eyes: the street office opens the vote from the
ranking, a resident votes on their phone's page, the count shows once closed, and the round and
community pages point to the ballots.

Pages are read under /en/ (assertions read English text)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from consultation import voting
from consultation.models import Ballot, BallotCounter, BallotStatus, Voter
from home.models import CommunityPage
from projects.models import ResidentVote
from projects.resident_vote import open_resident_vote
from tests.factories import CommunityFactory, VerifiedResidentFactory
from tests.organisations.factories import OrganisationFactory

from .factories import funding_round, home_page
from .reviewing import in_review, officer_of

pytestmark = pytest.mark.django_db

HIDDEN = "Results are hidden from everyone, the community office included, until the ballot closes."


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def en(name, args=()):
    with translation.override("en"):
        return reverse(name, args=args)


def messages_of(response):
    return [str(m) for m in response.wsgi_request._messages._queued_messages]


@pytest.fixture
def round():
    return funding_round(residents_say_weight=20)


@pytest.fixture
def community(round):
    return CommunityFactory(street=round.street, name="甲社区")


def in_english_admin(user):
    """The admin speaks the language of the user's profile."""
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


@pytest.fixture
def officer(round):
    return in_english_admin(officer_of(round.street))


@pytest.fixture
def shortlist(round, community):
    organisation = OrganisationFactory(
        street=round.street, communities=[community], name="甲社区书画社"
    )
    return [
        in_review(round, organisation, title="长者智能手机课堂", goals="教老人用手机挂号。"),
        in_review(round, organisation, title="社区花园共建计划", requested="12000.00"),
    ]


@pytest.fixture
def vote(round, officer, shortlist):
    now = timezone.now()
    votes, _left_out = open_resident_vote(
        round,
        officer,
        applications=shortlist,
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=3),
        franchise="resident",
    )
    return votes[0]


@pytest.fixture
def resident(community):
    return VerifiedResidentFactory(community=community)


def vote_url(vote):
    return en("projects:resident_vote", [vote.pk])


def close_now(ballot):
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now())
    ballot.refresh_from_db()
    return voting.close_ballot(ballot)


# The street office


def open_form(shortlist, **fields):
    now = timezone.localtime()
    return {
        "applications": [a.pk for a in shortlist],
        "opens_at": now.strftime("%Y-%m-%d %H:%M"),
        "closes_at": (now + timedelta(days=5)).strftime("%Y-%m-%d %H:%M"),
        "franchise": "household",
        **fields,
    }


def test_the_officer_opens_the_vote_from_the_ranking(client, round, officer, shortlist, community):
    lonely = CommunityFactory(street=round.street, name="乙社区")
    single = in_review(
        round,
        OrganisationFactory(street=round.street, communities=[lonely]),
        title="乙社区独角戏",
    )
    client.force_login(officer)
    url = reverse("projects_resident_vote_admin", args=[round.pk])
    ranking = client.get(reverse("projects_ranking", args=[round.pk])).content.decode()
    assert url in ranking and "Open the residents&#x27; vote" in ranking
    form = client.get(url).content.decode()
    # Every candidate is ticked to begin with.
    assert form.count("checked") >= 3 and "乙社区独角戏" in form

    response = client.post(url, open_form([*shortlist, single]), follow=True)
    assert response.redirect_chain[-1][0] == url
    [message] = [str(m) for m in response.context["messages"]]
    assert "open in: 甲社区" in message and "single project (no choice to make): 乙社区" in message
    vote = ResidentVote.objects.get()
    assert (vote.community, vote.ballot.franchise) == (community, "household")
    page = response.content.decode()
    assert "甲社区" in page and "0 of 0 eligible" in page and vote.get_absolute_url() in page


def test_what_open_resident_vote_refuses_is_shown_on_the_form(client, round, officer, shortlist):
    client.force_login(officer)
    url = reverse("projects_resident_vote_admin", args=[round.pk])
    response = client.post(url, open_form(shortlist[:1]))
    assert response.status_code == 200
    assert "nothing to vote on" in response.content.decode()
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    response = client.post(url, open_form(shortlist, closes_at=past))
    assert "The ballot must close after it opens." in response.content.decode()
    assert not ResidentVote.objects.exists() and not Ballot.objects.exists()


def test_the_office_of_another_street_gets_404(client, round, shortlist):
    client.force_login(officer_of(CommunityFactory().street))
    url = reverse("projects_resident_vote_admin", args=[round.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, open_form(shortlist)).status_code == 404
    assert not ResidentVote.objects.exists()


def test_once_open_the_office_follows_each_ballot(client, round, officer, vote, community):
    voters = [VerifiedResidentFactory(community=community) for _ in range(3)]
    voting.cast_vote(vote.ballot, voters[0].user, [1])
    client.force_login(officer)
    page = client.get(reverse("projects_resident_vote_admin", args=[round.pk])).content.decode()
    # One of the three verified residents (and the fixture's none) has voted.
    assert "1 of 3 eligible (33.3%)" in page
    assert (
        vote.ballot.closes_at.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d %H:%M")
        in page
    )


# Residents


def test_the_vote_page_lists_the_projects_and_asks_to_sign_in(client, vote):
    page = client.get(vote_url(vote)).content.decode()
    assert "长者智能手机课堂" in page and "甲社区书画社" in page
    assert "asks 12,000.00 yuan" in page and "教老人用手机挂号。" in page
    assert "Sign in to vote" in page and "Cast my vote" not in page
    assert client.post(vote_url(vote), {"choice": [1]}).status_code == 302
    assert not Voter.objects.exists()


def test_a_resident_approves_two_projects_once_and_the_vote_is_secret(client, vote, resident):
    client.force_login(resident.user)
    page = client.get(vote_url(vote)).content.decode()
    assert 'type="checkbox"' in page and "Cast my vote" in page and HIDDEN in page

    response = client.post(vote_url(vote), {"choice": ["1", "2"]})
    voter = Voter.objects.get(ballot=vote.ballot)
    assert any(voter.receipt in m for m in messages_of(response))
    page = client.get(response["Location"]).content.decode()
    assert f"receipt {voter.receipt}" in page and "Cast my vote" not in page and HIDDEN in page
    # Who voted is kept, what they chose is not: the Voter row holds no choice and nothing
    # links it to the counters, which only say how many papers ticked each project.
    assert voter.open_choice is None
    counters = BallotCounter.objects.filter(ballot=vote.ballot).order_by("position")
    assert [(c.papers, c.chosen) for c in counters] == [(1, 1), (1, 1)]
    assert not {f.related_model for f in Voter._meta.get_fields() if f.is_relation} & {
        BallotCounter
    }

    second = client.post(vote_url(vote), {"choice": ["1"]})
    assert messages_of(second) == ["You have already voted on this ballot."]
    assert Voter.objects.filter(ballot=vote.ballot).count() == 1
    assert [c.papers for c in counters.all()] == [1, 1]


def test_a_resident_of_another_community_is_refused(client, round, vote):
    outsider = VerifiedResidentFactory(community=CommunityFactory(street=round.street))
    client.force_login(outsider.user)
    page = client.get(vote_url(vote)).content.decode()
    assert "Only verified residents of 甲社区 can vote." in page and "Cast my vote" not in page
    response = client.post(vote_url(vote), {"choice": ["1"]})
    assert messages_of(response) == ["Only verified residents of 甲社区 can vote."]
    assert not Voter.objects.exists()


def test_a_closed_ballot_refuses_the_vote_and_shows_the_count(client, vote, community, resident):
    for positions in ([1], [1, 2], [2], [1]):
        voting.cast_vote(vote.ballot, VerifiedResidentFactory(community=community).user, positions)
    close_now(vote.ballot)
    client.force_login(resident.user)
    response = client.post(vote_url(vote), {"choice": ["2"]})
    assert messages_of(response) == [
        "Voting on this ballot has closed. Your vote was not recorded."
    ]
    assert Voter.objects.filter(ballot=vote.ballot).count() == 4
    page = client.get(vote_url(vote)).content.decode()
    # Five verified residents; four voted. The counts are the stored result.
    assert "4 of 5 eligible voted (80.0%)" in page
    assert "<strong>3</strong>" in page and "<strong>2</strong>" in page
    assert HIDDEN not in page and "Cast my vote" not in page and "Quorum" not in page


def test_a_vote_of_an_unpublished_round_or_unknown_number_is_404(client, vote):
    assert client.get(en("projects:resident_vote", [vote.pk + 1000])).status_code == 404
    vote.round.unpublish()
    assert client.get(vote_url(vote)).status_code == 404


def test_the_vote_page_takes_a_bounded_number_of_queries(
    client, vote, resident, django_assert_max_num_queries
):
    client.force_login(resident.user)
    client.get(vote_url(vote))  # the site's settings are made on a first visit
    with django_assert_max_num_queries(12):
        client.get(vote_url(vote))
    with django_assert_max_num_queries(12):
        client.post(vote_url(vote), {"choice": ["1"]})


# Where residents find the vote


def test_the_round_page_points_residents_to_their_ballot(client, round, vote, resident):
    url = round.url
    anonymous = client.get(url).content.decode()
    assert "Residents' vote in progress" in anonymous and vote.get_absolute_url() in anonymous
    assert "Vote for" not in anonymous
    client.force_login(resident.user)
    page = client.get(url).content.decode()
    assert "Vote for 甲社区" in page


@pytest.fixture
def community_page(community):
    home = home_page()
    page = CommunityPage(title=community.name, slug="jia", community=community)
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def test_the_community_page_lists_the_open_funding_ballot(
    client, vote, community, community_page, django_assert_max_num_queries
):
    voting.cast_vote(vote.ballot, VerifiedResidentFactory(community=community).user, [1])
    client.get(community_page.url)
    with django_assert_max_num_queries(20):
        response = client.get(community_page.url)
    page = response.content.decode()
    [ballot] = response.context["being_voted"]
    assert ballot.resident_vote == vote and (ballot.votes, ballot.eligible) == (1, 1)
    assert vote.get_absolute_url() in page and vote.round.title in page
    close_now(vote.ballot)
    assert not client.get(community_page.url).context["being_voted"]
    assert Ballot.objects.get().status == BallotStatus.CLOSED
