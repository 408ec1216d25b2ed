"""The project report (项目报告): everything a funded project's record says, on A4, for the
street office's files, the evaluators and the organisation.

Built section by section from the record (projects/figures.py), never typed: the cover, the
goals, indicators against targets, every activity with one photo, residents' satisfaction, the
budget against what was spent, the tranches and the evaluations. The charts are the same SVGs
the project's page shows. A background task builds it (projects/tasks.py) and counts the
sections as its steps, so the person who asked sees it progress.

A report of 100 activities takes a flat number of queries (the activities' photos are
prefetched), and each photo is printed from a thumbnail made from its stored file; a photo too
large to print quickly is left out. Thumbnails are kept in the cache, so a report asked for
again decodes no photo. bench/project_report.py times it.
"""

import base64
import io
import os

from django.core.cache import cache
from django.db.models import Prefetch
from django.utils import timezone
from PIL import Image, ImageOps

from consultation.reports import page_counter_css, render_pdf

from .charts import figure_charts
from .evaluation import evaluation_total
from .figures import project_figures, with_participants
from .models import Activity, ActivityPhoto, EvaluationStage, Project

# A phone photo is 2–5 MB; a larger file (a scanned poster) is left out of the printout (the
# project's page still shows it).
PHOTO_MAX_BYTES = 12 * 1024 * 1024
THUMBNAIL = (320, 240)  # pixels: 24 × 16 mm at about 300 dpi
THUMBNAIL_SECONDS = 30 * 24 * 3600


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
    firsts = {activity.pk: next(iter(activity.photos.all()), None) for activity in activities}
    thumbnails = photo_thumbnails([photo for photo in firsts.values() if photo])
    for activity in activities:
        photo = firsts[activity.pk]
        activity.photo_uri = thumbnails.get(photo.image.name) if photo else None
    return {"activities": activities}


def photo_thumbnails(photos):
    """{stored name: data URI or ""} of the photos, made once and kept in the cache: a stored
    photo's name is unique and its file never changes, so a thumbnail never goes stale."""
    keys = {f"report-thumbnail:{photo.image.name}": photo for photo in photos}
    found = cache.get_many(keys)
    made = {key: printable_photo(photo) or "" for key, photo in keys.items() if key not in found}
    if made:
        cache.set_many(made, THUMBNAIL_SECONDS)
    return {photo.image.name: found.get(key, made.get(key)) for key, photo in keys.items()}


def printable_photo(photo):
    """The photo as a small JPEG data URI, or None (not on this disk, gone, unreadable, or too
    large to print quickly).

    Printed 24 mm wide, a photo needs some 240 pixels: a phone's 4,000 would make a report of
    a hundred activities tens of megabytes and seconds slower. JPEG's draft mode decodes the
    reduced image directly, a few milliseconds a photo."""
    try:
        path = photo.image.path
        if os.path.getsize(path) > PHOTO_MAX_BYTES:
            return None
        with Image.open(path) as image:
            image.draft("RGB", THUMBNAIL)
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail(THUMBNAIL)
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=80)
    except (NotImplementedError, ValueError, OSError, Image.DecompressionBombError):
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


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
