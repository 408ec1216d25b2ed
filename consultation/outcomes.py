"""After the decision: the outcome draft prepared when a ballot is counted, publication,
objections (异议), progress (落实), ratings (评议), and the clock that moves topics on when a
period ends. Status changes go through workflow.perform().
"""

from datetime import timedelta

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities import notices
from communities.notifications import notify, register_event

from . import voting, workflow
from .models import (
    BallotStatus,
    OutcomePage,
    ProgressPhoto,
    ProgressUpdate,
    Rating,
    Satisfaction,
    Topic,
    TopicState,
    satisfaction_of,
)
from .page_rights import community_staff, ensure_page_permissions
from .permissions import is_staff_for, verified_resident_of

# Told to the community's staff, not to the topic's followers: the next step is theirs.
register_event(
    "topic.outcome_draft_ready",
    gettext_lazy(
        "The ballot on “%(title)s” is counted: the outcome draft is written from the tally. "
        "Review it and publish it."
    ),
)
register_event(
    "topic.outcome_to_write",
    gettext_lazy(
        "The ballot on “%(title)s” is counted, but no outcome draft could be prepared "
        "(the community has no page on the site yet): write the outcome from the topic's page."
    ),
)

DRAFT_DEADLINE_DAYS = 30
DRAFT_NOTICE_DAYS = 7


def prefilled_outcome(topic):
    """What staff start from when they write the outcome: decision, tally and the topic's
    own words, so nothing the system already knows is typed again."""
    ballot = topic.ballots.filter(status="closed").prefetch_related("options").first()
    tally = ""
    decision = ""
    if ballot is not None:
        parts = [f"{option.label} {option.final_count}" for option in ballot.options.all()]
        tally = _(
            "%(question)s — %(counts)s; %(voters)s of %(eligible)s eligible voted "
            "(%(turnout)s%%), quorum %(quorum)s."
        ) % {
            "question": ballot.question,
            "counts": " · ".join(parts),
            "voters": ballot.voter_count,
            "eligible": ballot.eligible_count,
            "turnout": ballot.turnout_percent,
            "quorum": _("met") if ballot.quorum_met else _("not met"),
        }
        leading = max(ballot.options.all(), key=lambda option: option.final_count)
        decision = _("By vote: %(option)s.") % {"option": leading.label}
    return {"title": topic.title, "decision": decision, "tally": tally, "plan": ""}


def outcome_page_of(topic):
    return OutcomePage.objects.filter(topic=topic).first()


def write_outcome_draft(topic, actor=None):
    """撰写结果公示: a draft outcome page under the community's page, filled in with what the
    system knows (decision and tally from the ballot, the plan from the topic's description).
    Returns the draft (or the one written a moment ago by someone else); raises
    ObjectDoesNotExist when the community has no page and ValidationError when the page is
    refused."""
    community_page = topic.community.page
    prefilled = prefilled_outcome(topic)
    page = OutcomePage(
        title=prefilled["title"],
        slug=f"outcome-{topic.pk}",
        topic=topic,
        decision=prefilled["decision"],
        tally=prefilled["tally"],
        plan=prefilled["plan"] or topic.description,
        responsible=topic.community.name,
        deadline=timezone.localdate() + timedelta(days=DRAFT_DEADLINE_DAYS),
        notice_days=DRAFT_NOTICE_DAYS,
        live=False,
        owner=actor,
    )
    try:
        with transaction.atomic():
            ensure_page_permissions(community_page)
            community_page.add_child(instance=page)
            # A draft may still lack what staff write (the decision, when no ballot was held);
            # publishing requires it.
            page.save_revision(user=actor, log_action=True, clean=False)
    except IntegrityError:
        # Written a moment ago by someone else (two clocks, a click beside the clock).
        existing = outcome_page_of(topic)
        if existing is None:
            raise
        return existing
    return page


class StaffView:
    """A topic as its community's staff are told about it: the link leads to the topic's page
    in the admin, where the next step is."""

    def __init__(self, topic):
        self.topic = topic

    def followers_for(self, event):
        return community_staff(self.topic.community)

    def notification_params(self):
        return self.topic.notification_params()

    def get_absolute_url(self):
        return reverse("topics:inspect", args=[self.topic.pk])


def ballot_counted(ballot, actor=None):
    """A ballot has closed (by the clock, or staff closing it early) and its count is stored:
    the outcome draft is written from that count and the community's staff are told, so the
    next step waits on their desk. A count that failed its integrity check prepares nothing
    (voting.close_ballot told the office). Returns the draft page, or None."""
    if ballot.status != BallotStatus.CLOSED:
        return None
    topic = ballot.topic
    page = outcome_page_of(topic)
    if page is None:
        try:
            page = write_outcome_draft(topic, actor)
        except (ObjectDoesNotExist, ValidationError):
            page = None
    event = "topic.outcome_draft_ready" if page is not None else "topic.outcome_to_write"
    notify(event, StaffView(topic), actor)
    return page


def close_due_ballots(now=None):
    """The scheduled close: every open ballot past its closing time is counted, and each
    count prepares its outcome draft."""
    closed = voting.close_due_ballots(now)
    for ballot in closed:
        # A ballot without a topic (a funding round's residents' vote) has no outcome to draft.
        if ballot.topic_id is not None:
            ballot_counted(ballot)
    return closed


def publish_outcome(page, actor):
    """Called when the outcome page goes live for the first time: the notice period starts."""
    topic = page.topic
    if topic.status not in (TopicState.DELIBERATING, TopicState.VOTING):
        return topic
    return workflow.perform(topic, "publish_outcome", actor, page=page)


def file_objection(topic, user, body):
    """异议 during the notice period, by a verified resident of the community, once
    (communities.notices holds the mechanism; the topic says who may object)."""
    return notices.file_objection(topic.current_notice, user, body)


def answer_objection(objection, staff, *, answer, upheld):
    return notices.answer_objection(objection, staff, answer=answer, upheld=upheld)


@transaction.atomic
def record_progress(topic, staff, *, date, percent, text, photos=()):
    if not is_staff_for(staff, topic):
        raise PermissionDenied
    if topic.status != TopicState.IMPLEMENTING:
        raise ValidationError(_("Progress is recorded while the outcome is being carried out."))
    if not 0 <= percent <= 100:
        raise ValidationError(_("Progress is a percentage between 0 and 100."))
    if not text.strip():
        raise ValidationError(_("Say what was done."))
    update = ProgressUpdate(
        topic=topic, date=date, percent=percent, text=text.strip(), author=staff
    )
    update._history_user = staff
    update.save()
    for image in photos:
        ProgressPhoto.objects.create(update=update, image=image)
    notify("topic.progress", topic, staff, params={"percent": percent})
    return update


def rate(topic, user, *, rating, comment=""):
    """评议: each verified resident of the community rates once, while evaluation is open."""
    resident = verified_resident_of(user, topic.community)
    if resident is None:
        raise ValidationError(
            _("Only verified residents of %(community)s can evaluate.")
            % {"community": topic.community.name}
        )
    if topic.status != TopicState.EVALUATING or timezone.now() >= topic.evaluation_ends_at:
        raise ValidationError(_("Evaluation is not open for this outcome."))
    if rating not in Satisfaction.values:
        raise ValidationError(_("Choose satisfied, basically satisfied or dissatisfied."))
    try:
        with transaction.atomic():
            return Rating.objects.create(
                topic=topic, resident=resident, rating=rating, comment=comment.strip()
            )
    except IntegrityError:
        raise ValidationError(_("You have already evaluated this outcome.")) from None


def satisfaction(topic):
    return satisfaction_of(Rating.objects.filter(topic=topic))


def community_satisfaction(community, recent=10):
    """Satisfaction over the community's most recent evaluated outcomes."""
    topics = (
        Topic.objects.filter(community=community, implemented_at__isnull=False)
        .order_by("-implemented_at")
        .values_list("pk", flat=True)[:recent]
    )
    return satisfaction_of(Rating.objects.filter(topic__in=list(topics)))


def advance_clock(now=None):
    """Everything time moves on: ballots past their close, notice periods and evaluations that
    ended, outcomes past their implementation deadline (followers told once)."""
    now = now or timezone.now()
    report = {
        "ballots": len(close_due_ballots(now)),
        "notices": 0,
        "closed": 0,
        "overdue": 0,
    }
    # Every notice whose period is over, a topic's outcome or a funding round's awards;
    # unanswered or upheld objections keep it running: staff act first.
    report["notices"] = notices.end_due_notices(now)
    for topic in Topic.objects.filter(status=TopicState.EVALUATING, evaluation_ends_at__lte=now):
        try:
            workflow.perform(topic, "close_evaluation", None)
        except ValidationError:
            continue  # another run of the clock closed it meanwhile
        report["closed"] += 1
    overdue = Topic.objects.filter(
        status=TopicState.IMPLEMENTING,
        implementation_deadline__lt=timezone.localdate(now),
        overdue_notified_at__isnull=True,
    )
    for topic in overdue:
        with transaction.atomic():
            # Claimed before it is told: a clock running beside this one updates no row here
            # (it waits for this row lock, then finds the mark) and tells nobody a second time.
            claimed = Topic.objects.filter(pk=topic.pk, overdue_notified_at__isnull=True).update(
                overdue_notified_at=now
            )
            if not claimed:
                continue
            notify("topic.overdue", topic, None)
        report["overdue"] += 1
    return report
