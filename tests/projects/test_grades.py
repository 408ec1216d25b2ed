"""The grade rule of a funded project: the final score is 70% the evaluators' mean, 20% indicator
completion and 10% the verified residents' satisfaction, the grade follows from its bands; the
street office completes an evaluation only once every evaluator assigned has submitted, and
closes a project only once every tranche is paid."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from consultation.models import Satisfaction
from projects.evaluation import (
    assign_evaluator,
    evaluators_mean,
    final_score,
    grade_for,
    submit_evaluation,
)
from projects.models import (
    EvaluationStage,
    Grade,
    IndicatorReading,
    Measure,
    ProjectState,
)
from projects.workflow import delivery

from .delivery import activity, feedback, funded_project
from .reviewing import officer_of, reviewer_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def refusal(call):
    with pytest.raises(ValidationError) as refused:
        call()
    return " ".join(refused.value.messages)


def sheet(project, stage, *scores, by=None):
    """A submitted evaluation of `stage` with `scores` on the round's three criteria (50/30/20)."""
    evaluator = reviewer_of(project.round)
    evaluation = assign_evaluator(project, stage, evaluator, by)
    criteria = list(project.round.evaluation_criteria.all())
    submit_evaluation(evaluation, {c.pk: (s, "") for c, s in zip(criteria, scores, strict=True)})
    return evaluation


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("100", Grade.EXCELLENT),
        ("90", Grade.EXCELLENT),
        ("89.9", Grade.GOOD),
        ("75", Grade.GOOD),
        ("74.9", Grade.PASS),
        ("60", Grade.PASS),
        ("59.9", Grade.FAIL),
        ("0", Grade.FAIL),
    ],
)
def test_the_grade_follows_the_bands_of_the_final_score(score, grade):
    assert grade_for(Decimal(score)) == grade


def test_the_final_score_weighs_evaluators_70_indicators_20_satisfaction_10():
    assert final_score(Decimal("80"), Decimal("50"), 90.0) == Decimal("75.0")
    assert final_score(Decimal("100"), Decimal("100"), 100.0) == Decimal("100.0")


def test_without_any_verified_rating_the_other_two_parts_fill_its_share():
    # (70 × 80 + 20 × 50) / 90, not 66.0 as if nobody satisfied counted as zero.
    assert final_score(Decimal("80"), Decimal("50"), None) == Decimal("73.3")
    assert final_score(Decimal("80"), None, None) == Decimal("80.0")


def test_no_final_score_without_an_evaluator_s_total():
    assert final_score(None, Decimal("100"), 100.0) is None


def test_the_evaluators_mean_is_over_the_submitted_sheets_of_the_stage_only():
    project = funded_project()
    officer = officer_of(project.round.street)
    sheet(project, EvaluationStage.FINAL, 10, 10, 10, by=officer)  # 100
    sheet(project, EvaluationStage.FINAL, 8, 8, 8, by=officer)  # 80
    sheet(project, EvaluationStage.MIDTERM, 0, 0, 0, by=officer)
    assign_evaluator(project, EvaluationStage.FINAL, reviewer_of(project.round), officer)

    assert evaluators_mean(project, EvaluationStage.FINAL) == Decimal("90.0")
    assert evaluators_mean(project, EvaluationStage.MIDTERM) == Decimal("0.0")


def test_no_mean_before_any_sheet_is_submitted():
    project = funded_project()
    assign_evaluator(
        project, EvaluationStage.FINAL, reviewer_of(project.round), officer_of(project.round.street)
    )
    assert evaluators_mean(project, EvaluationStage.FINAL) is None


def test_completing_the_final_evaluation_grades_the_project_from_sheets_and_record():
    project = funded_project()
    officer = officer_of(project.round.street)
    # Six activities of 20 people typed in and 4 volunteer hours each: participants 120 of 200
    # (60%), sessions 6 of 12 (50%), hours 24 of 100 (24%); the manual indicator 25 of 50 (50%).
    for _ in range(6):
        activity(project, offline=20)
    IndicatorReading.objects.create(
        project=project,
        indicator=project.application.indicators.get(measure=Measure.MANUAL),
        value=Decimal("25"),
        evidence="evidence/survey.pdf",
    )
    held = project.activities.first()
    for rating in (Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.SATISFIED):
        feedback(held, rating)
    feedback(held, Satisfaction.DISSATISFIED)  # verified: 3 of 4 satisfied, 75%
    feedback(held, Satisfaction.DISSATISFIED, verified=False)  # a guest: not in the rate
    sheet(project, EvaluationStage.FINAL, 10, 10, 10, by=officer)
    sheet(project, EvaluationStage.FINAL, 8, 8, 8, by=officer)

    project = delivery.perform(project, "complete_final", officer)

    # 70% × 90 + 20% × 46 (mean of 60, 50, 24, 50) + 10% × 75
    assert project.final_score == Decimal("79.7")
    assert project.grade == Grade.GOOD
    assert project.status == ProjectState.FINAL_EVALUATED
    project.refresh_from_db()
    assert (project.final_score, project.grade) == (Decimal("79.7"), Grade.GOOD)


def test_the_mid_term_is_not_complete_while_an_assigned_evaluator_has_not_submitted():
    project = funded_project()
    officer = officer_of(project.round.street)
    assert "No evaluator has submitted" in refusal(
        lambda: delivery.perform(project, "complete_midterm", officer)
    )
    sheet(project, EvaluationStage.MIDTERM, 7, 7, 7, by=officer)
    assign_evaluator(project, EvaluationStage.MIDTERM, reviewer_of(project.round), officer)

    assert "1 evaluator(s) have not submitted yet" in refusal(
        lambda: delivery.perform(project, "complete_midterm", officer)
    )
    project.refresh_from_db()
    assert project.status == ProjectState.ACTIVE


def test_a_project_closes_only_once_every_tranche_is_paid():
    project = funded_project(status=ProjectState.FINAL_EVALUATED)
    officer = officer_of(project.round.street)
    first, last = project.milestones.order_by("position")
    delivery.pay_tranche(first, officer, date.today())

    assert "结项拨付" in refusal(lambda: delivery.perform(project, "close", officer))
    project.refresh_from_db()
    assert project.status == ProjectState.FINAL_EVALUATED

    delivery.pay_tranche(last, officer, date.today())
    assert delivery.perform(project, "close", officer).status == ProjectState.CLOSED
