"""A project's mechanism: started only from a final award with tranches adding up to it;
recorded only by its representatives and the staff of its communities, within its period, and
never spent past a budget line, even by two people at the same moment (PostgreSQL)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from projects.models import Activity, ApplicationState, Expense, Milestone, Project, ProjectState
from projects.workflow import delivery
from tests.factories import UserFactory
from tests.organisations.factories import OrganisationFactory, representative_of

from .delivery import community_staff, funded_project, representative
from .factories import application, funding_round
from .reviewing import officer_of
from .test_decisions import on_postgresql, race

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def new_activity(project, **fields):
    values = {
        "community": project.application.communities.first(),
        "held_on": project.starts_on + timedelta(days=3),
        "title": "手机课堂",
        "place": "社区活动室",
        **fields,
    }
    return Activity(**values)


def expense(project, amount, line=None):
    return Expense(
        budget_line=line or project.application.budget_lines.first(),
        spent_on=project.starts_on,
        amount=Decimal(amount),
        description="教材",
        receipt=SimpleUploadedFile("receipt.pdf", b"%PDF-1.4\n%%EOF\n"),
    )


def test_an_award_whose_notice_has_not_ended_does_not_start_a_project():
    round = funding_round()
    award = application(
        round,
        OrganisationFactory(street=round.street),
        status=ApplicationState.AWARDED,
        awarded_amount=Decimal("8000.00"),
    )
    officer = officer_of(round.street)
    today = date.today()

    with pytest.raises(ValidationError) as refused:
        delivery.start_project(
            award, officer, today, today + timedelta(days=300), [("签约", today, Decimal("8000"))]
        )

    assert "not final yet" in " ".join(refused.value.messages)
    assert not Project.objects.exists()


def test_tranches_must_add_up_to_the_award_and_fall_within_the_period(monkeypatch):
    round = funding_round()
    award = application(
        round,
        OrganisationFactory(street=round.street),
        status=ApplicationState.AWARDED,
        awarded_amount=Decimal("8000.00"),
    )
    officer = officer_of(round.street)
    monkeypatch.setattr("projects.awards.awards_final_at", lambda round: date.today())
    today = date.today()
    end = today + timedelta(days=300)

    with pytest.raises(ValidationError) as refused:
        delivery.start_project(
            award,
            officer,
            today,
            end,
            [("签约", today, Decimal("4000")), ("结项", end + timedelta(days=1), Decimal("3000"))],
        )
    messages = " ".join(refused.value.messages)
    assert "add up to 7000.00 yuan; the award is 8000.00 yuan" in messages
    assert "outside the project's period" in messages
    assert not Project.objects.exists()

    project = delivery.start_project(
        award,
        officer,
        today,
        end,
        [("签约", today, Decimal("4000")), ("结项", end, Decimal("4000"))],
    )
    assert project.status == ProjectState.ACTIVE
    assert Milestone.objects.filter(project=project).count() == 2
    assert project.history.first().history_user == officer


def test_only_the_street_running_the_round_starts_its_projects(monkeypatch):
    round = funding_round()
    award = application(
        round,
        OrganisationFactory(street=round.street),
        status=ApplicationState.AWARDED,
        awarded_amount=Decimal("8000.00"),
    )
    monkeypatch.setattr("projects.awards.awards_final_at", lambda round: date.today())
    today = date.today()
    with pytest.raises(PermissionDenied):
        delivery.start_project(
            award, officer_of(funding_round().street), today, today, [("签约", today, 8000)]
        )


def test_representatives_and_community_staff_record_and_nobody_else():
    project = funded_project()
    for person in (representative(project), community_staff(project)):
        delivery.record_activity(project, person, new_activity(project))
    for stranger in (
        UserFactory(),
        representative_of(OrganisationFactory(street=project.round.street)),
        officer_of(funding_round().street),
    ):
        with pytest.raises(PermissionDenied):
            delivery.record_activity(project, stranger, new_activity(project))
    assert Activity.objects.filter(project=project).count() == 2


def test_an_activity_outside_the_period_or_community_is_refused_with_nothing_saved():
    project = funded_project()
    person = representative(project)
    other_community = funded_project().application.communities.first()

    with pytest.raises(ValidationError) as refused:
        delivery.record_activity(
            project,
            person,
            new_activity(
                project,
                held_on=project.ends_on + timedelta(days=1),
                community=other_community,
            ),
        )

    messages = " ".join(refused.value.messages)
    assert "is outside it" in messages
    assert f"does not serve {other_community.name}" in messages
    assert not Activity.objects.exists()


def test_a_photo_that_is_not_an_image_is_refused_with_nothing_saved():
    project = funded_project()
    fake = SimpleUploadedFile("photo.jpg", b"<html>not a photo</html>", content_type="image/jpeg")

    with pytest.raises(ValidationError):
        delivery.record_activity(
            project, representative(project), new_activity(project), [], [fake]
        )

    assert not Activity.objects.exists()


def test_an_expense_past_what_is_left_on_its_line_is_refused():
    project = funded_project()
    person = representative(project)
    delivery.record_expense(project, person, expense(project, "19000.00"))

    with pytest.raises(ValidationError) as refused:
        delivery.record_expense(project, person, expense(project, "1000.01"))

    assert "has 1000.00 yuan of its 20000.00 yuan left" in " ".join(refused.value.messages)
    delivery.record_expense(project, person, expense(project, "1000.00"))
    assert sum(e.amount for e in Expense.objects.all()) == Decimal("20000.00")


def test_a_closed_project_records_nothing_more():
    project = funded_project(status=ProjectState.CLOSED)
    with pytest.raises(ValidationError) as refused:
        delivery.record_activity(project, representative(project), new_activity(project))
    assert "can no longer change" in " ".join(refused.value.messages)


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_expenses_never_pass_the_budget_line():
    project = funded_project()
    people = [representative(project), community_staff(project)]
    outcomes = race([
        lambda person=people[n % 2]: delivery.record_expense(
            project, person, expense(project, "3000.00")
        ) and "saved"
        for n in range(8)
    ])  # fmt: skip
    assert not [o for o in outcomes if o.startswith("ERROR")], outcomes
    assert outcomes.count("saved") == 6, outcomes  # 6 × 3000 fits in 20000; a 7th does not
    assert sum(e.amount for e in Expense.objects.all()) == Decimal("18000.00")
