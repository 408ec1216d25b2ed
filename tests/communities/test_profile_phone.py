"""A resident who signed up by phone sees their number on the profile (not an empty email) and
does not type it again for verification."""

import pytest

from communities.models import UserPhone
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def test_phone_resident_sees_their_number_and_finds_it_filled_in(client):
    resident = ResidentFactory(phone="", user__email="")
    UserPhone.objects.create(user=resident.user, number="+8613912345678", verified=True)
    client.force_login(resident.user)
    response = client.get("/en/profile/")
    body = response.content.decode()
    assert "139 1234 5678" in body
    assert "<dt>Email</dt>" not in body
    assert response.context["form"]["phone"].value() == "13912345678"


def test_a_number_already_given_is_kept(client):
    resident = ResidentFactory(phone="13800001111")
    UserPhone.objects.create(user=resident.user, number="+8613912345678", verified=True)
    client.force_login(resident.user)
    response = client.get("/en/profile/")
    assert response.context["form"]["phone"].value() == "13800001111"
