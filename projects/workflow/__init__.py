"""An application's way from draft to screening, as data: the table below is the only place an
application's status changes.

draft → submitted (a representative, while the round is open) → screening (an officer of the
round's street starts it, or the clock once the round has closed) → in review, declined at
screening or returned for changes (officers; declining and returning need a reason the
organisation reads). Returned → submitted again when a representative resubmits: the closing
time limits first submissions only, since returning is the street office's own invitation to
fix something, but a returned application can be resubmitted only until the round's review
ends. Representatives may withdraw until the application is in review.

The decision (the round's street officers): an application in review is awarded an amount,
declined or waitlisted, each with a reason; a waitlisted one may later be awarded or declined.
An award is at most what the application requests and, with the round's other awards, at most
the round's budget: deciding locks the round's row first, so awards decided at the same
moment are summed one after the other and never together exceed the budget.

Nothing is edited after submission except while returned: `save_draft` checks it under the
application's row lock, whatever view calls it.

Every step is in history with its actor and a reason key; the organisation's representatives
are told of each, and the round's street officers of every submission.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.history_reasons import history_reason, register_reason, typed_reason_or
from communities.notifications import notify, register_event
from communities.transitions import SYSTEM, Table, row
from organisations.permissions import is_representative
from organisations.workflow import street_officers

from ..models import MONEY_ZERO, Application
from ..models import ApplicationState as S
from ..pages import FundingRoundPage
from ..permissions import refusal_to_apply, screens_applications

REPRESENTATIVE = "representative"
OFFICER = "officer"

# What a representative may still write in: a draft, or an application returned for changes.
EDITABLE = frozenset({S.DRAFT, S.RETURNED})


def _when(moment):
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def closed_refusal(round, now):
    """Why nothing can be submitted to `round` at `now`, or None while it is open."""
    if not round.live or now >= round.closes_at:
        return _("Applications to “%(round)s” closed at %(time)s; no more can be submitted.") % {
            "round": round.title,
            "time": _when(round.closes_at),
        }
    if now < round.opens_at:
        return _("Applications to “%(round)s” open at %(time)s.") % {
            "round": round.title,
            "time": _when(round.opens_at),
        }
    return None


def _round_open_now(application, data):
    return closed_refusal(application.round, data["now"])


def _review_not_ended(application, data):
    round = application.round
    if timezone.localdate(data["now"]) > round.review_ends_on:
        return _(
            "The review of “%(round)s” ended on %(date)s; the application can no longer be "
            "resubmitted."
        ) % {"round": round.title, "date": round.review_ends_on.isoformat()}
    return None


def _organisation_may_apply(application, data):
    return refusal_to_apply(application.organisation, application.round)


def _serves_communities_of_the_round(application, data):
    street_id = application.round.street_id
    served = {c.pk for c in application.organisation.communities.all() if c.street_id == street_id}
    chosen = {c.pk for c in application.communities.all()}
    if not chosen or not chosen <= served:
        return _(
            "Choose the communities of %(street)s the project serves (communities the "
            "organisation serves)."
        ) % {"street": application.round.street.name}
    return None


def _budget_and_indicators_given(application, data):
    if not application.budget_lines.exists():
        return _("Add at least one budget line.")
    if not application.indicators.exists():
        return _("Add at least one indicator with its target.")
    return None


def _every_line_adds_up(application, data):
    messages = []
    for line in application.budget_lines.all():
        try:
            line.clean()
        except ValidationError as error:
            messages += error.messages
    return " ".join(messages) or None


def _within_the_ceiling(application, data):
    requested, _cofunded = application.totals()
    return ceiling_refusal(requested, application.round)


def ceiling_refusal(requested, round):
    """Why a budget asking the grant for `requested` yuan cannot go to `round`, or None."""
    if requested <= 0:
        return _("The budget asks the grant for nothing: enter what is requested on its lines.")
    if requested > round.grant_ceiling:
        return _(
            "The budget asks for %(total)s yuan; “%(round)s” grants at most %(ceiling)s yuan "
            "to one application."
        ) % {"total": requested, "round": round.title, "ceiling": round.grant_ceiling}
    return None


def _reason_given(application, data):
    if not data.get("reason", "").strip():
        return _("Give a reason the organisation can read.")
    return None


def _amount_within_request(application, data):
    amount = data.get("amount")
    if amount is None or amount <= 0:
        return _("Enter the amount awarded, in yuan, more than 0.")
    requested, _cofunded = application.totals()
    if amount > requested:
        return _("“%(title)s” requests %(requested)s yuan; the award cannot be more than that.") % {
            "title": application.title,
            "requested": f"{requested:.2f}",
        }
    return None


def awarded_total(round_id, excluding=None):
    """What the round's awards add up to (yuan), leaving out the application `excluding`."""
    awards = Application.objects.filter(round_id=round_id, status=S.AWARDED)
    if excluding is not None:
        awards = awards.exclude(pk=excluding)
    return awards.aggregate(total=Coalesce(Sum("awarded_amount"), MONEY_ZERO))["total"]


def _within_the_budget(application, data):
    # Summed under the round's row lock (`perform` takes it first for every decision).
    round = application.round
    awarded = awarded_total(round.pk, excluding=application.pk)
    if awarded + data["amount"] > round.total_budget:
        return _(
            "“%(round)s” has %(left)s yuan of its %(budget)s yuan budget left; an award of "
            "%(amount)s yuan does not fit."
        ) % {
            "round": round.title,
            "left": f"{round.total_budget - awarded:.2f}",
            "budget": f"{round.total_budget:.2f}",
            "amount": f"{data['amount']:.2f}",
        }
    return None


def _awards_not_on_notice(application, data):
    # 公示: while the decided list is on public notice, and once it is final, it stays as
    # published (projects/awards.py).
    from ..awards import decisions_locked

    return decisions_locked(application.round)


def _decisions_reopened(application, data):
    from ..awards import decisions_reopened

    if not decisions_reopened(application.round):
        return _("Decisions are reopened only after an upheld objection.")
    return None


def needs_reason(transition):
    return _reason_given in transition.guards


READY = (
    _organisation_may_apply,
    _serves_communities_of_the_round,
    _budget_and_indicators_given,
    _every_line_adds_up,
    _within_the_ceiling,
)
WITHDRAWABLE = {S.DRAFT, S.SUBMITTED, S.SCREENING, S.RETURNED}
DECIDABLE = {S.IN_REVIEW, S.WAITLISTED}

TRANSITIONS = Table(
    row("submit", {S.DRAFT}, S.SUBMITTED, {REPRESENTATIVE}, gettext_lazy("Submit"),
        _round_open_now, *READY),
    row("start_screening", {S.SUBMITTED}, S.SCREENING, {OFFICER},
        gettext_lazy("Start screening")),
    row("close_for_screening", {S.SUBMITTED}, S.SCREENING, {SYSTEM},
        gettext_lazy("Round closed: screening begins")),
    row("pass_screening", {S.SCREENING}, S.IN_REVIEW, {OFFICER},
        gettext_lazy("Passes screening")),
    row("decline_at_screening", {S.SCREENING}, S.DECLINED, {OFFICER},
        gettext_lazy("Decline at screening"), _reason_given),
    row("return_for_changes", {S.SCREENING}, S.RETURNED, {OFFICER},
        gettext_lazy("Return for changes"), _reason_given),
    row("resubmit", {S.RETURNED}, S.SUBMITTED, {REPRESENTATIVE}, gettext_lazy("Resubmit"),
        _review_not_ended, *READY),
    row("withdraw", WITHDRAWABLE, S.WITHDRAWN, {REPRESENTATIVE}, gettext_lazy("Withdraw")),
    row("award", DECIDABLE, S.AWARDED, {OFFICER}, gettext_lazy("Award a grant"),
        _awards_not_on_notice, _reason_given, _amount_within_request, _within_the_budget),
    row("decline", DECIDABLE, S.DECLINED, {OFFICER}, gettext_lazy("Decline funding"),
        _awards_not_on_notice, _reason_given),
    row("waitlist", {S.IN_REVIEW}, S.WAITLISTED, {OFFICER},
        gettext_lazy("Put on the waiting list"), _awards_not_on_notice, _reason_given),
    # After an upheld objection to the published awards (projects/awards.py): back to review.
    row("decide_again", {S.AWARDED, S.DECLINED, S.WAITLISTED}, S.IN_REVIEW, {OFFICER},
        gettext_lazy("Decide again"), _decisions_reopened, _reason_given),
)  # fmt: skip

# Steps the representatives take on the application's page; the rest are the street office's.
REPRESENTATIVE_ACTIONS = frozenset(t.action for t in TRANSITIONS if REPRESENTATIVE in t.roles)
OFFICER_ACTIONS = frozenset(t.action for t in TRANSITIONS if OFFICER in t.roles)
# The decision's steps have their own screen (projects/wagtail_hooks/decisions.py).
DECISION_ACTIONS = frozenset({"award", "decline", "waitlist"})
SCREENING_ACTIONS = OFFICER_ACTIONS - DECISION_ACTIONS

EVENT_TEXTS = {
    "submit": gettext_lazy("“%(title)s” was submitted to “%(round)s”."),
    "start_screening": gettext_lazy(
        "The street office is checking “%(title)s” against the rules of “%(round)s”."
    ),
    "close_for_screening": gettext_lazy(
        "“%(round)s” has closed; the street office is checking “%(title)s” against its rules."
    ),
    "pass_screening": gettext_lazy("“%(title)s” passed screening and goes to the reviewers."),
    "decline_at_screening": gettext_lazy("“%(title)s” was declined at screening: %(reason)s"),
    "return_for_changes": gettext_lazy("“%(title)s” was returned for changes: %(reason)s"),
    "resubmit": gettext_lazy("“%(title)s” was resubmitted to “%(round)s”."),
    "withdraw": gettext_lazy("“%(title)s” was withdrawn from “%(round)s”."),
    "award": gettext_lazy("“%(title)s” is awarded %(amount)s yuan by “%(round)s”: %(reason)s"),
    "decline": gettext_lazy("“%(title)s” is not funded by “%(round)s”: %(reason)s"),
    "waitlist": gettext_lazy("“%(title)s” is on the waiting list of “%(round)s”: %(reason)s"),
    "decide_again": gettext_lazy(
        "“%(title)s” is decided again after an objection to the awards of “%(round)s”: %(reason)s"
    ),
}
for _action, _text in EVENT_TEXTS.items():
    register_event(f"application.{_action}", _text)

register_reason("application.drafted", gettext_lazy("Draft written"))
register_reason("application.edited", gettext_lazy("Application changed"))


for _transition in TRANSITIONS:
    register_reason(f"application.{_transition.action}", typed_reason_or(_transition.label))
register_reason("application.award", gettext_lazy("Awarded %(amount)s yuan: %(reason)s"))
register_reason("application.decline", gettext_lazy("Declined: %(reason)s"))
register_reason("application.waitlist", gettext_lazy("Waitlisted: %(reason)s"))


def roles_of(user, application):
    if user is None:
        return {SYSTEM}
    roles = set()
    if is_representative(user, application.organisation):
        roles.add(REPRESENTATIVE)
    if application.submitted_at is not None and screens_applications(user, application):
        roles.add(OFFICER)
    return roles


def available_actions(application, user):
    return TRANSITIONS.available(application.status, roles_of(user, application))


@transaction.atomic
def save_draft(application, form, formsets, author):
    """Write what a representative entered: the application's own fields (`form`) and its
    budget lines, indicators and attachments (`formsets`). Only a draft or a returned
    application is written; anything else is refused with nothing saved."""
    new = application.pk is None
    if not new:
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.status not in EDITABLE:
            raise ValidationError(
                _("This application is “%(state)s”: it can no longer be changed.")
                % {"state": locked.get_status_display()}
            )
        # The workflow's fields are the workflow's: whatever this copy of the record said
        # when the form was opened, the locked row's values stay.
        for name in ("status", "submitted_at", "decision_reason", "awarded_amount"):
            setattr(application, name, getattr(locked, name))
    application = form.save(commit=False)
    if new:
        application.created_by = author
    application._history_user = author
    application._change_reason = history_reason(
        "application.drafted" if new else "application.edited"
    )
    application.save()
    form.save_m2m()
    for formset in formsets:
        formset.instance = application
        formset.save()
    return application


@transaction.atomic
def perform(application, action, actor, now=None, **data):
    """Take `action` on `application` as `actor` (None: the system). Returns it updated.

    A decision locks the round's row before the application's: every decision of a round
    waits for the one before it, so the awards it sums are all the awards there are."""
    if action in DECISION_ACTIONS:
        round_id = Application.objects.filter(pk=application.pk).values("round_id")
        list(FundingRoundPage.objects.select_for_update().filter(pk__in=round_id).values("pk"))
    application = (
        Application.objects.select_for_update()
        .select_related("round", "organisation")
        .get(pk=application.pk)
    )
    data["now"] = now or timezone.now()
    transition = TRANSITIONS.check(
        action,
        application,
        roles_of(actor, application),
        data,
        application.get_status_display(),
    )
    reason = data.get("reason", "").strip()
    if action == "submit" and application.submitted_at is None:
        application.submitted_at = data["now"]
    if action in OFFICER_ACTIONS:
        application.decision_reason = reason
    elif action == "resubmit":
        application.decision_reason = ""
    params = {"reason": reason} if reason else {}
    if action in DECISION_ACTIONS:
        application.decided_at = data["now"]
        application.awarded_amount = data["amount"] if action == "award" else None
        if action == "award":
            params["amount"] = f"{data['amount']:.2f}"
    if action == "decide_again":
        application.awarded_amount = None
        application.decided_at = None
    was_submitted = application.submitted_at is not None
    application.status = transition.target
    application._history_user = actor
    application._change_reason = history_reason(f"application.{action}", **params)
    application.save()
    recipients = None
    if action in {"submit", "resubmit"} or (action == "withdraw" and was_submitted):
        recipients = [
            *application.followers_for(action),
            *street_officers(application.round.street),
        ]
    notify(
        f"application.{action}",
        application,
        actor,
        recipients=recipients,
        params=params or None,
    )
    return application


def close_rounds_for_screening(now=None):
    """The clock's step: applications still waiting when their round has closed move into
    screening. Each is locked and checked again, so two clocks at once move it once."""
    now = now or timezone.now()
    waiting = Application.objects.filter(status=S.SUBMITTED, round__closes_at__lte=now)
    moved = 0
    for pk in list(waiting.values_list("pk", flat=True)):
        application = Application(pk=pk)
        try:
            perform(application, "close_for_screening", None, now=now)
        except ValidationError:
            continue  # another clock, or an officer, moved it meanwhile
        moved += 1
    return moved
