"""Scanning an activity's printed QR code: sign in on the day, rate it for a month afterwards;
verified residents once each, guests once per phone and counted apart as unverified.

Pages are read in English (assertions read English text)."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import Site

from consultation.models import Satisfaction
from home.models import SiteSettings
from projects.attendance import GUEST_FEEDBACK_PER_DAY
from projects.figures import project_figures
from projects.models import Feedback, SignIn
from projects.scan_views import DEVICE_COOKIE
from tests.factories import ResidentFactory, VerifiedResidentFactory

from .delivery import activity, feedback, funded_project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site_settings():
    """As on a running site: otherwise the first page shown creates them, in the query count."""
    SiteSettings.objects.get_or_create(site=Site.objects.get(is_default_site=True))


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def url(name, record):
    with translation.override("en"):
        return reverse(f"projects:{name}", args=[record.code])


def messages_of(response):
    return [str(m) for m in response.wsgi_request._messages._queued_messages]


def today():
    return timezone.localdate()


@pytest.fixture
def project():
    return funded_project()


@pytest.fixture
def todays(project):
    return activity(project, held_on=today(), title="长者手机课堂第三课", place="幸福里活动室")


@pytest.fixture
def resident():
    return VerifiedResidentFactory().user


def test_an_unknown_code_is_not_found(client):
    response = client.get(f"/en/a/{uuid.uuid4()}/")
    assert response.status_code == 404


def test_the_page_shows_the_activity_and_gives_a_guest_a_device_cookie(
    client, todays, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        response = client.get(url("scan", todays))

    assert response.status_code == 200
    text = response.content.decode()
    assert "长者手机课堂第三课" in text and "幸福里活动室" in text
    assert todays.project.organisation.name in text
    assert "Sign in as a guest" in text and "Log in to sign in as a resident" in text
    cookie = response.cookies[DEVICE_COOKIE]
    assert len(cookie.value) >= 32
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_a_verified_resident_signs_in_on_the_day_once(
    client, todays, resident, django_assert_max_num_queries
):
    client.force_login(resident)

    response = client.post(url("scan_sign_in", todays))

    assert response.status_code == 302
    sign_in = SignIn.objects.get(activity=todays)
    assert sign_in.user == resident and sign_in.verified
    response = client.post(url("scan_sign_in", todays))
    assert messages_of(response) == ["You have signed in already."]
    assert SignIn.objects.filter(activity=todays).count() == 1
    with django_assert_max_num_queries(10):
        page = client.get(url("scan", todays))
    assert "You have signed in already." in page.content.decode()


def test_a_resident_not_yet_verified_signs_in_unverified(client, todays):
    client.force_login(ResidentFactory().user)

    client.post(url("scan_sign_in", todays))

    assert SignIn.objects.get(activity=todays).verified is False


def test_a_guest_signs_in_once_per_phone(client, todays):
    client.get(url("scan", todays))  # the first visit sets the device cookie

    first = client.post(url("scan_sign_in", todays))
    second = client.post(url("scan_sign_in", todays))

    guest = SignIn.objects.get(activity=todays)
    assert guest.user is None and not guest.verified
    assert guest.device == client.cookies[DEVICE_COOKIE].value
    assert "signed in as a guest" in messages_of(first)[0]
    assert messages_of(second) == ["You have signed in already."]


def test_another_phone_signs_in_as_another_guest(client, todays):
    client.post(url("scan_sign_in", todays))
    client.cookies.clear()

    client.post(url("scan_sign_in", todays))

    assert SignIn.objects.filter(activity=todays, user=None).count() == 2


def test_sign_in_before_the_day_is_refused(client, project, resident):
    later = activity(project, held_on=today() + timedelta(days=3))
    client.force_login(resident)

    response = client.post(url("scan_sign_in", later))

    assert not SignIn.objects.exists()
    day = (today() + timedelta(days=3)).strftime("%Y-%m-%d")
    assert messages_of(response) == [f"Sign-in opens on {day}, the day of the activity."]
    assert f"Sign-in opens on {day}" in client.get(url("scan", later)).content.decode()


def test_after_the_day_sign_in_is_closed_and_feedback_is_offered(client, project):
    yesterday = activity(project, held_on=today() - timedelta(days=1))

    refused = client.post(url("scan_sign_in", yesterday))
    page = client.get(url("scan", yesterday)).content.decode()

    assert not SignIn.objects.exists()
    assert "Sign-in is closed" in messages_of(refused)[0]
    assert "Sign-in is closed" in page
    assert "Send my feedback" in page


def test_a_verified_resident_rates_an_activity_once(client, todays, resident):
    client.force_login(resident)

    client.post(url("scan_feedback", todays), {"rating": "satisfied", "comment": "老师很耐心"})
    again = client.post(url("scan_feedback", todays), {"rating": "dissatisfied"})

    rating = Feedback.objects.get(activity=todays)
    assert (rating.rating, rating.comment, rating.verified) == ("satisfied", "老师很耐心", True)
    assert messages_of(again) == ["You have rated this activity already."]
    page = client.get(url("scan", todays)).content.decode()
    assert "You rated it: Satisfied" in page and "老师很耐心" in page
    assert "Send my feedback" not in page


def test_guest_feedback_is_kept_unverified_and_apart_in_the_figures(client, todays, resident):
    feedback(todays, Satisfaction.SATISFIED, user=resident)

    response = client.post(url("scan_feedback", todays), {"rating": "dissatisfied"})
    again = client.post(url("scan_feedback", todays), {"rating": "satisfied"})

    guest = Feedback.objects.get(activity=todays, user=None)
    assert not guest.verified and guest.device == client.cookies[DEVICE_COOKIE].value
    assert "counts as unverified" in messages_of(response)[0]
    assert messages_of(again) == ["You have rated this activity already."]
    figures = project_figures(todays.project)["satisfaction"]
    assert (figures["count"], figures["rate"]) == (1, 100.0)
    assert (figures["guest_count"], figures["guest_rate"]) == (1, 0.0)
    page = client.get(url("scan", todays)).content.decode()
    assert "Your rating counts as unverified" in page


def test_an_invalid_rating_saves_nothing(client, todays, resident):
    client.force_login(resident)

    response = client.post(url("scan_feedback", todays), {"rating": "brilliant"})
    too_long = client.post(url("scan_feedback", todays), {"rating": "basic", "comment": "长" * 501})

    assert not Feedback.objects.exists()
    assert messages_of(response) == ["Choose satisfied, basically satisfied or dissatisfied."]
    assert messages_of(too_long) == ["A comment may have at most 500 characters."]


def test_feedback_more_than_30_days_after_is_refused(client, project, resident):
    old = activity(project, held_on=today() - timedelta(days=31))
    last_day = activity(project, held_on=today() - timedelta(days=30))
    client.force_login(resident)

    refused = client.post(url("scan_feedback", old), {"rating": "satisfied"})
    client.post(url("scan_feedback", last_day), {"rating": "satisfied"})

    assert list(Feedback.objects.values_list("activity", flat=True)) == [last_day.pk]
    assert "Feedback closed on" in messages_of(refused)[0]
    assert "Feedback closed on" in client.get(url("scan", old)).content.decode()


def test_feedback_before_the_day_is_refused(client, project):
    later = activity(project, held_on=today() + timedelta(days=1))

    client.post(url("scan_feedback", later), {"rating": "satisfied"})

    assert not Feedback.objects.exists()


def test_one_phone_may_rate_only_so_many_activities_a_day_as_a_guest(client, project):
    activities = [activity(project, held_on=today()) for _ in range(GUEST_FEEDBACK_PER_DAY + 1)]
    client.get(url("scan", activities[0]))

    for record in activities[:GUEST_FEEDBACK_PER_DAY]:
        client.post(url("scan_feedback", record), {"rating": "basic"})
    refused = client.post(url("scan_feedback", activities[-1]), {"rating": "basic"})

    assert Feedback.objects.count() == GUEST_FEEDBACK_PER_DAY
    assert "as many as a guest may" in messages_of(refused)[0]


def test_guests_ratings_from_one_network_are_limited_per_day(client, project, monkeypatch):
    monkeypatch.setattr("projects.scan_views.GUEST_FEEDBACK_PER_NETWORK", 2)
    activities = [activity(project, held_on=today()) for _ in range(3)]

    for record in activities:
        client.cookies.clear()  # a new phone, or a script throwing its cookie away
        response = client.post(url("scan_feedback", record), {"rating": "satisfied"})

    assert Feedback.objects.count() == 2
    assert "from your network today" in messages_of(response)[0]


def test_two_taps_at_once_leave_one_row_and_say_already(client, todays, resident, monkeypatch):
    """Both requests pass the look-up before either saves: the database's constraint decides."""
    client.force_login(resident)
    client.post(url("scan_sign_in", todays))
    client.post(url("scan_feedback", todays), {"rating": "satisfied"})
    monkeypatch.setattr("projects.attendance.own_rows", lambda *args: None)

    sign_in = client.post(url("scan_sign_in", todays))
    rating = client.post(url("scan_feedback", todays), {"rating": "basic"})

    assert SignIn.objects.count() == 1 and Feedback.objects.get().rating == "satisfied"
    assert messages_of(sign_in) == ["You have signed in already."]
    assert messages_of(rating) == ["You have rated this activity already."]
