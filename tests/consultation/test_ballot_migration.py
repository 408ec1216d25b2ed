"""Migration 0005: the ballot papers of ballots stored before it are added up into counters and
the papers table is dropped; voting and counting then go on from the counters. Going back
rebuilds papers where that is exact (one option per paper) and refuses otherwise."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.exceptions import IrreversibleError
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from consultation import voting
from consultation.models import Ballot, BallotCounter, BallotStatus
from tests.factories import VerifiedResidentFactory

from .ballot_factories import VotingTopicFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

COUNTERS = ("consultation", "0005_ballot_counters")


def migrate(to):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(to)
    return MigrationExecutor(connection).loader.project_state(to).apps


def before_counters():
    """The consultation migration 0005 follows, whatever its number."""
    loader = MigrationExecutor(connection).loader
    return [dep for dep in loader.get_migration(*COUNTERS).dependencies if dep[0] == "consultation"]


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def counters(ballot_pk):
    return list(
        BallotCounter.objects.filter(ballot=ballot_pk).values_list("position", "chosen", "papers")
    )


def old_ballot(old, topic, staff, labels, max_choices, papers, voters=()):
    """A ballot as stored before the counters: options, one Voter per resident, papers."""
    now = timezone.now()
    ballot = old.get_model("consultation", "Ballot").objects.create(
        topic_id=topic.pk,
        question="是否同意？",
        max_choices=max_choices,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=3),
        opened_by_id=staff.pk,
    )
    for position, label in enumerate(labels, start=1):
        ballot.options.create(label=label, position=position)
    for resident in voters:
        ballot.voters.create(resident_id=resident.pk, receipt=f"R{resident.pk:09d}")
    for choices in papers:
        ballot.papers.create(choices=choices)
    return ballot.pk


def test_papers_become_counters_and_voting_goes_on(community, staff):
    voters = [VerifiedResidentFactory(community=community) for _ in range(3)]
    topics = [VotingTopicFactory(community=community) for _ in range(3)]
    old = migrate(before_counters())
    single = old_ballot(old, topics[0], staff, ["赞成", "反对", "弃权"], 1, [[1], [1], [2]], voters)
    several = old_ballot(
        old, topics[1], staff, ["路灯", "路面", "绿化", "监控"], 2, [[1, 2], [2], [2, 4]]
    )
    empty = old_ballot(old, topics[2], staff, ["赞成", "反对"], 1, [])

    migrate(latest())

    with connection.cursor() as cursor:
        assert "consultation_ballotpaper" not in connection.introspection.table_names(cursor)
    assert counters(single) == [(1, 2, 3), (2, 1, 3), (3, 0, 3)]
    assert counters(several) == [(1, 1, 3), (2, 3, 3), (3, 0, 3), (4, 1, 3)]
    assert counters(empty) == [(1, 0, 0), (2, 0, 0)]

    voting.cast_vote(Ballot(pk=single), VerifiedResidentFactory(community=community).user, [3])
    closed = voting.close_ballot(Ballot(pk=single), actor=staff, reason="迁移后计票")

    assert closed.status == BallotStatus.CLOSED
    assert (closed.voter_count, closed.paper_count) == (4, 4)
    assert list(closed.options.values_list("final_count", flat=True)) == [2, 1, 1]


def test_going_back_rebuilds_single_choice_papers_and_refuses_multiple_choice_ones(
    community, staff
):
    topics = [VotingTopicFactory(community=community) for _ in range(2)]
    old = migrate(before_counters())
    single = old_ballot(old, topics[0], staff, ["赞成", "反对"], 1, [[2], [1], [2]])
    several = old_ballot(old, topics[1], staff, ["甲", "乙", "丙"], 2, [[1, 3]])
    migrate(latest())

    with pytest.raises(IrreversibleError):
        migrate(before_counters())
    # The refusal leaves the later migrations (0010: Ballot.community) unapplied: back to today.
    migrate(latest())
    Ballot.objects.filter(pk=several).delete()
    old = migrate(before_counters())

    papers = old.get_model("consultation", "BallotPaper").objects.filter(ballot=single)
    assert sorted(papers.values_list("choices", flat=True)) == [[1], [2], [2]]
    migrate(latest())
