"""The figures dashboard's spreadsheets: projects, activities, feedback and consultation results,
scoped and filtered exactly as the page (projects/dashboard.py finds what is in reach).

Feedback goes out without anyone's name, account or device: a rating is the resident's word to
the project, not a record of who said it. Every text cell is neutralised against spreadsheet
formulas by communities.exports.
"""

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consultation.models import Ballot, BallotStatus, Rating, Satisfaction, TopicState

from . import dashboard
from .figures import with_participants
from .models import Feedback

KINDS = {
    "projects": gettext_lazy("Projects"),
    "activities": gettext_lazy("Activities"),
    "feedback": gettext_lazy("Feedback"),
    "consultation": gettext_lazy("Consultation results"),
}


def export(kind, user, filters):
    """(file name, headers, rows) of one kind of export."""
    headers, rows = EXPORTS[kind](user, filters)
    suffix = f"-{filters.year}" if filters.year else ""
    return f"{kind}{suffix}", headers, rows


def _scope(user, filters):
    communities = list(dashboard.communities_in_scope(user, filters).values_list("pk", flat=True))
    projects = dashboard.projects_in_scope(user, filters, communities)
    return communities, projects


def project_rows(user, filters):
    figures = dashboard.compute(user, filters)
    names = {community.pk: community.name for community in figures.communities}
    headers = [
        _("Project"),
        _("Organisation"),
        _("Funding round"),
        _("Communities"),
        _("Status"),
        _("Starts"),
        _("Ends"),
        _("Awarded (yuan)"),
        _("Spent (yuan)"),
        _("People taking part"),
        _("Satisfaction (%)"),
        _("Indicator completion (%)"),
        _("Grade"),
    ]
    rows = []
    for project in figures.projects:
        tally = figures.by_project[project.pk]
        served = figures.served[project.application_id]
        rows.append(
            [
                project.application.title,
                project.application.organisation.name,
                project.application.round.title,
                "、".join(names[pk] for pk in served),
                project.get_status_display(),
                project.starts_on,
                project.ends_on,
                tally.awarded,
                tally.spent,
                tally.participants,
                tally.satisfaction["rate"],
                tally.completion,
                project.get_grade_display(),
            ]
        )
    return headers, rows


def _activities(user, filters):
    communities, projects = _scope(user, filters)
    return dashboard.activities_in_scope(projects, communities, filters)


def activity_rows(user, filters):
    headers = [
        _("Project"),
        _("Date"),
        _("What was done"),
        _("Place"),
        _("Community"),
        _("Signed in"),
        _("Typed in (without a phone)"),
        _("Volunteers"),
        _("Volunteer hours"),
    ]
    activities = with_participants(_activities(user, filters)).select_related(
        "project__application", "community"
    )
    rows = [
        [
            activity.project.application.title,
            activity.held_on,
            activity.title,
            activity.place,
            activity.community.name,
            activity.signed_in,
            activity.participants_offline,
            activity.volunteers,
            activity.volunteer_hours,
        ]
        for activity in activities.order_by("held_on", "pk")
    ]
    return headers, rows


def feedback_rows(user, filters):
    headers = [
        _("Project"),
        _("Activity"),
        _("Date"),
        _("Rating"),
        _("Verified resident"),
        _("Comment"),
    ]
    feedback = (
        Feedback.objects.filter(activity__in=_activities(user, filters))
        .select_related("activity__project__application")
        .order_by("created_at", "pk")
    )
    rows = [
        [
            item.activity.project.application.title,
            item.activity.title,
            timezone.localtime(item.created_at).date(),
            item.get_rating_display(),
            _("yes") if item.verified else _("no"),
            item.comment,
        ]
        for item in feedback
    ]
    return headers, rows


def consultation_rows(user, filters):
    headers = [
        _("Topic"),
        _("Community"),
        _("State"),
        _("Created"),
        _("Outcome published"),
        _("Closed"),
        _("Ballot turnout (%)"),
        _("Result"),
        _("Satisfaction (%)"),
    ]
    communities = list(dashboard.communities_in_scope(user, filters).values_list("pk", flat=True))
    topics = list(
        dashboard.topics_in_scope(communities, filters)
        .annotate(published=dashboard.outcome_published())
        .select_related("community")
        .order_by("community__name", "created_at", "pk")
    )
    ballots = {}
    for ballot in (
        Ballot.objects.filter(topic__in=[topic.pk for topic in topics], status=BallotStatus.CLOSED)
        .prefetch_related("options")
        .order_by("opens_at", "pk")
    ):
        ballots[ballot.topic_id] = ballot  # the latest counted ballot is the topic's result
    ratings = {
        row["topic"]: row
        for row in Rating.objects.filter(topic__in=[topic.pk for topic in topics])
        .values("topic")
        .annotate(
            total=Count("pk"), positive=Count("pk", filter=~Q(rating=Satisfaction.DISSATISFIED))
        )
        .order_by()
    }
    rows = []
    for topic in topics:
        ballot = ballots.get(topic.pk)
        rated = ratings.get(topic.pk)
        rows.append(
            [
                topic.title,
                topic.community.name,
                TopicState(topic.status).label,
                topic.created_at,
                topic.published,
                topic.closed_at,
                ballot.turnout_percent if ballot else None,
                ballot_result(ballot) if ballot else "",
                round(100 * rated["positive"] / rated["total"], 1) if rated else None,
            ]
        )
    return headers, rows


def ballot_result(ballot):
    """Each option with its votes, and whether the quorum was met."""
    counts = "; ".join(f"{option.label}: {option.final_count}" for option in ballot.options.all())
    quorum = _("quorum met") if ballot.quorum_met else _("quorum not met")
    return f"{counts} ({quorum})"


EXPORTS = {
    "projects": project_rows,
    "activities": activity_rows,
    "feedback": feedback_rows,
    "consultation": consultation_rows,
}
