"""The community ledger (社区台账): what a community did in a period, computed from its records
for the street office's files and inspections, instead of being typed up from notebooks.

The person asking picks the period and the parts: consultation (topics raised, the agenda,
ballots with their turnout, outcomes published with residents' satisfaction), the funded
projects serving the community, every activity held in it, and residents' feedback. Each part
is one step of the background task (projects/tasks.py) and one numbered heading of the PDF.

A topic belongs to the period it was raised in (submitted, or entered by staff); an agenda item
to the period it was accepted in; a ballot to the period it closed in; an outcome to the period
it was first published in; an activity to the day it was held, with the feedback given on it.
"""

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities import charts
from consultation.agenda import ACCEPTED_STATES
from consultation.models import Ballot, Rating, Satisfaction, Topic, TopicState
from consultation.models.ballots import BallotStatus
from consultation.pages import OutcomePage
from consultation.reports import page_counter_css, render_pdf

from .figures import (
    activities_per_month,
    participation,
    project_figures,
    satisfaction,
    with_participants,
)
from .models import Activity, Feedback, Project

CATEGORIES = (
    ("consultation", gettext_lazy("Consultation")),
    ("projects", gettext_lazy("Funded projects")),
    ("activities", gettext_lazy("Activities")),
    ("feedback", gettext_lazy("Residents' feedback")),
)
CATEGORY_KEYS = [key for key, _label in CATEGORIES]


def steps(categories):
    """The task's steps: one per part, and laying out the PDF."""
    return len(categories) + 1


def consultation_part(community, start, end):
    raised = list(
        Topic.objects.filter(community=community)
        .exclude(status=TopicState.DRAFT)
        .filter(
            Q(submitted_at__date__range=(start, end))
            | Q(submitted_at__isnull=True, created_at__date__range=(start, end))
        )
        .order_by("created_at", "pk")
    )
    by_state = {}
    for topic in raised:
        by_state[topic.get_status_display()] = by_state.get(topic.get_status_display(), 0) + 1
    agenda = list(
        Topic.objects.filter(
            community=community,
            status__in=ACCEPTED_STATES,
            decided_at__date__range=(start, end),
        ).order_by("decided_at", "pk")
    )
    ballots = list(
        Ballot.objects.filter(
            community=community, status=BallotStatus.CLOSED, closes_at__date__range=(start, end)
        )
        .select_related("topic")
        .order_by("closes_at", "pk")
    )
    positive = ~Q(topic__ratings__rating=Satisfaction.DISSATISFIED)
    outcomes = list(
        OutcomePage.objects.filter(
            topic__community=community, first_published_at__date__range=(start, end)
        )
        .select_related("topic")
        .annotate(
            ratings=Count("topic__ratings"),
            positive=Count("topic__ratings", filter=positive),
        )
        .order_by("first_published_at", "pk")
    )
    for outcome in outcomes:
        outcome.rate = (
            round(100 * outcome.positive / outcome.ratings, 1) if outcome.ratings else None
        )
    return {
        "raised": raised,
        "agenda": agenda,
        "ballots": ballots,
        "outcomes": outcomes,
        "chart": charts.bar_chart(
            list(by_state.items()),
            label=_("Topics raised, by where they stand"),
            empty=_("No topic raised in the period"),
        ),
    }


def projects_part(community, start, end):
    """The projects serving the community that were under way at some time in the period."""
    projects = list(
        Project.objects.filter(
            application__communities=community, starts_on__lte=end, ends_on__gte=start
        )
        .select_related("application__organisation")
        .order_by("starts_on", "pk")
    )
    for project in projects:
        project.figures = project_figures(project)
    return {
        "projects": projects,
        "chart": charts.grouped_bars(
            [project.title for project in projects],
            [_("Awarded"), _("Spent")],
            [[project.amount or 0, project.figures["spent"]] for project in projects],
            label=_("Awarded and spent per project (yuan)"),
            colours=[charts.GREY, charts.RED],
            empty=_("No funded project in the period"),
        ),
    }


def _activities(community, start, end):
    return Activity.objects.filter(community=community, held_on__range=(start, end))


def activities_part(community, start, end):
    held = _activities(community, start, end)
    return {
        "activities": list(
            with_participants(held).select_related("project__application").order_by("held_on", "pk")
        ),
        "totals": participation(held),
        "chart": charts.bar_chart(
            activities_per_month(held),
            label=_("Activities per month"),
            empty=_("No activity held in the period"),
        ),
    }


def feedback_part(community, start, end):
    """Residents' word on the activities held in the period, and their ratings of outcomes
    given in it; guests' ratings of activities beside the verified residents', never mixed."""
    activities = satisfaction(
        Feedback.objects.filter(activity__in=_activities(community, start, end).values("pk"))
    )
    ratings = Rating.objects.filter(
        topic__community=community, created_at__date__range=(start, end)
    )
    outcomes = ratings.aggregate(
        count=Count("pk"),
        satisfied=Count("pk", filter=Q(rating=Satisfaction.SATISFIED)),
        basic=Count("pk", filter=Q(rating=Satisfaction.BASIC)),
        dissatisfied=Count("pk", filter=Q(rating=Satisfaction.DISSATISFIED)),
    )
    positive = outcomes["satisfied"] + outcomes["basic"]
    outcomes["rate"] = round(100 * positive / outcomes["count"], 1) if outcomes["count"] else None
    return {
        "activities": activities,
        "outcomes": outcomes,
        "activities_chart": _satisfaction_chart(activities, _("Activities: verified residents")),
        "outcomes_chart": _satisfaction_chart(outcomes, _("Outcomes: residents' ratings")),
    }


def _satisfaction_chart(counts, label):
    return charts.share_bar(
        [
            (Satisfaction.SATISFIED.label, counts["satisfied"], charts.GREEN),
            (Satisfaction.BASIC.label, counts["basic"], charts.AMBER),
            (Satisfaction.DISSATISFIED.label, counts["dissatisfied"], charts.RED),
        ],
        label=label,
        empty=_("No ratings in the period"),
    )


PARTS = {
    "consultation": consultation_part,
    "projects": projects_part,
    "activities": activities_part,
    "feedback": feedback_part,
}


def build_ledger(community, start, end, categories, progress=None):
    """The ledger's PDF bytes; `progress()` is called after each part."""
    chosen = [key for key in CATEGORY_KEYS if key in categories]
    context = {
        "community": community,
        "start": start,
        "end": end,
        "today": timezone.localdate(),
        "page_counter": page_counter_css(),
        "contents": [(number, dict(CATEGORIES)[key]) for number, key in enumerate(chosen, 1)],
        "numbers": {key: number for number, key in enumerate(chosen, 1)},
    }
    for key in chosen:
        context[key] = PARTS[key](community, start, end)
        if progress:
            progress()
    return render_pdf("projects/ledger_pdf.html", context)
