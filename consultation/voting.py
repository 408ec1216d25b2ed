"""Casting and counting votes. The rules of 表决 live here; workflow.py opens the ballot.

- Only verified residents of the ballot's community (a topic's ballot: the topic's) vote;
  under 每户一票 the first member of a household to vote casts the household's vote.
- A vote writes a Voter row and adds the choice to the ballot's counters in one transaction;
  every counter is rewritten by every vote, so the database keeps no trace of who chose what
  (docs/ballot-secrecy.md). The database refuses a second Voter for the same resident or
  household.
- Casting and closing take the same lock on the ballot's row: a vote either lands before the
  count and is counted, or finds the ballot closed and is refused with a message saying so.
- Results are hidden from everyone until the ballot closes; closing counts once and stores it.
"""

import math
from collections import Counter

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.history_reasons import history_reason, register_reason
from communities.models import Membership, Resident
from communities.notifications import notify, register_event

from .models import Ballot, BallotStatus, Franchise, Voter
from .permissions import is_staff_for, verified_resident_of

DEFAULT_OPTIONS = (gettext_lazy("Approve"), gettext_lazy("Oppose"), gettext_lazy("Abstain"))

register_event("ballot.opened", gettext_lazy("Voting on “%(title)s” is open until %(closes)s."))
register_event("ballot.closed", gettext_lazy("The result of the vote on “%(title)s” is published."))
register_event(
    "ballot.failed",
    gettext_lazy(
        "The vote on “%(title)s” failed its integrity check: papers and voters differ. "
        "Its result is withheld."
    ),
)


# A ballot's history is read later, in the reader's language (communities.history_reasons).
register_reason("ballot.integrity_failed", gettext_lazy("Integrity check failed"))
register_reason("ballot.closed_early", gettext_lazy("Closed early: %(reason)s"))
register_reason("ballot.closed_on_time", gettext_lazy("Closed at its closing time"))


def create_ballot(topic, staff, *, question, opens_at, closes_at, options=DEFAULT_OPTIONS,
                  franchise=Franchise.RESIDENT, quorum_percent=50, secret=True,
                  max_choices=1, community=None):  # fmt: skip
    """Called by workflow.perform("open_ballot"); validates the ballot's own rules. A ballot
    without a topic (topic=None) names its electorate's `community`; what it votes on links to
    it from its own app."""
    labels = [str(label).strip() for label in options if label and str(label).strip()]
    if len(labels) < 2:
        raise ValidationError(_("A ballot needs at least two options."))
    if len(set(labels)) != len(labels):
        raise ValidationError(_("Two options have the same text."))
    if not 1 <= max_choices <= len(labels):
        raise ValidationError(
            _("Voters can tick between 1 and %(n)d options.") % {"n": len(labels)}
        )
    if closes_at <= opens_at:
        raise ValidationError(_("The ballot must close after it opens."))
    if closes_at <= timezone.now():
        raise ValidationError(_("The closing time is already past."))
    if not 0 <= quorum_percent <= 100:
        raise ValidationError(_("The quorum is a percentage between 0 and 100."))
    ballot = Ballot(
        topic=topic,
        community=topic.community if topic is not None else community,
        question=question.strip(),
        max_choices=max_choices,
        opens_at=opens_at,
        closes_at=closes_at,
        franchise=franchise,
        quorum_percent=quorum_percent,
        secret=secret,
        opened_by=staff,
    )
    ballot._history_user = staff
    ballot.save()
    ballot.add_options(labels)
    return ballot


def household_vote_of(ballot, resident):
    """Under 每户一票: whether someone of the resident's household has voted already."""
    if ballot.franchise != Franchise.HOUSEHOLD or resident.household_id is None:
        return None
    return Voter.objects.filter(ballot=ballot, household_id=resident.household_id).first()


def cast_vote(ballot, user, positions):
    """Record one vote. Returns the Voter row, whose receipt the voter may keep."""
    ballot = Ballot.objects.select_related("community").get(pk=ballot.pk)
    resident = verified_resident_of(user, ballot.community)
    if resident is None:
        raise ValidationError(
            _("Only verified residents of %(community)s can vote.")
            % {"community": ballot.community.name}
        )
    valid = set(ballot.options.values_list("position", flat=True))
    chosen = sorted({int(p) for p in positions})
    household = resident.household if ballot.franchise == Franchise.HOUSEHOLD else None
    try:
        with transaction.atomic():
            # close_ballot takes the same lock, so the status read here stays true until commit.
            ballot = _locked(ballot)
            if ballot.status != BallotStatus.OPEN:
                raise ValidationError(
                    _("Voting on this ballot has closed. Your vote was not recorded.")
                )
            if not ballot.is_open_at():
                raise ValidationError(_("This ballot is not open for voting now."))
            if not chosen:
                raise ValidationError(_("Choose an option."))
            if not set(chosen) <= valid:
                raise ValidationError(_("Choose among the ballot's options."))
            if len(chosen) > ballot.max_choices:
                raise ValidationError(
                    _("Choose at most %(n)d options.") % {"n": ballot.max_choices}
                )
            if ballot.franchise == Franchise.HOUSEHOLD and household is None:
                raise ValidationError(
                    _("Your household is not recorded; ask the community office.")
                )
            voter = Voter.objects.create(
                ballot=ballot,
                resident=resident,
                household=household,
                open_choice=None if ballot.secret else chosen,
            )
            _add_to_counters(ballot, chosen)
    except IntegrityError:
        if (
            household is not None
            and Voter.objects.filter(ballot=ballot, household=household)
            .exclude(resident=resident)
            .exists()
        ):
            raise ValidationError(_("Your household has already voted.")) from None
        raise ValidationError(_("You have already voted on this ballot.")) from None
    return voter


def _locked(ballot):
    """The ballot's row, locked until the transaction ends (only that row: not its topic's)."""
    return (
        Ballot.objects.select_for_update(of=("self",))
        .select_related("community", "topic")
        .get(pk=ballot.pk)
    )


def _add_to_counters(ballot, chosen):
    """One more paper on every counter, one more choice on those ticked. A single statement
    rewrites every counter row of the ballot, so each row's transaction id, place in the table
    and width are the same whatever was chosen."""
    updated = ballot.counters.update(
        chosen=F("chosen") + Case(When(position__in=chosen, then=Value(1)), default=Value(0)),
        papers=F("papers") + 1,
    )
    if updated == 0:
        raise RuntimeError(f"Ballot {ballot.pk} has no counters: create it with add_options().")


def electorate(*, community, ballot):
    """The residents who may vote on `ballot`: verified residents of `community` whose account
    is open, and closed accounts that voted on it before closing (their vote still counts).

    `community` and `ballot` are values or expressions (OuterRef), so a listing can count the
    electorate of many ballots in one query with the same rule."""
    return Resident.objects.filter(
        Q(closed_at__isnull=True)
        | Exists(Voter.objects.filter(ballot=ballot, resident=OuterRef("pk"))),
        community=community,
        verified_at__isnull=False,
    )


def eligible_count(ballot):
    verified = electorate(community=ballot.community_id, ballot=ballot)
    if ballot.franchise == Franchise.HOUSEHOLD:
        return verified.exclude(household=None).values("household").distinct().count()
    return verified.count()


@transaction.atomic
def close_ballot(ballot, *, actor=None, reason=""):
    """Count the ballot once and store the result. `actor` is staff closing early, or None
    when the closing time has come."""
    # cast_vote takes the same lock: every vote is either committed before this count or refused.
    ballot = _locked(ballot)
    if ballot.status != BallotStatus.OPEN:
        raise ValidationError(_("This ballot is already closed."))
    now = timezone.now()
    if actor is not None:
        # The ballot's community's staff (is_staff_for reads only .community).
        if not is_staff_for(actor, ballot):
            raise PermissionDenied
        if not reason.strip():
            raise ValidationError(_("Give a reason for closing the ballot early."))
    elif now < ballot.closes_at:
        raise ValidationError(_("The ballot closes at %(time)s.") % {"time": ballot.closes_at})

    counters = list(ballot.counters.order_by("position"))
    papers = {counter.papers for counter in counters}
    ballot.voter_count = ballot.voters.count()
    ballot.paper_count = papers.pop() if len(papers) == 1 else None
    ballot.eligible_count = eligible_count(ballot)
    ballot.closed_at = now
    ballot.closed_early_reason = reason.strip()
    ballot._history_user = actor
    options = list(ballot.options.all())
    if not _count_is_sound(ballot, options, counters):
        ballot.status = BallotStatus.FAILED
        ballot._change_reason = history_reason("ballot.integrity_failed")
        ballot.save()
        if ballot.topic_id is not None:
            staff = [
                m.user
                for m in Membership.objects.filter(community=ballot.community_id).select_related(
                    "user"
                )
            ]
            notify("ballot.failed", ballot.topic, None, recipients=staff)
        return ballot

    chosen = {counter.position: counter.chosen for counter in counters}
    for option in options:
        option.final_count = chosen[option.position]
        option.save(update_fields=["final_count"])
    needed = math.ceil(ballot.eligible_count * ballot.quorum_percent / 100)
    ballot.quorum_met = ballot.voter_count >= needed
    ballot.status = BallotStatus.CLOSED
    ballot._change_reason = (
        history_reason("ballot.closed_early", reason=ballot.closed_early_reason)
        if ballot.closed_early_reason
        else history_reason("ballot.closed_on_time")
    )
    ballot.save()
    if ballot.topic_id is not None:
        notify("ballot.closed", ballot.topic, actor)
    return ballot


def _count_is_sound(ballot, options, counters):
    """The integrity check: one counter per option, as many papers as voters, each paper
    ticking between one and max_choices options; on an open ballot, the counters agree with
    the choices published beside each voter."""
    voters = ballot.voter_count
    if ballot.paper_count != voters:
        return False
    if [c.position for c in counters] != [o.position for o in options]:
        return False
    ticks = sum(counter.chosen for counter in counters)
    if any(counter.chosen > voters for counter in counters):
        return False
    if not voters <= ticks <= voters * ballot.max_choices:
        return False
    if not ballot.secret:
        published = Counter(
            position
            for choice in ballot.voters.values_list("open_choice", flat=True)
            for position in choice or ()
        )
        if any(published[c.position] != c.chosen for c in counters):
            return False
    return True


def close_due_ballots(now=None):
    """The scheduled close: every open ballot whose closing time has passed. A ballot another
    run closed meanwhile is skipped, not an error that stops the others."""
    closed = []
    due = Ballot.objects.filter(status=BallotStatus.OPEN, closes_at__lte=now or timezone.now())
    for ballot in due:
        try:
            closed.append(close_ballot(ballot))
        except ValidationError:
            continue
    return closed
