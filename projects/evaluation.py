"""Mid-term and final evaluation of a funded project (中期评估, 结项评估), and the grade rule.

Evaluators are the round's reviewers (experts), assigned by the street office for one stage.
Each scores the round's evaluation criteria 0–10; a sheet's total is Σ score/10 × weight, out of
100, like a review's. Beside their scores the evaluation screen shows what the record says:
indicator completion and verified residents' satisfaction.

The final score is read from all three, so a project is not graded on the experts' impression
alone: 70% the evaluators' mean total, 20% indicator completion, 10% the verified residents'
satisfaction rate. A project nobody has rated yet is scored on the other two, their weights
scaled up to 100. The grade follows from the final score by the table GRADES.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.history_reasons import history_reason, register_reason
from communities.notifications import notify, register_event

from .models import Evaluation, EvaluationScore, Grade, Reviewer
from .reviews import check_scores, weighted_total

WEIGHTS = {"evaluators": Decimal(70), "indicators": Decimal(20), "satisfaction": Decimal(10)}
# (lowest final score, grade), best first.
GRADES = ((Decimal(90), Grade.EXCELLENT), (Decimal(75), Grade.GOOD), (Decimal(60), Grade.PASS))

register_event("evaluation.assigned", gettext_lazy("You are asked to evaluate “%(title)s”."))
register_reason("evaluation.assigned", gettext_lazy("Evaluator assigned"))
register_reason("evaluation.submitted", gettext_lazy("Evaluation submitted"))


def grade_for(score):
    """The grade of a final score out of 100."""
    for lowest, grade in GRADES:
        if score >= lowest:
            return grade
    return Grade.FAIL


def final_score(evaluators, completion, satisfaction_rate):
    """The weighted final score (one decimal) from the evaluators' mean total, indicator
    completion and the satisfaction rate, each out of 100; a missing part drops out and the
    others' weights are scaled up to fill its share."""
    parts = {
        "evaluators": evaluators,
        "indicators": completion,
        "satisfaction": satisfaction_rate,
    }
    present = {name: Decimal(str(value)) for name, value in parts.items() if value is not None}
    if "evaluators" not in present:
        return None
    weight = sum(WEIGHTS[name] for name in present)
    total = sum(WEIGHTS[name] * value for name, value in present.items()) / weight
    return total.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def evaluation_total(evaluation):
    """Out of 100 (the evaluation criteria's weights add up to 100)."""
    return weighted_total((s.score, s.criterion.weight) for s in evaluation.scores.all())


def evaluators_mean(project, stage):
    """The mean total of the submitted sheets of `stage`, or None when there is none."""
    sheets = project.evaluations.filter(stage=stage, submitted_at__isnull=False)
    totals = [evaluation_total(sheet) for sheet in sheets.prefetch_related("scores__criterion")]
    if not totals:
        return None
    return (sum(Decimal(str(t)) for t in totals) / len(totals)).quantize(Decimal("0.1"))


def may_evaluate(user, project):
    """Reviewers of the round evaluate its projects, never one of an organisation they act for."""
    return (
        Reviewer.objects.filter(round_id=project.application.round_id, user=user).exists()
        and not project.application.organisation.representatives.filter(user=user).exists()
    )


@transaction.atomic
def assign_evaluator(project, stage, user, by):
    if not may_evaluate(user, project):
        raise ValidationError(
            _("%(person)s is not a reviewer of “%(round)s” (or represents the organisation), so "
              "cannot evaluate its projects.")
            % {"person": user.get_full_name() or user.get_username(), "round": project.round.title}
        )  # fmt: skip
    evaluation, created = Evaluation.objects.get_or_create(
        project=project, stage=stage, evaluator=user, defaults={"assigned_by": by}
    )
    if created:
        evaluation.history.filter(history_type="+").update(
            history_user=by, history_change_reason=history_reason("evaluation.assigned")
        )
        notify("evaluation.assigned", evaluation, by)
    return evaluation


@transaction.atomic
def submit_evaluation(evaluation, scores, comment=""):
    """Store one evaluator's scores ({criterion id: (score, comment)}) and submit the sheet.
    Every criterion of the round must be scored, once, 0–10."""
    evaluation = (
        Evaluation.objects.select_for_update().select_related("project").get(pk=evaluation.pk)
    )
    if evaluation.submitted_at is not None:
        raise ValidationError(_("This evaluation has been submitted; it can no longer be changed."))
    criteria = list(evaluation.project.application.round.evaluation_criteria.all())
    if not criteria:
        raise ValidationError(
            _("“%(round)s” has no evaluation criteria yet; the street office adds them on the "
              "round's page.") % {"round": evaluation.project.round.title}
        )  # fmt: skip
    cleaned, problems = check_scores(criteria, scores)
    if problems:
        raise ValidationError(problems)
    EvaluationScore.objects.bulk_create(
        EvaluationScore(evaluation=evaluation, criterion_id=pk, score=score, comment=note)
        for pk, (score, note) in cleaned.items()
    )
    evaluation.comment = (comment or "").strip()
    evaluation.submitted_at = timezone.now()
    evaluation._history_user = evaluation.evaluator
    evaluation._change_reason = history_reason("evaluation.submitted")
    evaluation.save()
    return evaluation
