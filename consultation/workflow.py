"""A topic's life, as data: the transition table is the only place a topic's status changes.

Each row names the action, the states it leaves from, the state it reaches, who may take it
and a guard. `perform()` checks the row, applies the action's effects, records the step in
history (actor, time, reason) and notifies followers. States: consultation.models.TopicState.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities import notices
from communities.history_reasons import history_reason, register_reason, typed_reason_or
from communities.notifications import notify, register_event

from . import voting
from .models import (
    Comment,
    CommentReport,
    ConsultationSettings,
    Meeting,
    Source,
    Support,
    Topic,
    TopicState,
)
from .permissions import is_participant, is_staff_for, verified_resident_of

AUTHOR = "author"
STAFF = "staff"
SYSTEM = "system"


def _author_is_verified(topic, data):
    if topic.author is None or verified_resident_of(topic.author, topic.community) is None:
        return _("Only verified residents of the community can submit topics.")
    return None


def _threshold_reached(topic, data):
    threshold = ConsultationSettings.for_community(topic.community).support_threshold
    if topic.supports.count() < threshold:
        return _("The topic has not reached its support threshold yet.")
    return None


def _reason_given(topic, data):
    if not data.get("reason", "").strip():
        return _("Give a reason that residents can read.")
    return None


def _deliberation_period_valid(topic, data):
    starts, ends = data.get("deliberation_starts"), data.get("deliberation_ends")
    if not starts or not ends:
        return _("Set when deliberation starts and ends.")
    if ends < starts:
        return _("Deliberation cannot end before it starts.")
    return None


def _duplicate_target_valid(topic, data):
    other = data.get("duplicate_of")
    if other is None:
        return _("Choose the topic this one duplicates.")
    if other.pk == topic.pk or other.community_id != topic.community_id:
        return _("Choose another topic of the same community.")
    if other.status in (TopicState.DRAFT, TopicState.DECLINED, TopicState.WITHDRAWN):
        return _("The surviving topic must be open (not a draft, declined or withdrawn).")
    return None


def _ballot_described(topic, data):
    if not data.get("question", "").strip():
        return _("Write the question residents vote on.")
    if not data.get("opens_at") or not data.get("closes_at"):
        return _("Set when voting opens and closes.")
    return None


def _vote_settled(topic, data):
    ballot = topic.ballots.order_by("-opens_at").first()
    if ballot is not None and ballot.status != "closed":
        return _("Publish the outcome once the ballot is closed and counted.")
    if data.get("page") is None:
        return _("Write the outcome page first.")
    return None


def _notice_period_over(topic, data):
    if topic.notice_ends_at is None or timezone.now() < topic.notice_ends_at:
        return _("The notice period has not ended yet.")
    if topic.current_objections().filter(answered_at__isnull=True).exists():
        return _("Every objection needs a public answer first.")
    if topic.current_objections().filter(upheld=True).exists():
        return _("An objection was upheld: the topic goes back to deliberation instead.")
    return None


def _objection_upheld(topic, data):
    if not topic.current_objections().filter(upheld=True).exists():
        return _("Only an upheld objection sends a topic back to deliberation.")
    return None


def _evaluation_days_valid(topic, data):
    days = data.get("evaluation_days")
    if not isinstance(days, int) or not 1 <= days <= 90:
        return _("Evaluation runs between 1 and 90 days.")
    return None


def _reason_if_unfinished(topic, data):
    # Residents judge what was done: marking it carried out short of 100% says why, in public.
    latest = topic.latest_progress()
    if (latest is not None and latest.percent >= 100) or data.get("reason", "").strip():
        return None
    if latest is None:
        message = _(
            "No progress has been recorded: give the reason it counts as carried out, "
            "for residents to read."
        )
    else:
        message = _(
            "The latest recorded progress is %(percent)s%%: give the reason it counts as "
            "carried out, for residents to read."
        ) % {"percent": latest.percent}
    return ValidationError(message, code="reason")


def _evaluation_over(topic, data):
    if topic.evaluation_ends_at is None or timezone.now() < topic.evaluation_ends_at:
        return _("Evaluation is still open.")
    return None


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset
    target: str
    roles: frozenset
    label: str
    guards: tuple = field(default=())


def _row(action, sources, target, roles, label, *guards):
    return Transition(action, frozenset(sources), target, frozenset(roles), label, guards)


BALLOT_FIELDS = (
    "question", "options", "opens_at", "closes_at", "franchise", "quorum_percent", "secret",
    "max_choices",
)  # fmt: skip
S = TopicState
TRANSITIONS = (
    _row("submit", {S.DRAFT}, S.COLLECTING, {AUTHOR},
         gettext_lazy("Submit for support"), _author_is_verified),
    _row("withdraw", {S.DRAFT, S.COLLECTING, S.SCREENING}, S.WITHDRAWN, {AUTHOR},
         gettext_lazy("Withdraw")),
    _row("reach_threshold", {S.COLLECTING}, S.SCREENING, {SYSTEM},
         gettext_lazy("Support threshold reached"), _threshold_reached),
    _row("send_to_screening", {S.COLLECTING}, S.SCREENING, {STAFF},
         gettext_lazy("Send to screening")),
    _row("accept", {S.SCREENING}, S.DELIBERATING, {STAFF},
         gettext_lazy("Accept into the agenda"), _deliberation_period_valid),
    _row("decline", {S.COLLECTING, S.SCREENING}, S.DECLINED, {STAFF},
         gettext_lazy("Decline"), _reason_given),
    _row("mark_duplicate", {S.COLLECTING, S.SCREENING}, S.DECLINED, {STAFF},
         gettext_lazy("Mark as duplicate"), _duplicate_target_valid),
    _row("open_ballot", {S.DELIBERATING}, S.VOTING, {STAFF},
         gettext_lazy("Open a ballot"), _ballot_described),
    _row("publish_outcome", {S.DELIBERATING, S.VOTING}, S.NOTICE, {STAFF, SYSTEM},
         gettext_lazy("Publish the outcome"), _vote_settled),
    _row("reconsider", {S.NOTICE}, S.DELIBERATING, {STAFF},
         gettext_lazy("Back to deliberation"), _objection_upheld),
    _row("end_notice", {S.NOTICE}, S.IMPLEMENTING, {SYSTEM},
         gettext_lazy("Notice period ended"), _notice_period_over),
    _row("complete_implementation", {S.IMPLEMENTING}, S.EVALUATING, {STAFF},
         gettext_lazy("Mark as carried out"), _evaluation_days_valid, _reason_if_unfinished),
    _row("close_evaluation", {S.EVALUATING}, S.CLOSED, {SYSTEM},
         gettext_lazy("Evaluation ended"), _evaluation_over),
)  # fmt: skip
ACTIONS = {transition.action: transition for transition in TRANSITIONS}

EVENT_TEXTS = {
    "submit": gettext_lazy("“%(title)s” is open for support."),
    "withdraw": gettext_lazy("“%(title)s” was withdrawn by its author."),
    "reach_threshold": gettext_lazy(
        "“%(title)s” reached its support threshold and goes to screening."
    ),
    "send_to_screening": gettext_lazy("“%(title)s” was sent to screening."),
    "accept": gettext_lazy("“%(title)s” is on the agenda; deliberation runs %(deliberation)s."),
    "decline": gettext_lazy("“%(title)s” was declined: %(reason)s"),
    "mark_duplicate": gettext_lazy(
        "“%(title)s” duplicates another topic; follow that one instead."
    ),
    "meeting": gettext_lazy("A meeting on “%(title)s” is set for %(meeting)s."),
    "minutes": gettext_lazy("The minutes of the meeting on “%(title)s” are published."),
    "comment": gettext_lazy("New reply to your comment on “%(title)s”."),
    "publish_outcome": gettext_lazy(
        "The outcome of “%(title)s” is published; objections are open until %(notice_ends)s."
    ),
    "reconsider": gettext_lazy("“%(title)s” goes back to deliberation after an objection."),
    "end_notice": gettext_lazy("The notice period of “%(title)s” ended; it is being carried out."),
    "complete_implementation": gettext_lazy(
        "“%(title)s” is carried out. How well? Rate it until %(evaluation_ends)s."
    ),
    "close_evaluation": gettext_lazy("“%(title)s” is closed. Satisfaction: %(satisfaction)s."),
    "overdue": gettext_lazy("“%(title)s” is past its implementation deadline."),
    "progress": gettext_lazy("Progress on “%(title)s”: %(percent)s%%."),
    "objection_answered": gettext_lazy("Your objection to “%(title)s” has a public answer."),
    "objection_filed": gettext_lazy(
        "An objection to the outcome of “%(title)s” was filed: answer it in public."
    ),
}
for _action, _text in EVENT_TEXTS.items():
    register_event(f"topic.{_action}", _text)


for _transition in TRANSITIONS:
    register_reason(f"topic.{_transition.action}", typed_reason_or(_transition.label))
register_reason("topic.mark_duplicate", gettext_lazy("Duplicate of “%(title)s”."))
register_reason("topic.draft_written", gettext_lazy("Draft written"))


def _carried_out_unfinished(params):
    if params.get("percent") is None:
        text = _("Marked as carried out with no progress recorded: %(reason)s")
    else:
        text = _("Marked as carried out at %(percent)s%% progress: %(reason)s")
    return text % {"percent": params.get("percent"), "reason": params.get("reason", "")}


register_reason("topic.carried_out_unfinished", _carried_out_unfinished)
register_reason("topic.draft_edited", gettext_lazy("Draft edited"))
register_reason(
    "topic.entered_by_staff",
    gettext_lazy("Entered by staff (%(source)s): raised by %(name)s"),
    choices={"source": Source},
)


def roles_of(user, topic):
    roles = set()
    if user is None:
        return {SYSTEM}
    if user.is_authenticated and topic.author_id == user.pk:
        roles.add(AUTHOR)
    if is_staff_for(user, topic):
        roles.add(STAFF)
    return roles


def available_actions(topic, user):
    """Transitions the user could take now (guards are checked when they act)."""
    roles = roles_of(user, topic)
    return [
        t
        for t in TRANSITIONS
        if topic.status in t.sources and roles & t.roles and SYSTEM not in t.roles
    ]


def can(user, topic, action):
    transition = ACTIONS[action]
    return topic.status in transition.sources and bool(roles_of(user, topic) & transition.roles)


@transaction.atomic
def perform(topic, action, actor, **data):
    """Take `action` on `topic` as `actor` (None: the system). Returns the updated topic."""
    transition = ACTIONS[action]
    topic = Topic.objects.select_for_update().select_related("community").get(pk=topic.pk)
    if not roles_of(actor, topic) & transition.roles:
        raise PermissionDenied
    if topic.status not in transition.sources:
        raise ValidationError(
            _("This topic is “%(state)s”; “%(action)s” is not possible now.")
            % {"state": topic.get_status_display(), "action": transition.label}
        )
    for guard in transition.guards:
        if message := guard(topic, data):
            raise ValidationError(message)

    now = timezone.now()
    reason = data.get("reason", "").strip()
    if action == "submit":
        topic.submitted_at = now
    elif transition.target == S.SCREENING:
        topic.start_screening_clock(now)
    elif action == "accept":
        topic.decided_at = now
        topic.deliberation_starts = data["deliberation_starts"]
        topic.deliberation_ends = data["deliberation_ends"]
        topic.invited_parties = data.get("invited_parties", "").strip()
    elif action == "decline":
        topic.decided_at = now
        topic.decline_reason = reason
    elif action == "publish_outcome":
        page = data["page"]
        topic.implementation_deadline = page.deadline
    elif action == "complete_implementation":
        topic.implemented_at = now
        topic.evaluation_ends_at = now + timedelta(days=data["evaluation_days"])
        latest = topic.latest_progress()
        unfinished = latest is None or latest.percent < 100
    elif action == "close_evaluation":
        topic.closed_at = now
    elif action == "mark_duplicate":
        topic.decided_at = now
        topic.duplicate_of = data["duplicate_of"]
        # The page links the surviving topic in the reader's language; no sentence is stored.
        topic.decline_reason = ""

    topic.status = transition.target
    topic._history_user = actor
    if action == "mark_duplicate":
        topic._change_reason = history_reason(
            "topic.mark_duplicate", title=topic.duplicate_of.title
        )
    elif action == "complete_implementation" and unfinished:
        topic._change_reason = history_reason(
            "topic.carried_out_unfinished",
            percent=None if latest is None else latest.percent,
            reason=reason,
        )
    elif reason:
        topic._change_reason = history_reason(f"topic.{action}", reason=reason)
    else:
        topic._change_reason = history_reason(f"topic.{action}")
    topic.save()
    if action == "publish_outcome":
        notices.open_notice(topic, actor, now, now + timedelta(days=data["page"].notice_days))
        topic.refresh_from_db()
    elif action == "end_notice" and topic.current_notice and not topic.current_notice.ended_at:
        notices.end_notice(topic.current_notice, actor, now)
    elif action == "reconsider":
        # The upheld objection takes the outcome back: its notice ends with it.
        notices.end_notice(topic.current_notice, actor, now)
    if action == "accept":
        topic.invited_households.set(data.get("invited_households", []))
        topic.invited_users.set(data.get("invited_users", []))
    if action == "open_ballot":
        ballot = voting.create_ballot(
            topic, actor, **{name: data[name] for name in BALLOT_FIELDS if name in data}
        )
        when = timezone.localtime(ballot.closes_at).strftime("%Y-%m-%d %H:%M")
        notify("ballot.opened", topic, actor, params={"closes": when})
        return topic
    notify(f"topic.{action}", topic, actor)
    return topic


def create_draft(*, author, community, **fields):
    """A resident's topic starts as their private draft."""
    if verified_resident_of(author, community) is None:
        raise ValidationError(_("Only verified residents of the community can propose topics."))
    topic = Topic(author=author, community=community, status=S.DRAFT, **fields)
    topic._history_user = author
    topic._change_reason = history_reason("topic.draft_written")
    topic.save()
    return topic


def enter_on_behalf(*, staff, community, source, raised_by, **fields):
    """Staff record a topic raised by phone, visit, grid worker or meeting: it opens at once."""
    if not is_staff_for(staff, Topic(community=community)):
        raise PermissionDenied
    now = timezone.now()
    topic = Topic(
        community=community,
        source=source,
        raised_by=raised_by,
        entered_by=staff,
        status=S.COLLECTING,
        submitted_at=now,
        **fields,
    )
    topic._history_user = staff
    topic._change_reason = history_reason(
        "topic.entered_by_staff", source=topic.source, name=raised_by
    )
    topic.save()
    return topic


@transaction.atomic
def support(topic, user):
    """附议: once per verified resident of the community; the threshold sends it to screening."""
    topic = Topic.objects.select_for_update().select_related("community").get(pk=topic.pk)
    resident = verified_resident_of(user, topic.community)
    if resident is None:
        raise ValidationError(
            _("Only verified residents of %(community)s can support its topics.")
            % {"community": topic.community.name}
        )
    if topic.status != S.COLLECTING:
        raise ValidationError(_("This topic is not collecting support."))
    if topic.author_id == user.pk:
        raise ValidationError(_("You proposed this topic; ask your neighbours to support it."))
    try:
        with transaction.atomic():
            Support.objects.create(topic=topic, resident=resident)
    except IntegrityError:
        raise ValidationError(_("You have already supported this topic.")) from None
    threshold = ConsultationSettings.for_community(topic.community).support_threshold
    if topic.supports.count() >= threshold:
        topic = perform(topic, "reach_threshold", None)
    return topic


RESUBMISSION_WINDOW = timedelta(hours=1)


@transaction.atomic
def post_comment(topic, user, *, body, stance="", parent=None):
    if topic.status != S.DELIBERATING:
        raise ValidationError(_("Comments are open while the topic is being deliberated."))
    if not is_participant(user, topic):
        raise ValidationError(
            _("Only verified residents of %(community)s and invited parties can comment.")
            % {"community": topic.community.name}
        )
    body = body.strip()
    if not body:
        raise ValidationError(_("Write something before sending."))
    if parent is not None:
        if parent.topic_id != topic.pk or parent.parent_id is not None:
            raise ValidationError(_("You can only reply to a comment on this topic."))
        stance = ""
    elif stance not in ("for", "against", "other"):
        raise ValidationError(_("Choose your stance: for, against or other."))
    # Going back and sending the form again (or a double tap on a slow phone) must not
    # publish the same words twice: the comment already there is the answer. The author's row
    # lock makes two taps arriving together take turns.
    get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
    already = (
        Comment.objects.filter(
            topic=topic,
            author=user,
            parent=parent,
            body=body,
            created_at__gte=timezone.now() - RESUBMISSION_WINDOW,
        )
        .order_by("-created_at")
        .first()
    )
    if already is not None:
        return already
    comment = Comment(topic=topic, author=user, body=body, stance=stance, parent=parent)
    comment._history_user = user
    comment.save()
    if parent is not None:
        notify("topic.comment", topic, user, recipients=[parent.author])
    return comment


def report_comment(comment, user, reason):
    if not user.is_authenticated:
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say what is wrong with this comment."))
    report, created = CommentReport.objects.get_or_create(
        comment=comment, reporter=user, defaults={"reason": reason}
    )
    if not created:
        raise ValidationError(_("You have already reported this comment."))
    return report


@transaction.atomic
def hide_comment(comment, staff, reason):
    """Staff hide a comment from the page; the text and the reason stay in its history."""
    if not is_staff_for(staff, comment.topic):
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give a reason for hiding the comment."))
    comment.hidden_at = timezone.now()
    comment.hidden_by = staff
    comment.hidden_reason = reason
    comment._history_user = staff
    comment._change_reason = reason
    comment.save()
    comment.reports.filter(resolved_at__isnull=True).update(resolved_at=comment.hidden_at)
    return comment


@transaction.atomic
def record_meeting(topic, staff, **fields):
    """A meeting on a topic: scheduled ahead (participants are told) or recorded with minutes."""
    if not is_staff_for(staff, topic):
        raise PermissionDenied
    if topic.status != S.DELIBERATING:
        raise ValidationError(_("Meetings are recorded while the topic is being deliberated."))
    meeting = Meeting(topic=topic, recorded_by=staff, **fields)
    meeting._history_user = staff
    meeting.save()
    event = "topic.minutes" if meeting.minutes.strip() else "topic.meeting"
    when = timezone.localtime(meeting.held_at).strftime("%Y-%m-%d %H:%M")
    notify(event, topic, staff, params={"meeting": f"{when} · {meeting.place}"})
    return meeting
