"""A resident's own page: the unverified say who they are; the verified see their household."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext, override

from communities.models import Resident
from tests.factories import CommunityFactory

pytestmark = pytest.mark.django_db

PROFILE = "/profile/"


@pytest.fixture
def details(community):
    return {
        "real_name": " 王秀英 ",
        "phone": "138 0000 0005",
        "community": community.pk,
        "stated_address": "幸福路12号1栋2单元301室",
    }


def test_profile_requires_login_in_either_language(client):
    for url in (PROFILE, "/en/profile/"):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"] or "/login/" in response["Location"]


def test_a_new_account_gets_a_profile_form_on_first_visit(client, user):
    client.force_login(user)

    response = client.get(PROFILE)

    assert response.status_code == 200
    assert response.context["form"] is not None
    assert Resident.objects.filter(user=user, verified_at__isnull=True).exists()


def test_unverified_resident_saves_name_phone_community_and_address(
    client, resident, details, community
):
    client.force_login(resident.user)

    response = client.post(PROFILE, details, follow=True)

    assert response.redirect_chain == [(PROFILE, 302)]
    resident.refresh_from_db()
    assert resident.real_name == "王秀英"
    assert resident.phone == "13800000005"
    assert resident.community == community
    assert resident.stated_address == "幸福路12号1栋2单元301室"
    assert not resident.is_verified


def test_bad_phone_is_refused_in_chinese_and_nothing_saved(client, resident, details):
    client.force_login(resident.user)
    old_name = resident.real_name

    response = client.post(PROFILE, {**details, "phone": "12345"})

    assert response.status_code == 200
    assert response.context["form"].errors["phone"] == ["请输入11位手机号码。"]
    assert "请输入11位手机号码。" in response.text
    resident.refresh_from_db()
    assert resident.real_name == old_name


def test_every_field_is_required(client, resident, details):
    client.force_login(resident.user)

    response = client.post(PROFILE, {**details, "stated_address": "", "community": ""})

    assert set(response.context["form"].errors) == {"stated_address", "community"}
    with override("zh-hans"):
        required = gettext("This field is required.")
    assert required != "This field is required."
    assert required in response.text
    resident.refresh_from_db()
    assert resident.stated_address == "幸福路1号"


def test_english_profile_shows_english_errors(client, resident, details):
    client.force_login(resident.user)

    response = client.post("/en/profile/", {**details, "phone": "12345"})

    assert response.context["form"].errors["phone"] == ["Enter an 11-digit mobile number."]


def test_verified_resident_sees_the_household_and_no_form(client, verified_resident):
    client.force_login(verified_resident.user)

    response = client.get(PROFILE)

    assert response.status_code == 200
    assert response.context["form"] is None
    assert verified_resident.household.address in response.text
    assert 'name="real_name"' not in response.text


def test_verified_resident_cannot_change_details_by_posting(client, verified_resident, details):
    client.force_login(verified_resident.user)
    before = (verified_resident.real_name, verified_resident.community_id)

    client.post(PROFILE, {**details, "community": CommunityFactory().pk})

    verified_resident.refresh_from_db()
    assert (verified_resident.real_name, verified_resident.community_id) == before
    assert verified_resident.is_verified


def test_staff_see_their_role_and_a_prompt_to_set_up_totp(client, staff, community):
    client.force_login(staff)

    response = client.get(PROFILE)

    assert community.name in response.text
    assert reverse("mfa_activate_totp") in response.text
