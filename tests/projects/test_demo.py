"""The demo's funding: an open round an organisation can apply to, and last year's, decided."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Sum

from organisations.permissions import represented_by
from projects import workflow
from projects.demo import _draft
from projects.models import (
    Activity,
    Application,
    ApplicationState,
    BudgetLine,
    Feedback,
    GeneratedReport,
    Project,
    Review,
    SignIn,
)
from projects.pages import FundingRoundPage

pytestmark = pytest.mark.django_db


def load_demo():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def funding_counts():
    return {
        "rounds": FundingRoundPage.objects.count(),
        "applications": Application.objects.count(),
        "budget lines": BudgetLine.objects.count(),
        "reviews": Review.objects.count(),
        "history": Application.history.count(),
        "projects": Project.objects.count(),
        "activities": Activity.objects.count(),
        "sign-ins and feedback": SignIn.objects.count() + Feedback.objects.count(),
        "reports": GeneratedReport.objects.count(),
    }


@pytest.fixture
def demo():
    return load_demo()


@pytest.fixture
def open_round(demo):
    return FundingRoundPage.objects.get(applications__status=ApplicationState.SUBMITTED)


@pytest.fixture
def decided_round(demo):
    return FundingRoundPage.objects.get(applications__status=ApplicationState.WAITLISTED)


def test_loading_the_demo_again_adds_no_round_application_review_or_project_record(demo):
    first = funding_counts()

    load_demo()

    assert funding_counts() == first
    assert first["rounds"] == 2


def test_the_demo_prints_a_reviewer_and_an_organisation_representative(demo):
    assert "expert01@demo.yishi.cn" in demo
    assert "评审专家" in demo
    assert "org05@demo.yishi.cn" in demo
    assert "社会组织负责人" in demo


def test_the_open_round_accepts_an_application_from_the_demo_representative(open_round):
    assert open_round.is_open()
    representative = get_user_model().objects.get(username="org05")
    organisation = represented_by(representative).get()
    project = {
        "organisation": organisation.name,
        "title": "社区议事骨干培训",
        "need": "居民议事会成员多为新人，不熟悉协商议事规则。",
        "goals": "培训三个社区的议事骨干60人。",
        "beneficiaries": "社区议事骨干",
        "beneficiary_count": 60,
        "activity_plan": "每个社区两期培训，每期半天。",
        "lines": [("培训讲师费", "1000.00", 6, "6000.00", "0.00")],
        "indicators": [("培训议事骨干", "人", "60")],
    }

    application = workflow.perform(_draft(open_round, project, representative), "submit",
                                   representative)  # fmt: skip

    assert application.status == ApplicationState.SUBMITTED
    assert application.history.first().history_user == representative


def test_the_decided_rounds_awards_fit_its_budget_and_are_what_their_lines_request(
    decided_round,
):
    awarded = decided_round.applications.filter(status=ApplicationState.AWARDED)
    total = awarded.aggregate(total=Sum("awarded_amount"))["total"]
    requested = BudgetLine.objects.filter(application__in=awarded).aggregate(
        total=Sum("requested")
    )["total"]

    assert awarded.count() == 3
    assert total <= decided_round.total_budget
    assert total == requested
    statuses = set(decided_round.applications.values_list("status", flat=True))
    assert {ApplicationState.DECLINED, ApplicationState.WAITLISTED} <= statuses


def test_the_decided_rounds_applications_were_reviewed_twice_and_decided_by_the_officer(
    decided_round,
):
    officer = get_user_model().objects.get(username="officer")
    for application in decided_round.applications.all():
        assert application.reviews.filter(submitted_at__isnull=False).count() == 2
        decision = application.history.filter(status=application.status).last()
        assert decision.history_user == officer
        assert application.decided_at.year == decided_round.opens_at.year


def test_the_decided_rounds_awards_were_on_public_notice_and_are_final(client, decided_round):
    from projects.awards import awards_final_at

    final = awards_final_at(decided_round)
    assert final is not None and final.year == decided_round.opens_at.year
    body = client.get(decided_round.url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for application in decided_round.applications.filter(status=ApplicationState.AWARDED):
        assert application.title in body
        assert f"{application.awarded_amount:.2f}" in body


def test_last_years_awards_are_projects_with_months_of_record_one_graded_and_a_ledger(demo):
    import subprocess

    from projects.figures import project_figures
    from projects.models import ProjectState, ReportKind

    projects = {p.title: p for p in Project.objects.select_related("application")}
    assert set(projects) == {
        "银发结对·高龄独居老人探访",
        "翰墨幸福里·老年书法课堂",
        "滨河四点半课堂",
    }
    for project in projects.values():
        months = Activity.objects.filter(project=project).dates("held_on", "month")
        assert len(months) >= 6, project.title
        assert Feedback.objects.filter(activity__project=project, verified=True).exists()
    closed = projects["银发结对·高龄独居老人探访"]
    assert closed.status == ProjectState.CLOSED
    assert closed.grade and closed.final_score is not None
    assert projects["翰墨幸福里·老年书法课堂"].status == ProjectState.MIDTERM_EVALUATED
    figures = project_figures(closed)
    # Nothing spent past a line; each line's spending is what its receipts add up to.
    assert all(0 < row.spent <= row.budgeted for row in figures["lines"])
    assert figures["participation"]["signed_in"] > 0 and figures["participation"]["typed"] > 0
    # This year's ledger of 幸福里, generated from its records when the demo loads.
    ledger = GeneratedReport.objects.get(kind=ReportKind.LEDGER)
    assert ledger.status == GeneratedReport.Status.DONE
    assert ledger.community.slug == "xingfuli"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=bytes(ledger.pdf), capture_output=True
    ).stdout.decode()
    assert "幸福里社区" in text and "翰墨幸福里·老年书法课堂" in text
