"""The residents' say (居民评议): verified residents of the communities a round's shortlist
serves vote on it, and the result enters the ranking as one weighted criterion.

The votes are consultation ballots, cast and counted by consultation.voting (its secrecy and
its lock against a close race included): one ballot per community served, whose options are
the shortlisted applications serving that community, approval voting (tick every project you
support). Projects links each ballot and option to the round and applications from its side.

An application's residents' score, 0–100: the approvals it received on the counted ballots of
the communities it serves, as a percentage of the voters of those ballots,
Σ approvals ÷ Σ voters × 100 (under 每户一票 voters are households). No score until a ballot
has counted with at least one voter; running totals are never read.
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from consultation import voting
from consultation.models import BallotStatus, Franchise

from .models import Application, ApplicationState, ResidentVote, ResidentVoteOption
from .pages import FundingRoundPage
from .reviews import rounds_run_by

CENT = Decimal("0.01")
SHORTLIST_STATES = (ApplicationState.IN_REVIEW, ApplicationState.AWARDED)


def shortlist_candidates(round):
    return (
        Application.objects.filter(round=round, status__in=SHORTLIST_STATES)
        .select_related("organisation")
        .prefetch_related("communities")
        .order_by("pk")
    )


def option_label(application):
    return f"{application.title} · {application.organisation.name}"[:100]


@transaction.atomic
def open_resident_vote(round, officer, *, applications, opens_at, closes_at, franchise):
    """One ballot per community served by at least two shortlisted applications. Returns the
    ResidentVote rows, and the communities left out (a single project is no choice)."""
    if not rounds_run_by(FundingRoundPage.objects.filter(pk=round.pk), officer).exists():
        raise PermissionDenied
    if not round.residents_say_weight:
        raise ValidationError(_("This round gives the residents' vote no weight."))
    if round.resident_votes.exists():
        raise ValidationError(_("The residents' vote of this round is already open."))
    if franchise not in Franchise.values:
        raise ValidationError(_("Choose who votes."))
    candidates = {a.pk: a for a in shortlist_candidates(round)}
    shortlist = [candidates[a.pk] for a in applications if a.pk in candidates]
    if len(shortlist) != len(applications) or not shortlist:
        raise ValidationError(_("Choose applications in review of this round."))
    by_community = defaultdict(list)
    for application in shortlist:
        for community in application.communities.all():
            by_community[community].append(application)
    votes, left_out = [], []
    for community, served in sorted(by_community.items(), key=lambda item: item[0].pk):
        if len(served) < 2:
            left_out.append(community)
            continue
        ballot = voting.create_ballot(
            None,
            officer,
            community=community,
            question=_("Which projects for %(community)s should “%(round)s” fund?")
            % {"community": community.name, "round": round.title},
            opens_at=opens_at,
            closes_at=closes_at,
            options=[option_label(a) for a in served],
            franchise=franchise,
            # Approval voting: tick every project you support.
            max_choices=len(served),
            quorum_percent=0,
        )
        vote = ResidentVote.objects.create(round=round, community=community, ballot=ballot)
        options = {o.position: o for o in ballot.options.all()}
        ResidentVoteOption.objects.bulk_create(
            ResidentVoteOption(vote=vote, option=options[position], application=application)
            for position, application in enumerate(served, start=1)
        )
        votes.append(vote)
    if not votes:
        raise ValidationError(
            _("No community is served by two or more of the chosen applications: nothing to "
              "vote on.")
        )  # fmt: skip
    return votes, left_out


def residents_scores(round):
    """{application pk: Σ approvals ÷ Σ voters × 100} over the round's counted ballots. One
    query; only closed ballots (a count that failed its integrity check gives nothing)."""
    approvals, voters = defaultdict(int), defaultdict(int)
    rows = ResidentVoteOption.objects.filter(
        vote__round=round, option__ballot__status=BallotStatus.CLOSED
    ).values_list("application_id", "option__final_count", "option__ballot__voter_count")
    for application_id, chosen, voter_count in rows:
        approvals[application_id] += chosen or 0
        voters[application_id] += voter_count or 0
    return {
        pk: (Decimal(100 * approvals[pk]) / voters[pk]).quantize(CENT, ROUND_HALF_UP)
        for pk in voters
        if voters[pk]
    }


def open_votes(round):
    return (
        round.resident_votes.filter(ballot__status=BallotStatus.OPEN)
        .select_related("ballot", "community")
        .order_by("community__name")
    )
