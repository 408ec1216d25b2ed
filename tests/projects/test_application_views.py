"""Representatives apply on plain pages: the form and its budget, the application's page, its
steps; everyone else finds nothing (404)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from communities.models import Notification, Role
from communities.roles import grant_role
from organisations.models import OrganisationState
from projects import workflow
from projects.forms import application_forms
from projects.models import Application, ApplicationState, BudgetLine
from tests.factories import CommunityFactory, StreetFactory, UserFactory
from tests.organisations.factories import OrganisationFactory, representative_of

from .factories import application, funding_round
from .form_data import application_data, management

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def organisation():
    return OrganisationFactory()


@pytest.fixture
def round(organisation):
    return funding_round(organisation.street)


@pytest.fixture
def representative(organisation):
    return representative_of(organisation)


@pytest.fixture
def rep_client(client, representative):
    client.force_login(representative)
    return client


def apply_url(round, organisation=None):
    url = f"/en/rounds/{round.pk}/apply/"
    return f"{url}?organisation={organisation.pk}" if organisation else url


def test_a_representative_applies_with_two_lines_and_an_indicator(
    rep_client, round, organisation, representative
):
    response = rep_client.post(apply_url(round), application_data(organisation.communities.all()))
    app = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/applications/{app.pk}/"
    assert app.status == ApplicationState.DRAFT
    assert app.created_by == representative
    assert [line.item for line in app.budget_lines.all()] == ["书法用纸", "讲师课时费"]
    assert app.totals() == (Decimal("3247.00"), Decimal("600.00"))
    assert app.indicators.get().target == Decimal("48")
    assert app.history.get().history_user == representative


def test_amounts_are_read_as_people_write_them(rep_client, round, organisation):
    lines = (("场地租金", "1,200", "2", "¥2,000.5", "399.50元"),)
    rep_client.post(apply_url(round), application_data(organisation.communities.all(), lines=lines))
    line = BudgetLine.objects.get()
    assert (line.unit_cost, line.requested, line.cofunded) == (
        Decimal("1200.00"),
        Decimal("2000.50"),
        Decimal("399.50"),
    )


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        (("书法用纸", "八百", "2", "1600", "0"), "unit_cost", "Write an amount in yuan"),
        (("书法用纸", "800", "2", "abc", "0"), "requested", "Write an amount in yuan"),
        (("书法用纸", "800", "2", "1700", "-100"), "cofunded", "cannot be negative"),
        (("书法用纸", "-800", "2", "-1600", "0"), "unit_cost", "more than zero"),
        (("书法用纸", "800", "-2", "1600", "0"), "quantity", "at least 1"),
        (("书法用纸", "800", "两", "1600", "0"), "quantity", "whole number"),
        (("书法用纸", "800.123", "2", "1600", "0"), "unit_cost", "two decimals"),
    ],
)
def test_bad_amounts_are_refused_with_a_message_and_nothing_saved(
    rep_client, round, organisation, line, field, message
):
    data = application_data(organisation.communities.all(), lines=(line,))
    response = rep_client.post(apply_url(round), data)
    assert response.status_code == 200
    errors = response.context["lines"].forms[0].errors
    assert message in " ".join(errors[field])
    assert "nothing was saved" in response.content.decode()
    assert not Application.objects.exists()
    assert not BudgetLine.objects.exists()


def test_a_line_that_does_not_add_up_is_refused_and_nothing_saved(rep_client, round, organisation):
    lines = (("书法用纸", "12.35", "7", "60.00", "26.00"),)
    response = rep_client.post(
        apply_url(round), application_data(organisation.communities.all(), lines=lines)
    )
    errors = response.context["lines"].forms[0].non_field_errors()
    assert "86.45" in " ".join(errors)
    assert not Application.objects.exists()


def test_a_budget_over_the_ceiling_is_refused_and_nothing_saved(rep_client, round, organisation):
    lines = (("场地租金", "30000", "1", "30000", "0"), ("讲师", "20000.01", "1", "20000.01", "0"))
    response = rep_client.post(
        apply_url(round), application_data(organisation.communities.all(), lines=lines)
    )
    message = " ".join(response.context["lines"].non_form_errors())
    assert "50000.01" in message and "at most 50000.00" in message
    assert not Application.objects.exists()


def test_the_form_shows_the_totals_of_the_lines(rep_client, round, organisation):
    app = application(round, organisation, lines=[
        ("书法用纸", "12.35", 20, "247.00", "0"), ("讲师课时费", "300", 12, "3000", "600")
    ])  # fmt: skip
    response = rep_client.get(f"/en/applications/{app.pk}/edit/")
    body = response.content.decode()
    assert 'data-total="requested">3247.00<' in body
    assert 'data-total="cofunded">600.00<' in body
    assert 'data-total="cost">3847.00<' in body


def test_communities_are_those_of_the_rounds_street_the_organisation_serves(
    rep_client, round, organisation
):
    elsewhere = CommunityFactory(street=round.street)
    response = rep_client.post(apply_url(round), application_data([elsewhere]))
    assert "communities" in response.context["form"].errors
    assert not Application.objects.exists()


def test_saving_and_adding_lines_returns_to_the_form_with_empty_lines(
    rep_client, round, organisation
):
    data = application_data(organisation.communities.all(), more="1")
    response = rep_client.post(apply_url(round), data)
    app = Application.objects.get()
    assert response["Location"].endswith(f"/applications/{app.pk}/edit/")
    form_page = rep_client.get(response["Location"])
    assert len(form_page.context["lines"].forms) == 2 + 2  # two saved, two empty


def test_a_draft_is_changed_lines_removed_and_added(rep_client, round, organisation):
    app = application(round, organisation)
    first = app.budget_lines.get()
    data = application_data(
        organisation.communities.all(),
        title="改过的标题",
        existing_lines=[first],
        lines=(("讲师课时费", "300", "12", "3000", "600"),),
        existing_indicators=list(app.indicators.all()),
        indicators=(),
    )
    data["lines-0-DELETE"] = "on"
    rep_client.post(f"/en/applications/{app.pk}/edit/", data)
    app.refresh_from_db()
    assert app.title == "改过的标题"
    assert [line.item for line in app.budget_lines.all()] == ["讲师课时费"]
    assert app.history.first().history_change_reason.startswith('{"key": "application.edited"')


def test_nothing_is_changed_after_submission(rep_client, round, organisation):
    app = application(round, organisation, status=ApplicationState.SUBMITTED)
    data = application_data(organisation.communities.all(), title="提交后改的标题")
    response = rep_client.get(f"/en/applications/{app.pk}/edit/")
    assert response.status_code == 302
    response = rep_client.post(f"/en/applications/{app.pk}/edit/", data, follow=True)
    assert "can no longer be changed" in response.content.decode()
    app.refresh_from_db()
    assert app.title == "老年人书法进社区"
    assert app.budget_lines.count() == 1


def test_the_service_refuses_a_stale_draft_submitted_meanwhile(round, organisation):
    """The page was opened on a draft; before saving, it was submitted in another tab."""
    app = application(round, organisation)
    forms = application_forms(
        application_data(organisation.communities.all(), title="另一个标签页"),
        round=round,
        organisation=organisation,
        instance=Application.objects.get(pk=app.pk),
    )
    assert all(form.is_valid() for form in forms)
    workflow.perform(app, "submit", representative_of(organisation))
    with pytest.raises(workflow.ValidationError):
        workflow.save_draft(forms[0].instance, forms[0], forms[1:], representative_of(organisation))
    app.refresh_from_db()
    assert app.title == "老年人书法进社区"
    assert app.status == ApplicationState.SUBMITTED
    assert app.budget_lines.count() == 1


def test_a_returned_application_is_changed_and_resubmitted(rep_client, round, organisation):
    app = application(round, organisation, status=ApplicationState.RETURNED,
                      submitted_at=timezone.now(), decision_reason="请补充场地证明。")  # fmt: skip
    data = application_data(
        organisation.communities.all(),
        existing_lines=list(app.budget_lines.all()),
        lines=(),
        existing_indicators=list(app.indicators.all()),
        indicators=(),
        need="已补充场地证明。",
    )
    assert rep_client.post(f"/en/applications/{app.pk}/edit/", data).status_code == 302
    rep_client.post(f"/en/applications/{app.pk}/act/resubmit/")
    app.refresh_from_db()
    assert app.need == "已补充场地证明。"
    assert app.status == ApplicationState.SUBMITTED


def test_a_representative_of_a_suspended_organisation_cannot_apply(rep_client, round, organisation):
    organisation.status = OrganisationState.SUSPENDED
    organisation.save()
    response = rep_client.get(apply_url(round), follow=True)
    assert "is suspended" in response.content.decode()
    rep_client.post(apply_url(round), application_data(organisation.communities.all()))
    assert not Application.objects.exists()


def test_nobody_applies_to_a_closed_round(rep_client, organisation):
    closed = funding_round(organisation.street, open_now=False)
    response = rep_client.post(
        apply_url(closed), application_data(organisation.communities.all()), follow=True
    )
    assert "closed at" in response.content.decode()
    assert not Application.objects.exists()


def test_someone_without_an_organisation_is_sent_to_file_one(client, round):
    client.force_login(UserFactory())
    response = client.get(apply_url(round), follow=True)
    assert "File your organisation first" in response.content.decode()


def test_a_representative_of_several_organisations_chooses(client, round, organisation):
    user = representative_of(organisation)
    second = OrganisationFactory(street=organisation.street, representative=user)
    client.force_login(user)
    response = client.get(apply_url(round))
    assert response.templates[0].name == "projects/choose_organisation.html"
    assert client.get(apply_url(round, second)).context["organisation"] == second
    stranger = OrganisationFactory(street=organisation.street)
    assert client.get(apply_url(round, stranger)).status_code == 404


def test_submitting_from_the_application_page(rep_client, round, organisation):
    app = application(round, organisation)
    response = rep_client.post(f"/en/applications/{app.pk}/act/submit/", follow=True)
    assert "Submit" in response.content.decode()
    app.refresh_from_db()
    assert app.status == ApplicationState.SUBMITTED


def test_a_late_submission_from_the_page_says_why(rep_client, round, organisation):
    app = application(round, organisation)
    FundingRoundPage = type(round)
    FundingRoundPage.objects.filter(pk=round.pk).update(
        closes_at=timezone.now() - timedelta(minutes=1)
    )
    response = rep_client.post(f"/en/applications/{app.pk}/act/submit/", follow=True)
    assert "no more can be submitted" in response.content.decode()
    app.refresh_from_db()
    assert app.status == ApplicationState.DRAFT


def test_attachments_are_uploaded_checked_and_downloaded(rep_client, round, organisation):
    app = application(round, organisation)
    data = application_data(
        organisation.communities.all(),
        existing_lines=list(app.budget_lines.all()),
        lines=(),
        existing_indicators=list(app.indicators.all()),
        indicators=(),
    )
    data.update(management("attachments", 1))
    data["attachments-0-title"] = ""
    data["attachments-0-file"] = SimpleUploadedFile("预算表.pdf", PDF, "application/pdf")
    rep_client.post(f"/en/applications/{app.pk}/edit/", data)
    attachment = app.attachments.get()
    assert attachment.title == "预算表.pdf"
    download = rep_client.get(f"/applications/{app.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")

    data["attachments-0-file"] = SimpleUploadedFile("evil.html", b"<script>", "text/html")
    response = rep_client.post(f"/en/applications/{app.pk}/edit/", data)
    assert response.context["attachments"].forms[0].errors["file"]
    assert app.attachments.count() == 1


def every_url(app, attachment_pk):
    return [
        ("get", f"/applications/{app.pk}/"),
        ("get", f"/applications/{app.pk}/edit/"),
        ("post", f"/applications/{app.pk}/edit/"),
        ("post", f"/applications/{app.pk}/act/submit/"),
        ("post", f"/applications/{app.pk}/act/withdraw/"),
        ("post", f"/applications/{app.pk}/act/resubmit/"),
        ("get", f"/applications/{app.pk}/attachments/{attachment_pk}/"),
    ]


@pytest.mark.parametrize("status", [ApplicationState.DRAFT, ApplicationState.SUBMITTED])
def test_another_organisations_representative_finds_nothing(client, round, organisation, status):
    app = application(round, organisation, status=status, title="别人的项目",
                      submitted_at=timezone.now() if status != "draft" else None)  # fmt: skip
    attachment = app.attachments.create(
        title="别人的附件", file=SimpleUploadedFile("a.pdf", PDF, "application/pdf")
    )
    other = OrganisationFactory(
        street=organisation.street, communities=organisation.communities.all()
    )
    client.force_login(representative_of(other))
    for method, url in every_url(app, attachment.pk):
        response = getattr(client, method)(url)
        assert response.status_code == 404, (method, url)
    app.refresh_from_db()
    assert app.status == status


def test_who_sees_an_application(client, round, organisation):
    draft = application(round, organisation, title="草稿")
    submitted = application(round, organisation, status=ApplicationState.SUBMITTED,
                            submitted_at=timezone.now())  # fmt: skip
    officer, stranger_officer, staff = UserFactory(), UserFactory(), UserFactory()
    grant_role(officer, Role.STREET_OFFICER, street=round.street)
    grant_role(stranger_officer, Role.STREET_OFFICER, street=StreetFactory())
    grant_role(staff, Role.COMMUNITY_STAFF, community=organisation.communities.get())
    expected = {
        None: (404, 404),
        representative_of(organisation): (200, 200),
        officer: (404, 200),  # a draft is the organisation's own
        stranger_officer: (404, 404),
        staff: (404, 404),  # community staff read submitted ones in the admin
        UserFactory(): (404, 404),
    }
    for user, statuses in expected.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        got = tuple(client.get(f"/applications/{a.pk}/").status_code for a in (draft, submitted))
        assert got == statuses, user


def test_the_application_page_in_a_few_queries(
    rep_client, round, organisation, django_assert_max_num_queries
):
    lines = [(f"项目{n}", "10.00", 2, "20.00", "0") for n in range(12)]
    app = application(round, organisation, lines=lines)
    for n in range(4):
        app.indicators.create(name=f"指标{n}", unit="次", target=n)
    rep_client.get("/en/applications/mine/")  # the site's settings are made on a first visit
    with django_assert_max_num_queries(14):
        response = rep_client.get(f"/en/applications/{app.pk}/")
    body = response.content.decode()
    assert "项目11" in body
    assert "240.00" in body  # the requested total, the sum of the twelve lines


def test_my_applications_lists_mine_only(rep_client, round, organisation):
    application(round, organisation, title="我的项目")
    application(round, OrganisationFactory(street=round.street), title="别人的项目")
    body = rep_client.get("/en/applications/mine/").content.decode()
    assert "我的项目" in body and "别人的项目" not in body
    assert "8000.00 yuan requested" in body  # a sum of Decimal lines, to the fen


def test_the_round_page_invites_eligible_representatives(client, round, organisation):
    anonymous = client.get(f"/{round.slug}/").content.decode()
    assert "50,000.00" in anonymous or "50000.00" in anonymous
    assert "需求的迫切性" in anonymous and "30%" in anonymous
    assert f"/rounds/{round.pk}/apply/" not in anonymous
    client.force_login(representative_of(organisation))
    body = client.get(f"/{round.slug}/").content.decode()
    assert f"/rounds/{round.pk}/apply/?organisation={organisation.pk}" in body


def test_the_round_page_tells_a_suspended_organisation_why_not(client, round, organisation):
    organisation.status = OrganisationState.SUSPENDED
    organisation.save()
    client.force_login(representative_of(organisation))
    body = client.get(f"/en/{round.slug}/").content.decode()
    assert "is suspended" in body
    assert f"/rounds/{round.pk}/apply/" not in body


def test_submission_notifies_the_street_office(rep_client, round, organisation):
    officer = UserFactory()
    grant_role(officer, Role.STREET_OFFICER, street=round.street)
    app = application(round, organisation)
    rep_client.post(f"/applications/{app.pk}/act/submit/")
    notice = Notification.objects.get(recipient=officer)
    assert notice.url == f"/applications/{app.pk}/"


def test_the_round_page_in_a_few_queries(
    client, round, organisation, django_assert_max_num_queries
):
    for _n in range(3):
        application(round, organisation)
    client.force_login(representative_of(organisation))
    client.get("/en/applications/mine/")  # the site's settings are made on a first visit
    # 18: one for the awards' public notice (none yet: the list and objections stay hidden),
    # one for the residents' vote (none open: nothing shown).
    with django_assert_max_num_queries(18):
        response = client.get(f"/en/{round.slug}/")
    assert response.status_code == 200


def test_a_refused_line_says_its_cost_to_the_fen(rep_client, round, organisation):
    lines = (("场地租金", "100", "3", "200", ""),)
    response = rep_client.post(
        apply_url(round), application_data(organisation.communities.all(), lines=lines)
    )
    message = " ".join(response.context["lines"].forms[0].non_field_errors())
    assert "300.00 yuan (100.00 × 3)" in message


def test_my_applications_say_what_was_awarded(rep_client, round, organisation):
    application(
        round,
        organisation,
        title="长者书法课堂",
        status=ApplicationState.AWARDED,
        awarded_amount=Decimal("6500.00"),
    )
    application(round, organisation, title="楼道微更新", status=ApplicationState.DECLINED)
    body = rep_client.get("/en/applications/mine/").content.decode()
    assert "8000.00 yuan requested" in body
    assert body.count("yuan awarded") == 1
    assert "6500.00 yuan awarded" in body


def test_a_closed_round_invites_nobody_to_apply(client, organisation):
    closed = funding_round(organisation.street, open_now=False)
    page = client.get(f"/en/{closed.slug}/").content.decode()
    assert "Applications to this round are closed." in page
    assert "Log in to apply" not in page
