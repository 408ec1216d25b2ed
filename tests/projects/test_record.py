"""A funded project's record on the public site: its representatives and the staff of the
communities it serves record activities (and print their QR codes), expenses and manual
indicator readings; everyone else finds nothing (404); a refused entry saves nothing."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from PIL import Image

from communities.history_reasons import parse_reason
from projects.models import (
    Activity,
    ActivityPhoto,
    Expense,
    IndicatorReading,
    Measure,
    ProjectState,
)
from projects.record_views import scan_url
from tests.factories import UserFactory
from tests.organisations.factories import OrganisationFactory, representative_of

from .delivery import activity, community_staff, feedback, funded_project, representative
from .reviewing import officer_of

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def project():
    return funded_project()


@pytest.fixture
def rep_client(client, project):
    client.force_login(representative(project))
    return client


def url(name, *args):
    with translation.override("en"):
        return reverse(f"projects:{name}", args=args)


def png(name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def activity_data(project, **fields):
    counted = project.application.indicators.exclude(measure=Measure.MANUAL)
    return {
        "held_on": (project.starts_on + timedelta(days=10)).isoformat(),
        "title": "手机课堂：学会扫码挂号",
        "place": "社区活动室",
        "community": project.application.communities.first().pk,
        "participants_offline": "5",
        "volunteers": "2",
        "volunteer_hours": "4",
        "notes": "",
        "indicators": [i.pk for i in counted],
        **fields,
    }


def form_errors(response):
    form = response.context["form"]
    return [str(e) for e in form.non_field_errors()] + [
        str(e) for errors in form.errors.values() for e in errors
    ]


def line(project, item):
    return project.application.budget_lines.get(item=item)


def manual_indicator(project):
    return project.application.indicators.get(measure=Measure.MANUAL)


# Recording an activity.


def test_a_representative_records_an_activity_with_its_indicators_and_a_photo(rep_client, project):
    response = rep_client.post(
        url("activity_add", project.pk), {**activity_data(project), "photos": [png()]}
    )
    recorded = Activity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("activity_qr", recorded.pk)
    assert recorded.project == project
    assert recorded.participants_offline == 5
    assert set(recorded.indicators.values_list("measure", flat=True)) == {
        Measure.PARTICIPANTS,
        Measure.SESSIONS,
        Measure.VOLUNTEER_HOURS,
    }
    assert ActivityPhoto.objects.filter(activity=recorded).count() == 1
    rep = project.application.organisation.representatives.get().user
    assert recorded.recorded_by == rep
    assert recorded.history.get().history_user == rep


def test_the_new_activity_form_is_filled_in_for_today_the_only_community_and_counted_indicators(
    rep_client, project
):
    form = rep_client.get(url("activity_add", project.pk)).context["form"]
    assert form.initial["held_on"] == date.today()
    assert form.initial["community"] == project.application.communities.get().pk
    counted = project.application.indicators.exclude(measure=Measure.MANUAL)
    assert sorted(form.initial["indicators"]) == sorted(i.pk for i in counted)
    assert list(form.fields["community"].queryset) == list(project.application.communities.all())


def test_staff_of_a_served_community_records_an_activity(client, project):
    staff = community_staff(project)
    client.force_login(staff)
    response = client.post(url("activity_add", project.pk), activity_data(project))
    assert response.status_code == 302
    assert Activity.objects.get().recorded_by == staff


def test_editing_an_activity_keeps_its_code_and_adds_photos(rep_client, project):
    existing = activity(project)
    code = existing.code
    response = rep_client.post(
        url("activity_edit", existing.pk),
        {**activity_data(project, title="手机课堂（第二次）"), "photos": [png(), png("b.png")]},
    )
    assert response.status_code == 302
    existing.refresh_from_db()
    assert existing.title == "手机课堂（第二次）"
    assert existing.code == code
    assert existing.photos.count() == 2
    assert parse_reason(existing.history.first().history_change_reason)[0] == (
        "project.activity_changed"
    )


@pytest.mark.parametrize("who", ["other_representative", "resident"])
def test_people_who_do_not_keep_the_record_find_nothing(client, project, who):
    other = representative_of(OrganisationFactory(street=project.round.street))
    existing = activity(project)
    client.force_login(other if who == "other_representative" else UserFactory())
    for name, arg in [
        ("record", project.pk),
        ("activity_add", project.pk),
        ("expense_add", project.pk),
        ("reading_add", project.pk),
        ("activity_edit", existing.pk),
        ("activity_qr", existing.pk),
    ]:
        assert client.get(url(name, arg)).status_code == 404, name
    response = client.post(url("activity_add", project.pk), activity_data(project))
    assert response.status_code == 404
    assert Activity.objects.count() == 1
    assert project.title not in client.get(url("my_projects")).content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, project):
    response = client.get(url("record", project.pk))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_activity_outside_the_projects_period_is_refused_and_nothing_saved(rep_client, project):
    late = project.ends_on + timedelta(days=1)
    response = rep_client.post(
        url("activity_add", project.pk),
        {**activity_data(project, held_on=late.isoformat()), "photos": [png()]},
    )
    assert response.status_code == 200
    assert any("outside it" in error for error in form_errors(response))
    assert not Activity.objects.exists()
    assert not ActivityPhoto.objects.exists()


def test_negative_participants_are_refused_with_a_clear_message(rep_client, project):
    response = rep_client.post(
        url("activity_add", project.pk), activity_data(project, participants_offline="-3")
    )
    assert response.status_code == 200
    assert "Write a number of 0 or more." in form_errors(response)
    assert not Activity.objects.exists()


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_saved(rep_client, project):
    fake = SimpleUploadedFile("photo.png", b"not an image at all", content_type="image/png")
    response = rep_client.post(
        url("activity_add", project.pk), {**activity_data(project), "photos": [png(), fake]}
    )
    assert response.status_code == 200
    assert any("photo.png" in error for error in form_errors(response))
    assert not Activity.objects.exists()
    assert not ActivityPhoto.objects.exists()


# The workspace.


def test_the_workspace_shows_activities_milestones_indicators_and_spending(rep_client, project):
    activity(project, title="长者手机课堂第一课", signed_in=3, offline=2)
    response = rep_client.get(url("record", project.pk))
    page = response.content.decode()
    assert url("activity_add", project.pk) in page
    assert "长者手机课堂第一课" in page
    assert "signed in 3 · typed in 2" in page
    assert "签约拨付" in page and "not paid yet" in page
    assert "5 of 200 人次" in page  # participants indicator: 3 signed in + 2 typed in
    assert url("expense_add", project.pk) in page
    assert url("reading_add", project.pk) in page
    assert "20,000.00" in page


def test_the_workspace_keeps_its_queries_flat(rep_client, project, django_assert_max_num_queries):
    for n in range(30):
        activity(project, held_on=project.starts_on + timedelta(days=n % 20), signed_in=n % 3)
        Expense.objects.create(
            project=project,
            budget_line=line(project, "活动材料"),
            spent_on=date.today(),
            amount=Decimal("10.00"),
            description=f"材料 {n}",
            receipt=receipt(),
        )
    with django_assert_max_num_queries(20):
        response = rep_client.get(url("record", project.pk))
    assert response.content.decode().count(">QR code<") == 30


def test_my_projects_lists_the_projects_i_keep_the_record_of(
    rep_client, project, django_assert_max_num_queries
):
    activity(project)
    activity(project)
    other = funded_project(title="社区花园")
    with django_assert_max_num_queries(10):
        page = rep_client.get(url("my_projects")).content.decode()
    assert project.title in page and "2 activities" in page
    assert url("record", project.pk) in page
    assert other.title not in page
    applications = rep_client.get(url("my_applications")).content.decode()
    assert url("my_projects") in applications


# The QR code.


def test_the_qr_page_shows_the_code_of_the_scan_address_and_the_counts(rep_client, project):
    try:
        url("scan", "6f1c1d3e-7f2a-4a51-9a51-7e7e8c2a1b00")
    except NoReverseMatch:
        pytest.skip("the scan page is not there yet")
    existing = activity(project, signed_in=2, offline=4)
    feedback(existing, "satisfied")
    page = rep_client.get(url("activity_qr", existing.pk)).content.decode()
    assert "<svg" in page
    assert 'viewBox="0 0' in page  # sized by the page's CSS, to fill a printed sheet
    assert scan_url(existing) in page
    assert str(existing.code) in scan_url(existing)
    assert "Scan to sign in · scan after the activity to rate it" in page
    assert "Print the code" in page


# Expenses and readings.


def receipt(name="receipt.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def expense_data(project, amount, **fields):
    return {
        "budget_line": line(project, "志愿者补贴").pk,
        "spent_on": date.today().isoformat(),
        "amount": amount,
        "description": "三月志愿者交通补贴",
        "receipt": receipt(),
        **fields,
    }


def test_the_budget_lines_say_what_is_left(rep_client, project):
    Expense.objects.create(
        project=project,
        budget_line=line(project, "志愿者补贴"),
        spent_on=date.today(),
        amount=Decimal("2500.00"),
        description="一月补贴",
        receipt=receipt(),
    )
    page = rep_client.get(url("expense_add", project.pk)).content.decode()
    assert "志愿者补贴 (left: 7500.00 yuan)" in page


def test_an_expense_past_its_lines_remaining_money_is_refused_and_within_it_saved(
    rep_client, project
):
    response = rep_client.post(url("expense_add", project.pk), expense_data(project, "10000.01"))
    assert response.status_code == 200
    assert any("does not fit" in error for error in form_errors(response))
    assert not Expense.objects.exists()

    response = rep_client.post(url("expense_add", project.pk), expense_data(project, "10,000"))
    assert response.status_code == 302
    expense = Expense.objects.get()
    assert expense.amount == Decimal("10000.00")
    assert expense.recorded_by == project.application.organisation.representatives.get().user
    page = rep_client.get(url("record", project.pk)).content.decode()
    assert "三月志愿者交通补贴" in page
    assert url("expense_receipt", expense.pk) in page


def test_a_receipt_that_is_not_a_pdf_or_photo_is_refused(rep_client, project):
    text = SimpleUploadedFile("receipt.txt", b"paid", content_type="text/plain")
    data = expense_data(project, "100", receipt=text)
    response = rep_client.post(url("expense_add", project.pk), data)
    assert response.status_code == 200
    assert not Expense.objects.exists()


def test_a_reading_is_saved_with_its_evidence_and_shown_as_the_actual_value(rep_client, project):
    indicator = manual_indicator(project)
    form = rep_client.get(url("reading_add", project.pk)).context["form"]
    assert list(form.fields["indicator"].queryset) == [indicator]
    response = rep_client.post(
        url("reading_add", project.pk),
        {"indicator": indicator.pk, "value": "37", "note": "入户问卷", "evidence": receipt()},
    )
    assert response.status_code == 302
    reading = IndicatorReading.objects.get()
    assert reading.evidence.name.endswith(".pdf")
    page = rep_client.get(url("record", project.pk)).content.decode()
    assert "37 of 50 户" in page
    assert url("reading_evidence", reading.pk) in page


# A complete record.


def test_a_closed_project_shows_no_forms_and_refuses_entries(rep_client, project):
    existing = activity(project)
    project.status = ProjectState.CLOSED
    project.save()
    page = rep_client.get(url("record", project.pk)).content.decode()
    assert "its record is complete" in page
    for name, arg in [
        ("activity_add", project.pk),
        ("expense_add", project.pk),
        ("reading_add", project.pk),
        ("activity_edit", existing.pk),
    ]:
        assert url(name, arg) not in page
    response = rep_client.post(url("activity_add", project.pk), activity_data(project))
    assert response.status_code == 302
    assert response["Location"] == url("record", project.pk)
    assert Activity.objects.count() == 1
    rep_client.post(url("expense_add", project.pk), expense_data(project, "100"))
    assert not Expense.objects.exists()


# Downloads.


def test_receipts_and_evidence_reach_recorders_and_the_street_office_only(client, project):
    expense = Expense.objects.create(
        project=project,
        budget_line=line(project, "活动材料"),
        spent_on=date.today(),
        amount=Decimal("300.00"),
        description="教材打印",
        receipt=receipt(),
    )
    reading = IndicatorReading.objects.create(
        project=project, indicator=manual_indicator(project), value=10, evidence=receipt()
    )
    downloads = [url("expense_receipt", expense.pk), url("reading_evidence", reading.pk)]
    for address in downloads:
        assert client.get(address).status_code == 404
    client.force_login(representative_of(OrganisationFactory(street=project.round.street)))
    for address in downloads:
        assert client.get(address).status_code == 404
    client.force_login(officer_of(project.round.street))
    for address in downloads:
        response = client.get(address)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
    client.force_login(representative(project))
    assert client.get(downloads[0]).status_code == 200
