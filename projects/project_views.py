"""The public pages of funded projects: the list, and each project's page with its figures and
its activities.

A funded project spends public money, so anyone may read what it promised, what it did, what it
spent and how residents rated it, signed in or not. Residents who signed in or rated appear only
as numbers; a comment is shown only when a verified resident wrote it, and never with a name.
"""

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, render
from django.urls import path

from communities.models import Community, Street
from consultation.models import Satisfaction

from .charts import figure_charts
from .figures import project_figures, with_participants
from .models import Activity, ActivityPhoto, Feedback, Project, ProjectState

PER_PAGE = 20
COMMENTS_SHOWN = 10
EVALUATED = (ProjectState.FINAL_EVALUATED, ProjectState.CLOSED)


def project_list(request):
    """Every funded project, newest first, of one street or community if the visitor chose."""
    projects = Project.objects.select_related("application__organisation").prefetch_related(
        "application__communities"
    )
    streets = list(Street.objects.order_by("name"))
    communities = list(Community.objects.select_related("street").order_by("street__name", "name"))
    street = _chosen(streets, request.GET.get("street"))
    community = _chosen(communities, request.GET.get("community"))
    if community:
        projects = projects.filter(application__communities=community)
    elif street:
        projects = projects.filter(application__round__street=street)
    page = Paginator(projects.order_by("-starts_on", "-pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    # Ratings counted for the page's projects only, once the list is cut to a page: counting
    # them in the list's query would join every project's activities and feedback.
    page.object_list = list(page.object_list)
    ratings = {
        pk: (rated, positive)
        for pk, rated, positive in _with_satisfaction(
            Project.objects.filter(pk__in=[project.pk for project in page.object_list])
        ).values_list("pk", "rated", "rated_positive")
    }
    for project in page.object_list:
        project.rated, project.rated_positive = ratings.get(project.pk, (0, 0))
        project.satisfaction_rate = _rate(project.rated_positive, project.rated)
    return render(
        request,
        "projects/project_list.html",
        {
            "projects": page,
            "streets": streets,
            "communities": communities,
            "street": street,
            "community": community,
            "query": _query(street, community),
        },
    )


def _chosen(options, value):
    return next((option for option in options if option.slug == value), None)


def _query(street, community):
    """The filter as a query string prefix for the pager's links."""
    if community:
        return f"community={community.slug}&"
    if street:
        return f"street={street.slug}&"
    return ""


def _with_satisfaction(projects):
    """Verified residents' ratings of each project's activities, counted in the list's query."""
    verified = Q(activities__feedback__verified=True)
    positive = verified & ~Q(activities__feedback__rating=Satisfaction.DISSATISFIED)
    return projects.annotate(
        rated=Count("activities__feedback", filter=verified),
        rated_positive=Count("activities__feedback", filter=positive),
    )


def _rate(part, whole):
    return round(100 * part / whole, 1) if whole else None


def project_page(request, pk):
    project = get_object_or_404(
        Project.objects.select_related(
            "application__organisation", "application__round"
        ).prefetch_related("application__communities"),
        pk=pk,
    )
    figures = project_figures(project)
    paginator = Paginator(_activities(project), PER_PAGE)
    # The figures counted the project's activities already; the pager's own count would count
    # them again with every row's participants and feedback.
    paginator.__dict__["count"] = figures["participation"]["sessions"]
    activities = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "projects/project_page.html",
        {
            "project": project,
            "application": project.application,
            "figures": figures,
            "charts": figure_charts(figures),
            "activities": activities,
            "comments": _comments(project),
            "evaluated": project.status in EVALUATED and project.grade,
        },
    )


def _activities(project):
    """Newest first, each with its participants, feedback count and first photo."""
    return (
        with_participants(Activity.objects.filter(project=project))
        .select_related("community")
        .annotate(feedback_count=Count("feedback"))
        .prefetch_related(
            Prefetch("photos", queryset=ActivityPhoto.objects.all(), to_attr="photo_list")
        )
        .order_by("-held_on", "-pk")
    )


def _comments(project):
    """The latest comments verified residents wrote, without who wrote them: what residents say
    is public, who said it is not."""
    return list(
        Feedback.objects.filter(activity__project=project, verified=True)
        .exclude(comment="")
        .select_related("activity")
        .only("rating", "comment", "created_at", "activity__title", "activity__held_on")
        .order_by("-created_at", "-pk")[:COMMENTS_SHOWN]
    )


urlpatterns = [
    path("projects/", project_list, name="projects"),
    path("projects/<int:pk>/", project_page, name="project"),
]
