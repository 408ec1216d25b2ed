"""generate_city at its test-only `tiny` scale: the volumes asked for, the benchmark's
guarantees, ballot tallies equal to the voter rows, and the pages render on the data."""

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from communities.generate import SCALES
from communities.models import Community, Household, Resident, Street
from consultation import voting
from consultation.models import Ballot, BallotCounter, Comment, Topic, TopicState, Voter
from consultation.pages import OutcomePage
from home.models import CommunityPage
from organisations.models import Organisation
from projects.models import Activity, Feedback, Project
from projects.pages import FundingRoundPage

TINY = SCALES["tiny"]


@pytest.fixture
def city(db):
    call_command("generate_city", scale="tiny", seed=7, stdout=io.StringIO())


def open_bench_ballot():
    return (
        Ballot.objects.filter(status="open", topic__isnull=False)
        .annotate(voted=Count("voters"))
        .order_by("topic__community__slug", "topic_id")
        .first()
    )


def unvoted_residents(ballot):
    return Resident.objects.filter(
        community=ballot.community, verified_at__isnull=False, closed_at__isnull=True
    ).exclude(pk__in=Voter.objects.filter(ballot=ballot).values("resident"))


def test_volumes_are_those_of_the_scale(city):
    assert Street.objects.count() == TINY["streets"]
    assert Community.objects.count() == TINY["communities"]
    assert Household.objects.count() == TINY["households"]
    assert Resident.objects.count() == TINY["residents"]
    assert Topic.objects.count() == TINY["topics"]
    assert Comment.objects.count() == TINY["comments"]
    assert Voter.objects.count() == TINY["votes"]
    assert Organisation.objects.count() == TINY["organisations"]
    assert Project.objects.count() == TINY["projects"]
    assert Activity.objects.count() == TINY["activities"]
    assert Feedback.objects.count() == TINY["feedback"]
    assert set(Topic.objects.values_list("status", flat=True)) == set(TopicState.values)
    assert CommunityPage.objects.count() == TINY["communities"]


def test_refuses_a_database_with_communities(city):
    with pytest.raises(CommandError, match="Communities exist"):
        call_command("generate_city", scale="tiny")


def test_benchmark_guarantees(city, client):
    counts = Counter(Topic.objects.annotate(n=Count("comments")).values_list("n", flat=True))
    assert counts[200] == 1

    published = OutcomePage.objects.live().select_related("topic").first()
    assert published.topic.current_notice is not None

    ballot = open_bench_ballot()
    assert ballot.is_open_at()
    assert ballot.voted > 0
    unvoted = unvoted_residents(ballot)
    assert unvoted.count() >= TINY["bench_unvoted"]

    assert FundingRoundPage.objects.filter(applications__isnull=False).exists()
    project = Project.objects.annotate(n=Count("activities")).order_by("-n").first()
    assert project.n >= 100
    assert Feedback.objects.filter(activity__project=project).exists()

    resident = unvoted.select_related("user").first()
    assert client.login(username=resident.user.username, password="bench-password")
    # The benchmark casts votes through the real service; the counters stay exact.
    voting.cast_vote(ballot, resident.user, [1])
    assert set(ballot.counters.values_list("papers", flat=True)) == {ballot.voted + 1}


def test_tallies_equal_the_voter_rows(city):
    voters = dict(Voter.objects.values_list("ballot").annotate(n=Count("pk")))
    counters = {}
    for counter in BallotCounter.objects.all():
        counters.setdefault(counter.ballot_id, []).append(counter)
    assert sum(voters.values()) == TINY["votes"]
    for ballot in Ballot.objects.prefetch_related("options"):
        cast = voters.get(ballot.pk, 0)
        mine = counters[ballot.pk]
        assert {c.papers for c in mine} == {cast}
        assert sum(c.chosen for c in mine) == cast  # one choice per paper
        if ballot.status == "closed":
            assert ballot.voter_count == ballot.paper_count == cast
            assert ballot.eligible_count == voting.eligible_count(ballot)
            chosen = {c.position: c.chosen for c in mine}
            assert {o.position: o.final_count for o in ballot.options.all()} == chosen


def test_pages_render(city, client):
    ballot = open_bench_ballot()
    hot = Topic.objects.annotate(n=Count("comments")).get(n=200)
    outcome = OutcomePage.objects.live().first()
    community = CommunityPage.objects.first()
    project = Project.objects.annotate(n=Count("activities")).order_by("-n").first()
    round_page = FundingRoundPage.objects.filter(applications__isnull=False).first()
    resident = unvoted_residents(ballot).select_related("user").first()
    client.force_login(resident.user)
    for url in (
        "/",
        community.url,
        hot.get_absolute_url(),
        ballot.topic.get_absolute_url(),
        outcome.url,
        round_page.url,
        f"/projects/{project.pk}/",
    ):
        assert client.get(url).status_code == 200, url
