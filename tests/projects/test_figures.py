"""A project's figures are counted from its record: sign-ins and typed-in participants apart,
indicators from the activities that serve them, satisfaction from verified residents only."""

from datetime import timedelta
from decimal import Decimal

import pytest

from consultation.models import Satisfaction
from projects.figures import (
    activities_per_month,
    indicator_completion,
    indicator_progress,
    participation,
    project_figures,
    satisfaction,
    spending,
)
from projects.models import Activity, Expense, Feedback, IndicatorReading, Measure, SignIn
from tests.factories import UserFactory

from .delivery import activity, feedback, funded_project

pytestmark = pytest.mark.django_db


def by_measure(rows):
    return {row.indicator.measure: row for row in rows}


def test_participants_are_sign_ins_plus_people_typed_in_and_the_figures_keep_them_apart():
    project = funded_project()
    first = activity(project, signed_in=12, offline=3)
    activity(project, signed_in=5, offline=0)
    SignIn.objects.create(activity=first, user=UserFactory(), verified=True)

    totals = participation(Activity.objects.filter(project=project))

    assert totals["signed_in"] == 18
    assert totals["verified"] == 1
    assert totals["typed"] == 3
    assert totals["participants"] == 21
    assert totals["sessions"] == 2


def test_counted_indicators_count_only_the_activities_that_serve_them():
    project = funded_project()
    counted = project.application.indicators.exclude(measure=Measure.MANUAL)
    sessions_only = counted.filter(measure=Measure.SESSIONS)
    activity(project, signed_in=10, offline=2, volunteer_hours=Decimal("6.5"), indicators=counted)
    activity(project, signed_in=40, volunteer_hours=Decimal("20"), indicators=sessions_only)
    activity(project, signed_in=99, indicators=[])  # serves nothing: counted nowhere

    rows = by_measure(indicator_progress(project))

    assert rows[Measure.PARTICIPANTS].actual == 12
    assert rows[Measure.SESSIONS].actual == 2
    assert rows[Measure.VOLUNTEER_HOURS].actual == Decimal("6.5")
    assert rows[Measure.PARTICIPANTS].counted is True
    # 12 of 200 participants promised is 6%; 2 of 12 sessions 16.7%.
    assert rows[Measure.PARTICIPANTS].percent == Decimal("6.0")
    assert rows[Measure.SESSIONS].percent == Decimal("16.7")


def test_a_manual_indicator_is_its_latest_reading_and_has_none_before_one():
    project = funded_project()
    manual = project.application.indicators.get(measure=Measure.MANUAL)
    assert by_measure(indicator_progress(project))[Measure.MANUAL].actual is None

    IndicatorReading.objects.create(project=project, indicator=manual, value=20, evidence="a.pdf")
    IndicatorReading.objects.create(project=project, indicator=manual, value=35, evidence="b.pdf")

    row = by_measure(indicator_progress(project))[Measure.MANUAL]
    assert row.actual == 35
    assert row.counted is False
    assert row.reading.evidence.name == "b.pdf"


def test_completion_caps_each_indicator_at_one_hundred_percent():
    project = funded_project()
    manual = project.application.indicators.get(measure=Measure.MANUAL)
    IndicatorReading.objects.create(project=project, indicator=manual, value=100, evidence="a.pdf")
    for day in range(12):
        activity(project, held_on=project.starts_on + timedelta(days=day), signed_in=0)

    rows = indicator_progress(project)
    # manual 100 of 50 (200%, counts 100), sessions 12 of 12 (100), hours 48 of 100 (48),
    # participants 0 of 200 (0): (100 + 100 + 48 + 0) / 4 = 62.
    assert by_measure(rows)[Measure.MANUAL].percent == Decimal("200.0")
    assert indicator_completion(rows) == Decimal("62.0")


def test_satisfaction_counts_verified_residents_and_keeps_guests_apart():
    project = funded_project()
    held = activity(project)
    feedback(held, Satisfaction.SATISFIED)
    feedback(held, Satisfaction.BASIC)
    feedback(held, Satisfaction.DISSATISFIED)
    feedback(held, Satisfaction.SATISFIED)
    feedback(held, Satisfaction.DISSATISFIED, verified=False)
    feedback(held, Satisfaction.DISSATISFIED, verified=False)

    figures = satisfaction(Feedback.objects.filter(activity__project=project))

    assert figures["count"] == 4
    assert figures["rate"] == 75.0
    assert figures["guest_count"] == 2
    assert figures["guest_rate"] == 0.0


def test_spending_is_summed_per_budget_line():
    project = funded_project()
    materials, allowances = project.application.budget_lines.all()
    for amount in ("1200.50", "799.50"):
        Expense.objects.create(
            project=project,
            budget_line=materials,
            spent_on=project.starts_on,
            amount=Decimal(amount),
            description="教材",
            receipt="r.pdf",
        )

    rows = {row.line.item: row for row in spending(project)}

    assert rows[materials.item].spent == Decimal("2000.00")
    assert rows[materials.item].left == Decimal("18000.00")
    assert rows[allowances.item].spent == Decimal("0.00")


def test_activities_per_month_are_in_date_order():
    project = funded_project()
    start = project.starts_on.replace(day=1)
    activity(project, held_on=start + timedelta(days=40))
    activity(project, held_on=start + timedelta(days=2))
    activity(project, held_on=start + timedelta(days=3))

    months = activities_per_month(Activity.objects.filter(project=project))

    assert [n for _month, n in months] == [2, 1]
    assert months[0][0] == start.strftime("%Y-%m")


def test_project_figures_take_a_handful_of_queries_whatever_the_log(django_assert_max_num_queries):
    project = funded_project()
    for n in range(30):
        activity(project, signed_in=n % 4, held_on=project.starts_on + timedelta(days=n))

    with django_assert_max_num_queries(12):
        figures = project_figures(project)

    assert figures["participation"]["sessions"] == 30
    assert figures["budgeted"] == Decimal("30000.00")
