"""The topic's admin page drives its whole cycle: where it stands, the step that is due (as
buttons), and the record so far. Steps the clock takes (closing a ballot, ending the notice
period and the evaluation) are said, not offered: nobody clicks for them.
"""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .. import outcomes, workflow
from ..models import (
    BallotStatus,
    ConsultationSettings,
    Meeting,
    Objection,
    OutcomePage,
    TopicState,
)
from .outcomes import editor_url

S = TopicState
# The stages of a topic that goes the whole way, in order.
STAGES = (
    S.COLLECTING,
    S.SCREENING,
    S.DELIBERATING,
    S.VOTING,
    S.NOTICE,
    S.IMPLEMENTING,
    S.EVALUATING,
    S.CLOSED,
)


@dataclass(frozen=True)
class Step:
    label: str
    url: str
    primary: bool = True


def _local(moment, pattern="%Y-%m-%d %H:%M"):
    return timezone.localtime(moment).strftime(pattern) if moment else "—"


def stages(topic, voted):
    """The stage bar: each stage done, current or to come; the vote shows as skipped for a
    topic decided without one."""
    if topic.status not in STAGES:
        return []
    here = STAGES.index(topic.status)
    bar = []
    for index, state in enumerate(STAGES):
        if index < here:
            kind = "skipped" if state == S.VOTING and not voted else "done"
        else:
            kind = "current" if index == here else "later"
        bar.append({"label": state.label, "kind": kind})
    return bar


class TopicRecord:
    """Everything recorded on one topic, loaded once for its page (a fixed number of queries,
    however many meetings, ballots or updates it has). Running vote counts are never read:
    only the result stored when a ballot closed."""

    def __init__(self, topic):
        self.topic = topic
        self.meetings = list(
            Meeting.objects.filter(topic=topic)
            .prefetch_related("attachments")
            .order_by("held_at", "pk")
        )
        self.ballots = list(
            topic.ballots.prefetch_related("options")
            .annotate(voters_so_far=Count("voters"))
            .order_by("opens_at", "pk")
        )
        self.ballot = self.ballots[-1] if self.ballots else None
        self.page = OutcomePage.objects.filter(topic=topic).first()
        self.progress = list(
            topic.progress_updates.select_related("author").order_by("-date", "-pk")
        )
        self.objections = Objection.objects.filter(
            topic=topic, notice_round=topic.notice_starts_at
        ).aggregate(
            total=Count("pk"),
            unanswered=Count("pk", filter=Q(answered_at__isnull=True)),
            upheld=Count("pk", filter=Q(upheld=True)),
        )
        self.satisfaction = outcomes.satisfaction(topic)
        self.invited_by_grid = list(
            topic.invited_households.values("grid__name", "grid__number")
            .annotate(count=Count("pk"))
            .order_by("grid__number", "grid__name")
        )
        self.invited_people = [
            user.get_full_name() or user.email for user in topic.invited_users.all()
        ]

    @property
    def invited_count(self):
        return sum(row["count"] for row in self.invited_by_grid)

    @property
    def now(self):
        return timezone.now()

    def meetings_rows(self):
        now = self.now
        return [
            {
                "meeting": meeting,
                "held": meeting.held_at <= now,
                "needs_minutes": meeting.held_at <= now and not meeting.minutes.strip(),
                "minutes_url": reverse("consultation_meeting_minutes", args=[meeting.pk]),
            }
            for meeting in self.meetings
        ]

    @property
    def latest_percent(self):
        return self.progress[0].percent if self.progress else None


def _action(topic, action, primary=True):
    transition = workflow.ACTIONS[action]
    url = reverse(f"consultation_topic_{action}", args=[topic.pk])
    return Step(str(transition.label), url, primary)


def _outcome_steps(topic, record):
    if record.page is not None and not record.page.live:
        url = reverse("consultation_topic_review_outcome", args=[topic.pk])
        return [Step(_("Review and publish the outcome"), url)]
    if record.page is None:
        url = reverse("consultation_topic_write_outcome", args=[topic.pk])
        return [Step(_("Write the outcome"), url)]
    return []


def next_steps(topic, user, record):
    """(what happens next, in a sentence; the steps that are staff's now, as buttons)."""
    allowed = {t.action for t in workflow.available_actions(topic, user)}

    def offered(*actions, primary=True):
        return [_action(topic, a, primary) for a in actions if a in allowed]

    status, ballot = topic.status, record.ballot
    if status == S.COLLECTING:
        threshold = (
            ConsultationSettings.objects.filter(community_id=topic.community_id)
            .values_list("support_threshold", flat=True)
            .first()
        ) or ConsultationSettings._meta.get_field("support_threshold").default
        text = _(
            "Residents are supporting it. At %(threshold)s supporters it goes to screening by "
            "itself; you may send it there sooner."
        ) % {"threshold": threshold}
        steps = offered("send_to_screening") + offered("decline", "mark_duplicate", primary=False)
    elif status == S.SCREENING:
        text = _(
            "Decide by %(deadline)s: accept it into the agenda (with whom to invite) or decline "
            "it with a reason residents read."
        ) % {"deadline": _local(topic.screening_deadline)}
        steps = offered("accept") + offered("decline", "mark_duplicate", primary=False)
    elif status == S.DELIBERATING:
        text = _(
            "Deliberation runs %(starts)s – %(ends)s. Record each meeting (with its minutes once "
            "it has taken place), then open a ballot, or write the outcome if it was settled "
            "without a vote."
        ) % {
            "starts": topic.deliberation_starts or "—",
            "ends": topic.deliberation_ends or "—",
        }
        record_meeting = Step(
            _("Record a meeting"), reverse("consultation_topic_record_meeting", args=[topic.pk])
        )
        steps = [record_meeting, *offered("open_ballot")]
        steps += [Step(step.label, step.url, False) for step in _outcome_steps(topic, record)]
    elif status == S.VOTING and ballot is not None and ballot.status == BallotStatus.OPEN:
        text = _(
            "Voting closes by itself at %(closes)s (%(voters)s voted so far). The count is then "
            "stored, the outcome draft is written from it and you are told."
        ) % {"closes": _local(ballot.closes_at), "voters": ballot.voters_so_far}
        close = reverse("consultation_close_ballot", args=[topic.pk])
        steps = [Step(_("Close the ballot early"), close, False)]
    elif status == S.VOTING and ballot is not None and ballot.status == BallotStatus.FAILED:
        text = _(
            "The count failed its integrity check (ballot papers and voters differ); its result "
            "is withheld. Ask the community office's administrator to examine the ballot."
        )
        steps = []
    elif status == S.VOTING:  # counted: the outcome is next
        if record.page is not None:
            text = _(
                "The ballot is counted and the outcome draft is written from its tally: check "
                "the words and publish it. Publishing starts the notice period."
            )
        else:
            text = _("The ballot is counted: write the outcome from its tally.")
        steps = _outcome_steps(topic, record)
    elif status == S.NOTICE:
        text = _(
            "On public notice until %(ends)s: residents may object. Answer every objection; when "
            "the period ends it moves on to being carried out by itself."
        ) % {"ends": _local(topic.notice_ends_at)}
        steps = []
        if record.objections["unanswered"]:
            query = urlencode({"community": topic.community_id, "unanswered": "true"})
            steps.append(Step(_("Answer the objections"), f"{reverse('objections:index')}?{query}"))
        if record.objections["upheld"]:
            steps += offered("reconsider")
    elif status == S.IMPLEMENTING:
        text = _(
            "Carry it out by %(deadline)s and record progress as it happens. Mark it carried out "
            "when done; below 100%% you say why. Residents then evaluate it."
        ) % {"deadline": topic.implementation_deadline or "—"}
        progress = Step(
            _("Record progress"), reverse("consultation_topic_record_progress", args=[topic.pk])
        )
        steps = [progress, *offered("complete_implementation")]
    elif status == S.EVALUATING:
        text = _(
            "Residents evaluate it until %(ends)s; the evaluation then closes by itself and the "
            "satisfaction rate is published."
        ) % {"ends": _local(topic.evaluation_ends_at)}
        steps = []
    elif status == S.CLOSED:
        text = _("Closed. Satisfaction: %(satisfaction)s.") % {
            "satisfaction": topic.satisfaction_text()
        }
        steps = []
    elif status == S.DECLINED:
        text = _("Declined. The reason is published with the topic.")
        steps = []
    else:
        text = _("Withdrawn by its author.")
        steps = []
    return text, steps


def topic_page_context(topic, user):
    record = TopicRecord(topic)
    text, steps = next_steps(topic, user, record)
    voted = bool(record.ballots)
    return {
        "record": record,
        "stages": stages(topic, voted),
        "next_text": text,
        "steps": steps,
        "meeting_rows": record.meetings_rows(),
        "outcome_editor_url": editor_url(record.page, topic) if record.page else "",
    }
