"""Staff screens in the Wagtail admin: only one's own community exists, and TOTP guards the door."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse

from communities.models import Household, Resident, Role, VerificationMethod
from communities.roles import grant_role
from tests.factories import (
    CommunityFactory,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    UserFactory,
)

from .registers import register_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_with_totp):
    client.force_login(staff_with_totp)
    return client


@pytest.fixture
def stranger():
    """A resident of another community, which the `staff` fixture does not serve."""
    return ResidentFactory(community=CommunityFactory(), real_name="外社区居民")


def verify_url(resident):
    return reverse("communities_verify_resident", args=[resident.pk])


def revoke_url(resident):
    return reverse("communities_revoke_resident", args=[resident.pk])


def test_residents_list_shows_only_residents_of_own_community(staff_client, resident, stranger):
    response = staff_client.get(reverse("residents:index"))

    assert response.status_code == 200
    assert resident.real_name in response.text
    assert stranger.real_name not in response.text


def test_households_list_shows_only_households_of_own_community(staff_client, household):
    elsewhere = HouseholdFactory(community=CommunityFactory(), address="外社区某路1号")

    response = staff_client.get(reverse("households:index"))

    assert response.status_code == 200
    assert household.address in response.text
    assert elsewhere.address not in response.text


@pytest.mark.parametrize(
    "url_for",
    [
        verify_url,
        revoke_url,
        lambda r: reverse("residents:edit", args=[r.pk]),
        lambda r: reverse("residents:inspect", args=[r.pk]),
        lambda r: reverse("residents:delete", args=[r.pk]),
        lambda r: reverse("residents:history", args=[r.pk]),
    ],
    ids=["verify", "revoke", "edit", "inspect", "delete", "history"],
)
def test_a_resident_of_another_community_does_not_exist(staff_client, stranger, url_for):
    response = staff_client.get(url_for(stranger))
    assert response.status_code == 404


def test_a_household_of_another_community_does_not_exist(staff_client):
    elsewhere = HouseholdFactory(community=CommunityFactory())
    for name in ("households:edit", "households:inspect", "households:history"):
        assert staff_client.get(reverse(name, args=[elsewhere.pk])).status_code == 404, name


def test_editing_a_resident_of_another_community_changes_nothing(staff_client, stranger):
    response = staff_client.post(
        reverse("residents:edit", args=[stranger.pk]),
        {"real_name": "改名", "phone": "13800000000", "stated_address": "某处"},
    )
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.real_name == "外社区居民"


def test_staff_verify_in_person_from_the_admin(staff_client, staff, resident, household):
    response = staff_client.post(
        verify_url(resident),
        {"method": VerificationMethod.IN_PERSON, "household": household.pk},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("residents:index")
    assert f"{resident.real_name} 已通过核验。" in response.text
    resident.refresh_from_db()
    assert resident.is_verified
    assert (resident.household, resident.verified_by) == (household, staff)


def test_verify_form_offers_only_households_of_the_residents_community(
    staff_client, resident, household
):
    elsewhere = HouseholdFactory(community=CommunityFactory(), address="外社区某路1号")

    response = staff_client.get(verify_url(resident))

    assert household.address in response.text
    assert elsewhere.address not in response.text


def test_verify_without_register_match_shows_why_and_changes_nothing(staff_client, resident):
    response = staff_client.post(
        verify_url(resident), {"method": VerificationMethod.HOUSEHOLD_REGISTER}
    )

    assert response.status_code == 200
    assert resident.real_name in str(response.context["form"].non_field_errors())
    resident.refresh_from_db()
    assert not resident.is_verified


def test_staff_cannot_open_the_verify_screen_for_themselves(staff_client, staff, community):
    own_profile = ResidentFactory(user=staff, community=community)
    assert staff_client.get(verify_url(own_profile)).status_code == 404


def test_staff_revoke_a_verification_with_a_reason(staff_client, staff, verified_resident):
    response = staff_client.post(revoke_url(verified_resident), {"reason": "已搬离"})

    assert response.status_code == 302
    verified_resident.refresh_from_db()
    assert not verified_resident.is_verified
    assert verified_resident.history.first().history_user == staff


def test_revoking_without_a_reason_keeps_the_verification(staff_client, verified_resident):
    response = staff_client.post(revoke_url(verified_resident), {"reason": ""})

    assert response.status_code == 200
    assert response.context["form"].errors
    verified_resident.refresh_from_db()
    assert verified_resident.is_verified


def test_import_of_a_good_file_leads_to_its_import_page(
    staff_client, staff, community, grid, django_capture_on_commit_callbacks
):
    upload = register_file([["0001", "幸福路1号", grid.name, "张建国", "户主", "13800000001"]])

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("communities_import_register"), {"community": community.pk, "file": upload}
        )

    assert response.status_code == 302
    assert staff_client.get(response["Location"]).status_code == 200
    household = Household.objects.get(community=community, address="幸福路1号")
    assert household.grid == grid
    assert household.history.first().history_user == staff


def test_import_of_a_bad_file_lists_row_numbers_and_imports_nothing(
    staff_client, community, django_capture_on_commit_callbacks
):
    upload = register_file(
        [["0001", "幸福路1号", "", "张建国", "户主", ""], ["0002", "幸福路2号", "", "", "户主", ""]]
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("communities_import_register"), {"community": community.pk, "file": upload}
        )
    response = staff_client.get(response["Location"])

    assert response.status_code == 200
    assert "第3行" in response.text
    assert not Household.objects.exists()


def test_import_into_another_community_is_refused(staff_client):
    elsewhere = CommunityFactory()
    upload = register_file([["0001", "幸福路1号", "", "张建国", "户主", ""]])

    response = staff_client.post(
        reverse("communities_import_register"), {"community": elsewhere.pk, "file": upload}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["community"]
    assert not Household.objects.exists()


def test_import_refuses_a_file_not_ending_in_xlsx(staff_client, community):
    upload = register_file([["0001", "幸福路1号", "", "张建国", "户主", ""]], name="register.csv")

    response = staff_client.post(
        reverse("communities_import_register"), {"community": community.pk, "file": upload}
    )

    assert response.context["form"].errors["file"]
    assert not Household.objects.exists()


def test_staff_download_the_register_template(staff_client):
    response = staff_client.get(reverse("communities_register_template"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"


def test_staff_without_totp_are_sent_to_set_it_up(client, staff):
    client.force_login(staff)

    for url in ("/admin/", reverse("residents:index")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")


def test_superuser_without_totp_is_sent_to_set_it_up(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get("/admin/")
    assert response["Location"] == reverse("mfa_activate_totp")


def test_staff_with_totp_reach_the_admin(staff_client):
    assert staff_client.get("/admin/").status_code == 200


def test_resident_without_a_role_gets_no_admin(client, resident):
    client.force_login(resident.user)

    for url in ("/admin/", reverse("residents:index"), verify_url(resident)):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        if response.status_code == 302:
            assert "/admin/" not in response["Location"] or "login" in response["Location"]


def test_resident_without_a_role_cannot_verify_by_posting(client, resident, household):
    client.force_login(resident.user)
    client.post(
        verify_url(resident), {"method": VerificationMethod.IN_PERSON, "household": household.pk}
    )
    resident.refresh_from_db()
    assert not resident.is_verified


def test_street_officer_sees_residents_of_every_community_of_the_street(client, street, resident):
    neighbour = ResidentFactory(community=CommunityFactory(street=street), real_name="邻社区居民")
    officer = UserFactory()
    grant_role(officer, Role.STREET_OFFICER, street=street)
    TOTP.activate(officer, "JBSWY3DPEHPK3PXP")
    client.force_login(officer)

    response = client.get(reverse("residents:index"))

    assert resident.real_name in response.text
    assert neighbour.real_name in response.text
    assert Resident.objects.count() == 2


def test_staff_cannot_add_a_household_to_another_community(staff_client, community):
    elsewhere = CommunityFactory()

    response = staff_client.post(
        reverse("households:add"),
        {"community": elsewhere.pk, "grid": "", "address": "外社区某路1号", "register_number": ""},
    )

    assert response.status_code == 200
    assert not Household.objects.filter(community=elsewhere).exists()


def test_staff_add_a_household_to_their_community(staff_client, community, grid):
    response = staff_client.post(
        reverse("households:add"),
        {"community": community.pk, "grid": grid.pk, "address": "幸福路9号", "register_number": ""},
    )

    assert response.status_code == 302
    assert Household.objects.get(address="幸福路9号").community == community


def test_staff_cannot_move_a_household_into_another_community(staff_client, household):
    elsewhere = CommunityFactory()

    staff_client.post(
        reverse("households:edit", args=[household.pk]),
        {
            "community": elsewhere.pk,
            "grid": "",
            "address": household.address,
            "register_number": "",
        },
    )

    household.refresh_from_db()
    assert household.community != elsewhere


def test_household_form_offers_only_own_community_and_grids(staff_client, community, grid):
    elsewhere = CommunityFactory(name="外社区")
    GridFactory(community=elsewhere, name="外网格")

    response = staff_client.get(reverse("households:add"))

    assert community.name in response.text
    assert "外社区" not in response.text
    assert "外网格" not in response.text


def test_a_household_cannot_sit_in_a_grid_of_another_community(client, street):
    officer = UserFactory()
    grant_role(officer, Role.STREET_OFFICER, street=street)
    TOTP.activate(officer, "JBSWY3DPEHPK3PXP")
    client.force_login(officer)
    first, second = CommunityFactory(street=street), CommunityFactory(street=street)
    grid_of_second = GridFactory(community=second)

    response = client.post(
        reverse("households:add"),
        {
            "community": first.pk,
            "grid": grid_of_second.pk,
            "address": "幸福路9号",
            "register_number": "",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["grid"]
    assert not Household.objects.filter(address="幸福路9号").exists()
