"""The project report: a PDF of the project's record, built in the background with its progress
shown, readable by those who may ask for it and nobody else."""

import io
import subprocess
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from PIL import Image

from consultation.models import Satisfaction
from projects import reports, tasks
from projects.models import ActivityPhoto, GeneratedReport, ReportKind
from tests.factories import UserFactory

from .delivery import activity, community_staff, feedback, funded_project, representative
from .reviewing import officer_of, reviewer_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def pdf_text(pdf):
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=bytes(pdf), capture_output=True, check=True
    ).stdout.decode()


def pdf_images(pdf):
    listing = subprocess.run(
        ["pdfimages", "-list", "-"], input=bytes(pdf), capture_output=True
    ).stdout.decode()
    if listing:
        return listing.splitlines()[2:]
    # pdfimages of older poppler cannot read standard input
    return None


def photo(record, colour="red"):
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buffer, "JPEG")
    return ActivityPhoto.objects.create(
        activity=record, image=SimpleUploadedFile("photo.jpg", buffer.getvalue())
    )


def hundred_activities(project):
    for n in range(100):
        activity(
            project,
            held_on=project.starts_on + timedelta(days=n % 50),
            title=f"手机课堂第{n + 1}课",
            signed_in=n % 3,
            offline=1,
        )


def test_report_lists_indicators_against_targets_and_every_activity():
    project = funded_project()
    hundred_activities(project)

    with translation.override("en"):
        text = pdf_text(reports.build_project_report(project))

    assert "Project report" in text
    assert "长者智能手机课堂" in text
    for header in ("Indicator", "Unit", "Target", "Actual", "Completion"):
        assert header in text
    for name in ("服务居民", "开展活动", "志愿服务", "居民满意度调查覆盖户数"):
        assert name in text
    assert "手机课堂第1课" in text
    assert "手机课堂第100课" in text


def test_report_prints_an_activitys_photo():
    project = funded_project()
    record = activity(project, title="重阳节敬老活动")
    without = reports.build_project_report(project)
    photo(record)

    with_photo = reports.build_project_report(project)

    images = pdf_images(with_photo)
    if images is None:
        assert len(bytes(with_photo)) > len(bytes(without)) + 1000
    else:
        assert len(images) == 1
        assert pdf_images(without) == []


def test_report_keeps_guests_ratings_apart_from_verified_residents():
    project = funded_project()
    record = activity(project)
    feedback(record, Satisfaction.SATISFIED)
    feedback(record, Satisfaction.DISSATISFIED, verified=False)

    with translation.override("en"):
        text = " ".join(pdf_text(reports.build_project_report(project)).split())

    assert "100.0% of verified residents satisfied" in text
    assert "Not counted above: 1 ratings by guests" in text


def test_report_of_a_hundred_activities_takes_a_flat_number_of_queries(
    django_assert_max_num_queries,
):
    project = funded_project()
    hundred_activities(project)
    for record in project.activities.all()[:10]:
        photo(record)

    with django_assert_max_num_queries(25):
        reports.build_project_report(project)


def request_report(client, project, user, django_capture_on_commit_callbacks):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("projects:project_report", args=[project.pk]))
    return response


def test_requested_report_is_built_with_its_progress_and_downloaded(
    client, django_capture_on_commit_callbacks
):
    project = funded_project()
    activity(project, title="重阳节敬老活动")
    user = representative(project)

    response = request_report(client, project, user, django_capture_on_commit_callbacks)

    report = GeneratedReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:report_status", args=[report.pk])
    assert report.kind == ReportKind.PROJECT
    assert report.status == GeneratedReport.Status.DONE
    assert report.steps_done == report.steps_total == reports.STEPS
    page = client.get(response["Location"])
    assert reverse("projects:report_download", args=[report.pk]) in page.text
    assert 'http-equiv="refresh"' not in page.text
    download = client.get(reverse("projects:report_download", args=[report.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert "重阳节敬老活动" in pdf_text(download.content)


def test_pending_report_page_refreshes_itself_and_shows_progress(client):
    project = funded_project()
    user = representative(project)
    report = GeneratedReport.objects.create(
        kind=ReportKind.PROJECT,
        project=project,
        requested_by=user,
        status=GeneratedReport.Status.RUNNING,
        steps_total=6,
        steps_done=2,
    )
    client.force_login(user)

    page = client.get(reverse("projects:report_status", args=[report.pk]))

    assert '<meta http-equiv="refresh" content="2">' in page.text
    assert '<progress max="100" value="33">' in page.text
    assert reverse("projects:report_download", args=[report.pk]) not in page.text
    assert client.get(reverse("projects:report_download", args=[report.pk])).status_code == 404


def test_a_report_that_fails_says_so_in_the_readers_language(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    project = funded_project()
    user = representative(project)

    def broken(project, progress=None):
        progress()
        raise RuntimeError("disk full")

    monkeypatch.setattr(reports, "build_project_report", broken)
    response = request_report(client, project, user, django_capture_on_commit_callbacks)

    report = GeneratedReport.objects.get()
    assert report.status == GeneratedReport.Status.FAILED
    assert report.error == "server_error"
    assert report.steps_done == 1
    page = client.get(response["Location"])
    assert escape(str(tasks.ERRORS["server_error"])) in page.text


@pytest.mark.parametrize(
    "who",
    ["representative", "community_staff", "officer", "evaluator"],
)
def test_who_may_request_a_project_report(client, who, django_capture_on_commit_callbacks):
    project = funded_project()
    user = {
        "representative": lambda: representative(project),
        "community_staff": lambda: community_staff(project),
        "officer": lambda: officer_of(project.round.street),
        "evaluator": lambda: evaluator_of(project),
    }[who]()

    response = request_report(client, project, user, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


def evaluator_of(project):
    from projects.evaluation import assign_evaluator
    from projects.models import EvaluationStage

    user = reviewer_of(project.round)
    assign_evaluator(project, EvaluationStage.MIDTERM, user, by=officer_of(project.round.street))
    return user


def test_strangers_cannot_request_read_or_download_a_report(
    client, django_capture_on_commit_callbacks
):
    project = funded_project()
    response = request_report(
        client, project, representative(project), django_capture_on_commit_callbacks
    )
    report = GeneratedReport.objects.get()
    other = funded_project(title="另一个项目")

    client.force_login(representative(other))

    assert client.post(reverse("projects:project_report", args=[project.pk])).status_code == 404
    assert client.get(response["Location"]).status_code == 404
    assert client.get(reverse("projects:report_download", args=[report.pk])).status_code == 404
    client.logout()
    assert client.get(response["Location"]).status_code in (302, 404)
    assert GeneratedReport.objects.count() == 1


def test_report_task_run_twice_builds_once():
    project = funded_project()
    report = GeneratedReport.objects.create(
        kind=ReportKind.PROJECT, project=project, steps_total=reports.STEPS
    )
    tasks.run_report(report.pk)
    report.refresh_from_db()
    finished = report.finished_at

    tasks.run_report(report.pk)

    report.refresh_from_db()
    assert report.finished_at == finished
    assert report.status == GeneratedReport.Status.DONE


def test_stranger_gets_404_for_a_report_of_any_kind(client):
    project = funded_project()
    report = GeneratedReport.objects.create(kind=ReportKind.PROJECT, project=project)
    client.force_login(UserFactory())

    assert client.get(reverse("projects:report_status", args=[report.pk])).status_code == 404


def test_report_page_takes_a_flat_number_of_queries(client, django_assert_max_num_queries):
    project = funded_project()
    user = officer_of(project.round.street)
    report = GeneratedReport.objects.create(
        kind=ReportKind.PROJECT, project=project, steps_total=reports.STEPS
    )
    tasks.run_report(report.pk)
    client.force_login(user)

    with django_assert_max_num_queries(15):
        page = client.get(reverse("projects:report_status", args=[report.pk]))

    assert page.status_code == 200
