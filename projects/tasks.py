"""Background work of funded projects (Django's tasks API: run at once in development and
tests, by `db_worker` in production): building a project report or a community ledger, whose
page the person who asked follows until the PDF is ready."""

from django.db import transaction
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext_lazy

from . import ledger, reports
from .models import GeneratedReport, ReportKind

# What a failed report's page says, by the key stored in `error` (shown in the reader's
# language, whatever language the report was asked for in).
ERRORS = {
    "server_error": gettext_lazy(
        "The report could not be built. Ask for it again; if it fails again, tell the site's "
        "administrators."
    ),
}


@task()
def build_report(report_id):
    """A report of 100 activities with photos, or a year's ledger, outlasts a web request."""
    run_report(report_id)


def queue_project_report(project, *, by):
    return _queue(
        GeneratedReport(kind=ReportKind.PROJECT, project=project, steps_total=reports.STEPS),
        by,
    )


def queue_ledger(community, period_start, period_end, categories, *, by):
    return _queue(
        GeneratedReport(
            kind=ReportKind.LEDGER,
            community=community,
            period_start=period_start,
            period_end=period_end,
            categories=list(categories),
            steps_total=ledger.steps(categories),
        ),
        by,
    )


def _queue(report, by):
    report.requested_by = by
    report.language = get_language() or report.language
    report.save()
    # The worker must find the report stored when it picks the task up.
    transaction.on_commit(lambda: build_report.enqueue(report.pk))
    return report


def run_report(report_id):
    """The task's work: build a queued report step by step and store how it ended."""
    claimed = GeneratedReport.objects.filter(
        pk=report_id, status=GeneratedReport.Status.QUEUED
    ).update(status=GeneratedReport.Status.RUNNING)
    if not claimed:
        return  # already built (a task delivered twice) or gone
    report = GeneratedReport.objects.select_related("community").defer("pdf").get(pk=report_id)
    done = 0

    def progress():
        nonlocal done
        done += 1
        GeneratedReport.objects.filter(pk=report_id).update(steps_done=done)

    outcome = {}
    try:
        with translation.override(report.language):
            pdf = _build(report, progress)
    except Exception:
        outcome.update(status=GeneratedReport.Status.FAILED, error="server_error")
        raise
    else:
        outcome.update(status=GeneratedReport.Status.DONE, pdf=pdf, steps_done=report.steps_total)
    finally:
        outcome["finished_at"] = timezone.now()
        GeneratedReport.objects.filter(pk=report_id).update(**outcome)


def _build(report, progress):
    if report.kind == ReportKind.PROJECT:
        project = reports.project_for_report(report.project_id)
        return reports.build_project_report(project, progress)
    return ledger.build_ledger(
        report.community, report.period_start, report.period_end, report.categories, progress
    )


def error_message(report):
    return ERRORS.get(report.error, ERRORS["server_error"])
