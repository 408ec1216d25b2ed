"""The record a funded project keeps (以项目代台账), on the public site, phone first.

The organisation's representatives and the staff of the communities the project serves
(`records_for`) record each activity right after it, print its QR code for residents to sign in
and rate it, and record expenses and hand-measured indicators with their evidence. Everyone else
gets 404. The rules are the workflow's (projects/workflow/delivery.py): these views show its
refusals on the form and save nothing then. Once a project is evaluated for the last time its
record is complete, and the forms are gone.
"""

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _

from communities.uploads import download_response
from consultation.reports import qr_svg

from .figures import indicator_progress, spending, with_participants
from .models import Activity, Expense, IndicatorReading, SignIn
from .permissions import is_project_officer, projects_recorded_by, records_for
from .record_forms import ActivityForm, ExpenseForm, ReadingForm
from .workflow.delivery import RECORDING, record_activity, record_expense, record_reading


def _project(request, pk):
    """The project, if the user keeps its record; else 404."""
    projects = projects_recorded_by(request.user).select_related(
        "application__round", "application__organisation"
    )
    return get_object_or_404(projects, pk=pk)


def _activity(request, pk):
    activities = Activity.objects.filter(
        project__in=projects_recorded_by(request.user).values("pk")
    ).select_related("project__application__round", "community")
    return get_object_or_404(activities, pk=pk)


def _not_recording(request, project):
    """A redirect to the workspace, which says why, when the project's record is complete."""
    if project.status in RECORDING:
        return None
    messages.error(request, closed_sentence(project))
    return redirect("projects:record", project.pk)


def closed_sentence(project):
    return _(
        "“%(title)s” is “%(state)s”: its record is complete and nothing more can be recorded."
    ) % {"title": project.title, "state": project.get_status_display()}


def scan_url(activity):
    """The address the printed code holds, or None while the scan page does not exist yet."""
    try:
        return settings.SITE_URL + reverse("projects:scan", args=[activity.code])
    except NoReverseMatch:
        return None


def scalable_qr(url):
    """The code without its fixed size (a viewBox in its place), so the page's CSS lets it fill
    the screen's width or a printed A4 or A5 sheet."""
    return re.sub(r'width="(\d+)" height="(\d+)"', r'viewBox="0 0 \1 \2"', qr_svg(url), count=1)


def _through_service(form, save):
    """What `save` (a workflow service) returns; its refusal goes on the form, with nothing
    saved, and a record that is not the user's to keep is not there (404)."""
    try:
        return save()
    except ValidationError as error:
        form.add_error(None, error)
    except PermissionDenied:
        raise Http404 from None
    return None


@login_required
def my_projects(request):
    projects = (
        projects_recorded_by(request.user)
        .select_related("application__organisation", "application__round")
        .annotate(activity_count=Count("activities"))
        .order_by("-starts_on", "-pk")
    )
    return render(request, "projects/record/my_projects.html", {"projects": projects})


@login_required
def workspace(request, pk):
    project = _project(request, pk)
    indicators = indicator_progress(project)
    recording = project.status in RECORDING
    return render(
        request,
        "projects/record/workspace.html",
        {
            "project": project,
            "recording": recording,
            "closed_sentence": None if recording else closed_sentence(project),
            "activities": with_participants(project.activities.all()).only(
                "pk", "held_on", "title", "place", "participants_offline"
            ),
            "milestones": project.milestones.all(),
            "indicators": indicators,
            "has_manual": any(not row.counted for row in indicators),
            "lines": spending(project),
            "expenses": project.expenses.select_related("budget_line").only(
                "pk", "spent_on", "amount", "description", "budget_line__item"
            ),
        },
    )


@login_required
def activity_add(request, pk):
    return _activity_form(request, _project(request, pk), Activity())


@login_required
def activity_edit(request, pk):
    activity = _activity(request, pk)
    return _activity_form(request, activity.project, activity)


def _activity_form(request, project, activity):
    if refusal := _not_recording(request, project):
        return refusal
    form = ActivityForm(
        request.POST or None, request.FILES or None, instance=activity, project=project
    )
    if request.method == "POST" and form.is_valid():
        recorded = _through_service(
            form,
            lambda: record_activity(
                project,
                request.user,
                form.instance,
                indicators=list(form.cleaned_data["indicators"]),
                photos=form.cleaned_data["photos"],
            ),
        )
        if recorded is not None:
            messages.success(
                request,
                _("“%(title)s” is recorded. Show or print its code for sign-ins and feedback.")
                % {"title": recorded.title},
            )
            return redirect("projects:activity_qr", recorded.pk)
    return render(
        request,
        "projects/record/activity_form.html",
        {"project": project, "activity": activity if activity.pk else None, "form": form},
    )


@login_required
def activity_qr(request, pk):
    activity = _activity(request, pk)
    url = scan_url(activity)
    sign_ins = SignIn.objects.filter(activity=activity).aggregate(
        residents=Count("pk", filter=Q(verified=True)),
        guests=Count("pk", filter=Q(verified=False)),
    )
    return render(
        request,
        "projects/record/activity_qr.html",
        {
            "activity": activity,
            "project": activity.project,
            "recording": activity.project.status in RECORDING,
            "url": url,
            "qr": scalable_qr(url) if url else None,
            "sign_ins": sign_ins,
            "feedback_count": activity.feedback.count(),
        },
    )


@login_required
def expense_add(request, pk):
    project = _project(request, pk)
    if refusal := _not_recording(request, project):
        return refusal
    form = ExpenseForm(request.POST or None, request.FILES or None, project=project)
    if request.method == "POST" and form.is_valid():
        expense = _through_service(
            form, lambda: record_expense(project, request.user, form.instance)
        )
        if expense is not None:
            messages.success(
                request,
                _("%(amount)s yuan for “%(what)s” is recorded.")
                % {"amount": f"{expense.amount:.2f}", "what": expense.description},
            )
            return redirect(reverse("projects:record", args=[project.pk]) + "#spending")
    return render(
        request,
        "projects/record/record_form.html",
        {
            "project": project,
            "form": form,
            "heading": _("Record an expense"),
            "intro": _(
                "Each expense is paid from one line of the awarded budget, with its receipt. "
                "A line cannot be spent past what the grant pays for it."
            ),
        },
    )


@login_required
def reading_add(request, pk):
    project = _project(request, pk)
    if refusal := _not_recording(request, project):
        return refusal
    form = ReadingForm(request.POST or None, request.FILES or None, project=project)
    if not form.fields["indicator"].queryset.exists():
        messages.error(
            request, _("Every indicator of this project is counted from the activity log.")
        )
        return redirect("projects:record", project.pk)
    if request.method == "POST" and form.is_valid():
        reading = _through_service(
            form, lambda: record_reading(project, request.user, form.instance)
        )
        if reading is not None:
            messages.success(
                request,
                _("“%(indicator)s” now reads %(value)s %(unit)s.")
                % {
                    "indicator": reading.indicator.name,
                    "value": f"{reading.value.normalize():f}",
                    "unit": reading.indicator.unit,
                },
            )
            return redirect(reverse("projects:record", args=[project.pk]) + "#indicators")
    return render(
        request,
        "projects/record/record_form.html",
        {
            "project": project,
            "form": form,
            "heading": _("Record an indicator reading"),
            "intro": _(
                "For an indicator the activity log cannot count: write what was measured and "
                "attach the evidence. The latest reading is the indicator's value."
            ),
        },
    )


def _may_download(user, project):
    """Receipts and evidence: for those who keep the record, and the street office that pays."""
    return records_for(user, project) or is_project_officer(user, project)


def _download(user, record, field_file):
    if not _may_download(user, record.project):
        raise Http404
    if not field_file or not field_file.storage.exists(field_file.name):
        raise Http404
    return download_response(field_file)


def expense_receipt(request, pk):
    expense = get_object_or_404(
        Expense.objects.select_related("project__application__round"), pk=pk
    )
    return _download(request.user, expense, expense.receipt)


def reading_evidence(request, pk):
    reading = get_object_or_404(
        IndicatorReading.objects.select_related("project__application__round"), pk=pk
    )
    return _download(request.user, reading, reading.evidence)


urlpatterns = [
    path("projects/mine/", my_projects, name="my_projects"),
    path("projects/<int:pk>/record/", workspace, name="record"),
    path("projects/<int:pk>/activities/new/", activity_add, name="activity_add"),
    path("activities/<int:pk>/edit/", activity_edit, name="activity_edit"),
    path("activities/<int:pk>/qr/", activity_qr, name="activity_qr"),
    path("projects/<int:pk>/expenses/new/", expense_add, name="expense_add"),
    path("projects/<int:pk>/readings/new/", reading_add, name="reading_add"),
    path("expenses/<int:pk>/receipt/", expense_receipt, name="expense_receipt"),
    path("readings/<int:pk>/evidence/", reading_evidence, name="reading_evidence"),
]
