"""Reviewer pages: my reviews, one assignment (the application in full, the scoring form, a
conflict declaration) and the application's attachments.

A reviewer reaches only the applications assigned to them, while they still review the round
and have declared no conflict on it; anything else is 404, whoever asks. The weighted total
shows as the form is filled (static/js/review-total.js) and, for phones without scripts, on a
preview step before the review is submitted, which is final.
"""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.uploads import download_response

from . import reviews
from .models import ApplicationState, Recommendation, Review


class ReviewForm(forms.Form):
    """A score (0–10) and a comment per criterion of the round, then a recommendation."""

    recommendation = forms.ChoiceField(
        label=gettext_lazy("Your recommendation"),
        choices=Recommendation.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose your recommendation.")},
    )
    comment = forms.CharField(
        label=gettext_lazy("Overall comment"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=3000,
        required=False,
        help_text=gettext_lazy("Needed when you recommend funding with changes: say which."),
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            name = {"criterion": criterion.name}
            self.fields[self.score_name(criterion)] = forms.IntegerField(
                label=criterion.name,
                min_value=0,
                max_value=10,
                widget=forms.NumberInput(
                    attrs={
                        "min": 0,
                        "max": 10,
                        "step": 1,
                        "inputmode": "numeric",
                        "data-weight": criterion.weight,
                        "class": "score-input",
                    }
                ),  # fmt: skip
                error_messages={
                    "required": _("Give “%(criterion)s” a score from 0 to 10.") % name,
                    "invalid": _("Score “%(criterion)s” with a whole number from 0 to 10.") % name,
                    "min_value": _("Score “%(criterion)s” from 0 to 10.") % name,
                    "max_value": _("Score “%(criterion)s” from 0 to 10.") % name,
                },
            )
            self.fields[self.comment_name(criterion)] = forms.CharField(
                label=_("Comment on “%(criterion)s”") % name,
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=1000,
                required=False,
            )
        # The recommendation and the overall comment come after the criteria.
        for name in ("recommendation", "comment"):
            self.fields[name] = self.fields.pop(name)

    @staticmethod
    def score_name(criterion):
        return f"score_{criterion.pk}"

    @staticmethod
    def comment_name(criterion):
        return f"comment_{criterion.pk}"

    def rows(self):
        """(criterion, its score field, its comment field), in the round's order."""
        return [
            (criterion, self[self.score_name(criterion)], self[self.comment_name(criterion)])
            for criterion in self.criteria
        ]

    def scores(self):
        """{criterion pk: (score, comment)}, for reviews.submit_review."""
        return {
            criterion.pk: (
                self.cleaned_data[self.score_name(criterion)],
                self.cleaned_data[self.comment_name(criterion)],
            )
            for criterion in self.criteria
        }

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("recommendation") == Recommendation.FUND_WITH_CHANGES
            and not (cleaned.get("comment") or "").strip()
        ):
            self.add_error("comment", _("Say which changes the project needs to be funded."))
        return cleaned

    def total(self):
        return reviews.weighted_total(
            (self.cleaned_data[self.score_name(c)], c.weight) for c in self.criteria
        )


class ConflictForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("What is the conflict?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=300,
        help_text=gettext_lazy(
            "For example: you advise, work for or are related to someone in the organisation. "
            "The street office reads it and assigns someone else."
        ),
        error_messages={
            "required": gettext_lazy(
                "Say what the conflict is (for example: “I advise this organisation”)."
            )
        },
    )


def _review_or_404(request, pk):
    return get_object_or_404(
        reviews.reviewable_by(request.user).select_related(
            "application__organisation", "application__round"
        ),
        pk=pk,
    )


@login_required
def my_reviews(request):
    assigned = (
        reviews.reviews_of(request.user)
        .select_related("application__organisation", "application__round")
        .order_by("submitted_at", "-assigned_at")
    )
    groups = {"to_do": [], "submitted": [], "conflicted": [], "closed": []}
    for review in assigned:
        if review.conflict_of_interest:
            groups["conflicted"].append(review)
        elif review.submitted_at:
            groups["submitted"].append(review)
        elif review.application.status == ApplicationState.IN_REVIEW:
            groups["to_do"].append(review)
        else:
            groups["closed"].append(review)
    return render(request, "projects/review_list.html", groups)


def _others(review, criteria):
    """The other reviewers' submitted reviews of the application, numbered, each with its
    scores in the round's order and its weighted total."""
    by_pk = {criterion.pk: criterion for criterion in criteria}
    others = list(
        Review.objects.filter(
            application_id=review.application_id,
            submitted_at__isnull=False,
            conflict_of_interest=False,
        )
        .exclude(pk=review.pk)
        .prefetch_related("scores")
        .order_by("submitted_at", "pk")
    )
    for number, other in enumerate(others, start=1):
        scored = [s for s in other.scores.all() if s.criterion_id in by_pk]
        for score in scored:
            score.criterion = by_pk[score.criterion_id]
        other.number = number
        other.score_list = sorted(scored, key=lambda s: s.criterion.sort_order)
        other.total = reviews.weighted_total((s.score, s.criterion.weight) for s in scored)
    return others


def _context(review, criteria, form=None, preview=False):
    application = review.application
    round = application.round
    lines = list(application.budget_lines.all())
    # The totals shown are the sums of the lines shown.
    requested = sum((line.requested for line in lines), Decimal("0.00"))
    cofunded = sum((line.cofunded for line in lines), Decimal("0.00"))
    context = {
        "review": review,
        "application": application,
        "round": round,
        "lines": lines,
        "requested": requested,
        "cofunded": cofunded,
        "cost": requested + cofunded,
        "indicators": application.indicators.all(),
        "attachments": application.attachments.all(),
        "communities": application.communities.all(),
        "criteria": criteria,
        "criteria_weight": sum(c.weight for c in criteria),
        "form": form,
        "preview": preview,
        "can_score": reviews.can_score(review),
        "conflict_form": ConflictForm(),
    }
    if preview:
        context["total"] = form.total()
        context["recommendation"] = Recommendation(form.cleaned_data["recommendation"]).label
    if review.submitted_at:
        mine = list(review.scores.select_related("criterion").order_by("criterion__sort_order"))
        context["my_scores"] = mine
        context["my_total"] = reviews.weighted_total((s.score, s.criterion.weight) for s in mine)
        context["others"] = _others(review, criteria)
    return context


@login_required
def review_detail(request, pk):
    """The application in full and the scoring form; POST "preview" shows the total and asks
    for confirmation, "submit" saves (final), "change" goes back to the form."""
    review = _review_or_404(request, pk)
    criteria = list(review.application.round.criteria.all())
    if not reviews.can_score(review):
        if request.method == "POST":
            messages.error(request, _("This review cannot be changed now."))
            return redirect(review)
        return render(request, "projects/review_detail.html", _context(review, criteria))
    form = ReviewForm(request.POST or None, criteria=criteria)
    preview = False
    if request.method == "POST" and "change" not in request.POST and form.is_valid():
        if "submit" in request.POST:
            try:
                reviews.submit_review(
                    review,
                    form.scores(),
                    form.cleaned_data["recommendation"],
                    form.cleaned_data["comment"],
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            except PermissionDenied:
                raise Http404 from None
            else:
                messages.success(
                    request,
                    _("Your review of “%(title)s” is submitted. You can now read the other "
                      "reviews.") % {"title": review.application.title},
                )  # fmt: skip
                return redirect(review)
        else:
            preview = True
    return render(
        request,
        "projects/review_detail.html",
        _context(review, criteria, form=form, preview=preview),
    )


@login_required
def declare_conflict(request, pk):
    review = _review_or_404(request, pk)
    if not reviews.can_score(review):
        messages.error(request, _("This review cannot be changed now."))
        return redirect(review)
    form = ConflictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reviews.declare_conflict(review, form.cleaned_data["note"])
        except ValidationError as error:
            form.add_error("note", error)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(
                request,
                _("You declared a conflict of interest on “%(title)s”. The street office will "
                  "assign someone else.") % {"title": review.application.title},
            )  # fmt: skip
            return redirect("projects:my_reviews")
    return render(
        request,
        "projects/review_conflict.html",
        {"review": review, "application": review.application, "conflict_form": form},
    )


@login_required
def review_attachment(request, pk, attachment_pk):
    review = _review_or_404(request, pk)
    attachment = get_object_or_404(review.application.attachments, pk=attachment_pk)
    if not attachment.file.storage.exists(attachment.file.name):
        raise Http404
    return download_response(attachment.file, filename=attachment.file.name.rsplit("/", 1)[-1])


urlpatterns = [
    path("reviews/", my_reviews, name="my_reviews"),
    path("reviews/<int:pk>/", review_detail, name="review"),
    path("reviews/<int:pk>/conflict/", declare_conflict, name="review_conflict"),
    path(
        "reviews/<int:pk>/attachments/<int:attachment_pk>/",
        review_attachment,
        name="review_attachment",
    ),
]
