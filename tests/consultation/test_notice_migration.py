"""Migration 0011: topics' notice periods and their objections move onto public notices — one
notice per (topic, notice round), the topic's current one still running while it is on notice,
every objection (with its history) on its round's notice under the same id."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from communities import notices
from communities.models import Objection
from consultation.models import Topic, TopicState
from tests.factories import VerifiedResidentFactory

from .factories import DeliberatingTopicFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NOTICES = ("consultation", "0011_objections_on_public_notices")


def migrate(to):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(to)
    return MigrationExecutor(connection).loader.project_state(to).apps


def before_notices():
    loader = MigrationExecutor(connection).loader
    return [dep for dep in loader.get_migration(*NOTICES).dependencies if dep[0] == "consultation"]


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_rounds_become_notices_and_objections_follow(community, staff):
    now = timezone.now().replace(microsecond=0)
    first_round, second_round = now - timedelta(days=20), now - timedelta(days=2)
    on_notice = DeliberatingTopicFactory(community=community, status=TopicState.NOTICE)
    carried_out = DeliberatingTopicFactory(community=community, status=TopicState.IMPLEMENTING)
    neighbours = [VerifiedResidentFactory(community=community).user for _ in range(2)]

    old = migrate(before_notices())
    OldTopic = old.get_model("consultation", "Topic")
    OldObjection = old.get_model("consultation", "Objection")
    OldTopic.objects.filter(pk=on_notice.pk).update(
        notice_starts_at=second_round, notice_ends_at=second_round + timedelta(days=7)
    )
    OldTopic.objects.filter(pk=carried_out.pk).update(
        notice_starts_at=now - timedelta(days=30), notice_ends_at=now - timedelta(days=23)
    )
    upheld = OldObjection.objects.create(
        topic_id=on_notice.pk,
        author_id=neighbours[0].pk,
        body="第一次公示的异议",
        notice_round=first_round,
        answer="异议成立。",
        answered_by_id=staff.pk,
        answered_at=first_round + timedelta(days=1),
        upheld=True,
    )
    waiting = OldObjection.objects.create(
        topic_id=on_notice.pk, author_id=neighbours[0].pk, body="再次公示的异议",
        notice_round=second_round,
    )  # fmt: skip
    OldHistory = old.get_model("consultation", "HistoricalObjection")
    OldHistory.objects.create(
        id=waiting.pk,
        topic_id=on_notice.pk,
        author_id=neighbours[0].pk,
        body="再次公示的异议",
        created_at=now,
        notice_round=second_round,
        answer="",
        history_date=now,
        history_type="+",
        history_user_id=neighbours[0].pk,
    )

    migrate(latest())

    topic = Topic.objects.get(pk=on_notice.pk)
    rounds = list(notices.notices_of(topic).order_by("starts_at"))
    assert [n.starts_at for n in rounds] == [first_round, second_round]
    assert rounds[0].ended_at == second_round  # published again: the first notice ended then
    assert rounds[1].ended_at is None and rounds[1].community_id == community.pk
    assert topic.notice_starts_at == second_round
    assert topic.notice_ends_at == second_round + timedelta(days=7)
    assert Objection.objects.get(pk=upheld.pk).notice == rounds[0]
    moved = Objection.objects.get(pk=waiting.pk)
    assert moved.notice == rounds[1] and moved.body == "再次公示的异议"
    assert list(topic.current_objections()) == [moved]
    assert moved.history.get().history_user_id == neighbours[0].pk

    done = Topic.objects.get(pk=carried_out.pk)
    assert done.current_notice.ended_at is not None
    assert done.notice_starts_at == now - timedelta(days=30)

    # The ids go on after the moved rows: the next objection is filed as ever.
    again = notices.file_objection(topic.current_notice, neighbours[1], "新的异议")
    assert again.pk > waiting.pk
