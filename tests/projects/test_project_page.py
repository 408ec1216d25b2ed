"""The public pages of funded projects: anyone reads what a project promised and did, its
figures and its residents' satisfaction, never who signed in or who wrote a comment.

Pages are read in English (assertions read English text)."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from PIL import Image
from wagtail.models import Site

from consultation.models import Satisfaction
from home.models import SiteSettings
from projects.charts import figure_charts
from projects.figures import project_figures
from projects.models import ActivityPhoto, Grade, ProjectState, SignIn
from tests.factories import CommunityFactory, VerifiedResidentFactory

from .delivery import activity, feedback, funded_project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site_settings():
    SiteSettings.objects.get_or_create(site=Site.objects.get(is_default_site=True))


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def en(name, *args):
    with translation.override("en"):
        return reverse(f"projects:{name}", args=args)


@pytest.fixture
def project():
    return funded_project()


def test_anyone_reads_a_project_its_figures_and_activities_but_no_names(client, project):
    resident = VerifiedResidentFactory(real_name="王秀英")
    first = activity(project, title="智能手机入门", signed_in=3, offline=2)
    SignIn.objects.create(activity=first, user=resident.user, verified=True)
    rating = feedback(first, Satisfaction.SATISFIED, user=resident.user)
    rating.comment = "老师讲得很清楚"
    rating.save()
    feedback(first, Satisfaction.DISSATISFIED, verified=False)

    response = client.get(project.get_absolute_url())

    assert response.status_code == 200
    text = response.content.decode()
    assert project.title in text and project.organisation.name in text
    assert reverse("organisations:detail", args=[project.organisation.pk]) in text
    assert "智能手机入门" in text
    assert "6 participants" in text and "(4 signed in, 2 typed in)" in text
    assert "<strong>100.0%</strong> satisfied" in text
    assert "Unverified (guests and residents not yet verified): 1 rating, 0.0% satisfied" in text
    assert "老师讲得很清楚" in text
    assert "王秀英" not in text and resident.user.username not in text
    assert "<svg" in text  # the charts beside the tables


def test_an_activity_shows_its_first_photo(client, project):
    record = activity(project)
    photos = [photo(record, "red"), photo(record, "blue")]

    text = client.get(project.get_absolute_url()).content.decode()

    assert photos[0].image.url in text and photos[1].image.url not in text


def photo(record, colour):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return ActivityPhoto.objects.create(
        activity=record, image=SimpleUploadedFile("photo.jpg", buffer.getvalue())
    )


def test_a_guests_comment_is_not_shown(client, project):
    record = activity(project)
    guest = feedback(record, Satisfaction.BASIC, verified=False)
    guest.comment = "不知道是谁写的"
    guest.save()

    text = client.get(project.get_absolute_url()).content.decode()

    assert "不知道是谁写的" not in text


def test_the_grade_shows_once_final_evaluated(client, project):
    assert "Final evaluation" not in client.get(project.get_absolute_url()).content.decode()
    project.status = ProjectState.FINAL_EVALUATED
    project.grade = Grade.GOOD
    project.final_score = Decimal("84.5")
    project.save()

    text = client.get(project.get_absolute_url()).content.decode()

    assert "Good" in text and "84.5 points" in text


def test_the_project_page_with_40_activities_stays_within_its_query_budget(
    client, project, django_assert_max_num_queries
):
    for day in range(40):
        record = activity(project, held_on=project.starts_on + timedelta(days=day), signed_in=2)
        feedback(record, Satisfaction.SATISFIED)

    with django_assert_max_num_queries(20):
        response = client.get(project.get_absolute_url())

    assert response.context["activities"].paginator.count == 40
    assert len(response.context["activities"]) == 20
    newest = project.starts_on + timedelta(days=39)
    assert response.context["activities"][0].held_on == newest
    second = client.get(project.get_absolute_url() + "?page=2")
    assert len(second.context["activities"]) == 20


def test_an_unknown_project_is_not_found(client):
    assert client.get(en("project", 999999)).status_code == 404


def test_the_list_shows_projects_with_satisfaction_and_filters_by_community(
    client, project, django_assert_max_num_queries
):
    feedback(activity(project), Satisfaction.SATISFIED)
    elsewhere = funded_project(title="社区花园营造")
    served = project.application.communities.first()

    with django_assert_max_num_queries(12):
        response = client.get(en("projects"))
    text = response.content.decode()
    assert project.title in text and "社区花园营造" in text
    assert "100.0% satisfied, of 1 verified resident" in text
    assert "Not rated by verified residents yet" in text

    text = client.get(en("projects") + f"?community={served.slug}").content.decode()
    assert project.title in text and elsewhere.title not in text
    street = elsewhere.round.street
    text = client.get(en("projects") + f"?street={street.slug}").content.decode()
    assert elsewhere.title in text and project.title not in text
    other = CommunityFactory()
    assert (
        "No funded project here yet"
        in client.get(en("projects") + f"?community={other.slug}").content.decode()
    )


def test_the_footer_links_to_the_projects(client):
    assert en("projects") in client.get(en("projects")).content.decode().split("site-footer")[1]


def test_the_organisation_page_lists_its_projects(client, project):
    text = client.get(project.organisation.get_absolute_url()).content.decode()

    assert project.get_absolute_url() in text and project.title in text


def test_the_charts_are_built_from_the_figures_for_the_page_and_the_report(project):
    activity(project, signed_in=4)

    charts = figure_charts(project_figures(project))

    assert set(charts) == {"indicators", "satisfaction", "per_month", "spending"}
    assert all(str(chart).startswith("<svg") for chart in charts.values())
    assert "服务居民" in charts["indicators"] and "活动材料" in charts["spending"]


def test_the_figures_block_renders_on_its_own(project):
    """The representative's workspace includes the same block with the same two variables."""
    figures = project_figures(project)
    html = Template('{% include "projects/_figures.html" %}').render(
        Context({"figures": figures, "charts": figure_charts(figures)})
    )

    assert "Indicators against targets" in html and "30,000.00" in html
