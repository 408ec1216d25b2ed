"""Votes racing each other on PostgreSQL: many requests at the same instant still store one vote
per resident (or per household), never an error page, and the count still balances — also
while staff close the ballot early.

Each thread has its own database connection and closes it; a barrier starts them together.
Skipped on SQLite, which serialises writers and so cannot show a race.
"""

import threading
import time
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation

from consultation import voting
from consultation.models import Ballot, BallotCounter, Franchise, Voter
from tests.factories import GridFactory, HouseholdFactory, UserFactory, VerifiedResidentFactory

from .ballot_factories import BallotFactory, VotingTopicFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

RECORDED = "Your vote is recorded."
ALREADY = "You have already voted on this ballot."
HOUSEHOLD_ALREADY = "Your household has already voted."


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent writers and row-level locking")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def race(jobs):
    """Run each job in its own thread, all released at once; returns their outcomes."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            with translation.override("en"):
                outcomes[index] = job()
        except ValidationError as error:
            outcomes[index] = " ".join(error.messages)
        except Exception as error:  # noqa: BLE001 — any other error is the failure looked for
            outcomes[index] = f"ERROR {error!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def papers_counted(ballot):
    return set(BallotCounter.objects.filter(ballot=ballot).values_list("papers", flat=True))


def test_fifty_simultaneous_posts_of_one_residents_vote_store_one_vote_and_no_error_page(
    community,
):
    ballot = BallotFactory(topic=VotingTopicFactory(community=community))
    user = VerifiedResidentFactory(community=community).user
    url = reverse("consultation:vote", args=[ballot.topic.pk, ballot.pk])
    clients = []
    for _ in range(50):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients.append(client)

    def post(client):
        def job():
            response = client.post(url, {"choice": "1"})
            messages = [str(m) for m in response.wsgi_request._messages]
            return response.status_code, response.get("Location", ""), messages

        return job

    outcomes = race([post(client) for client in clients])

    assert [o for o in outcomes if not isinstance(o, tuple)] == []
    assert Counter(status for status, _location, _messages in outcomes) == {302: 50}
    assert {location for _status, location, _messages in outcomes} == {
        f"{ballot.topic.get_absolute_url()}#ballot"
    }
    said = Counter(
        "recorded" if messages[0].startswith(RECORDED) else messages[0]
        for _status, _location, messages in outcomes
    )
    assert said == {"recorded": 1, ALREADY: 49}
    assert Voter.objects.filter(ballot=ballot).count() == 1
    assert papers_counted(ballot) == {1}


def test_fifty_simultaneous_calls_for_one_resident_end_in_one_vote_or_already_voted(community):
    ballot = BallotFactory(topic=VotingTopicFactory(community=community))
    user = VerifiedResidentFactory(community=community).user

    outcomes = race([lambda: voting.cast_vote(ballot, user, [2]).receipt] * 50)

    receipts = [o for o in outcomes if o != ALREADY]
    assert len(receipts) == 1
    assert Voter.objects.get(ballot=ballot).receipt == receipts[0]
    assert outcomes.count(ALREADY) == 49
    assert papers_counted(ballot) == {1}


def test_two_hundred_residents_voting_at_once_are_all_counted(community, staff):
    ballot = BallotFactory(topic=VotingTopicFactory(community=community))
    officer = UserFactory()
    grid = GridFactory(community=community)
    users = [
        VerifiedResidentFactory(
            community=community,
            household=HouseholdFactory(community=community, grid=grid),
            verified_by=officer,
        ).user
        for _ in range(200)
    ]
    choice_of = {user.pk: [index % 3 + 1] for index, user in enumerate(users)}

    def batch(group):
        def job():
            for user in group:
                voting.cast_vote(ballot, user, choice_of[user.pk])
            return "done"

        return job

    outcomes = race([batch(users[start : start + 10]) for start in range(0, 200, 10)])
    assert outcomes == ["done"] * 20

    voting.close_ballot(ballot, actor=staff, reason="测试：全部住户已投票")
    closed = Ballot.objects.get(pk=ballot.pk)
    assert (closed.voter_count, closed.paper_count, closed.eligible_count) == (200, 200, 200)
    counts = list(closed.options.order_by("position").values_list("final_count", flat=True))
    assert counts == [67, 67, 66]
    assert sum(counts) == 200
    assert closed.quorum_met is True


def test_four_members_of_a_household_racing_cast_one_household_vote(community):
    ballot = BallotFactory(
        topic=VotingTopicFactory(community=community), franchise=Franchise.HOUSEHOLD
    )
    home = HouseholdFactory(community=community)
    members = [VerifiedResidentFactory(community=community, household=home).user for _ in range(4)]

    outcomes = race(
        [lambda user=user: voting.cast_vote(ballot, user, [1]).receipt for user in members]
    )

    assert sorted(o == HOUSEHOLD_ALREADY for o in outcomes) == [False, True, True, True]
    voter = Voter.objects.get(ballot=ballot)
    assert voter.household == home
    assert voter.receipt in outcomes
    assert papers_counted(ballot) == {1}


CLOSED_MEANWHILE = "Voting on this ballot has closed. Your vote was not recorded."
TRIALS = 8
VOTERS_PER_TRIAL = 36
VOTING_THREADS = 6


def test_votes_racing_an_early_close_are_either_counted_or_refused_with_a_message(community, staff):
    """Residents post their votes from six browsers at once while staff close the ballot early,
    in eight trials. Every vote either lands before the count and is counted, or is refused
    with a message saying so: the stored tally always equals the voters, receipts included."""
    officer = UserFactory()
    grid = GridFactory(community=community)
    figures, answers, statuses = Counter(), Counter(), set()
    for trial in range(TRIALS):
        ballot = BallotFactory(topic=VotingTopicFactory(community=community))
        url = reverse("consultation:vote", args=[ballot.topic.pk, ballot.pk])
        clients = []
        for _ in range(VOTERS_PER_TRIAL):
            client = Client(raise_request_exception=False)
            client.force_login(
                VerifiedResidentFactory(
                    community=community,
                    household=HouseholdFactory(community=community, grid=grid),
                    verified_by=officer,
                ).user
            )
            clients.append(client)

        def vote_from(group, trial=trial, url=url):
            def job():
                said = []
                for index, client in enumerate(group):
                    response = client.post(url, {"choice": str((index + trial) % 3 + 1)})
                    messages = [str(m) for m in response.wsgi_request._messages]
                    said.append((response.status_code, messages))
                return said

            return job

        def close_when_a_third_voted(ballot=ballot):
            while Voter.objects.filter(ballot=ballot).count() < VOTERS_PER_TRIAL // 3:
                time.sleep(0.002)
            voting.close_ballot(ballot, actor=staff, reason="测试：业主大会提前召开")
            return "closed"

        per_thread = VOTERS_PER_TRIAL // VOTING_THREADS
        *voted, closed = race(
            [
                *(
                    vote_from(clients[start : start + per_thread])
                    for start in range(0, VOTERS_PER_TRIAL, per_thread)
                ),
                close_when_a_third_voted,
            ]
        )

        assert closed == "closed"
        said = [(status, " ".join(m)) for thread in voted for status, m in thread]
        receipts = {m.rsplit(" ", 1)[-1] for _status, m in said if m.startswith(RECORDED)}
        ballot = Ballot.objects.get(pk=ballot.pk)
        tally = sum(ballot.options.values_list("final_count", flat=True))
        stored = set(Voter.objects.filter(ballot=ballot).values_list("receipt", flat=True))
        figures["attempted"] += len(said)
        figures["counted"] += tally
        figures["refused"] += len(said) - len(receipts)
        figures["stored but not counted"] += len(stored) - tally
        figures["mismatches"] += tally != len(stored) or stored != receipts
        answers.update(
            "error page" if status != 302 else "recorded" if m.startswith(RECORDED) else m
            for status, m in said
        )
        statuses.add((ballot.status, tally == ballot.voter_count == ballot.paper_count))

    print(f"\nclose race: {TRIALS} trials, {dict(figures)}, {dict(answers)}")
    assert statuses == {("closed", True)}
    assert figures["mismatches"] == 0
    assert set(answers) == {"recorded", CLOSED_MEANWHILE}
    assert figures["counted"] > 0 and figures["refused"] > 0
    assert figures["counted"] + figures["refused"] == figures["attempted"]


def test_a_double_tap_on_send_publishes_a_comment_once(community):
    """Two posts of the same comment arriving together (a double tap on a slow phone)."""
    from consultation import workflow
    from consultation.models import Comment

    from .factories import DeliberatingTopicFactory

    topic = DeliberatingTopicFactory(community=community)
    resident = VerifiedResidentFactory(community=community).user

    outcomes = race(
        [lambda: workflow.post_comment(topic, resident, body="同意。", stance="for").pk] * 8
    )

    assert not [o for o in outcomes if str(o).startswith("ERROR")]
    assert len(set(outcomes)) == 1
    assert Comment.objects.filter(topic=topic, author=resident).count() == 1
