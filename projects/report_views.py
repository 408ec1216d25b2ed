"""Asking for a report and following it: a project's report (its record keepers, the street
office running it and its evaluators) and a community's ledger (the community's staff and its
street's officers, asked for in the admin: projects/wagtail_hooks/ledger.py).

A report's page and its file are its requester's, and of whoever could ask for the same
report; everyone else gets 404. The PDF is kept in the database and sent as an attachment.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from communities.permissions import can_manage_community

from .models import GeneratedReport, Project, ReportKind
from .permissions import evaluations_of, is_project_officer, records_for
from .tasks import error_message, queue_project_report

# Seconds between two looks at a report being built: most take a second or two.
REFRESH_SECONDS = 2


def may_request_project_report(user, project):
    if not user.is_authenticated:
        return False
    return (
        records_for(user, project)
        or is_project_officer(user, project)
        or evaluations_of(user).filter(project=project).exists()
    )


def may_request_ledger(user, community):
    return user.is_authenticated and can_manage_community(user, community)


def may_read(user, report):
    if not user.is_authenticated:
        return False
    if report.requested_by_id == user.pk:
        return True
    if report.kind == ReportKind.PROJECT:
        return may_request_project_report(user, report.project)
    return may_request_ledger(user, report.community)


def _readable_report(request, pk, *, with_pdf=False):
    reports = GeneratedReport.objects.select_related(
        "project__application", "community", "requested_by"
    )
    report = get_object_or_404(reports if with_pdf else reports.defer("pdf"), pk=pk)
    if not may_read(request.user, report):
        raise Http404
    return report


@require_POST
def project_report(request, pk):
    project = get_object_or_404(Project.objects.select_related("application__round"), pk=pk)
    if not may_request_project_report(request.user, project):
        raise Http404
    report = queue_project_report(project, by=request.user)
    return redirect("projects:report_status", report.pk)


def report_status(request, pk):
    report = _readable_report(request, pk)
    pending = report.status in (GeneratedReport.Status.QUEUED, GeneratedReport.Status.RUNNING)
    return render(
        request,
        "projects/report_status.html",
        {
            "report": report,
            "refresh_seconds": REFRESH_SECONDS if pending else None,
            "error": error_message(report)
            if report.status == GeneratedReport.Status.FAILED
            else "",
        },
    )


def report_download(request, pk):
    report = _readable_report(request, pk, with_pdf=True)
    if report.status != GeneratedReport.Status.DONE:
        raise Http404
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{file_name(report)}"'
    return response


def file_name(report):
    if report.kind == ReportKind.PROJECT:
        return f"project-{report.project_id}-report-{report.created_at:%Y%m%d}.pdf"
    return (
        f"ledger-{report.community.slug}-{report.period_start:%Y%m%d}-"
        f"{report.period_end:%Y%m%d}.pdf"
    )


urlpatterns = [
    path("projects/<int:pk>/report/", project_report, name="project_report"),
    path("reports/<int:pk>/", report_status, name="report_status"),
    path("reports/<int:pk>/download/", report_download, name="report_download"),
]
