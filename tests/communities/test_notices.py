"""The one public-notice mechanism (communities/notices.py), tried on a consultation topic:
the period, one objection per person and notice, answers by the notice's own staff only, and
the end of a notice only once every objection is answered and none upheld."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from communities import notices
from communities.models import Objection, PublicNotice, Role
from communities.roles import grant_role
from consultation.models import TopicState
from tests.consultation.factories import DeliberatingTopicFactory
from tests.factories import CommunityFactory, UserFactory, VerifiedResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def refusal(call):
    with pytest.raises(ValidationError) as error:
        call()
    return " ".join(error.value.messages)


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def topic(community):
    return DeliberatingTopicFactory(community=community, status=TopicState.NOTICE)


@pytest.fixture
def staff(community):
    user = UserFactory()
    grant_role(user, Role.COMMUNITY_STAFF, community=community)
    return user


@pytest.fixture
def resident(community):
    return VerifiedResidentFactory(community=community).user


def on_notice(topic, staff, starts=None, days=7):
    starts = starts or timezone.now() - timedelta(hours=1)
    return notices.open_notice(topic, staff, starts, starts + timedelta(days=days))


def test_a_notice_belongs_to_its_subjects_community(topic, staff):
    notice = on_notice(topic, staff)
    assert notice.subject == topic and notice.community == topic.community
    assert notice.street is None and notice.opened_by == staff
    assert notices.current_notice(topic) == notice
    assert notice.history.latest().history_user == staff


def test_a_period_that_ends_before_it_starts_is_refused(topic, staff):
    now = timezone.now()
    assert "must end after it starts" in refusal(
        lambda: notices.open_notice(topic, staff, now, now)
    )
    assert not PublicNotice.objects.exists()


def test_publishing_again_ends_the_running_notice(topic, staff):
    first = on_notice(topic, staff)
    second = on_notice(topic, staff, starts=timezone.now())
    first.refresh_from_db()
    assert first.ended_at is not None and second.ended_at is None
    assert notices.current_notice(topic) == second


def test_an_objection_outside_the_period_is_refused_with_a_message(topic, staff, resident):
    later = on_notice(topic, staff, starts=timezone.now() + timedelta(days=1))
    message = "Objections can be filed only during the notice period."
    assert refusal(lambda: notices.file_objection(later, resident, "太早。")) == message
    past = on_notice(topic, staff, starts=timezone.now() - timedelta(days=8))
    assert refusal(lambda: notices.file_objection(past, resident, "太晚。")) == message
    assert refusal(lambda: notices.file_objection(None, resident, "没有公示。")) == message
    assert not Objection.objects.exists()


def test_a_person_objects_once_per_notice_and_afresh_on_a_new_one(topic, staff, resident):
    first = on_notice(topic, staff)
    objection = notices.file_objection(first, resident, "  停车位太少。 ")
    assert objection.body == "停车位太少。"
    assert objection.history.latest().history_user == resident
    assert "already filed" in refusal(lambda: notices.file_objection(first, resident, "再说一次"))
    second = on_notice(topic, staff, starts=timezone.now())
    notices.file_objection(second, resident, "新的公示，新的异议。")
    assert Objection.objects.filter(author=resident).count() == 2


def test_who_may_object_is_the_subjects_rule(topic, staff):
    notice = on_notice(topic, staff)
    elsewhere = VerifiedResidentFactory().user
    assert "Only verified residents" in refusal(
        lambda: notices.file_objection(notice, elsewhere, "我反对。")
    )
    assert not Objection.objects.exists()


def test_only_staff_of_the_notices_scope_answer(topic, staff, resident):
    objection = notices.file_objection(on_notice(topic, staff), resident, "我反对。")
    other = UserFactory()
    grant_role(other, Role.COMMUNITY_STAFF, community=CommunityFactory())
    with pytest.raises(PermissionDenied):
        notices.answer_objection(objection, other, answer="不予采纳。", upheld=False)
    with pytest.raises(PermissionDenied):
        notices.answer_objection(objection, resident, answer="不予采纳。", upheld=False)
    officer = UserFactory()
    grant_role(officer, Role.STREET_OFFICER, street=topic.community.street)
    notices.answer_objection(objection, officer, answer="已核实。", upheld=False)
    objection.refresh_from_db()
    assert objection.answered_by == officer and objection.history.latest().history_user == officer
    assert "answered already" in refusal(
        lambda: notices.answer_objection(objection, staff, answer="再答。", upheld=True)
    )


def test_an_answer_needs_words(topic, staff, resident):
    objection = notices.file_objection(on_notice(topic, staff), resident, "我反对。")
    assert "Write the answer" in refusal(
        lambda: notices.answer_objection(objection, staff, answer="  ", upheld=False)
    )
    assert Objection.objects.get(pk=objection.pk).answered_at is None


def ended_notice_with_objection(topic, staff, resident):
    """A notice whose period ended an hour ago, with the objection filed during it."""
    notice = on_notice(topic, staff, starts=timezone.now() - timedelta(days=3, hours=1), days=3)
    objection = Objection.objects.create(notice=notice, author=resident, body="我反对。")
    return notice, objection


def test_a_notice_ends_only_with_every_objection_answered_and_none_upheld(topic, staff, resident):
    running = on_notice(topic, staff)
    assert not notices.notice_can_end(running)  # still running
    notice, objection = ended_notice_with_objection(topic, staff, resident)
    assert not notices.notice_can_end(notice)  # unanswered
    assert notices.end_due_notices() == 0
    notices.answer_objection(objection, staff, answer="已核实。", upheld=False)
    assert notices.notice_can_end(notice)
    assert notices.end_due_notices() == 1
    notice.refresh_from_db()
    topic.refresh_from_db()
    assert notice.ended_at is not None and topic.status == TopicState.IMPLEMENTING
    assert notices.end_due_notices() == 0  # once


def test_an_upheld_objection_keeps_the_notice_running(topic, staff, resident):
    notice, objection = ended_notice_with_objection(topic, staff, resident)
    notices.answer_objection(objection, staff, answer="异议成立。", upheld=True)
    assert not notices.notice_can_end(notice)
    assert notices.end_due_notices() == 0
    topic.refresh_from_db()
    assert topic.status == TopicState.NOTICE and notice.ended_at is None


def test_staff_reach_the_objections_of_their_scope_only(topic, staff, resident):
    mine = notices.file_objection(on_notice(topic, staff), resident, "我反对。")
    other_community = CommunityFactory()
    other_topic = DeliberatingTopicFactory(community=other_community, status=TopicState.NOTICE)
    theirs = notices.file_objection(
        on_notice(other_topic, staff),
        VerifiedResidentFactory(community=other_community).user,
        "外社区的异议",
    )
    assert list(notices.notices_in_scope(Objection.objects.all(), staff)) == [mine]
    officer = UserFactory()
    grant_role(officer, Role.STREET_OFFICER, street=other_community.street)
    assert list(notices.notices_in_scope(Objection.objects.all(), officer)) == [theirs]
