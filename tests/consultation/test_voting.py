"""表决: staff open a ballot on a deliberated topic, verified residents vote once (or once per
household, 每户一票) — each vote added to the ballot's counters, never stored as a paper — and the
close counts once, stores the result and checks papers = voters.

The clock is frozen at NOW so that windows and quorums are exact; messages are read in English.
"""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db.models import F
from django.utils import translation

from communities.models import Notification
from consultation import voting, workflow
from consultation.models import (
    Ballot,
    BallotCounter,
    BallotOption,
    BallotStatus,
    Franchise,
    Topic,
    TopicState,
    Voter,
)
from tests.factories import HouseholdFactory, ResidentFactory, VerifiedResidentFactory

from .ballot_factories import BallotFactory, VotingTopicFactory
from .factories import DeliberatingTopicFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def topic(community, author):
    return DeliberatingTopicFactory(community=community, author=author, title="小区停车位划线")


@pytest.fixture
def ballot(community, staff):
    return BallotFactory(topic=VotingTopicFactory(community=community), opened_by=staff)


def resident(community, household=None, **kwargs):
    """A new verified resident's user account (own household unless one is given)."""
    if household is not None:
        kwargs["household"] = household
    return VerifiedResidentFactory(community=community, **kwargs).user


def refusal(call, *args, **kwargs):
    with pytest.raises(ValidationError) as error:
        call(*args, **kwargs)
    return " ".join(error.value.messages)


def running(ballot):
    """The ballot's counters: papers cast so far, and the times each option was ticked."""
    counters = BallotCounter.objects.filter(ballot=ballot).order_by("position")
    papers = set(counters.values_list("papers", flat=True))
    assert len(papers) == 1  # every vote adds one paper to every counter
    return {"papers": papers.pop(), "chosen": list(counters.values_list("chosen", flat=True))}


NONE_YET = {"papers": 0, "chosen": [0, 0, 0]}


def ballot_data(**overrides):
    return {
        "question": "是否同意在小区东侧划设停车位？",
        "options": ["赞成", "反对", "弃权"],
        "opens_at": NOW,
        "closes_at": NOW + timedelta(days=7),
        "franchise": Franchise.HOUSEHOLD,
        "quorum_percent": 60,
        "secret": True,
        "max_choices": 1,
        **overrides,
    }


def stored(ballot):
    """What residents are shown after the close, as stored."""
    ballot = Ballot.objects.get(pk=ballot.pk)
    return {
        "status": ballot.status,
        "eligible": ballot.eligible_count,
        "voters": ballot.voter_count,
        "papers": ballot.paper_count,
        "quorum_met": ballot.quorum_met,
        "counts": list(ballot.options.order_by("position").values_list("label", "final_count")),
    }


# Opening a ballot.


def test_staff_open_a_ballot_and_the_topic_moves_to_voting_in_its_history(topic, staff):
    workflow.perform(topic, "open_ballot", staff, **ballot_data())

    topic.refresh_from_db()
    assert topic.status == TopicState.VOTING
    step = topic.history.order_by("-history_date", "-history_id").first()
    assert step.status == TopicState.VOTING
    assert step.history_user == staff
    ballot = topic.ballots.get()
    assert ballot.question == "是否同意在小区东侧划设停车位？"
    assert list(ballot.options.values_list("position", "label")) == [
        (1, "赞成"),
        (2, "反对"),
        (3, "弃权"),
    ]
    assert (ballot.opens_at, ballot.closes_at) == (NOW, NOW + timedelta(days=7))
    assert ballot.franchise == Franchise.HOUSEHOLD
    assert ballot.quorum_percent == 60
    assert ballot.secret is True
    assert ballot.max_choices == 1
    assert ballot.status == BallotStatus.OPEN
    assert ballot.opened_by == staff


def test_followers_are_told_that_voting_is_open(topic, staff, author):
    workflow.perform(topic, "open_ballot", staff, **ballot_data())

    told = Notification.objects.filter(event="ballot.opened")
    assert author in [n.recipient for n in told]
    assert staff not in [n.recipient for n in told]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"options": ["赞成"]}, "A ballot needs at least two options."),
        ({"options": ["赞成", "  ", ""]}, "A ballot needs at least two options."),
        ({"options": ["赞成", "反对", "赞成 "]}, "Two options have the same text."),
        ({"max_choices": 4}, "Voters can tick between 1 and 3 options."),
        ({"max_choices": 0}, "Voters can tick between 1 and 3 options."),
        (
            {"opens_at": NOW + timedelta(days=2), "closes_at": NOW + timedelta(days=1)},
            "The ballot must close after it opens.",
        ),
        ({"closes_at": NOW}, "The ballot must close after it opens."),
        (
            {"opens_at": NOW - timedelta(days=3), "closes_at": NOW - timedelta(hours=1)},
            "The closing time is already past.",
        ),
        ({"question": "  "}, "Write the question residents vote on."),
    ],
    ids=[
        "one option",
        "blank options",
        "duplicate options",
        "more choices than options",
        "no choice",
        "closes before it opens",
        "closes as it opens",
        "closing time past",
        "no question",
    ],
)
def test_a_bad_ballot_is_refused_and_nothing_is_created(topic, staff, overrides, message):
    assert refusal(workflow.perform, topic, "open_ballot", staff, **ballot_data(**overrides)) == (
        message
    )

    topic.refresh_from_db()
    assert topic.status == TopicState.DELIBERATING
    assert not Ballot.objects.exists()
    assert not BallotOption.objects.exists()
    assert topic.history.filter(status=TopicState.VOTING).count() == 0
    assert not Notification.objects.filter(event="ballot.opened").exists()


@pytest.mark.parametrize("who", ["author", "neighbour", "other_staff", "stranger"])
def test_only_the_communitys_staff_open_a_ballot(topic, who, request):
    actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        workflow.perform(topic, "open_ballot", actor, **ballot_data())

    assert Topic.objects.get(pk=topic.pk).status == TopicState.DELIBERATING
    assert not Ballot.objects.exists()


def test_a_ballot_opens_only_on_a_deliberated_topic(community, author, staff):
    collecting = DeliberatingTopicFactory(community=community, author=author, status="collecting")

    message = refusal(workflow.perform, collecting, "open_ballot", staff, **ballot_data())

    assert "not possible now" in message
    assert not Ballot.objects.exists()


# Casting a vote.


def test_a_verified_resident_votes_once_and_gets_a_receipt(ballot, verified_resident):
    voter = voting.cast_vote(ballot, verified_resident.user, [2])

    assert len(voter.receipt) == 10
    assert Voter.objects.get(ballot=ballot).receipt == voter.receipt
    assert running(ballot) == {"papers": 1, "chosen": [0, 1, 0]}


def test_voting_twice_is_refused_and_only_one_vote_is_kept(ballot, verified_resident):
    voting.cast_vote(ballot, verified_resident.user, [1])

    message = refusal(voting.cast_vote, ballot, verified_resident.user, [2])

    assert message == "You have already voted on this ballot."
    assert Voter.objects.filter(ballot=ballot).count() == 1
    assert running(ballot) == {"papers": 1, "chosen": [1, 0, 0]}


@pytest.mark.parametrize("who", ["unverified", "outsider", "stranger", "anonymous"])
def test_only_verified_residents_of_the_community_vote(ballot, community, who, request):
    if who == "unverified":
        user = ResidentFactory(community=community).user
    elif who == "anonymous":
        user = AnonymousUser()
    else:
        user = request.getfixturevalue(who)

    message = refusal(voting.cast_vote, ballot, user, [1])

    assert message == f"Only verified residents of {community.name} can vote."
    assert not Voter.objects.exists()
    assert running(ballot) == NONE_YET


def test_no_vote_before_the_ballot_opens(community, verified_resident):
    ballot = BallotFactory(
        topic=VotingTopicFactory(community=community),
        opens_at=NOW + timedelta(hours=1),
        closes_at=NOW + timedelta(days=1),
    )

    assert refusal(voting.cast_vote, ballot, verified_resident.user, [1]) == (
        "This ballot is not open for voting now."
    )
    assert not Voter.objects.exists()


def test_no_vote_once_the_closing_time_has_come(ballot, verified_resident, clock):
    clock.move_to(ballot.closes_at)

    assert refusal(voting.cast_vote, ballot, verified_resident.user, [1]) == (
        "This ballot is not open for voting now."
    )
    assert not Voter.objects.exists()


def test_a_vote_in_the_last_minute_counts(ballot, verified_resident, clock):
    clock.move_to(ballot.closes_at - timedelta(minutes=1))

    voting.cast_vote(ballot, verified_resident.user, [1])

    assert Voter.objects.filter(ballot=ballot).count() == 1


def test_no_vote_on_a_ballot_closed_early(ballot, verified_resident, staff):
    voting.close_ballot(ballot, actor=staff, reason="业主大会改期")

    assert refusal(voting.cast_vote, ballot, verified_resident.user, [1]) == (
        "Voting on this ballot has closed. Your vote was not recorded."
    )


def test_ticking_more_options_than_allowed_is_refused(community, verified_resident):
    ballot = BallotFactory(topic=VotingTopicFactory(community=community), max_choices=2)

    assert refusal(voting.cast_vote, ballot, verified_resident.user, [1, 2, 3]) == (
        "Choose at most 2 options."
    )
    assert not Voter.objects.exists()
    assert running(ballot) == NONE_YET


def test_up_to_max_choices_options_are_counted_as_one_paper(community, verified_resident):
    ballot = BallotFactory(topic=VotingTopicFactory(community=community), max_choices=2)

    voting.cast_vote(ballot, verified_resident.user, [3, 1])

    assert running(ballot) == {"papers": 1, "chosen": [1, 0, 1]}


@pytest.mark.parametrize(
    ("positions", "message"),
    [
        ([4], "Choose among the ballot's options."),
        ([0], "Choose among the ballot's options."),
        ([1, 9], "Choose among the ballot's options."),
        ([], "Choose an option."),
    ],
)
def test_an_unknown_or_missing_option_is_refused(ballot, verified_resident, positions, message):
    assert refusal(voting.cast_vote, ballot, verified_resident.user, positions) == message
    assert not Voter.objects.exists()
    assert running(ballot) == NONE_YET


def test_an_option_of_another_ballot_is_refused(ballot, community, verified_resident):
    BallotFactory(options=["甲", "乙", "丙", "丁", "戊"])

    assert refusal(voting.cast_vote, ballot, verified_resident.user, [5]) == (
        "Choose among the ballot's options."
    )


def test_one_vote_per_household_the_first_member_votes_for_it(community):
    ballot = BallotFactory(
        topic=VotingTopicFactory(community=community), franchise=Franchise.HOUSEHOLD
    )
    home = HouseholdFactory(community=community)
    first, second = resident(community, home), resident(community, home)

    voting.cast_vote(ballot, first, [1])
    message = refusal(voting.cast_vote, ballot, second, [2])

    assert message == "Your household has already voted."
    voter = Voter.objects.get(ballot=ballot)
    assert (voter.resident.user, voter.household) == (first, home)
    assert running(ballot) == {"papers": 1, "chosen": [1, 0, 0]}
    assert voting.household_vote_of(ballot, second.resident) == voter


def test_one_vote_per_household_counts_each_household_once(community):
    ballot = BallotFactory(
        topic=VotingTopicFactory(community=community), franchise=Franchise.HOUSEHOLD
    )
    voting.cast_vote(ballot, resident(community), [1])
    voting.cast_vote(ballot, resident(community), [2])

    assert Voter.objects.filter(ballot=ballot).count() == 2


def test_the_same_member_voting_twice_under_one_vote_per_household_is_told_so(community):
    ballot = BallotFactory(
        topic=VotingTopicFactory(community=community), franchise=Franchise.HOUSEHOLD
    )
    user = resident(community)
    voting.cast_vote(ballot, user, [1])

    assert refusal(voting.cast_vote, ballot, user, [1]) == "You have already voted on this ballot."


def test_one_vote_per_resident_lets_two_members_of_a_household_both_vote(community):
    ballot = BallotFactory(
        topic=VotingTopicFactory(community=community), franchise=Franchise.RESIDENT
    )
    home = HouseholdFactory(community=community)
    first, second = resident(community, home), resident(community, home)

    voting.cast_vote(ballot, first, [1])
    voting.cast_vote(ballot, second, [2])

    assert Voter.objects.filter(ballot=ballot).count() == 2
    assert running(ballot) == {"papers": 2, "chosen": [1, 1, 0]}
    assert set(Voter.objects.values_list("household", flat=True)) == {None}
    assert voting.household_vote_of(ballot, second.resident) is None


# Closing and counting.


def test_the_ballot_does_not_close_itself_before_its_closing_time(ballot):
    message = refusal(voting.close_ballot, ballot)

    assert message.startswith("The ballot closes at")
    assert Ballot.objects.get(pk=ballot.pk).status == BallotStatus.OPEN


def test_staff_closing_early_must_give_a_reason(ballot, staff):
    assert refusal(voting.close_ballot, ballot, actor=staff, reason="  ") == (
        "Give a reason for closing the ballot early."
    )
    assert Ballot.objects.get(pk=ballot.pk).status == BallotStatus.OPEN

    voting.close_ballot(ballot, actor=staff, reason="业主大会改期")

    closed = Ballot.objects.get(pk=ballot.pk)
    assert closed.status == BallotStatus.CLOSED
    assert closed.closed_early_reason == "业主大会改期"
    assert closed.closed_at == NOW
    assert closed.history.first().history_user == staff


@pytest.mark.parametrize("who", ["neighbour", "other_staff"])
def test_only_the_communitys_staff_close_early(ballot, who, request):
    with pytest.raises(PermissionDenied):
        voting.close_ballot(ballot, actor=request.getfixturevalue(who), reason="想提前结束")

    assert Ballot.objects.get(pk=ballot.pk).status == BallotStatus.OPEN


def test_closing_counts_turnout_quorum_and_each_option(ballot, community, other_community, clock):
    # 7 verified residents are eligible; the unverified and the other community's are not.
    users = [resident(community) for _ in range(7)]
    ResidentFactory(community=community)
    resident(other_community)
    for user, position in zip(users[:3], [1, 1, 2], strict=True):
        voting.cast_vote(ballot, user, [position])
    ballot.quorum_percent = 40  # ceil(7 × 40%) = 3 voters needed
    ballot.save()

    clock.move_to(ballot.closes_at)
    voting.close_ballot(ballot)

    assert stored(ballot) == {
        "status": BallotStatus.CLOSED,
        "eligible": 7,
        "voters": 3,
        "papers": 3,
        "quorum_met": True,
        "counts": [("赞成", 2), ("反对", 1), ("弃权", 0)],
    }
    assert Ballot.objects.get(pk=ballot.pk).turnout_percent == 42.9


def test_quorum_rounds_the_number_of_voters_needed_up(ballot, community, clock):
    users = [resident(community) for _ in range(7)]
    for user in users[:2]:
        voting.cast_vote(ballot, user, [1])
    ballot.quorum_percent = 40  # 2.8 voters needed: 2 is not enough
    ballot.save()

    clock.move_to(ballot.closes_at)
    voting.close_ballot(ballot)

    assert stored(ballot)["quorum_met"] is False
    assert stored(ballot)["counts"] == [("赞成", 2), ("反对", 0), ("弃权", 0)]


def test_under_one_vote_per_household_households_with_a_verified_resident_are_eligible(
    community, clock
):
    ballot = BallotFactory(
        topic=VotingTopicFactory(community=community),
        franchise=Franchise.HOUSEHOLD,
        quorum_percent=100,
    )
    together, mixed, unverified_only = (HouseholdFactory(community=community) for _ in range(3))
    HouseholdFactory(community=community)  # nobody registered online
    first = resident(community, together)
    resident(community, together)
    second = resident(community, mixed)
    ResidentFactory(community=community, household=mixed)
    ResidentFactory(community=community, household=unverified_only)
    voting.cast_vote(ballot, first, [2])
    voting.cast_vote(ballot, second, [2])

    clock.move_to(ballot.closes_at)
    voting.close_ballot(ballot)

    assert stored(ballot) == {
        "status": BallotStatus.CLOSED,
        "eligible": 2,
        "voters": 2,
        "papers": 2,
        "quorum_met": True,
        "counts": [("赞成", 0), ("反对", 2), ("弃权", 0)],
    }


def test_each_ticked_option_counts_on_a_multiple_choice_ballot(community, clock):
    ballot = BallotFactory(
        topic=VotingTopicFactory(community=community),
        options=["增设路灯", "修补路面", "增加绿化", "安装监控"],
        max_choices=2,
    )
    for positions in ([1, 2], [1], [2, 4], [1, 4]):
        voting.cast_vote(ballot, resident(community), positions)

    clock.move_to(ballot.closes_at)
    voting.close_ballot(ballot)

    result = stored(ballot)
    assert (result["voters"], result["papers"]) == (4, 4)
    assert result["counts"] == [("增设路灯", 3), ("修补路面", 2), ("增加绿化", 0), ("安装监控", 2)]


def test_a_ballot_is_counted_once_and_its_stored_result_never_changes(
    ballot, community, staff, clock
):
    for position in (1, 2, 2):
        voting.cast_vote(ballot, resident(community), [position])
    clock.move_to(ballot.closes_at)
    voting.close_ballot(ballot)
    result = stored(ballot)

    clock.shift(timedelta(days=1))
    resident(community)  # more residents verified after the close
    assert refusal(voting.close_ballot, ballot) == "This ballot is already closed."
    assert refusal(voting.close_ballot, ballot, actor=staff, reason="重新计票") == (
        "This ballot is already closed."
    )
    assert voting.close_due_ballots() == []
    assert refusal(voting.cast_vote, ballot, resident(community), [1]) == (
        "Voting on this ballot has closed. Your vote was not recorded."
    )

    assert stored(ballot) == result
    assert result["counts"] == [("赞成", 1), ("反对", 2), ("弃权", 0)]


def test_the_scheduled_close_takes_only_ballots_past_their_closing_time(community, clock):
    due = BallotFactory(topic=VotingTopicFactory(community=community), closes_at=NOW + timedelta(1))
    later = BallotFactory(
        topic=VotingTopicFactory(community=community), closes_at=NOW + timedelta(days=3)
    )
    voting.cast_vote(due, resident(community), [1])

    assert voting.close_due_ballots() == []
    clock.move_to(NOW + timedelta(days=1, minutes=1))
    closed = voting.close_due_ballots()

    assert [b.pk for b in closed] == [due.pk]
    assert stored(due)["status"] == BallotStatus.CLOSED
    assert stored(due)["counts"][0] == ("赞成", 1)
    assert stored(later)["status"] == BallotStatus.OPEN
    assert stored(later)["voters"] is None


def test_the_close_ballots_command_closes_the_ballots_that_are_due(community, clock):
    due = BallotFactory(topic=VotingTopicFactory(community=community), closes_at=NOW + timedelta(1))
    later = BallotFactory(
        topic=VotingTopicFactory(community=community), closes_at=NOW + timedelta(days=3)
    )
    clock.move_to(NOW + timedelta(days=2))
    out = StringIO()

    call_command("close_ballots", stdout=out)

    assert "1 ballot(s) closed." in out.getvalue()
    assert stored(due)["status"] == BallotStatus.CLOSED
    assert stored(later)["status"] == BallotStatus.OPEN
    out = StringIO()
    call_command("close_ballots", stdout=out)
    assert "0 ballot(s) closed." in out.getvalue()


def test_followers_are_told_when_the_result_is_published(ballot, community, clock):
    follower = ballot.topic.author
    clock.move_to(ballot.closes_at)

    voting.close_ballot(ballot)

    assert Notification.objects.filter(recipient=follower, event="ballot.closed").exists()


# Integrity.


def counters_of(ballot):
    return BallotCounter.objects.filter(ballot=ballot)


def test_a_vote_missing_from_the_counters_fails_the_count_and_the_staff_are_told(
    ballot, community, staff, other_staff, clock
):
    for position in (1, 1, 2):
        voting.cast_vote(ballot, resident(community), [position])
    # Tampering, simulated: one 赞成 taken off, consistently in every counter.
    counters_of(ballot).update(papers=F("papers") - 1)
    counters_of(ballot).filter(position=1).update(chosen=F("chosen") - 1)
    clock.move_to(ballot.closes_at)

    voting.close_ballot(ballot)

    result = stored(ballot)
    assert result["status"] == BallotStatus.FAILED
    assert (result["voters"], result["papers"]) == (3, 2)
    assert result["counts"] == [("赞成", None), ("反对", None), ("弃权", None)]
    assert result["quorum_met"] is None
    assert not Ballot.objects.get(pk=ballot.pk).results_published
    assert Notification.objects.filter(recipient=staff, event="ballot.failed").count() == 1
    assert not Notification.objects.filter(recipient=other_staff).exists()
    assert not Notification.objects.filter(event="ballot.closed").exists()
    assert refusal(voting.close_ballot, ballot) == "This ballot is already closed."


def test_a_stuffed_vote_fails_the_count_too(ballot, community, clock):
    voting.cast_vote(ballot, resident(community), [1])
    counters_of(ballot).update(papers=F("papers") + 1)
    counters_of(ballot).filter(position=1).update(chosen=F("chosen") + 1)
    clock.move_to(ballot.closes_at)

    voting.close_ballot(ballot)

    assert stored(ballot)["status"] == BallotStatus.FAILED
    assert (stored(ballot)["voters"], stored(ballot)["papers"]) == (1, 2)
    assert stored(ballot)["counts"][0] == ("赞成", None)


@pytest.mark.parametrize(
    ("tampering", "papers"),
    [
        # Counters that disagree on the number of papers: none is stored.
        (lambda counters: counters.filter(position=2).update(papers=F("papers") + 1), None),
        # A choice added without its paper: more ticks than papers on a single-choice ballot.
        (lambda counters: counters.filter(position=3).update(chosen=F("chosen") + 1), 2),
        # A choice taken off: a paper that ticked nothing.
        (lambda counters: counters.filter(position=1).update(chosen=F("chosen") - 1), 2),
        # A counter deleted: an option left uncounted.
        (lambda counters: counters.filter(position=3).delete(), 2),
    ],
)
def test_counters_that_do_not_add_up_fail_the_count(ballot, community, clock, tampering, papers):
    voting.cast_vote(ballot, resident(community), [1])
    voting.cast_vote(ballot, resident(community), [2])
    tampering(counters_of(ballot))
    clock.move_to(ballot.closes_at)

    voting.close_ballot(ballot)

    assert stored(ballot)["status"] == BallotStatus.FAILED
    assert (stored(ballot)["voters"], stored(ballot)["papers"]) == (2, papers)
    assert [count for _label, count in stored(ballot)["counts"]] == [None, None, None]


def test_an_open_ballot_whose_counters_disagree_with_the_published_choices_fails(community, clock):
    ballot = BallotFactory(topic=VotingTopicFactory(community=community), secret=False)
    voting.cast_vote(ballot, resident(community), [1])
    voting.cast_vote(ballot, resident(community), [2])
    counters_of(ballot).filter(position=1).update(chosen=F("chosen") - 1)
    counters_of(ballot).filter(position=2).update(chosen=F("chosen") + 1)
    clock.move_to(ballot.closes_at)

    voting.close_ballot(ballot)

    assert stored(ballot)["status"] == BallotStatus.FAILED


def test_a_multiple_choice_ballot_passes_the_check_with_more_ticks_than_papers(community, clock):
    ballot = BallotFactory(topic=VotingTopicFactory(community=community), max_choices=3)
    voting.cast_vote(ballot, resident(community), [1, 2, 3])
    voting.cast_vote(ballot, resident(community), [3])
    clock.move_to(ballot.closes_at)

    voting.close_ballot(ballot)

    assert stored(ballot)["status"] == BallotStatus.CLOSED
    assert stored(ballot)["counts"] == [("赞成", 1), ("反对", 1), ("弃权", 2)]
