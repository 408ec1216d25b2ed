"""A funded project's record, clicked through the real pages in Chromium (issue #10): the
representative logs two activities on a 390 px phone (one with a photo, one dated outside the
project first, refused); a resident scans the first activity's code, signs in and rates it; the
evaluator scores the project beside what its record says; the representative asks for the
project report, follows its progress and downloads it. The report's pages are rendered to PNG
beside the screenshots (test-artifacts/project-journey-NN-*.png).
"""

import io
import subprocess
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image
from playwright.sync_api import expect

from consultation.models import Satisfaction
from projects.models import Activity, EvaluationStage, Feedback, SignIn
from tests.factories import PASSWORD, CommunityFactory, StreetFactory, VerifiedResidentFactory
from tests.organisations.factories import OrganisationFactory, representative_of
from tests.projects.delivery import funded_project
from tests.projects.reviewing import reviewer_of

from .conftest import PHONE
from .test_apply import fits_the_screen

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

TIMEOUT = 20_000


def url_of(name, *args):
    with translation.override("zh-hans"):
        return reverse(name, args=args)


def shot(page, artifacts, number, name):
    page.screenshot(path=artifacts / f"project-journey-{number:02d}-{name}.png", full_page=True)


def phone(new_page, login, email):
    page = new_page(viewport=PHONE)
    page.set_default_timeout(TIMEOUT)
    login(page, email, PASSWORD)
    return page


def photo_file(tmp_path):
    path = tmp_path / "活动照片.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (21, 128, 61)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def scene(city):
    from projects.evaluation import assign_evaluator
    from projects.models import Project

    street = StreetFactory(name="和平街道", slug="heping")
    community = CommunityFactory(street=street, name="幸福里社区", slug="xingfuli")
    organisation = OrganisationFactory(
        street=street, communities=[community], name="幸福里银发互助队"
    )
    representative = representative_of(organisation)
    project = funded_project(
        street,
        organisation,
        title="银发结对·高龄独居老人探访",
        starts_on=timezone.localdate() - timedelta(days=90),
    )
    resident = VerifiedResidentFactory(community=community, real_name="刘桂兰").user
    evaluator = reviewer_of(project.round, first_name="慧", last_name="林")
    evaluation = assign_evaluator(project, EvaluationStage.MIDTERM, evaluator, by=None)
    return Project.objects.get(pk=project.pk), representative, resident, evaluator, evaluation


def log_activity(page, url, project, title, *, day=None, photo=None):
    page.goto(f"{url}{url_of('projects:record', project.pk)}")
    page.locator(f"a[href$='{url_of('projects:activity_add', project.pk)}']").first.click()
    page.wait_for_load_state()
    if day is not None:
        page.locator("input[name=held_on]").fill(day.isoformat())
    page.locator("input[name=title]").fill(title)
    page.locator("input[name=place]").fill("党群服务中心活动室")
    page.locator("input[name=participants_offline]").fill("6")
    page.locator("input[name=volunteers]").fill("3")
    page.locator("input[name=volunteer_hours]").fill("6")
    if photo is not None:
        page.locator("input[type=file]").set_input_files(str(photo))
    fits_the_screen(page)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


def test_a_project_logs_activities_residents_rate_them_it_is_evaluated_and_reported(
    scene, new_page, login, live_server, artifacts, tmp_path
):
    project, representative, resident, evaluator, evaluation = scene
    url = live_server.url

    # 1. The representative logs an activity on a phone: first dated after the project ends.
    page = phone(new_page, login, representative.email)
    page.goto(f"{url}{url_of('projects:my_projects')}")
    expect(page.locator("main")).to_contain_text(project.title)
    fits_the_screen(page)
    shot(page, artifacts, 1, "my-projects")
    log_activity(
        page, url, project, "健康讲座：冬季防跌倒", day=project.ends_on + timedelta(days=1)
    )
    expect(page.locator("main")).to_contain_text("不在项目期限内")
    assert not Activity.objects.exists()
    shot(page, artifacts, 2, "activity-outside-the-period")

    log_activity(page, url, project, "健康讲座：冬季防跌倒", photo=photo_file(tmp_path))
    first = Activity.objects.get(title="健康讲座：冬季防跌倒")
    assert first.held_on == timezone.localdate() and first.photos.count() == 1
    assert page.url.endswith(url_of("projects:activity_qr", first.pk))
    expect(page.locator("main svg").first).to_be_visible()
    shot(page, artifacts, 3, "activity-qr")
    log_activity(page, url, project, "结对探访：上门看望独居老人")
    assert Activity.objects.filter(project=project).count() == 2
    page.goto(f"{url}{url_of('projects:record', project.pk)}")
    expect(page.locator("main")).to_contain_text("结对探访：上门看望独居老人")
    fits_the_screen(page)
    shot(page, artifacts, 4, "workspace")

    # 2. A resident scans the first activity's code: signs in, then rates it.
    scan = phone(new_page, login, resident.email)
    scan.goto(f"{url}{url_of('projects:scan', first.code)}")
    expect(scan.locator("main")).to_contain_text(first.title)
    fits_the_screen(scan)
    shot(scan, artifacts, 5, "scan")
    scan.locator(f"form[action$='{url_of('projects:scan_sign_in', first.code)}'] button").click()
    scan.wait_for_load_state()
    assert SignIn.objects.filter(activity=first, user=resident, verified=True).exists()
    scan.locator("input[name=rating][value=satisfied]").check()
    scan.locator("textarea[name=comment]").fill("讲得很清楚，下次还来。")
    scan.locator(f"form[action$='{url_of('projects:scan_feedback', first.code)}'] button").click()
    scan.wait_for_load_state()
    given = Feedback.objects.get(activity=first, user=resident)
    assert given.verified and given.rating == Satisfaction.SATISFIED
    expect(scan.locator("main")).to_contain_text("满意")
    fits_the_screen(scan)
    shot(scan, artifacts, 6, "rated")

    # 3. The evaluator scores the project beside its record.
    judge = phone(new_page, login, evaluator.email)
    judge.goto(f"{url}{url_of('projects:evaluations')}")
    judge.locator(f"a[href$='{url_of('projects:evaluation', evaluation.pk)}']").first.click()
    judge.wait_for_load_state()
    expect(judge.locator("main")).to_contain_text("100")  # the verified satisfaction rate (%)
    criteria = list(project.round.evaluation_criteria.all())
    for criterion, score in zip(criteria, (9, 8, 10), strict=True):
        judge.locator(f"input[name=score_{criterion.pk}]").fill(str(score))
    fits_the_screen(judge)
    shot(judge, artifacts, 7, "evaluation-form")
    judge.locator("main form button[type=submit]").click()
    judge.wait_for_load_state()
    evaluation.refresh_from_db()
    assert evaluation.submitted_at is not None
    # 9×50% + 8×30% + 10×20% out of 10 = 89.0 out of 100
    expect(judge.locator("main")).to_contain_text("89.0")
    shot(judge, artifacts, 8, "evaluation-submitted")

    # 4. The representative asks for the project report and downloads it once it is built.
    page.goto(f"{url}{url_of('projects:record', project.pk)}")
    page.locator(f"form[action$='{url_of('projects:project_report', project.pk)}'] button").click()
    page.wait_for_load_state()
    expect(page.locator("main")).to_contain_text("下载")
    shot(page, artifacts, 9, "report-ready")
    with page.expect_download() as waiting:
        page.locator("a[href$='/download/']").click()
    pdf = tmp_path / "report.pdf"
    waiting.value.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert project.title in text and "健康讲座：冬季防跌倒" in text and "89.0" in text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(pdf), str(artifacts / "project-journey-10-report")],
        check=True,
    )
