"""The residents' vote page (居民评议): one community's ballot on a funding round's shortlist.

The ballot is consultation's, shown with consultation's own ballot template and context and
cast through consultation.voting, so a funding ballot keeps every rule of a topic's ballot
(who votes, one vote per resident or household, secrecy, results only once counted). What
this page adds is what each option stands for: the project's title, organisation, amount
requested and a summary of its goals — nothing else of the application, which stays private
to its organisation and the street office.

Anyone may read the page, as a topic's ballot; only verified residents of the community vote.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from consultation import voting
from consultation.forms import VoteForm
from consultation.models import BallotOption, BallotStatus
from consultation.views import ballot_context

from .models import Application, ResidentVote


def _resident_vote(pk):
    """A residents' vote of a published round; 404 for any other number."""
    return get_object_or_404(
        ResidentVote.objects.filter(round__live=True)
        .select_related("round", "community", "ballot__community")
        .prefetch_related(Prefetch("ballot__options", BallotOption.objects.order_by("position"))),
        pk=pk,
    )


def ballot_applications(vote):
    """The applications on the ballot, by option position, with what they request."""
    return (
        Application.objects.filter(resident_vote_options__vote=vote)
        .with_totals()
        .select_related("organisation")
        .annotate(position=F("resident_vote_options__option__position"))
        .order_by("position")
    )


def _describe_options(form, applications):
    """The ballot paper's choices, each a card saying what the project is (safe HTML: the
    card's template escapes what the applicant wrote)."""
    cards = {
        a.position: mark_safe(render_to_string("projects/_vote_option.html", {"application": a}))  # noqa: S308
        for a in applications
    }
    field = form.fields["choice"]
    field.choices = [(position, cards.get(position, label)) for position, label in field.choices]


def resident_vote(request, pk):
    vote = _resident_vote(pk)
    ballot = vote.ballot
    user = request.user
    applications = list(ballot_applications(vote))
    context = ballot_context(ballot, user)
    if context["vote_form"] is not None:
        _describe_options(context["vote_form"], applications)
    voting_open = ballot.is_open_at()
    may_vote = context["vote_form"] is not None or context["my_vote"] or context["household_vote"]
    if user.is_authenticated and voting_open and not may_vote:
        # Same words as voting.cast_vote's refusal, said before anyone tries.
        context["refusal"] = _("Only verified residents of %(community)s can vote.") % {
            "community": vote.community.name
        }
    return render(
        request,
        "projects/resident_vote.html",
        {
            **context,
            "vote": vote,
            "round": vote.round,
            "community": vote.community,
            "applications": applications,
            "voting_open": voting_open,
            "not_yet_open": ballot.status == BallotStatus.OPEN and timezone.now() < ballot.opens_at,
            "vote_action": request.path,
        },
    )


@login_required
def cast(request, pk):
    vote = _resident_vote(pk)
    form = VoteForm(request.POST, ballot=vote.ballot)
    # voting.cast_vote says what is wrong, in this order: not a resident, closed, no choice.
    positions = form.positions() if form.is_valid() else []
    try:
        voter = voting.cast_vote(vote.ballot, request.user, positions)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Your vote is recorded. Keep your receipt: %(receipt)s") % {"receipt": voter.receipt},
        )
    return redirect(vote.get_absolute_url())


def resident_vote_page(request, pk):
    if request.method == "POST":
        return cast(request, pk)
    return resident_vote(request, pk)


urlpatterns = [
    path("funding/votes/<int:pk>/", resident_vote_page, name="resident_vote"),
]
