"""The figures dashboard: what the funded projects and the consultations of a staff member's
communities add up to, per community and per funding round.

Everything is counted from the records (projects/figures.py holds the rules) with one GROUP BY
per kind of record, whatever the number of communities, projects or activities: a street with
twenty communities opens the page as fast as a community with one project. Per-project numbers
come first; communities and rounds are sums of them in Python.

Whose numbers: the communities the user manages (communities.permissions.managed_communities),
narrowed by the filters. A project counts in each of those communities it serves, so the
communities' awards may add up to more than the total, which counts each project once.
Activities, participants and feedback count in the community where the activity was held.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from statistics import median

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from communities.models import PublicNotice
from communities.permissions import managed_communities
from consultation.models import Ballot, BallotStatus, Rating, Satisfaction, Topic, TopicState

from .figures import indicator_completion, indicator_progress_of, satisfaction_counts, with_rates
from .models import ZERO, Activity, Application, Expense, Feedback, Project, SignIn
from .pages import FundingRoundPage
from .permissions import projects_for_staff

SATISFACTION_KEYS = tuple(satisfaction_counts())
YEARS_SHOWN = 6


@dataclass
class Filters:
    """What the page and the exports are narrowed to; None is everything in scope."""

    community: object = None
    round: object = None
    year: int | None = None


def communities_in_scope(user, filters):
    communities = managed_communities(user).order_by("name", "pk")
    if filters.community is not None:
        communities = communities.filter(pk=filters.community.pk)
    return communities


def rounds_for(user):
    """The funding rounds of the streets of the user's communities (the round filter)."""
    streets = managed_communities(user).values("street_id")
    return FundingRoundPage.objects.filter(street__in=streets).order_by("-opens_at", "pk")


def years():
    this_year = timezone.localdate().year
    return list(range(this_year, this_year - YEARS_SHOWN, -1))


def projects_in_scope(user, filters, communities):
    """The projects in the user's admin scope serving one of `communities`, under way during
    the filtered year."""
    serving = Application.communities.through.objects.filter(community__in=communities).values(
        "application_id"
    )
    projects = projects_for_staff(Project.objects.all(), user).filter(application_id__in=serving)
    if filters.round is not None:
        projects = projects.filter(application__round=filters.round)
    if filters.year is not None:
        projects = projects.filter(
            starts_on__year__lte=filters.year, ends_on__year__gte=filters.year
        )
    return projects


def activities_in_scope(projects, communities, filters):
    activities = Activity.objects.filter(project__in=projects, community__in=communities)
    if filters.year is not None:
        activities = activities.filter(held_on__year=filters.year)
    return activities


def expenses_in_scope(projects, filters):
    expenses = Expense.objects.filter(project__in=projects)
    if filters.year is not None:
        expenses = expenses.filter(spent_on__year=filters.year)
    return expenses


@dataclass
class Tally:
    """The figures of one project, community or round."""

    projects: int = 0
    awarded: Decimal = ZERO
    spent: Decimal = ZERO
    sessions: int = 0
    signed_in: int = 0
    typed: int = 0
    volunteers: int = 0
    hours: Decimal = ZERO
    feedback: dict = field(default_factory=lambda: dict.fromkeys(SATISFACTION_KEYS, 0))
    completions: list = field(default_factory=list)

    @property
    def participants(self):
        return self.signed_in + self.typed

    @property
    def satisfaction(self):
        return with_rates(dict(self.feedback))

    @property
    def completion(self):
        """The mean over projects of their indicators' completion (projects without
        indicators left out)."""
        known = [value for value in self.completions if value is not None]
        if not known:
            return None
        return (sum(known) / len(known)).quantize(Decimal("0.1"))

    def add_activities(self, row):
        self.sessions += row["sessions"]
        self.typed += row["typed"] or 0
        self.volunteers += row["volunteers"] or 0
        self.hours += row["hours"] or ZERO

    def add_feedback(self, row):
        for key in SATISFACTION_KEYS:
            self.feedback[key] += row[key]


@dataclass
class Figures:
    communities: list
    rounds: list
    projects: list
    served: dict  # application pk -> pks of the communities in scope it serves
    by_project: dict
    by_community: dict
    by_round: dict
    total: Tally
    per_month: list
    consultation: dict


def compute(user, filters):
    """Every figure of the page, in a fixed number of queries."""
    communities = list(communities_in_scope(user, filters))
    community_ids = [community.pk for community in communities]
    projects = list(
        projects_in_scope(user, filters, community_ids)
        .select_related("application__round", "application__organisation")
        .order_by("application__round__title", "application__title", "pk")
    )
    pks = [project.pk for project in projects]
    served = defaultdict(list)
    for application_id, community_id in Application.communities.through.objects.filter(
        application__project__in=pks, community__in=community_ids
    ).values_list("application_id", "community_id"):
        served[application_id].append(community_id)

    by_project = {project.pk: Tally(projects=1) for project in projects}
    by_community = {pk: Tally() for pk in community_ids}
    rounds = {}
    for project in projects:
        rounds.setdefault(project.application.round_id, project.application.round)
    by_round = {pk: Tally() for pk in rounds}
    total = Tally(projects=len(projects))

    def places(project_pk, community_pk=None):
        """The tallies a project's (or its activity's) numbers add to."""
        project = projects_by_pk[project_pk]
        where = [community_pk] if community_pk else served[project.application_id]
        return [by_project[project_pk], by_round[project.application.round_id], total] + [
            by_community[pk] for pk in where if pk in by_community
        ]

    projects_by_pk = {project.pk: project for project in projects}
    for project in projects:
        amount = project.application.awarded_amount or ZERO
        by_project[project.pk].awarded = amount
        by_round[project.application.round_id].awarded += amount
        by_round[project.application.round_id].projects += 1
        total.awarded += amount
        for pk in served[project.application_id]:
            by_community[pk].awarded += amount
            by_community[pk].projects += 1

    for row in (
        expenses_in_scope(pks, filters).values("project").annotate(total=Sum("amount")).order_by()
    ):
        for tally in places(row["project"]):
            tally.spent += row["total"]

    activities = activities_in_scope(pks, community_ids, filters)
    for row in (
        activities.values("project", "community")
        .annotate(
            sessions=Count("pk"),
            typed=Sum("participants_offline"),
            volunteers=Sum("volunteers"),
            hours=Sum("volunteer_hours"),
        )
        .order_by()
    ):
        for tally in places(row["project"], row["community"]):
            tally.add_activities(row)

    for row in (
        SignIn.objects.filter(activity__in=activities)
        .values("activity__project", "activity__community")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        for tally in places(row["activity__project"], row["activity__community"]):
            tally.signed_in += row["n"]

    for row in (
        Feedback.objects.filter(activity__in=activities)
        .values("activity__project", "activity__community")
        .annotate(**satisfaction_counts())
        .order_by()
    ):
        for tally in places(row["activity__project"], row["activity__community"]):
            tally.add_feedback(row)

    for pk, rows in indicator_progress_of(projects).items():
        completion = indicator_completion(rows)
        for tally in places(pk):
            tally.completions.append(completion)

    return Figures(
        communities=communities,
        rounds=list(rounds.values()),
        projects=projects,
        served=served,
        by_project=by_project,
        by_community=by_community,
        by_round=by_round,
        total=total,
        per_month=per_month(activities),
        consultation=consultation_figures(community_ids, filters),
    )


def per_month(activities):
    """[(month, {community pk: activities})] in date order."""
    months = defaultdict(dict)
    for row in (
        activities.annotate(month=TruncMonth("held_on"))
        .values("month", "community")
        .annotate(n=Count("pk"))
        .order_by("month")
    ):
        months[row["month"].strftime("%Y-%m")][row["community"]] = row["n"]
    return sorted(months.items())


# Consultation.


@dataclass
class Consultation:
    states: dict = field(default_factory=dict)  # state key -> number of topics
    voters: int = 0
    eligible: int = 0
    days_to_outcome: list = field(default_factory=list)
    ratings: int = 0
    positive: int = 0

    @property
    def topics(self):
        return sum(self.states.values())

    @property
    def turnout(self):
        """Voters over those eligible on the community's counted ballots, as each ballot's own
        turnout (consultation.models.Ballot.turnout_percent) stores them when it closes."""
        if not self.eligible:
            return None
        return round(100 * self.voters / self.eligible, 1)

    @property
    def median_days(self):
        if not self.days_to_outcome:
            return None
        return median(self.days_to_outcome)

    @property
    def satisfaction(self):
        """As consultation.models.satisfaction_of: satisfied and basically satisfied over all."""
        if not self.ratings:
            return None
        return round(100 * self.positive / self.ratings, 1)


def topics_in_scope(community_ids, filters):
    topics = Topic.objects.filter(community__in=community_ids).exclude(status=TopicState.DRAFT)
    if filters.year is not None:
        topics = topics.filter(created_at__year=filters.year)
    return topics


def outcome_published():
    """When a topic's outcome was first published: the start of its first public notice (the
    one source of a topic's notice dates)."""
    return Subquery(
        PublicNotice.objects.filter(
            subject_type=ContentType.objects.get_for_model(Topic), subject_id=OuterRef("pk")
        )
        .order_by("starts_at")
        .values("starts_at")[:1]
    )


def consultation_figures(community_ids, filters):
    """{community pk: Consultation} in four queries."""
    figures = {pk: Consultation() for pk in community_ids}
    topics = topics_in_scope(community_ids, filters)
    for row in topics.values("community", "status").annotate(n=Count("pk")).order_by():
        figures[row["community"]].states[row["status"]] = row["n"]
    for row in (
        Ballot.objects.filter(topic__in=topics, status=BallotStatus.CLOSED)
        .values("community")
        .annotate(voters=Sum("voter_count"), eligible=Sum("eligible_count"))
        .order_by()
    ):
        figures[row["community"]].voters = row["voters"] or 0
        figures[row["community"]].eligible = row["eligible"] or 0
    for community, created, published in (
        topics.annotate(published=outcome_published())
        .filter(published__isnull=False)
        .values_list("community", "created_at", "published")
    ):
        figures[community].days_to_outcome.append(days_between(created, published))
    for row in (
        Rating.objects.filter(topic__in=topics)
        .values("topic__community")
        .annotate(
            total=Count("pk"), positive=Count("pk", filter=~Q(rating=Satisfaction.DISSATISFIED))
        )
        .order_by()
    ):
        figures[row["topic__community"]].ratings = row["total"]
        figures[row["topic__community"]].positive = row["positive"]
    return figures


def days_between(start, end):
    """Whole days in the local calendar, as residents count them."""
    return (_local_day(end) - _local_day(start)).days


def _local_day(moment):
    if isinstance(moment, date) and not hasattr(moment, "hour"):
        return moment
    return timezone.localtime(moment).date()
