"""The residents' say in the admin: the street office running a round opens the residents' vote
on its shortlist, and follows each community's ballot (status, turnout, closing time).

projects.resident_vote.open_resident_vote makes the ballots and says what it refuses; what it
refuses is shown on the form, with nothing saved. Everyone but the round's street office gets
404, before anything is read.
"""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.widgets import AdminDateTimeInput

from consultation import voting
from consultation.models import BallotStatus, Franchise

from ..pages import FundingRoundPage
from ..resident_vote import open_resident_vote, shortlist_candidates
from .reviews import ReviewScreen, _rounds


class OpenResidentVoteForm(forms.Form):
    applications = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Shortlisted applications"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Residents of each community served by two or more of them vote on those serving it."
        ),
        error_messages={"required": gettext_lazy("Choose at least two applications.")},
    )
    opens_at = forms.DateTimeField(label=gettext_lazy("Opens at"), widget=AdminDateTimeInput)
    closes_at = forms.DateTimeField(label=gettext_lazy("Closes at"), widget=AdminDateTimeInput)
    franchise = forms.ChoiceField(
        label=gettext_lazy("Who votes"), choices=Franchise.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, round, **kwargs):
        super().__init__(*args, **kwargs)
        candidates = shortlist_candidates(round)
        field = self.fields["applications"]
        field.queryset = candidates
        field.label_from_instance = lambda a: f"{a.title} · {a.organisation.name}"
        field.initial = list(candidates)
        now = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["opens_at"].initial = now
        self.fields["closes_at"].initial = now + timedelta(days=7)
        self.fields["franchise"].initial = Franchise.RESIDENT


class ResidentVoteView(ReviewScreen, FormView):
    """Before the vote: the form that opens it. After: each community's ballot."""

    model = FundingRoundPage
    template_name = "projects/admin/resident_vote.html"
    form_class = OpenResidentVoteForm

    def dispatch(self, request, pk):
        self.round = get_object_or_404(_rounds(request.user), pk=pk)
        self.votes = list(
            self.round.resident_votes.select_related("ballot", "community").order_by(
                "community__name"
            )
        )
        return super().dispatch(request, pk)

    def get_page_title(self):
        return _("Residents' vote")

    def get_page_subtitle(self):
        return self.round.title

    def get_breadcrumbs_items(self):
        return [
            *self.round_crumbs(self.round),
            {"url": reverse("projects_ranking", args=[self.round.pk]), "label": _("Ranking")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "round": self.round}

    def post(self, request, *args, **kwargs):
        if self.votes:
            messages.error(request, _("The residents' vote of this round is already open."))
            return redirect("projects_resident_vote_admin", self.round.pk)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            round=self.round,
            ballots=[ballot_row(vote) for vote in self.votes],
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            votes, left_out = open_resident_vote(
                self.round,
                self.request.user,
                applications=list(data["applications"]),
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                franchise=data["franchise"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        except PermissionDenied:
            raise Http404 from None
        names = "、".join(vote.community.name for vote in votes)
        message = _("The residents' vote is open in: %(communities)s.") % {"communities": names}
        if left_out:
            message += " " + _(
                "Left out, served by a single project (no choice to make): %(communities)s."
            ) % {"communities": "、".join(community.name for community in left_out)}
        messages.success(self.request, message)
        return redirect("projects_resident_vote_admin", self.round.pk)


def ballot_row(vote):
    """What the office follows of one community's ballot: while open, the voters so far of its
    electorate (consultation's rule); once counted, the stored turnout."""
    ballot = vote.ballot
    if ballot.status == BallotStatus.OPEN:
        voters, eligible = ballot.voters.count(), voting.eligible_count(ballot)
    else:
        voters, eligible = ballot.voter_count, ballot.eligible_count
    return {
        "vote": vote,
        "ballot": ballot,
        "voters": voters,
        "eligible": eligible,
        "turnout": round(100 * voters / eligible, 1) if eligible else None,
    }


@hooks.register("register_admin_urls")
def register_resident_vote_urls():
    return [
        path(
            "funding-reviews/rounds/<int:pk>/residents-vote/",
            ResidentVoteView.as_view(),
            name="projects_resident_vote_admin",
        )
    ]
