"""The street office screens applications in the admin: its own rounds' submitted
applications only, each step a form, nothing changed by what the workflow refuses."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone

from communities.models import Role
from communities.roles import grant_role
from projects.models import ApplicationState as S
from tests.factories import StreetFactory, UserFactory
from tests.organisations.factories import OrganisationFactory

from .factories import application, funding_round

pytestmark = pytest.mark.django_db


def staff_member(role, **place):
    user = UserFactory()
    grant_role(user, role, **place)
    TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    return user


@pytest.fixture
def round():
    return funding_round()


@pytest.fixture
def organisation(round):
    return OrganisationFactory(street=round.street)


@pytest.fixture
def officer(round):
    return staff_member(Role.STREET_OFFICER, street=round.street)


def submitted(round, organisation, **fields):
    return application(
        round, organisation, status=S.SUBMITTED, submitted_at=timezone.now(), **fields
    )


def test_the_list_shows_submitted_applications_of_my_street_in_a_few_queries(
    client, round, organisation, officer, django_assert_max_num_queries
):
    for n in range(15):
        submitted(round, organisation, title=f"已提交项目{n}")
    application(round, organisation, title="还在写的草稿")
    elsewhere = funding_round(StreetFactory())
    submitted(elsewhere, OrganisationFactory(street=elsewhere.street), title="别的街道的项目")
    client.force_login(officer)
    client.get("/admin/")
    with django_assert_max_num_queries(30):
        response = client.get("/admin/applications/")
    body = response.content.decode()
    assert "已提交项目14" in body
    assert "8000.00" in body  # the requested total, summed from the lines
    assert "还在写的草稿" not in body
    assert "别的街道的项目" not in body


def test_the_list_filters_by_round_and_status(client, round, organisation, officer):
    submitted(round, organisation, title="等待审核的项目")
    application(round, organisation, title="审核中的项目", status=S.SCREENING,
                submitted_at=timezone.now())  # fmt: skip
    second = funding_round(round.street, title="第二轮")
    submitted(second, organisation, title="第二轮的项目")
    client.force_login(officer)
    body = client.get(f"/admin/applications/?round={round.pk}").content.decode()
    assert "等待审核的项目" in body and "第二轮的项目" not in body
    body = client.get("/admin/applications/?status=screening").content.decode()
    assert "审核中的项目" in body and "等待审核的项目" not in body


def test_the_inspect_page_shows_budget_indicators_and_record(client, round, organisation, officer):
    app = submitted(round, organisation, lines=[
        ("书法用纸", "12.35", 20, "247.00", "0"), ("讲师课时费", "300", 12, "3000", "600")
    ])  # fmt: skip
    client.force_login(officer)
    body = client.get(f"/admin/applications/inspect/{app.pk}/").content.decode()
    for text in (
        "书法用纸",
        "3247.00",
        "600.00",
        "3847.00",
        "开展活动",
        "/screen/start_screening/",
    ):
        assert text in body, text


def test_an_officer_screens_an_application_into_review(client, round, organisation, officer):
    app = submitted(round, organisation)
    client.force_login(officer)
    client.post(f"/admin/applications/{app.pk}/screen/start_screening/")
    response = client.post(f"/admin/applications/{app.pk}/screen/pass_screening/", {"reason": ""})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == S.IN_REVIEW
    assert app.history.first().history_user == officer


def test_declining_without_a_reason_is_refused_on_the_form(client, round, organisation, officer):
    app = application(round, organisation, status=S.SCREENING, submitted_at=timezone.now())
    client.force_login(officer)
    response = client.post(
        f"/admin/applications/{app.pk}/screen/decline_at_screening/", {"reason": " "}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    app.refresh_from_db()
    assert app.status == S.SCREENING


def test_a_step_not_possible_now_changes_nothing(client, round, organisation, officer):
    app = submitted(round, organisation)
    client.force_login(officer)
    response = client.post(f"/admin/applications/{app.pk}/screen/pass_screening/")
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == S.SUBMITTED
    # representatives' steps are not the street office's to take here
    assert client.get(f"/admin/applications/{app.pk}/screen/withdraw/").status_code == 404


def test_community_staff_read_applications_serving_them_without_screening(
    client, round, organisation
):
    app = submitted(round, organisation, title="服务本社区的项目")
    staff = staff_member(Role.COMMUNITY_STAFF, community=organisation.communities.get())
    client.force_login(staff)
    assert "服务本社区的项目" in client.get("/admin/applications/").content.decode()
    body = client.get(f"/admin/applications/inspect/{app.pk}/").content.decode()
    assert "/screen/" not in body
    assert client.get(f"/admin/applications/{app.pk}/screen/start_screening/").status_code == 404
    client.post(f"/admin/applications/{app.pk}/screen/start_screening/")
    app.refresh_from_db()
    assert app.status == S.SUBMITTED


def test_another_streets_officer_finds_nothing(client, round, organisation):
    app = submitted(round, organisation)
    stranger = staff_member(Role.STREET_OFFICER, street=StreetFactory())
    client.force_login(stranger)
    for url in (
        f"/admin/applications/inspect/{app.pk}/",
        f"/admin/applications/{app.pk}/screen/start_screening/",
    ):
        assert client.get(url).status_code == 404
    assert client.post(f"/admin/applications/{app.pk}/screen/start_screening/").status_code == 404
    app.refresh_from_db()
    assert app.status == S.SUBMITTED


def test_a_draft_is_not_reachable_in_the_admin(client, round, organisation, officer):
    draft = application(round, organisation)
    client.force_login(officer)
    assert client.get(f"/admin/applications/inspect/{draft.pk}/").status_code == 404


def test_the_list_searches_titles_and_organisations(client, round, organisation, officer):
    submitted(round, organisation, title="楼栋书法课")
    submitted(round, OrganisationFactory(street=round.street, name="滨河合唱团"), title="合唱")
    client.force_login(officer)
    body = client.get("/admin/applications/?q=滨河").content.decode()
    assert "合唱" in body and "楼栋书法课" not in body
