"""公示 of a round's awards: once every application in review is decided, the street office
publishes the decided list (organisation, project, amount awarded, score) for a notice period
(the sources' 公示期, 7 days by default). Objections are filed and answered in public through the
one notice mechanism (communities/notices.py); decisions cannot change while the notice runs;
when it ends with every objection answered and none upheld, the awards are final. An upheld
objection lets the officer reopen the decisions; the awards are then published afresh.
"""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities import notices
from communities.notifications import notify, register_event

from . import reviews
from .decisions import DECIDED
from .models import Application, ApplicationState

NOTICE_DAYS = 7  # 公示期: seven days in the street offices' rules
PENDING = frozenset({ApplicationState.SUBMITTED, ApplicationState.SCREENING,
                     ApplicationState.IN_REVIEW})  # fmt: skip

register_event(
    "funding_round.awards_on_notice",
    gettext_lazy(
        "The awards of “%(round)s” are on public notice until %(notice_ends)s; objections "
        "are answered in public."
    ),
)
register_event(
    "funding_round.awards_final",
    gettext_lazy("The notice period of “%(round)s” ended: its awards are final."),
)
register_event(
    "funding_round.objection_filed",
    gettext_lazy("An objection to the awards of “%(round)s” was filed: answer it in public."),
)
register_event(
    "funding_round.objection_answered",
    gettext_lazy("Your objection to the awards of “%(round)s” has a public answer."),
)


def _money(amount):
    return f"{amount:.2f}"


def award_list(round):
    """The decided applications of the round as published: best score first, each with its
    organisation, project title, decision, amount awarded (yuan, 2 decimals) and weighted
    score; the total is the sum of the lines."""
    rows = [row for row in reviews.ranking(round) if row.application.status in DECIDED]
    lines = []
    total = Decimal("0.00")
    for row in rows:
        application = row.application
        amount = (
            application.awarded_amount
            if application.status == ApplicationState.AWARDED
            else Decimal("0.00")
        )
        total += amount
        lines.append(
            {
                "application": application.pk,
                "organisation": application.organisation.name,
                "title": application.title,
                "status": application.status,
                "amount": _money(amount),
                "score": None if row.score is None else str(row.score),
            }
        )
    return {"lines": lines, "total": _money(total)}


def pending_applications(round):
    return Application.objects.filter(round=round, status__in=PENDING)


def running_notice(round):
    notice = notices.current_notice(round)
    return notice if notice is not None and notice.ended_at is None else None


def decisions_locked(round):
    """Why the round's decisions cannot change now (its awards on notice, or final), or None."""
    if awards_final_at(round) is not None:
        return _("The awards of “%(round)s” are final.") % {"round": round.title}
    notice = running_notice(round)
    if notice is not None:
        return _(
            "The awards of “%(round)s” are on public notice until %(ends)s: decisions cannot "
            "change while it runs."
        ) % {"round": round.title, "ends": _when(notice.ends_at)}
    return None


def decisions_reopened(round):
    """The last notice of the awards ended on an upheld objection: decisions may change."""
    notice = notices.current_notice(round)
    return notice is not None and notice.ended_at is not None and notices.upheld(notice).exists()


def _when(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _locked_round(round):
    from .pages import FundingRoundPage

    return FundingRoundPage.objects.select_for_update().select_related("street").get(pk=round.pk)


@transaction.atomic
def publish_awards(round, officer, days=NOTICE_DAYS, now=None):
    """Open the notice of the round's awards, by an officer of its street. Refused while an
    application is still to be decided, while a notice runs, or once the awards are final."""
    if not reviews.is_round_officer(officer, round):
        raise PermissionDenied
    round = _locked_round(round)
    if not isinstance(days, int) or not 1 <= days <= 30:
        raise ValidationError(_("The notice period is between 1 and 30 days."))
    if message := decisions_locked(round):
        raise ValidationError(message)
    waiting = pending_applications(round).count()
    if waiting:
        raise ValidationError(
            _("%(count)s applications are still to be decided: decide every one first.")
            % {"count": waiting}
        )
    content = award_list(round)
    if not content["lines"]:
        raise ValidationError(_("No application of this round is decided yet."))
    now = now or timezone.now()
    notice = notices.open_notice(round, officer, now, now + timedelta(days=days), content)
    notify("funding_round.awards_on_notice", RoundOnNotice(round), officer)
    return notice


@transaction.atomic
def reopen_decisions(round, officer, now=None):
    """After an upheld objection: the notice ends without the awards becoming final, and the
    officer may decide again; the awards are then published afresh."""
    if not reviews.is_round_officer(officer, round):
        raise PermissionDenied
    round = _locked_round(round)
    notice = running_notice(round)
    if notice is None or not notices.upheld(notice).exists():
        raise ValidationError(_("Decisions are reopened only after an upheld objection."))
    notices.end_notice(notice, officer, now)
    return notice


def applicant_representatives(round):
    from django.contrib.auth import get_user_model

    return set(
        get_user_model().objects.filter(
            representations__organisation__applications__round=round,
            representations__organisation__applications__status__in=DECIDED,
        )
    )


def awards_final_at(round):
    """When the round's awards became final: its last notice ended at the end of its period
    with no objection upheld (a notice ended by reopening the decisions had one). None until
    then."""
    notice = notices.current_notice(round)
    if notice is None or notice.ended_at is None or notices.upheld(notice).exists():
        return None
    return notice.ended_at


class RoundOnNotice:
    """What a funding round offers the notice mechanism (communities/notices.py)."""

    notice_event_prefix = "funding_round"

    def __init__(self, round):
        self.round = round

    def __str__(self):
        return self.round.title

    def notice_scope(self):
        return {"street": self.round.street}

    def objection_refused(self, user):
        """Residents of the street's communities, and the organisations that applied."""
        from communities.models import Resident
        from organisations.models import Representative

        round = self.round
        if user.is_authenticated:
            resident = Resident.objects.filter(
                user=user, verified_at__isnull=False, community__street_id=round.street_id
            )
            applicant = Representative.objects.filter(
                user=user,
                organisation__applications__round=round,
                organisation__applications__submitted_at__isnull=False,
            )
            if resident.exists() or applicant.exists():
                return None
        return _(
            "Only verified residents of the communities of %(street)s and the organisations "
            "that applied can object."
        ) % {"street": round.street.name}

    def notice_staff(self):
        from organisations.workflow import street_officers

        return street_officers(self.round.street)

    def notice_ended(self, notice):
        """The awards are final (notices.end_due_notices marks the notice ended)."""
        notify("funding_round.awards_final", self, None)

    def notice_admin_url(self):
        return reverse("projects_ranking", args=[self.round.pk])

    def upheld_next_step(self):
        return _(
            "The objection is upheld and answered. Reopen the decisions from the round's "
            "ranking; publish the awards again once they are decided."
        )

    def followers_for(self, event):
        return applicant_representatives(self.round)

    def notification_params(self):
        notice = notices.current_notice(self.round)
        return {
            "title": self.round.title,
            "round": self.round.title,
            "notice_ends": _when(notice.ends_at) if notice else "",
        }

    def get_absolute_url(self):
        return self.round.get_url()


def register():
    from .pages import FundingRoundPage

    notices.register_rules(FundingRoundPage, RoundOnNotice)
