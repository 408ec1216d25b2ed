"""The demo city loads on a fresh database, and loading it again changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from communities.models import Community, Household, RegisteredMember, Resident, Street
from home.models import CommunityPage, HomePage, StandardPage
from organisations.models import Organisation

pytestmark = pytest.mark.django_db


def load_demo():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def city_counts():
    return {
        "streets": Street.objects.count(),
        "communities": Community.objects.count(),
        "households": Household.objects.count(),
        "register entries": RegisteredMember.objects.count(),
        "residents": Resident.objects.count(),
        "verified": Resident.objects.filter(verified_at__isnull=False).count(),
        "home pages": HomePage.objects.count(),
        "community pages": CommunityPage.objects.count(),
        "standard pages": StandardPage.objects.count(),
        "organisations": Organisation.objects.count(),
        "filed organisations": Organisation.objects.filed().count(),
    }


@pytest.fixture
def demo_city():
    load_demo()


def test_demo_city_has_its_street_communities_and_residents(demo_city):
    counts = city_counts()
    assert counts["streets"] == 1
    assert counts["communities"] == 3
    assert counts["residents"] == 30
    assert counts["verified"] == 18
    assert counts["community pages"] == 3
    assert counts["organisations"] == 6
    assert counts["filed organisations"] == 5


def test_loading_the_demo_twice_duplicates_nothing(demo_city):
    first = city_counts()

    output = load_demo()

    assert city_counts() == first
    assert "staff.xingfuli@demo.yishi.cn" in output


def test_demo_verifications_are_signed_by_community_staff(demo_city):
    for resident in Resident.objects.filter(verified_at__isnull=False).select_related(
        "verified_by", "community"
    ):
        assert resident.verified_by.memberships.filter(community=resident.community).exists()
        assert resident.household.community_id == resident.community_id


def test_every_demo_organisation_has_a_representative_who_can_sign_in(demo_city):
    for organisation in Organisation.objects.all():
        user = organisation.representatives.get().user
        assert user.has_usable_password(), organisation.name


def test_demo_pages_are_reachable(demo_city, client):
    urls = ("/", "/xingfuli/", "/rules/", "/about/", "/en/xingfuli/", "/organisations/",
            "/xingfuli/organisations/")  # fmt: skip
    for url in urls:
        assert client.get(url).status_code == 200, url
