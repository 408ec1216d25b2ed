"""The community ledger: what a community did in a period, computed from its records, asked for
by its staff in the admin and built in the background."""

import re
import subprocess
from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse
from django.utils import timezone, translation

from communities.models import Role
from communities.roles import grant_role
from consultation.models import Ballot
from projects import ledger
from projects.models import GeneratedReport, ReportKind
from tests.consultation.factories import TopicFactory
from tests.factories import CommunityFactory, UserFactory

from .delivery import activity, funded_project
from .reviewing import TOTP_SECRET, officer_of

pytestmark = pytest.mark.django_db


def pdf_text(pdf):
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=bytes(pdf), capture_output=True, check=True
    ).stdout.decode()
    return " ".join(text.split())


def staff_of(community):
    user = UserFactory()
    grant_role(user, Role.COMMUNITY_STAFF, community=community)
    TOTP.activate(user, TOTP_SECRET)
    return user


@pytest.fixture
def city():
    """A community with a project, an activity, topics and a closed ballot in the period; a
    topic of last year; and a neighbouring community with its own topic and project."""
    project = funded_project()
    community = project.application.communities.first()
    activity(project, title="手机课堂：学会视频通话")
    now = timezone.now()
    parking = TopicFactory(community=community, title="小区停车难", status="voting")
    TopicFactory(community=community, title="去年的议题", submitted_at=now - timedelta(days=400))
    Ballot.objects.create(
        community=community,
        topic=parking,
        question="是否划定夜间停车位",
        opens_at=now - timedelta(days=10),
        closes_at=now - timedelta(days=3),
        status="closed",
        opened_by=UserFactory(),
        eligible_count=200,
        voter_count=120,
        quorum_met=True,
    )
    other = CommunityFactory(street=community.street)
    TopicFactory(community=other, title="别的社区的议题")
    neighbour = funded_project(title="邻里互助食堂")
    neighbour.application.communities.set([other])
    activity(neighbour, title="食堂开张", community=other)
    return community


def build(community, categories=ledger.CATEGORY_KEYS, days=120):
    today = timezone.localdate()
    with translation.override("en"):
        return pdf_text(
            ledger.build_ledger(community, today - timedelta(days=days), today, categories)
        )


def test_ledger_lists_the_communitys_records_of_the_period_only(city):
    text = build(city)

    assert "Community ledger" in text
    assert "小区停车难" in text
    assert "是否划定夜间停车位" in text
    assert "120 / 200" in text and "60.0%" in text  # the ballot's turnout
    assert "长者智能手机课堂" in text  # the project serving it
    assert "手机课堂：学会视频通话" in text
    assert "去年的议题" not in text  # raised before the period
    assert "别的社区的议题" not in text
    assert "邻里互助食堂" not in text
    assert "食堂开张" not in text


def test_parts_left_unticked_are_not_in_the_ledger(city):
    text = build(city, categories=["activities"])

    assert "手机课堂：学会视频通话" in text
    assert "Consultation" not in text
    assert "小区停车难" not in text
    assert "Funded projects" not in text
    assert "Residents' feedback" not in text


def test_a_period_before_the_records_is_empty(city):
    today = timezone.localdate()
    with translation.override("en"):
        text = pdf_text(
            ledger.build_ledger(
                city, today - timedelta(days=900), today - timedelta(days=500), ["consultation"]
            )
        )

    assert "小区停车难" not in text
    assert "0 topics raised" in text


def test_staff_ask_for_a_ledger_and_follow_it_to_the_download(
    client, city, django_capture_on_commit_callbacks
):
    user = staff_of(city)
    client.force_login(user)
    form = client.get(reverse("projects_ledger"))
    assert form.status_code == 200
    ticked = re.findall(
        r'<input type="checkbox" name="categories" value="(\w+)"[^>]*checked', form.text
    )
    assert ticked == ledger.CATEGORY_KEYS  # every part, unless the person unticks some

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("projects_ledger"),
            {
                "community": city.pk,
                "period_start": f"{timezone.localdate().year}-01-01",
                "period_end": f"{timezone.localdate().year}-12-31",
                "categories": ["consultation", "activities"],
            },
        )

    report = GeneratedReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:report_status", args=[report.pk])
    assert report.kind == ReportKind.LEDGER
    assert report.categories == ["consultation", "activities"]
    assert report.status == GeneratedReport.Status.DONE
    assert report.steps_done == report.steps_total == 3
    download = client.get(reverse("projects:report_download", args=[report.pk]))
    assert "小区停车难" in pdf_text(download.content)
    assert city.name in client.get(reverse("projects_ledger")).text  # listed as recent


def test_staff_of_another_community_cannot_ask_for_this_ones_ledger(client, city):
    other = CommunityFactory(street=city.street)
    client.force_login(staff_of(other))

    response = client.post(
        reverse("projects_ledger"),
        {
            "community": city.pk,
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "categories": ["consultation"],
        },
    )

    assert response.status_code == 200
    assert GeneratedReport.objects.count() == 0


def test_a_ledger_is_readable_by_its_communitys_staff_and_street_only(client, city):
    report = GeneratedReport.objects.create(
        kind=ReportKind.LEDGER,
        community=city,
        period_start=timezone.localdate(),
        period_end=timezone.localdate(),
        requested_by=staff_of(city),
    )
    status = reverse("projects:report_status", args=[report.pk])

    client.force_login(staff_of(city))
    assert client.get(status).status_code == 200
    client.force_login(officer_of(city.street))
    assert client.get(status).status_code == 200
    client.force_login(staff_of(CommunityFactory(street=city.street)))
    assert client.get(status).status_code == 404
    client.force_login(UserFactory())
    assert client.get(status).status_code == 404
    assert client.get(reverse("projects_ledger")).status_code in (302, 404)


def test_the_ledger_screen_takes_a_flat_number_of_queries(
    client, city, django_assert_max_num_queries
):
    user = staff_of(city)
    client.force_login(user)
    for _ in range(5):
        GeneratedReport.objects.create(
            kind=ReportKind.LEDGER,
            community=city,
            period_start=timezone.localdate(),
            period_end=timezone.localdate(),
            requested_by=user,
        )

    with django_assert_max_num_queries(30):
        assert client.get(reverse("projects_ledger")).status_code == 200
