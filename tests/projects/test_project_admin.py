"""The street office's project screens in the admin: its own street's projects only, the staff
of a served community reading them without acting, each step (start, pay a tranche, assign an
evaluator, complete an evaluation, close) refused with a message and nothing changed."""

from datetime import date
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone
from wagtail.users.models import UserProfile

from projects.models import (
    ApplicationState,
    Evaluation,
    EvaluationStage,
    Milestone,
    Project,
    ProjectState,
)
from tests.factories import StreetFactory, UserFactory
from tests.organisations.factories import OrganisationFactory

from .delivery import activity, community_staff, funded_project, representative
from .factories import application
from .reviewing import TOTP_SECRET, officer_of, reviewer_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def in_english_admin(user):
    """The admin speaks the language of the user's profile."""
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


@pytest.fixture
def project():
    return funded_project()


@pytest.fixture
def officer(project):
    return in_english_admin(officer_of(project.round.street))


@pytest.fixture
def award(project):
    """An award of the same round not yet a project: 20,000 yuan."""
    return application(
        project.round,
        OrganisationFactory(street=project.round.street),
        status=ApplicationState.AWARDED,
        awarded_amount=Decimal("20000.00"),
        submitted_at=timezone.now(),
        decided_at=timezone.now(),
        title="社区花园营造",
    )


@pytest.fixture
def final_awards(monkeypatch):
    """The round's awards notice has ended with no objection upheld (its own tests' matter)."""
    monkeypatch.setattr("projects.awards.awards_final_at", lambda round: timezone.now())


def project_urls(project, award):
    milestone = project.milestones.first()
    return {
        "get": [
            f"/admin/projects/inspect/{project.pk}/",
            f"/admin/applications/{award.pk}/start-project/",
        ],
        "post": [
            f"/admin/projects/{project.pk}/act/complete_midterm/",
            f"/admin/projects/{project.pk}/milestones/{milestone.pk}/pay/",
            f"/admin/projects/{project.pk}/evaluators/",
            f"/admin/applications/{award.pk}/start-project/",
        ],
    }


def test_an_officer_of_another_street_reaches_no_project(client, project, award):
    stranger = officer_of(StreetFactory())
    client.force_login(stranger)
    assert project.title not in client.get("/admin/projects/").content.decode()
    urls = project_urls(project, award)
    for url in urls["get"]:
        assert client.get(url).status_code == 404, url
    for url in urls["post"]:
        assert client.post(url, {"paid_on": "2026-01-01"}).status_code == 404, url
    assert not Milestone.objects.filter(paid_on__isnull=False).exists()


def test_staff_of_a_served_community_read_the_project_but_take_no_step(client, project, award):
    staff = community_staff(project)
    TOTP.activate(staff, TOTP_SECRET)
    reviewer = reviewer_of(project.round)
    client.force_login(staff)

    assert project.title in client.get("/admin/projects/").content.decode()
    page = client.get(f"/admin/projects/inspect/{project.pk}/").content.decode()
    assert "签约拨付" in page  # the milestones
    assert "/act/" not in page and "/pay/" not in page and "/evaluators/" not in page

    urls = project_urls(project, award)
    for url in urls["post"]:
        data = {"paid_on": "2026-01-01", "stage": "midterm", "evaluator": reviewer.pk}
        assert client.post(url, data).status_code == 404, url
    assert client.get(f"/admin/applications/{award.pk}/start-project/").status_code == 404
    assert not Milestone.objects.filter(paid_on__isnull=False).exists()
    assert not Evaluation.objects.exists()
    assert Project.objects.count() == 1


def test_the_list_shows_my_street_s_projects_in_a_few_queries(
    client, project, officer, django_assert_max_num_queries
):
    activity(project)
    activity(project)
    for n in range(19):
        funded_project(project.round.street, title=f"项目{n}")
    funded_project(StreetFactory(), title="别的街道的项目")
    client.force_login(officer)
    client.get("/admin/projects/")  # the session and the admin's menus settle
    with django_assert_max_num_queries(30):
        response = client.get("/admin/projects/")
    body = response.content.decode()
    assert "项目18" in body and project.title in body
    assert "别的街道的项目" not in body
    assert "30,000.00" in body or "30000.00" in body
    assert "Under way" in body


def test_the_project_page_shows_milestones_figures_evaluations_and_steps(
    client, project, officer, django_assert_max_num_queries
):
    activity(project, offline=12)
    reviewer_of(project.round, first_name="明", last_name="李")
    client.force_login(officer)
    with django_assert_max_num_queries(45):
        response = client.get(f"/admin/projects/inspect/{project.pk}/")
    page = response.content.decode()
    for text in (
        "签约拨付",
        "15,000.00",
        "Mark paid",
        "Complete the mid-term evaluation",
        "Complete the final evaluation",
        "No evaluator assigned.",
        "李明",  # a reviewer of the round to choose
        "12 participants",
        f"/projects/{project.pk}/",  # the public page
    ):
        assert text in page, text


def test_an_officer_marks_a_tranche_paid(client, project, officer):
    first = project.milestones.get(position=0)
    client.force_login(officer)
    response = client.post(
        f"/admin/projects/{project.pk}/milestones/{first.pk}/pay/",
        {"paid_on": "2026-03-02"},
        follow=True,
    )
    first.refresh_from_db()
    assert first.paid_on == date(2026, 3, 2)
    assert "is marked paid" in response.content.decode()
    again = client.post(
        f"/admin/projects/{project.pk}/milestones/{first.pk}/pay/",
        {"paid_on": "2026-04-01"},
        follow=True,
    ).content.decode()
    assert "was paid on 2026-03-02" in again
    first.refresh_from_db()
    assert first.paid_on == date(2026, 3, 2)


def test_a_refused_step_is_told_and_changes_nothing(client, project, officer):
    client.force_login(officer)
    response = client.post(f"/admin/projects/{project.pk}/act/complete_midterm/", follow=True)
    assert "No evaluator has submitted" in response.content.decode()
    project.refresh_from_db()
    assert project.status == ProjectState.ACTIVE
    assert client.post(f"/admin/projects/{project.pk}/act/close/").status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectState.ACTIVE
    assert client.post(f"/admin/projects/{project.pk}/act/explode/").status_code == 404


def test_an_officer_closes_a_final_evaluated_project_once_paid(client, officer):
    project = funded_project(status=ProjectState.FINAL_EVALUATED)
    officer = in_english_admin(officer_of(project.round.street))
    client.force_login(officer)
    page = client.post(f"/admin/projects/{project.pk}/act/close/", follow=True).content.decode()
    assert "Tranches still to pay" in page
    project.milestones.update(paid_on=date.today())
    page = client.post(f"/admin/projects/{project.pk}/act/close/", follow=True).content.decode()
    project.refresh_from_db()
    assert project.status == ProjectState.CLOSED
    assert "Close the project" in page


def test_an_officer_assigns_a_reviewer_of_the_round_as_evaluator(client, project, officer):
    reviewer = reviewer_of(project.round)
    client.force_login(officer)
    client.post(
        f"/admin/projects/{project.pk}/evaluators/",
        {"stage": EvaluationStage.FINAL, "evaluator": reviewer.pk},
    )
    assert Evaluation.objects.filter(
        project=project, stage=EvaluationStage.FINAL, evaluator=reviewer
    ).exists()


def test_assigning_someone_who_is_not_a_reviewer_of_the_round_is_refused(client, project, officer):
    outsider = UserFactory(first_name="外", last_name="人")
    client.force_login(officer)
    response = client.post(
        f"/admin/projects/{project.pk}/evaluators/",
        {"stage": EvaluationStage.MIDTERM, "evaluator": outsider.pk},
        follow=True,
    )
    page = response.content.decode()
    assert "Choose a stage and one of the round&#x27;s reviewers." in page
    assert "外人" not in page  # a number posted for anyone names nobody
    assert not Evaluation.objects.exists()


def test_a_reviewer_who_represents_the_organisation_is_not_assigned(client, project, officer):
    insider = representative(project)
    project.round.reviewers.create(user=insider)
    client.force_login(officer)
    response = client.post(
        f"/admin/projects/{project.pk}/evaluators/",
        {"stage": EvaluationStage.FINAL, "evaluator": insider.pk},
        follow=True,
    )
    assert "or represents the organisation" in response.content.decode()
    assert not Evaluation.objects.exists()


# Starting a project from an award.


def start_data(starts="2026-03-01", ends="2026-12-31", rows=()):
    data = {
        "starts_on": starts,
        "ends_on": ends,
        "milestones-TOTAL_FORMS": str(len(rows)),
        "milestones-INITIAL_FORMS": "0",
        "milestones-MIN_NUM_FORMS": "1",
        "milestones-MAX_NUM_FORMS": "12",
    }
    for i, (title, due, tranche) in enumerate(rows):
        data |= {
            f"milestones-{i}-title": title,
            f"milestones-{i}-due_on": due,
            f"milestones-{i}-tranche": tranche,
        }
    return data


def test_the_award_page_offers_to_start_the_project(client, award, officer):
    client.force_login(officer)
    page = client.get(f"/admin/applications/inspect/{award.pk}/").content.decode()
    assert f"/admin/applications/{award.pk}/start-project/" in page


def test_the_start_form_is_prefilled_with_two_halves_of_the_award(
    client, award, officer, final_awards
):
    client.force_login(officer)
    page = client.get(f"/admin/applications/{award.pk}/start-project/").content.decode()
    assert page.count('value="10000.00"') == 2
    assert date.today().isoformat() in page


def test_an_officer_starts_a_project_with_its_milestones(client, award, officer, final_awards):
    client.force_login(officer)
    response = client.post(
        f"/admin/applications/{award.pk}/start-project/",
        start_data(
            rows=[
                ("签约", "2026-03-01", "8000"),
                ("中期", "2026-07-01", "7000"),
                ("结项", "2026-12-31", "5000"),
            ]
        ),  # fmt: skip
    )
    project = Project.objects.get(application=award)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/projects/inspect/{project.pk}/"
    assert (project.starts_on, project.ends_on) == (date(2026, 3, 1), date(2026, 12, 31))
    assert [m.tranche for m in project.milestones.order_by("position")] == [8000, 7000, 5000]
    # Started once: the form now leads to the project.
    again = client.get(f"/admin/applications/{award.pk}/start-project/")
    assert again["Location"] == f"/admin/projects/inspect/{project.pk}/"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("签约", "2026-03-01", "10000"), ("结项", "2026-12-31", "9000")],
         "The tranches add up to 19000.00 yuan; the award is 20000.00 yuan."),
        ([("签约", "2026-02-01", "10000"), ("结项", "2026-12-31", "10000")],
         "falls due on 2026-02-01, outside the project&#x27;s period"),
        ([("签约", "2026-03-01", "-5"), ("结项", "2026-12-31", "20005")],
         "Ensure this value is greater than or equal to 0.01."),
    ],
)  # fmt: skip
def test_a_start_that_does_not_add_up_is_refused_on_the_form(
    client, award, officer, final_awards, rows, message
):
    client.force_login(officer)
    response = client.post(f"/admin/applications/{award.pk}/start-project/", start_data(rows=rows))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Project.objects.filter(application=award).exists()


def test_an_award_whose_notice_has_not_ended_does_not_start(client, award, officer):
    client.force_login(officer)
    form = client.get(f"/admin/applications/{award.pk}/start-project/").content.decode()
    assert "are not final yet" in form
    response = client.post(
        f"/admin/applications/{award.pk}/start-project/",
        start_data(rows=[("签约", "2026-03-01", "10000"), ("结项", "2026-12-31", "10000")]),
    )
    assert "are not final yet" in response.content.decode()
    assert not Project.objects.filter(application=award).exists()
