"""Every figure of a funded project, computed from its record, never typed twice.

Participants are sign-ins (people who scanned the activity's code) plus the people without a
phone the recorder typed in, and the figures keep the two apart. Satisfaction is the share of
满意 and 基本满意 among verified residents' ratings, as for consultation outcomes; guests' ratings
are counted beside it, marked unverified, never mixed in. An indicator's actual value is counted
from the activities that serve it, or, for an indicator measured by hand, is its latest reading.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from consultation.models import Satisfaction

from .models import (
    MONEY_ZERO,
    ZERO,
    Activity,
    Expense,
    Feedback,
    Indicator,
    IndicatorReading,
    Measure,
    SignIn,
)

HUNDRED = Decimal(100)


def with_participants(activities):
    """Annotate activities with `signed_in`, `signed_in_verified` and `participants` (sign-ins
    plus those typed in for people without a phone)."""
    sign_ins = SignIn.objects.filter(activity=OuterRef("pk")).values("activity")
    return activities.annotate(
        signed_in=Coalesce(
            Subquery(sign_ins.annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
            0,
        ),
        signed_in_verified=Coalesce(
            Subquery(
                sign_ins.filter(verified=True).annotate(n=Count("pk")).values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
    )


def participation(activities):
    """Totals over a queryset of activities: sessions, participants (signed in, of them
    verified, typed in), volunteers and volunteer hours."""
    totals = activities.aggregate(
        sessions=Count("pk"),
        typed=Coalesce(Sum("participants_offline"), 0),
        volunteers=Coalesce(Sum("volunteers"), 0),
        hours=Coalesce(Sum("volunteer_hours"), Value(Decimal("0"), output_field=DecimalField())),
    )
    sign_ins = SignIn.objects.filter(activity__in=activities.values("pk")).aggregate(
        signed_in=Count("pk"), verified=Count("pk", filter=Q(verified=True))
    )
    totals.update(sign_ins)
    totals["participants"] = totals["signed_in"] + totals["typed"]
    return totals


def satisfaction(feedback):
    """Of a queryset of Feedback: the verified residents' rate and counts by rating, and the
    guests' (unverified) rate and count beside it."""
    return with_rates(feedback.aggregate(**satisfaction_counts()))


def satisfaction_counts():
    """The counts `satisfaction` aggregates, as expressions a GROUP BY can use too (the figures
    dashboard counts every community's feedback in one query)."""
    positive = ~Q(rating=Satisfaction.DISSATISFIED)
    return {
        "count": Count("pk", filter=Q(verified=True)),
        "positive": Count("pk", filter=Q(verified=True) & positive),
        "satisfied": Count("pk", filter=Q(verified=True, rating=Satisfaction.SATISFIED)),
        "basic": Count("pk", filter=Q(verified=True, rating=Satisfaction.BASIC)),
        "dissatisfied": Count("pk", filter=Q(verified=True, rating=Satisfaction.DISSATISFIED)),
        "guest_count": Count("pk", filter=Q(verified=False)),
        "guest_positive": Count("pk", filter=Q(verified=False) & positive),
    }


def with_rates(counts):
    """`counts` (of `satisfaction_counts`) with the verified and the guests' rate added."""
    counts["rate"] = _rate(counts["positive"], counts["count"])
    counts["guest_rate"] = _rate(counts["guest_positive"], counts["guest_count"])
    return counts


def _rate(part, whole):
    return round(100 * part / whole, 1) if whole else None


@dataclass
class IndicatorProgress:
    indicator: object
    actual: Decimal | None  # None: a manual indicator with no reading yet
    counted: bool  # computed from the log (else a manual reading)
    reading: object = None

    @property
    def target(self):
        return self.indicator.target

    @property
    def percent(self):
        """Actual against target, in percent (may pass 100); None without a value."""
        if self.actual is None:
            return None
        if not self.target:
            return HUNDRED if self.actual > 0 else Decimal(0)
        return (HUNDRED * self.actual / self.target).quantize(Decimal("0.1"))

    @property
    def completion(self):
        """The same, capped at 100: more than promised counts as done, not as extra credit."""
        return min(self.percent or Decimal(0), HUNDRED)


def indicator_progress(project):
    """Each indicator of the project's award with its actual value (four queries)."""
    return indicator_progress_of([project])[project.pk]


def indicator_progress_of(projects):
    """{project pk: its indicator rows} for many projects in the same four queries."""
    projects = {project.application_id: project.pk for project in projects}
    pks = list(projects.values())
    indicators = Indicator.objects.filter(application_id__in=projects).order_by(
        "application_id", "position", "pk"
    )
    activities = {
        a.pk: a
        for a in with_participants(Activity.objects.filter(project__in=pks)).only(
            "pk", "participants_offline", "volunteer_hours"
        )
    }
    served = Activity.indicators.through.objects.filter(activity__project__in=pks).values_list(
        "indicator_id", "activity_id"
    )
    serving = {}
    for indicator_id, activity_id in served:
        serving.setdefault(indicator_id, []).append(activities[activity_id])
    latest = {}
    for reading in IndicatorReading.objects.filter(project__in=pks).order_by("recorded_at", "pk"):
        latest[reading.project_id, reading.indicator_id] = reading
    rows = {pk: [] for pk in pks}
    for indicator in indicators:
        project = projects[indicator.application_id]
        log = serving.get(indicator.pk, [])
        if indicator.measure == Measure.MANUAL:
            reading = latest.get((project, indicator.pk))
            row = IndicatorProgress(indicator, reading and reading.value, False, reading)
        elif indicator.measure == Measure.PARTICIPANTS:
            actual = sum(a.signed_in + a.participants_offline for a in log)
            row = IndicatorProgress(indicator, Decimal(actual), True)
        elif indicator.measure == Measure.SESSIONS:
            row = IndicatorProgress(indicator, Decimal(len(log)), True)
        else:  # volunteer hours
            row = IndicatorProgress(indicator, sum((a.volunteer_hours for a in log), ZERO), True)
        rows[project].append(row)
    return rows


def indicator_completion(rows):
    """The mean completion of the indicators, in percent; None for a project without any."""
    if not rows:
        return None
    return (sum(row.completion for row in rows) / len(rows)).quantize(Decimal("0.1"))


@dataclass
class LineSpending:
    line: object
    spent: Decimal

    @property
    def budgeted(self):
        return self.line.requested

    @property
    def left(self):
        return self.budgeted - self.spent


def spending(project):
    """Each line of the awarded budget with what the grant was asked for and what has been
    spent on it (one query)."""
    spent = (
        Expense.objects.filter(budget_line=OuterRef("pk"), project=project)
        .values("budget_line")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    lines = project.application.budget_lines.annotate(spent=Coalesce(Subquery(spent), MONEY_ZERO))
    return [LineSpending(line, line.spent) for line in lines]


def spent_on_line(line, project):
    return Expense.objects.filter(budget_line=line, project=project).aggregate(
        total=Coalesce(Sum("amount"), MONEY_ZERO)
    )["total"]


def activities_per_month(activities):
    """[(month, number of activities)] in date order, for a bar chart."""
    rows = (
        activities.annotate(month=TruncMonth("held_on"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    return [(row["month"].strftime("%Y-%m"), row["n"]) for row in rows]


def project_figures(project):
    """What a project's page, report and evaluation show beside each other."""
    activities = Activity.objects.filter(project=project)
    lines = spending(project)
    indicators = indicator_progress(project)
    return {
        "participation": participation(activities),
        "satisfaction": satisfaction(Feedback.objects.filter(activity__project=project)),
        "indicators": indicators,
        "completion": indicator_completion(indicators),
        "lines": lines,
        "budgeted": sum((row.budgeted for row in lines), ZERO),
        "spent": sum((row.spent for row in lines), ZERO),
        "per_month": activities_per_month(activities),
    }
