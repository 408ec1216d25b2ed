"""After the decision (结果公示 → 落实 → 评议): publishing the outcome page starts the notice
period, residents object and the office answers in public, the clock ends the notice period,
staff record progress, overdue outcomes are announced once, residents rate the result and the
clock closes the evaluation with a published satisfaction rate.

Periods are moved with time-machine, never with sleeps: every test starts at T0.
"""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone, translation

from communities.models import Notification
from consultation import outcomes, voting, workflow
from consultation.models import Objection, ProgressUpdate, Rating, Topic, TopicState
from consultation.pages import OutcomePage
from tests.factories import ResidentFactory, VerifiedResidentFactory

from .ballot_factories import BallotFactory, VotingTopicFactory
from .factories import DeliberatingTopicFactory, SupportFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
DECISION = "协商一致：在小区东门加装12个电动车充电桩。"


@pytest.fixture(autouse=True)
def english():
    """Messages are read in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def clock(time_machine):
    """Frozen at T0; `clock.move_to(moment)` moves it."""
    time_machine.move_to(T0, tick=False)
    return time_machine


@pytest.fixture
def deliberated(clock, community, author):
    return DeliberatingTopicFactory(
        community=community, author=author, title="小区东门加装电动车充电桩"
    )


def write_outcome(topic, parent, *, deadline_days=30, notice_days=7, **fields):
    """The outcome page as staff write it: a draft under the community page."""
    page = OutcomePage(
        title=topic.title,
        slug=f"outcome-{topic.pk}",
        topic=topic,
        decision=DECISION,
        tally=outcomes.prefilled_outcome(topic)["tally"],
        plan="物业负责采购安装，社区协调供电。",
        responsible="幸福里物业服务中心",
        deadline=timezone.localdate() + timedelta(days=deadline_days),
        notice_days=notice_days,
        live=False,
        **fields,
    )
    parent.add_child(instance=page)
    return page


def publish(page, user):
    page.save_revision(user=user).publish()
    return Topic.objects.get(pk=page.topic_id)


@pytest.fixture
def draft_outcome(deliberated, community_page):
    return write_outcome(deliberated, community_page)


@pytest.fixture
def in_notice(draft_outcome, staff):
    """Published at T0: the notice period runs until T0 + 7 days."""
    return publish(draft_outcome, staff)


def after_notice(clock, topic):
    clock.move_to(topic.notice_ends_at + timedelta(minutes=1), tick=False)


@pytest.fixture
def implementing(in_notice, clock):
    after_notice(clock, in_notice)
    outcomes.advance_clock()
    topic = Topic.objects.get(pk=in_notice.pk)
    assert topic.status == TopicState.IMPLEMENTING
    return topic


def marked_carried_out(topic, staff, evaluation_days=14):
    """All done (100% recorded), then marked carried out."""
    outcomes.record_progress(topic, staff, date=timezone.localdate(), percent=100, text="完工。")
    return workflow.perform(
        topic, "complete_implementation", staff, evaluation_days=evaluation_days
    )


@pytest.fixture
def evaluating(implementing, staff):
    return marked_carried_out(implementing, staff)


def notifications(event, **filters):
    return Notification.objects.filter(event=event, **filters)


# 公示: publication -------------------------------------------------------------------------


def test_publishing_the_outcome_starts_the_notice_period(draft_outcome, staff, author):
    topic = publish(draft_outcome, staff)

    assert topic.status == TopicState.NOTICE
    assert topic.notice_starts_at == T0
    assert topic.notice_ends_at == T0 + timedelta(days=7)
    assert topic.implementation_deadline == draft_outcome.deadline
    latest = topic.history.first()
    assert (latest.status, latest.history_user) == (TopicState.NOTICE, staff)
    assert latest.history_date == T0
    note = notifications("topic.publish_outcome", recipient=author).get()
    assert note.params["notice_ends"] == "2026-03-09"


def test_the_notice_period_follows_the_pages_notice_days(deliberated, community_page, staff):
    page = write_outcome(deliberated, community_page, notice_days=10)
    topic = publish(page, staff)
    assert topic.notice_ends_at == T0 + timedelta(days=10)


def test_publishing_again_does_not_restart_the_notice_period(
    in_notice, draft_outcome, staff, clock
):
    clock.move_to(T0 + timedelta(days=2), tick=False)
    page = OutcomePage.objects.get(pk=draft_outcome.pk)
    page.plan = "物业负责采购安装，社区协调供电；费用从公共收益列支。"
    topic = publish(page, staff)
    assert topic.status == TopicState.NOTICE
    assert topic.notice_starts_at == T0
    assert topic.notice_ends_at == T0 + timedelta(days=7)


def test_a_voted_topic_is_published_once_its_ballot_is_closed(
    clock, community, community_page, staff, author
):
    topic = VotingTopicFactory(community=community, author=author, title="东侧划设停车位")
    ballot = BallotFactory(topic=topic, opened_by=staff)
    for position in (1, 1, 2):
        voting.cast_vote(ballot, VerifiedResidentFactory(community=community).user, [position])
    voting.close_ballot(ballot, actor=staff, reason="业主大会已召开")
    prefill = outcomes.prefilled_outcome(topic)
    assert prefill["decision"] == "By vote: 赞成."
    assert "赞成 2" in prefill["tally"] and "反对 1" in prefill["tally"]

    page = write_outcome(topic, community_page)
    topic = publish(page, staff)

    assert topic.status == TopicState.NOTICE
    assert topic.notice_ends_at == T0 + timedelta(days=7)
    assert topic.history.first().history_user == staff


def test_publishing_is_refused_while_the_ballot_is_open(clock, community, community_page, staff):
    topic = VotingTopicFactory(community=community)
    BallotFactory(topic=topic, opened_by=staff)

    page = write_outcome(topic, community_page)  # a draft may be written while voting runs

    with pytest.raises(ValidationError) as refused:
        publish(page, staff)
    assert refused.value.messages == [
        "The ballot on this topic is not counted yet; publish once it has closed."
    ]
    page.refresh_from_db()
    assert not page.live
    # The workflow says the same if it is asked directly.
    with pytest.raises(ValidationError):
        workflow.perform(topic, "publish_outcome", staff, page=OutcomePage(topic=topic))
    topic.refresh_from_db()
    assert (topic.status, topic.notice_starts_at) == (TopicState.VOTING, None)


def test_a_topic_still_collecting_support_cannot_have_an_outcome(
    clock, topic, community_page, staff
):
    page = write_outcome(topic, community_page)
    with pytest.raises(ValidationError) as refused:
        publish(page, staff)
    assert refused.value.messages == ["Only a deliberated topic can have an outcome."]
    topic.refresh_from_db()
    assert topic.status == TopicState.COLLECTING


def test_an_unpublished_outcome_changes_nothing(draft_outcome):
    topic = Topic.objects.get(pk=draft_outcome.topic_id)
    assert topic.status == TopicState.DELIBERATING
    assert topic.notice_starts_at is None


# 异议: objections ---------------------------------------------------------------------------


def test_a_verified_resident_objects_during_the_notice_period(in_notice, neighbour, clock):
    clock.move_to(T0 + timedelta(days=3), tick=False)
    objection = outcomes.file_objection(in_notice, neighbour, "  充电桩离住户窗户太近。 ")
    assert (objection.author, objection.body) == (neighbour, "充电桩离住户窗户太近。")
    assert objection.created_at == T0 + timedelta(days=3)
    assert objection.answered_at is None


@pytest.mark.parametrize("who", ["outsider", "stranger", "unverified"])
def test_only_verified_residents_of_the_community_object(in_notice, community, request, who):
    if who == "unverified":
        user = ResidentFactory(community=community).user
    else:
        user = request.getfixturevalue(who)
    with pytest.raises(ValidationError) as refused:
        outcomes.file_objection(in_notice, user, "我反对。")
    assert community.name in refused.value.messages[0]
    assert not Objection.objects.exists()


def test_no_objection_before_the_outcome_is_published(deliberated, draft_outcome, neighbour):
    with pytest.raises(ValidationError) as refused:
        outcomes.file_objection(deliberated, neighbour, "我反对。")
    assert refused.value.messages == ["Objections can be filed only during the notice period."]
    assert not Objection.objects.exists()


def test_no_objection_before_the_notice_period_starts(in_notice, neighbour, clock):
    clock.move_to(T0 - timedelta(minutes=1), tick=False)
    with pytest.raises(ValidationError) as refused:
        outcomes.file_objection(in_notice, neighbour, "我反对。")
    assert "notice period" in refused.value.messages[0]
    assert not Objection.objects.exists()


def test_no_objection_after_the_notice_period(in_notice, neighbour, clock):
    clock.move_to(in_notice.notice_ends_at, tick=False)  # the end is exclusive
    with pytest.raises(ValidationError) as refused:
        outcomes.file_objection(in_notice, neighbour, "我反对。")
    assert refused.value.messages == ["Objections can be filed only during the notice period."]
    assert not Objection.objects.exists()


def test_an_objection_needs_words(in_notice, neighbour):
    with pytest.raises(ValidationError):
        outcomes.file_objection(in_notice, neighbour, "   ")
    assert not Objection.objects.exists()


def test_one_objection_per_person(in_notice, neighbour):
    outcomes.file_objection(in_notice, neighbour, "充电桩离住户窗户太近。")
    with pytest.raises(ValidationError) as refused:
        outcomes.file_objection(in_notice, neighbour, "再补充一点。")
    assert refused.value.messages == ["You have already filed an objection to this outcome."]
    assert Objection.objects.count() == 1


def test_the_outcome_page_tells_a_late_objector_why(in_notice, neighbour, client, clock):
    after_notice(clock, in_notice)
    client.force_login(neighbour)
    response = client.post(f"/topics/{in_notice.pk}/object/", {"body": "我反对。"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith("#objections")
    with translation.override("zh-hans"):
        message = translation.gettext("Objections can be filed only during the notice period.")
    assert message in response.content.decode()
    assert not Objection.objects.exists()


def test_the_office_answers_an_objection_in_public(in_notice, neighbour, staff, clock):
    objection = outcomes.file_objection(in_notice, neighbour, "充电桩离住户窗户太近。")
    clock.move_to(T0 + timedelta(days=1), tick=False)

    with pytest.raises(ValidationError):
        outcomes.answer_objection(objection, staff, answer="  ", upheld=False)
    objection.refresh_from_db()
    assert objection.answered_at is None

    outcomes.answer_objection(objection, staff, answer="充电桩将设在东门外侧。", upheld=False)
    objection.refresh_from_db()
    assert objection.answer == "充电桩将设在东门外侧。"
    assert (objection.answered_by, objection.answered_at) == (staff, T0 + timedelta(days=1))
    assert objection.upheld is False
    note = notifications("topic.objection_answered").get()
    assert note.recipient == neighbour
    with pytest.raises(ValidationError):
        outcomes.answer_objection(objection, staff, answer="再答一次。", upheld=True)


def test_only_the_communitys_staff_answer(in_notice, neighbour, other_staff, author):
    objection = outcomes.file_objection(in_notice, neighbour, "我反对。")
    for user in (other_staff, author):
        with pytest.raises(PermissionDenied):
            outcomes.answer_objection(objection, user, answer="不予采纳。", upheld=False)
    assert not notifications("topic.objection_answered").exists()


# The end of the notice period ---------------------------------------------------------------


def test_the_notice_period_ends_when_its_time_is_up(in_notice, clock, author):
    clock.move_to(in_notice.notice_ends_at - timedelta(minutes=1), tick=False)
    assert outcomes.advance_clock()["notices"] == 0
    assert Topic.objects.get(pk=in_notice.pk).status == TopicState.NOTICE

    after_notice(clock, in_notice)
    assert outcomes.advance_clock()["notices"] == 1
    topic = Topic.objects.get(pk=in_notice.pk)
    assert topic.status == TopicState.IMPLEMENTING
    assert topic.history.first().history_user is None
    assert notifications("topic.end_notice", recipient=author).count() == 1


def test_an_unanswered_objection_holds_the_notice_period(in_notice, neighbour, staff, clock):
    objection = outcomes.file_objection(in_notice, neighbour, "我反对。")
    after_notice(clock, in_notice)
    assert outcomes.advance_clock()["notices"] == 0
    assert Topic.objects.get(pk=in_notice.pk).status == TopicState.NOTICE

    outcomes.answer_objection(objection, staff, answer="已核实，不影响通行。", upheld=False)
    assert outcomes.advance_clock()["notices"] == 1
    assert Topic.objects.get(pk=in_notice.pk).status == TopicState.IMPLEMENTING


def test_an_upheld_objection_sends_the_topic_back_to_deliberation(
    in_notice, neighbour, staff, author, clock
):
    with pytest.raises(ValidationError):
        workflow.perform(in_notice, "reconsider", staff)  # nothing upheld yet
    objection = outcomes.file_objection(in_notice, neighbour, "没有考虑消防通道。")
    outcomes.answer_objection(objection, staff, answer="意见成立，重新协商。", upheld=True)

    after_notice(clock, in_notice)
    assert outcomes.advance_clock()["notices"] == 0
    topic = Topic.objects.get(pk=in_notice.pk)
    assert topic.status == TopicState.NOTICE
    with pytest.raises(ValidationError) as refused:
        workflow.perform(topic, "end_notice", None)
    assert "upheld" in refused.value.messages[0]

    with pytest.raises(PermissionDenied):
        workflow.perform(topic, "reconsider", author)
    topic = workflow.perform(topic, "reconsider", staff)
    assert topic.status == TopicState.DELIBERATING
    assert topic.history.first().history_user == staff


# 落实: progress, deadline --------------------------------------------------------------------


def test_progress_is_recorded_only_while_carrying_it_out(in_notice, staff):
    with pytest.raises(ValidationError):
        outcomes.record_progress(
            in_notice, staff, date=timezone.localdate(), percent=10, text="已开工。"
        )
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize("percent", [-1, 101])
def test_progress_is_a_percentage(implementing, staff, percent):
    with pytest.raises(ValidationError):
        outcomes.record_progress(
            implementing, staff, date=timezone.localdate(), percent=percent, text="已开工。"
        )
    assert not ProgressUpdate.objects.exists()


def test_progress_needs_words_and_the_communitys_staff(implementing, staff, other_staff):
    with pytest.raises(ValidationError):
        outcomes.record_progress(
            implementing, staff, date=timezone.localdate(), percent=10, text=" "
        )
    with pytest.raises(PermissionDenied):
        outcomes.record_progress(
            implementing, other_staff, date=timezone.localdate(), percent=10, text="已开工。"
        )
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize("percent", [0, 100])
def test_progress_updates_tell_the_followers(implementing, staff, author, community, percent):
    supporter = SupportFactory(topic=implementing).resident.user
    update = outcomes.record_progress(
        implementing, staff, date=timezone.localdate(), percent=percent, text="已完成采购。"
    )
    assert (update.percent, update.author, update.text) == (percent, staff, "已完成采购。")
    told = notifications("topic.progress")
    assert {n.recipient for n in told} == {author, supporter}
    assert {n.params["percent"] for n in told} == {percent}


def test_an_overdue_outcome_is_flagged_and_announced_once(in_notice, clock, author):
    deadline = in_notice.implementation_deadline  # T0 + 30 days
    after_notice(clock, in_notice)
    outcomes.advance_clock()
    topic = Topic.objects.get(pk=in_notice.pk)
    assert not topic.implementation_overdue

    clock.move_to(datetime.combine(deadline, datetime.min.time(), SHANGHAI) + timedelta(hours=12))
    assert outcomes.advance_clock()["overdue"] == 0  # due today is not late yet
    assert not Topic.objects.get(pk=topic.pk).implementation_overdue

    clock.move_to(datetime.combine(deadline, datetime.min.time(), SHANGHAI) + timedelta(days=1))
    assert Topic.objects.get(pk=topic.pk).implementation_overdue
    assert outcomes.advance_clock()["overdue"] == 1
    assert notifications("topic.overdue", recipient=author).count() == 1

    clock.move_to(datetime.combine(deadline, datetime.min.time(), SHANGHAI) + timedelta(days=2))
    assert outcomes.advance_clock()["overdue"] == 0
    assert notifications("topic.overdue").count() == 1


def test_an_outcome_carried_out_is_not_overdue(evaluating, clock):
    clock.move_to(T0 + timedelta(days=60), tick=False)
    topic = Topic.objects.get(pk=evaluating.pk)
    assert not topic.implementation_overdue
    outcomes.advance_clock()
    assert not notifications("topic.overdue").exists()


@pytest.mark.parametrize("days", [0, 91, "7", None])
def test_evaluation_runs_between_1_and_90_days(implementing, staff, days):
    with pytest.raises(ValidationError):
        workflow.perform(implementing, "complete_implementation", staff, evaluation_days=days)
    assert Topic.objects.get(pk=implementing.pk).status == TopicState.IMPLEMENTING


def test_carried_out_opens_the_evaluation(implementing, staff, author, clock):
    now = timezone.now()
    topic = marked_carried_out(implementing, staff)
    assert topic.status == TopicState.EVALUATING
    assert topic.implemented_at == now
    assert topic.evaluation_ends_at == now + timedelta(days=14)
    note = notifications("topic.complete_implementation", recipient=author).get()
    assert note.params["evaluation_ends"] == timezone.localtime(now + timedelta(days=14)).strftime(
        "%Y-%m-%d"
    )


# 评议: ratings and satisfaction --------------------------------------------------------------


def test_a_verified_resident_rates_once(evaluating, neighbour):
    rating = outcomes.rate(evaluating, neighbour, rating="basic", comment=" 还可以 ")
    assert (rating.rating, rating.comment) == ("basic", "还可以")
    with pytest.raises(ValidationError) as refused:
        outcomes.rate(evaluating, neighbour, rating="satisfied")
    assert refused.value.messages == ["You have already evaluated this outcome."]
    assert Rating.objects.get().rating == "basic"


@pytest.mark.parametrize("who", ["outsider", "stranger", "unverified"])
def test_only_verified_residents_of_the_community_rate(evaluating, community, request, who):
    if who == "unverified":
        user = ResidentFactory(community=community).user
    else:
        user = request.getfixturevalue(who)
    with pytest.raises(ValidationError):
        outcomes.rate(evaluating, user, rating="satisfied")
    assert not Rating.objects.exists()


@pytest.mark.parametrize("rating", ["great", "", "SATISFIED"])
def test_three_ratings_only(evaluating, neighbour, rating):
    with pytest.raises(ValidationError):
        outcomes.rate(evaluating, neighbour, rating=rating)
    assert not Rating.objects.exists()


def test_no_rating_before_the_evaluation_opens(implementing, neighbour):
    with pytest.raises(ValidationError) as refused:
        outcomes.rate(implementing, neighbour, rating="satisfied")
    assert refused.value.messages == ["Evaluation is not open for this outcome."]
    assert not Rating.objects.exists()


def test_no_rating_after_the_evaluation_ends(evaluating, neighbour, clock):
    clock.move_to(evaluating.evaluation_ends_at, tick=False)
    with pytest.raises(ValidationError):
        outcomes.rate(evaluating, neighbour, rating="satisfied")
    assert not Rating.objects.exists()


def test_satisfaction_counts_basically_satisfied_as_satisfied(evaluating, community):
    assert outcomes.satisfaction(evaluating) == {"rate": None, "count": 0}
    for rating in ["satisfied", "satisfied", "satisfied", "basic", "dissatisfied"]:
        outcomes.rate(evaluating, VerifiedResidentFactory(community=community).user, rating=rating)
    assert outcomes.satisfaction(evaluating) == {"rate": 80.0, "count": 5}


def test_satisfaction_is_rounded_to_one_decimal(evaluating, community):
    for rating in ["satisfied", "basic", "dissatisfied"]:
        outcomes.rate(evaluating, VerifiedResidentFactory(community=community).user, rating=rating)
    assert outcomes.satisfaction(evaluating) == {"rate": 66.7, "count": 3}


def test_the_clock_closes_an_evaluation_that_ended(evaluating, community, clock, author):
    outcomes.rate(evaluating, VerifiedResidentFactory(community=community).user, rating="basic")
    clock.move_to(evaluating.evaluation_ends_at - timedelta(minutes=1), tick=False)
    assert outcomes.advance_clock()["closed"] == 0

    clock.move_to(evaluating.evaluation_ends_at, tick=False)
    assert outcomes.advance_clock()["closed"] == 1
    topic = Topic.objects.get(pk=evaluating.pk)
    assert topic.status == TopicState.CLOSED
    assert topic.closed_at == evaluating.evaluation_ends_at
    latest = topic.history.first()
    assert (latest.status, latest.history_user) == (TopicState.CLOSED, None)
    note = notifications("topic.close_evaluation", recipient=author).get()
    assert note.params["satisfaction"] == "100.0% (1)"
    assert outcomes.advance_clock()["closed"] == 0


def carried_out(community, staff, ratings, *, days_ago):
    """A topic implemented `days_ago` days before T0, under evaluation, with these ratings."""
    topic = DeliberatingTopicFactory(community=community)
    Topic.objects.filter(pk=topic.pk).update(
        status=TopicState.EVALUATING,
        implemented_at=T0 - timedelta(days=days_ago),
        evaluation_ends_at=T0 + timedelta(days=14),
    )
    topic.refresh_from_db()
    for rating in ratings:
        outcomes.rate(topic, VerifiedResidentFactory(community=community).user, rating=rating)
    return topic


def test_community_satisfaction_over_recent_outcomes(clock, community, other_community, staff):
    assert outcomes.community_satisfaction(community) == {"rate": None, "count": 0}
    carried_out(community, staff, ["dissatisfied"] * 4, days_ago=30)  # the oldest
    carried_out(community, staff, ["satisfied", "dissatisfied"], days_ago=10)
    carried_out(community, staff, ["basic", "basic"], days_ago=1)
    carried_out(other_community, staff, ["dissatisfied"] * 3, days_ago=1)

    assert outcomes.community_satisfaction(community) == {"rate": 37.5, "count": 8}
    assert outcomes.community_satisfaction(community, recent=2) == {"rate": 75.0, "count": 4}
    assert outcomes.community_satisfaction(community, recent=1) == {"rate": 100.0, "count": 2}


# The whole clock as a command ---------------------------------------------------------------


def test_advance_consultation_moves_everything_on(
    clock, community, community_page, staff, author, neighbour
):
    """A ballot past its close, a notice period over, an evaluation over, an outcome past its
    deadline: one run of the command handles each, and a second run has nothing left to do."""
    voting_topic = VotingTopicFactory(community=community, title="增设快递柜")
    ballot = BallotFactory(topic=voting_topic, closes_at=T0 + timedelta(days=5))
    voting.cast_vote(ballot, neighbour, [1])

    noticed = publish(
        write_outcome(DeliberatingTopicFactory(community=community, author=author), community_page),
        staff,
    )
    overdue = publish(
        write_outcome(
            DeliberatingTopicFactory(community=community, author=author),
            community_page,
            deadline_days=3,
            notice_days=1,
        ),
        staff,
    )
    clock.move_to(T0 + timedelta(days=1, minutes=1), tick=False)  # the short notice is over
    call_command("advance_consultation", stdout=io.StringIO())
    rated = marked_carried_out(Topic.objects.get(pk=overdue.pk), staff, evaluation_days=1)
    outcomes.rate(rated, neighbour, rating="satisfied")
    overdue = publish(
        write_outcome(
            DeliberatingTopicFactory(community=community, author=author),
            community_page,
            deadline_days=4,
            notice_days=1,
        ),
        staff,
    )

    clock.move_to(T0 + timedelta(days=8), tick=False)
    out = io.StringIO()
    call_command("advance_consultation", stdout=out)

    assert out.getvalue().strip() == (
        "ballots counted: 1, notice periods ended: 2, evaluations closed: 1, "
        "overdue outcomes announced: 1"
    )
    ballot.refresh_from_db()
    assert (ballot.status, ballot.voter_count) == ("closed", 1)
    states = dict(Topic.objects.values_list("pk", "status"))
    assert states[noticed.pk] == TopicState.IMPLEMENTING
    assert states[rated.pk] == TopicState.CLOSED
    assert states[overdue.pk] == TopicState.IMPLEMENTING
    assert Topic.objects.get(pk=overdue.pk).implementation_overdue
    assert notifications("topic.overdue", recipient=author).count() == 1

    out = io.StringIO()
    call_command("advance_consultation", stdout=out)
    assert out.getvalue().strip() == (
        "ballots counted: 0, notice periods ended: 0, evaluations closed: 0, "
        "overdue outcomes announced: 0"
    )
    assert notifications("topic.overdue").count() == 1
