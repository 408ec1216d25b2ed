"""The transition table, row by row: who may take each step from which state, and what it needs.

The parametrisation comes from `workflow.TRANSITIONS`; the expected outcome comes from the
matrix written out by hand below, so a silent change to the table fails here.
"""

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import model_to_dict
from django.utils import timezone, translation

from communities.history_reasons import render_reason
from communities.workflow import revoke_verification
from consultation import workflow
from consultation.models import ConsultationSettings, Topic, TopicState
from tests.factories import VerifiedResidentFactory

from .factories import SupportFactory, TopicFactory, end_notice_period, object_to, put_on_notice

pytestmark = pytest.mark.django_db

DRAFT, COLLECTING, SCREENING, DELIBERATING = "draft", "collecting", "screening", "deliberating"
VOTING, NOTICE, IMPLEMENTING, EVALUATING = "voting", "notice", "implementing", "evaluating"
CLOSED, DECLINED, WITHDRAWN = "closed", "declined", "withdrawn"

# action: (states it leaves from, state it reaches, who may take it) — written by hand.
EXPECTED = {
    "submit": ({DRAFT}, COLLECTING, {"author"}),
    "withdraw": ({DRAFT, COLLECTING, SCREENING}, WITHDRAWN, {"author"}),
    "reach_threshold": ({COLLECTING}, SCREENING, {"system"}),
    "send_to_screening": ({COLLECTING}, SCREENING, {"staff"}),
    "accept": ({SCREENING}, DELIBERATING, {"staff"}),
    "decline": ({COLLECTING, SCREENING}, DECLINED, {"staff"}),
    "mark_duplicate": ({COLLECTING, SCREENING}, DECLINED, {"staff"}),
    "open_ballot": ({DELIBERATING}, VOTING, {"staff"}),
    "publish_outcome": ({DELIBERATING, VOTING}, NOTICE, {"staff", "system"}),
    "reconsider": ({NOTICE}, DELIBERATING, {"staff"}),
    "end_notice": ({NOTICE}, IMPLEMENTING, {"system"}),
    "complete_implementation": ({IMPLEMENTING}, EVALUATING, {"staff"}),
    "close_evaluation": ({EVALUATING}, CLOSED, {"system"}),
}

ACTORS = ["author", "staff", "other_staff", "neighbour", "stranger", "anonymous", "system"]
# Staff of another community, a neighbour, a stranger and an anonymous visitor hold no role.
ROLE_OF = {"author": "author", "staff": "staff", "system": "system"}
STATES = list(TopicState.values)
CASES = [
    pytest.param(row.action, state, actor, id=f"{row.action}-{state}-{actor}")
    for row in workflow.TRANSITIONS
    for state in STATES
    for actor in ACTORS
]


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever the translations say."""
    with translation.override("en"):
        yield


def snapshot(topic):
    topic = Topic.objects.get(pk=topic.pk)
    return model_to_dict(topic, exclude=["invited_households", "invited_users"]), (
        topic.history.count()
    )


def last_step(topic):
    return topic.history.order_by("-history_id").first()


@pytest.fixture
def actor_named(request):
    """The person behind each column, created only when the case needs them."""

    def get(name):
        if name == "anonymous":
            return AnonymousUser()
        if name == "system":
            return None
        return request.getfixturevalue(name)

    return get


@pytest.fixture
def data_for(community, consultation_settings):
    """What each action's guard needs, so only role and state decide the outcome."""

    def build(action, topic):
        now = timezone.now()
        if action == "reach_threshold":
            for _ in range(consultation_settings.support_threshold):
                SupportFactory(topic=topic)
        if action in {"reconsider", "end_notice"} and topic.current_notice is None:
            put_on_notice(topic, now - timedelta(days=8), now + timedelta(days=1))
        if action == "reconsider":
            object_to(
                topic,
                author=VerifiedResidentFactory(community=community).user,
                body="划线方案占用了消防通道。",
                answer="异议成立，重新协商。",
                answered_at=now,
                upheld=True,
            )
        elif action == "end_notice":
            end_notice_period(topic, now - timedelta(days=1))
        elif action == "close_evaluation":
            Topic.objects.filter(pk=topic.pk).update(evaluation_ends_at=now - timedelta(days=1))
        return {
            "accept": {
                "deliberation_starts": date(2026, 3, 1),
                "deliberation_ends": date(2026, 3, 15),
            },
            "decline": {"reason": "不属于社区职责范围，已转交区住建局。"},
            "mark_duplicate": {"duplicate_of": TopicFactory(community=community)},
            "open_ballot": {
                "question": "是否同意在东侧空地划线？",
                "opens_at": now,
                "closes_at": now + timedelta(days=7),
            },
            # The outcome page itself is tested with outcomes; the step reads only these two.
            "publish_outcome": {"page": SimpleNamespace(notice_days=7, deadline=date(2027, 3, 31))},
            "complete_implementation": {
                "evaluation_days": 14,
                "reason": "路灯已换，验收另行安排。",
            },
        }.get(action, {})

    return build


def test_the_table_has_exactly_the_rows_written_out_here():
    table = {
        row.action: (set(row.sources), row.target, set(row.roles)) for row in workflow.TRANSITIONS
    }
    assert table == EXPECTED
    assert set(STATES) == {
        DRAFT,
        COLLECTING,
        SCREENING,
        DELIBERATING,
        VOTING,
        NOTICE,
        IMPLEMENTING,
        EVALUATING,
        CLOSED,
        DECLINED,
        WITHDRAWN,
    }


@pytest.mark.parametrize(("action", "state", "actor_name"), CASES)
def test_step_is_allowed_only_from_its_states_and_for_its_people(
    action, state, actor_name, actor_named, author, community, data_for
):
    sources, target, roles = EXPECTED[action]
    allowed_role = ROLE_OF.get(actor_name) in roles
    topic = TopicFactory(community=community, author=author, status=state)
    data = data_for(action, topic)
    actor = actor_named(actor_name)
    before = snapshot(topic)

    if allowed_role and state in sources:
        result = workflow.perform(topic, action, actor, **data)

        stored = Topic.objects.get(pk=topic.pk)
        assert result.status == stored.status == target
        step = last_step(stored)
        assert step.status == target
        assert step.history_user == actor
        assert step.history_change_reason
        assert stored.history.count() == before[1] + 1
        return

    expected_error = ValidationError if allowed_role else PermissionDenied
    with pytest.raises(expected_error):
        workflow.perform(topic, action, actor, **data)
    assert snapshot(topic) == before


def test_system_steps_are_recorded_without_a_person(topic, consultation_settings):
    for _ in range(consultation_settings.support_threshold):
        SupportFactory(topic=topic)

    workflow.perform(topic, "reach_threshold", None)

    step = last_step(topic)
    assert (step.status, step.history_user) == (SCREENING, None)
    with translation.override("en"):
        assert render_reason(step.history_change_reason) == "Support threshold reached"
    with translation.override("zh-hans"):
        assert render_reason(step.history_change_reason) == "附议人数达到门槛"


# Guards: the right person in the right state, but without what the step needs.


def assert_refused(topic, action, actor, message_part, **data):
    before = snapshot(topic)
    with pytest.raises(ValidationError) as error:
        workflow.perform(topic, action, actor, **data)
    assert message_part in " ".join(error.value.messages)
    assert snapshot(topic) == before


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_declining_without_a_public_reason_is_refused(topic, staff, reason):
    assert_refused(topic, "decline", staff, "Give a reason", reason=reason)


def test_declining_records_the_reason_residents_read(topic, staff):
    workflow.perform(topic, "decline", staff, reason="  已由物业公司修复。 ")

    topic.refresh_from_db()
    assert topic.decline_reason == "已由物业公司修复。"
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert render_reason(last_step(topic).history_change_reason) == "已由物业公司修复。"


def test_accepting_with_deliberation_ending_before_it_starts_is_refused(topic, staff):
    topic.status = SCREENING
    topic.save()
    assert_refused(
        topic,
        "accept",
        staff,
        "cannot end before it starts",
        deliberation_starts=date(2026, 3, 15),
        deliberation_ends=date(2026, 3, 1),
    )


def test_accepting_without_deliberation_dates_is_refused(topic, staff):
    topic.status = SCREENING
    topic.save()
    assert_refused(topic, "accept", staff, "Set when deliberation starts and ends")


def test_accepting_sets_the_deliberation_period_and_invited_parties(topic, staff, household):
    topic.status = SCREENING
    topic.save()

    workflow.perform(
        topic,
        "accept",
        staff,
        deliberation_starts=date(2026, 3, 1),
        deliberation_ends=date(2026, 3, 15),
        invited_parties="物业公司\n\n区住建局\n",
        invited_households=[household],
    )

    topic.refresh_from_db()
    assert (topic.deliberation_starts, topic.deliberation_ends) == (
        date(2026, 3, 1),
        date(2026, 3, 15),
    )
    assert topic.invited_parties_list() == ["物业公司", "区住建局"]
    assert list(topic.invited_households.all()) == [household]


def test_a_topic_cannot_duplicate_itself(topic, staff):
    assert_refused(topic, "mark_duplicate", staff, "same community", duplicate_of=topic)


def test_a_topic_cannot_duplicate_another_communitys_topic(topic, staff, other_community):
    theirs = TopicFactory(community=other_community)
    assert_refused(topic, "mark_duplicate", staff, "same community", duplicate_of=theirs)


@pytest.mark.parametrize("closed_state", [DRAFT, DECLINED, WITHDRAWN])
def test_a_topic_cannot_duplicate_one_that_is_not_open(topic, staff, community, closed_state):
    closed = TopicFactory(community=community, status=closed_state)
    assert_refused(topic, "mark_duplicate", staff, "must be open", duplicate_of=closed)


def test_marking_as_duplicate_points_residents_to_the_surviving_topic(topic, staff, community):
    survivor = TopicFactory(community=community, title="路灯维修")

    workflow.perform(topic, "mark_duplicate", staff, duplicate_of=survivor)

    topic.refresh_from_db()
    assert (topic.status, topic.duplicate_of) == (DECLINED, survivor)
    # No sentence is frozen in the actor's language: the page links the survivor, and the
    # history says "duplicate of" in the reader's language.
    assert topic.decline_reason == ""
    with translation.override("en"):
        assert render_reason(last_step(topic).history_change_reason) == "Duplicate of “路灯维修”."


def test_submitting_after_losing_verification_is_refused(community, author, staff):
    draft = TopicFactory(community=community, author=author, status=DRAFT)
    revoke_verification(author.resident, by=staff, reason="已搬离本社区")

    assert_refused(draft, "submit", author, "Only verified residents")


def test_submitting_as_a_verified_resident_of_another_community_is_refused(
    community, other_community
):
    moved = VerifiedResidentFactory(community=other_community).user
    draft = TopicFactory(community=community, author=moved, status=DRAFT)

    assert_refused(draft, "submit", moved, "Only verified residents")


def test_reaching_the_threshold_before_enough_supports_is_refused(topic, consultation_settings):
    for _ in range(consultation_settings.support_threshold - 1):
        SupportFactory(topic=topic)

    assert_refused(topic, "reach_threshold", None, "not reached its support threshold")


def test_submitting_stamps_the_time_the_topic_opened(community, author):
    draft = TopicFactory(community=community, author=author, status=DRAFT, submitted_at=None)
    moment = datetime(2026, 2, 3, 9, 30).astimezone()

    with time_machine.travel(moment, tick=False):
        workflow.perform(draft, "submit", author)

    draft.refresh_from_db()
    assert draft.submitted_at == moment


# The screening clock (threshold reached ⇒ staff must decide within N days).


@pytest.mark.parametrize("action", ["send_to_screening", "reach_threshold"])
def test_screening_deadline_is_the_communitys_screening_days_after_it_starts(
    topic, staff, consultation_settings, action
):
    for _ in range(consultation_settings.support_threshold):
        SupportFactory(topic=topic)
    start = datetime(2026, 2, 3, 9, 30).astimezone()
    actor = staff if action == "send_to_screening" else None

    with time_machine.travel(start, tick=False):
        workflow.perform(topic, action, actor)

    topic.refresh_from_db()
    assert topic.screening_started_at == start
    assert topic.screening_deadline == start + timedelta(days=5)


def test_a_topic_becomes_overdue_exactly_after_its_screening_deadline(
    topic, staff, consultation_settings
):
    start = datetime(2026, 2, 3, 9, 30).astimezone()
    deadline = start + timedelta(days=consultation_settings.screening_days)

    with time_machine.travel(start, tick=False) as clock:
        workflow.perform(topic, "send_to_screening", staff)
        topic.refresh_from_db()
        assert not topic.is_overdue
        assert list(Topic.objects.overdue()) == []

        clock.move_to(deadline)
        assert not topic.is_overdue
        assert list(Topic.objects.overdue()) == []

        clock.move_to(deadline + timedelta(seconds=1))
        assert topic.is_overdue
        assert list(Topic.objects.overdue()) == [topic]


def test_a_decided_topic_is_never_overdue(topic, staff, consultation_settings):
    start = datetime(2026, 2, 3, 9, 30).astimezone()

    with time_machine.travel(start, tick=False) as clock:
        workflow.perform(topic, "send_to_screening", staff)
        workflow.perform(topic, "decline", staff, reason="已解决")
        clock.move_to(start + timedelta(days=30))
        topic.refresh_from_db()

        assert not topic.is_overdue
        assert list(Topic.objects.overdue()) == []


def test_changing_screening_days_applies_to_the_next_topic_to_reach_screening(topic, staff):
    rules = ConsultationSettings.for_community(topic.community)
    rules.screening_days = 14
    rules.save()
    start = datetime(2026, 2, 3, 9, 30).astimezone()

    with time_machine.travel(start, tick=False):
        workflow.perform(topic, "send_to_screening", staff)

    topic.refresh_from_db()
    assert topic.screening_deadline == start + timedelta(days=14)
