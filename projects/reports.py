"""The project report (项目报告): everything a funded project's record says, on A4, for the
street office's files, the evaluators and the organisation.

Built section by section from the record (projects/figures.py), never typed: the cover, the
goals, indicators against targets, every activity with one photo, residents' satisfaction, the
budget against what was spent, the tranches and the evaluations. The charts are the same SVGs
the project's page shows. A background task builds it (projects/tasks.py) and counts the
sections as its steps, so the person who asked sees it progress.

A report of 100 activities prints in well under a second: one query per section, the
activities' photos prefetched, and each photo read from its stored file (weasyprint scales it
down by CSS; a photo too large to print quickly is left out).
"""

import os
from pathlib import Path

from django.db.models import Prefetch
from django.utils import timezone

from consultation.reports import page_counter_css, render_pdf

from .charts import figure_charts
from .evaluation import evaluation_total
from .figures import project_figures, with_participants
from .models import Activity, ActivityPhoto, EvaluationStage, Project

# A phone photo is 2–5 MB; larger files (a scanned poster) would make every page of the
# report wait for them, so they are left out of the printout (the page still shows them).
PHOTO_MAX_BYTES = 6 * 1024 * 1024


def project_for_report(pk):
    """The project with what the cover reads from, in one query."""
    return Project.objects.select_related(
        "application__organisation", "application__round__street"
    ).get(pk=pk)


def cover(project):
    application = project.application
    return {
        "project": project,
        "application": application,
        "organisation": application.organisation,
        "round": application.round,
        "communities": list(application.communities.order_by("name")),
    }


def figures_section(project):
    """Indicators, satisfaction and budget figures with their charts (the page's own)."""
    figures = project_figures(project)
    return {"figures": figures, "charts": figure_charts(figures)}


def activities_section(project):
    """Every activity in date order with its participants and its first photo (two queries)."""
    photos = ActivityPhoto.objects.order_by("position", "pk")
    activities = list(
        with_participants(Activity.objects.filter(project=project))
        .select_related("community")
        .prefetch_related(Prefetch("photos", queryset=photos))
        .order_by("held_on", "pk")
    )
    for activity in activities:
        activity.photo_uri = next(
            (uri for uri in map(printable_photo, activity.photos.all()) if uri), None
        )
    return {"activities": activities}


def printable_photo(photo):
    """A file:// address weasyprint reads the photo from, or None (not on this disk, gone,
    or too large to print quickly)."""
    try:
        path = photo.image.path
        size = os.path.getsize(path)
    except (NotImplementedError, ValueError, OSError):
        return None
    if size > PHOTO_MAX_BYTES:
        return None
    return Path(path).as_uri()


def milestones_section(project):
    return {"milestones": list(project.milestones.all())}


def evaluations_section(project):
    """Per stage, each submitted sheet's total and comment, and the stage's mean (two queries)."""
    sheets = (
        project.evaluations.filter(submitted_at__isnull=False)
        .select_related("evaluator")
        .prefetch_related("scores__criterion")
    )
    stages = {stage: [] for stage in EvaluationStage.values}
    for sheet in sheets:
        sheet.total = evaluation_total(sheet)
        stages[sheet.stage].append(sheet)
    return {
        "evaluation_stages": [
            {
                "name": EvaluationStage(stage).label,
                "sheets": sheets,
                "mean": sum(s.total for s in sheets) / len(sheets) if sheets else None,
            }
            for stage, sheets in stages.items()
        ]
    }


# The steps the task counts: each adds its part to the template's context.
SECTIONS = (cover, figures_section, activities_section, milestones_section, evaluations_section)
STEPS = len(SECTIONS) + 1  # and laying out the PDF


def build_project_report(project, progress=None):
    """The report's PDF bytes; `progress()` is called after each step but the last."""
    context = {"today": timezone.localdate(), "page_counter": page_counter_css()}
    for section in SECTIONS:
        context.update(section(project))
        if progress:
            progress()
    return render_pdf("projects/report_pdf.html", context)
