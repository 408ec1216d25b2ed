"""The residents' say: verified residents of the communities a shortlist serves vote through
consultation's ballots (approval voting, or one vote per household), and the count enters the
ranking as one weighted criterion."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from consultation import voting
from consultation.models import Ballot, BallotStatus, Franchise, Voter
from projects import reviews
from projects.models import Review, Score
from projects.resident_vote import open_resident_vote, residents_scores
from tests.factories import CommunityFactory, UserFactory, VerifiedResidentFactory
from tests.organisations.factories import OrganisationFactory

from .factories import funding_round
from .reviewing import in_review, officer_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def round():
    return funding_round(
        criteria=(("需求的迫切性", 50), ("方案的可行性", 30)), residents_say_weight=20
    )


@pytest.fixture
def community(round):
    return CommunityFactory(street=round.street)


@pytest.fixture
def elsewhere(round):
    return CommunityFactory(street=round.street)


@pytest.fixture
def officer(round):
    return officer_of(round.street)


@pytest.fixture
def shortlist(round, community):
    organisation = OrganisationFactory(street=round.street, communities=[community])
    return [
        in_review(round, organisation, title="长者智能手机课堂"),
        in_review(round, organisation, title="社区花园共建计划"),
    ]


def open_vote(round, officer, shortlist, franchise=Franchise.RESIDENT):
    now = timezone.now()
    votes, _left_out = open_resident_vote(
        round,
        officer,
        applications=shortlist,
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=3),
        franchise=franchise,
    )
    return votes[0].ballot


def close_now(ballot):
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now())
    ballot.refresh_from_db()
    return voting.close_ballot(ballot)


def test_one_ballot_without_a_topic_for_the_community_served_with_approval_voting(
    round, officer, shortlist, community
):
    ballot = open_vote(round, officer, shortlist)
    assert ballot.topic is None
    assert ballot.community == community
    assert ballot.max_choices == 2
    links = {o.option.position: o.application for o in ballot.resident_vote.options.all()}
    assert links == {1: shortlist[0], 2: shortlist[1]}


def test_only_the_street_office_running_the_round_opens_the_vote(round, shortlist):
    with pytest.raises(PermissionDenied):
        open_vote(round, officer_of(CommunityFactory().street), shortlist)


def test_a_verified_resident_approves_several_projects(round, officer, shortlist, community):
    ballot = open_vote(round, officer, shortlist)
    resident = VerifiedResidentFactory(community=community)
    voting.cast_vote(ballot, resident.user, [1, 2])
    with pytest.raises(ValidationError, match="already voted"):
        voting.cast_vote(ballot, resident.user, [1])


def test_a_resident_of_another_community_is_refused(round, officer, shortlist, elsewhere):
    ballot = open_vote(round, officer, shortlist)
    with pytest.raises(ValidationError, match="Only verified residents"):
        voting.cast_vote(ballot, VerifiedResidentFactory(community=elsewhere).user, [1])
    with pytest.raises(ValidationError, match="Only verified residents"):
        voting.cast_vote(ballot, UserFactory(), [1])
    assert not Voter.objects.filter(ballot=ballot).exists()


def test_second_vote_from_same_household_is_refused(round, officer, shortlist, community):
    ballot = open_vote(round, officer, shortlist, franchise=Franchise.HOUSEHOLD)
    first = VerifiedResidentFactory(community=community)
    partner = VerifiedResidentFactory(community=community, household=first.household)
    voting.cast_vote(ballot, first.user, [1])
    with pytest.raises(ValidationError, match="household has already voted"):
        voting.cast_vote(ballot, partner.user, [2])


def test_the_voter_row_holds_no_choice_and_the_count_matches_the_voters(
    round, officer, shortlist, community
):
    ballot = open_vote(round, officer, shortlist)
    for positions in ([1], [1, 2], [2], [1]):
        voting.cast_vote(ballot, VerifiedResidentFactory(community=community).user, positions)
    assert set(Voter.objects.filter(ballot=ballot).values_list("open_choice", flat=True)) == {None}
    closed = close_now(ballot)
    assert closed.status == BallotStatus.CLOSED
    assert closed.voter_count == closed.paper_count == 4
    assert list(closed.options.values_list("final_count", flat=True)) == [3, 2]


def test_the_clock_closes_a_ballot_without_a_topic(round, officer, shortlist, community):
    from consultation.outcomes import close_due_ballots

    ballot = open_vote(round, officer, shortlist)
    voting.cast_vote(ballot, VerifiedResidentFactory(community=community).user, [2])
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now())
    assert [b.pk for b in close_due_ballots()] == [ballot.pk]
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.CLOSED


def test_no_residents_score_before_the_count(round, officer, shortlist, community):
    ballot = open_vote(round, officer, shortlist)
    voting.cast_vote(ballot, VerifiedResidentFactory(community=community).user, [1])
    assert residents_scores(round) == {}


def test_the_ranking_weighs_the_residents_share_beside_the_reviewers(
    round, officer, shortlist, community
):
    # Reviewers: 8 and 6 on criteria weighing 50 and 30 → (8×50 + 6×30) / 10 = 58.0 of 80.
    criteria = list(round.criteria.all())
    for application in shortlist:
        review = Review.objects.create(
            application=application,
            reviewer=UserFactory(),
            recommendation="fund",
            submitted_at=timezone.now(),
        )
        Score.objects.create(review=review, criterion=criteria[0], score=8)
        Score.objects.create(review=review, criterion=criteria[1], score=6)
    ballot = open_vote(round, officer, shortlist)
    for positions in ([1], [1, 2], [2], [1]):
        voting.cast_vote(ballot, VerifiedResidentFactory(community=community).user, positions)
    close_now(ballot)
    # Residents: 3 of 4 voters approve the first (75.00), 2 of 4 the second (50.00);
    # at a weight of 20: 58.0 + 75 × 20 / 100 = 73.00, and 58.0 + 50 × 20 / 100 = 68.00.
    rows = {row.application.pk: row for row in reviews.ranking(round)}
    first, second = rows[shortlist[0].pk], rows[shortlist[1].pk]
    assert (first.residents_score, first.score) == (Decimal("75.00"), Decimal("73.00"))
    assert (second.residents_score, second.score) == (Decimal("50.00"), Decimal("68.00"))
    assert first.rank == 1
