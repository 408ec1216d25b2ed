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

from communities.templatetags.people import person_name

from .. import outcomes, workflow
from ..models import (
    BallotStatus,
    ConsultationSettings,
    Meeting,
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
        self.objections = topic.current_objections().aggregate(
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
        self.invited_people = [person_name(user) for user in topic.invited_users.all()]

    @property
    def invited_count(self):
        return sum(row["count"] for row in self.invited_by_grid)

    def meetings_rows(self):
        now = timezone.now()
        return [
            {
                "meeting": meeting,
                "held": meeting.held_at <= now,
                "needs_minutes": meeting.held_at <= now and not meeting.minutes.strip(),
                "minutes_url": reverse("consultation_meeting_minutes", args=[meeting.pk]),
            }
            for meeting in self.meetings
        ]


class NextSteps:
    """What is due on one topic for one staff member: a sentence saying what happens next
    (and what the clock will do by itself), and the steps that are theirs, as buttons. One
    method per state, named by its key."""

    def __init__(self, topic, user, record):
        self.topic, self.record = topic, record
        self.allowed = {t.action for t in workflow.available_actions(topic, user)}

    def __call__(self):
        return getattr(self, self.topic.status)()

    def url(self, name):
        return reverse(name, args=[self.topic.pk])

    def offered(self, *actions, primary=True):
        """Buttons for the workflow's steps this user may take now, by the table's labels."""
        return [
            Step(str(workflow.ACTIONS[a].label), self.url(f"consultation_topic_{a}"), primary)
            for a in actions
            if a in self.allowed
        ]

    def outcome(self, primary=True):
        page = self.record.page
        if page is None:
            return [Step(_("Write the outcome"), self.url("consultation_topic_write_outcome"))]
        if not page.live:
            url = self.url("consultation_topic_review_outcome")
            return [Step(_("Review and publish the outcome"), url, primary)]
        return []

    def collecting(self):
        threshold = (
            ConsultationSettings.objects.filter(community_id=self.topic.community_id)
            .values_list("support_threshold", flat=True)
            .first()
        ) or ConsultationSettings._meta.get_field("support_threshold").default
        text = _(
            "Residents are supporting it. At %(threshold)s supporters it goes to screening by "
            "itself; you may send it there sooner."
        ) % {"threshold": threshold}
        return text, [
            *self.offered("send_to_screening"),
            *self.offered("decline", "mark_duplicate", primary=False),
        ]

    def screening(self):
        text = _(
            "Decide by %(deadline)s: accept it into the agenda (with whom to invite) or decline "
            "it with a reason residents read."
        ) % {"deadline": _local(self.topic.screening_deadline)}
        return text, [
            *self.offered("accept"),
            *self.offered("decline", "mark_duplicate", primary=False),
        ]

    def deliberating(self):
        text = _(
            "Deliberation runs %(starts)s – %(ends)s. Record each meeting (with its minutes once "
            "it has taken place), then open a ballot, or write the outcome if it was settled "
            "without a vote."
        ) % {
            "starts": self.topic.deliberation_starts or "—",
            "ends": self.topic.deliberation_ends or "—",
        }
        record_meeting = Step(_("Record a meeting"), self.url("consultation_topic_record_meeting"))
        written = [Step(step.label, step.url, False) for step in self.outcome()]
        return text, [record_meeting, *self.offered("open_ballot"), *written]

    def voting(self):
        ballot = self.record.ballot
        if ballot is not None and ballot.status == BallotStatus.OPEN:
            text = _(
                "Voting closes by itself at %(closes)s (%(voters)s voted so far). The count is "
                "then stored, the outcome draft is written from it and you are told."
            ) % {"closes": _local(ballot.closes_at), "voters": ballot.voters_so_far}
            close = Step(_("Close the ballot early"), self.url("consultation_close_ballot"), False)
            return text, [close]
        if ballot is not None and ballot.status == BallotStatus.FAILED:
            return _(
                "The count failed its integrity check (ballot papers and voters differ); its "
                "result is withheld. Ask the community office's administrator to examine the "
                "ballot."
            ), []
        if self.record.page is None:
            return _("The ballot is counted: write the outcome from its tally."), self.outcome()
        return _(
            "The ballot is counted and the outcome draft is written from its tally: check the "
            "words and publish it. Publishing starts the notice period."
        ), self.outcome()

    def notice(self):
        text = _(
            "On public notice until %(ends)s: residents may object. Answer every objection; when "
            "the period ends it moves on to being carried out by itself."
        ) % {"ends": _local(self.topic.notice_ends_at)}
        steps = []
        if self.record.objections["unanswered"]:
            query = urlencode({"community": self.topic.community_id, "unanswered": "true"})
            steps.append(Step(_("Answer the objections"), f"{reverse('objections:index')}?{query}"))
        if self.record.objections["upheld"]:
            steps += self.offered("reconsider")
        return text, steps

    def implementing(self):
        text = _(
            "Carry it out by %(deadline)s and record progress as it happens. Mark it carried out "
            "when done; below 100%% you say why. Residents then evaluate it."
        ) % {"deadline": self.topic.implementation_deadline or "—"}
        progress = Step(_("Record progress"), self.url("consultation_topic_record_progress"))
        return text, [progress, *self.offered("complete_implementation")]

    def evaluating(self):
        return _(
            "Residents evaluate it until %(ends)s; the evaluation then closes by itself and the "
            "satisfaction rate is published."
        ) % {"ends": _local(self.topic.evaluation_ends_at)}, []

    def closed(self):
        satisfaction = self.record.satisfaction
        rate = "—" if satisfaction["rate"] is None else f"{satisfaction['rate']}%"
        return _("Closed. Satisfaction: %(satisfaction)s.") % {"satisfaction": rate}, []

    def declined(self):
        return _("Declined. The reason is published with the topic."), []

    def withdrawn(self):
        return _("Withdrawn by its author."), []


def topic_page_context(topic, user):
    record = TopicRecord(topic)
    text, steps = NextSteps(topic, user, record)()
    voted = bool(record.ballots)
    return {
        "record": record,
        "stages": stages(topic, voted),
        "next_text": text,
        "steps": steps,
        "meeting_rows": record.meetings_rows(),
        "outcome_editor_url": editor_url(record.page, topic) if record.page else "",
    }
