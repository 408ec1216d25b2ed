"""Evaluator pages: my evaluations, and one evaluation (the project in brief, what its record
says, and the scoring form on the round's evaluation criteria).

Evaluators are the round's reviewers, so these pages follow the reviewers' (review_views.py):
an evaluator reaches only the evaluations assigned to them while they still review the round,
never one of an organisation they represent; anything else is 404, whoever asks. Beside the
scores the page shows the figures computed from the record (indicator completion, verified
residents' satisfaction, participation, spending), so the evaluation is not made on the
organisation's word alone. A submitted evaluation is final and shows its total.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.charts import progress_bars

from .evaluation import evaluation_total, submit_evaluation
from .figures import project_figures
from .permissions import evaluations_of
from .review_views import ReviewForm


class EvaluationForm(ReviewForm):
    """The reviewers' sheet (a score 0–10 and a comment per criterion) without a
    recommendation: an evaluation judges what was done, not whether to fund it."""

    comment = forms.CharField(
        label=gettext_lazy("Overall comment"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=3000,
        required=False,
        help_text=gettext_lazy("The street office reads it with your scores."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["recommendation"]


def _mine(user):
    return evaluations_of(user).select_related(
        "project__application__organisation", "project__application__round"
    )


@login_required
def my_evaluations(request):
    evaluations = list(_mine(request.user).order_by("submitted_at", "-assigned_at"))
    return render(
        request,
        "projects/evaluation_list.html",
        {
            "to_do": [e for e in evaluations if e.submitted_at is None],
            "submitted": [e for e in evaluations if e.submitted_at is not None],
        },
    )


def _context(evaluation, criteria, form=None):
    project = evaluation.project
    figures = project_figures(project)
    context = {
        "evaluation": evaluation,
        "project": project,
        "round": project.application.round,
        "communities": project.application.communities.all(),
        "figures": figures,
        "indicator_chart": progress_bars(
            [
                (row.indicator.name, row.actual or 0, row.target, row.indicator.unit)
                for row in figures["indicators"]
            ],
            label=_("Indicators against their targets"),
        ),
        "criteria": criteria,
        "criteria_weight": sum(c.weight for c in criteria),
        "form": form,
    }
    if evaluation.submitted_at:
        scores = list(
            evaluation.scores.select_related("criterion").order_by("criterion__sort_order")
        )
        context["scores"] = scores
        context["total"] = evaluation_total(evaluation)
    return context


@login_required
def evaluation_detail(request, pk):
    """The project and the scoring form; a POST submits the evaluation (final)."""
    evaluation = get_object_or_404(_mine(request.user), pk=pk)
    criteria = list(evaluation.project.application.round.evaluation_criteria.all())
    if evaluation.submitted_at:
        if request.method == "POST":
            messages.error(
                request, _("This evaluation has been submitted; it can no longer be changed.")
            )
            return redirect(evaluation)
        return render(request, "projects/evaluation_detail.html", _context(evaluation, criteria))
    form = EvaluationForm(request.POST or None, criteria=criteria)
    if request.method == "POST" and form.is_valid():
        try:
            submit_evaluation(evaluation, form.scores(), form.cleaned_data["comment"])
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Your evaluation of “%(title)s” is submitted.")
                % {"title": evaluation.project.title},
            )
            return redirect(evaluation)
    return render(
        request, "projects/evaluation_detail.html", _context(evaluation, criteria, form=form)
    )


urlpatterns = [
    path("evaluations/", my_evaluations, name="evaluations"),
    path("evaluations/<int:pk>/", evaluation_detail, name="evaluation"),
]
