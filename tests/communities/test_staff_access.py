"""The holes an attacker and an operator found in the staff side, each tried the way they tried it.

The access matrix (tests/access) tries every URL as every role; these follow the findings one by
one: copying a household to move it, the front-end login without TOTP or throttle, a former
staff member keeping the admin, Wagtail's reports and page chooser, formulas in CSV exports.
"""

import csv
import io

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from communities.models import Household, Membership, Role
from communities.roles import grant_role
from tests.factories import PASSWORD, CommunityFactory, HouseholdFactory, UserFactory

pytestmark = pytest.mark.django_db
SECRET = "JBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def staff_of(community, username):
    user = UserFactory(username=username)
    grant_role(user, Role.COMMUNITY_STAFF, community=community)
    TOTP.activate(user, SECRET)
    return user


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def two_communities(db):
    return CommunityFactory(name="幸福里"), CommunityFactory(name="长青")


def test_copying_another_communitys_household_neither_shows_nor_moves_it(two_communities):
    xingfu, changqing = two_communities
    household = HouseholdFactory(community=xingfu, address="幸福里3栋2单元501")
    client = signed_in(staff_of(changqing, "changqing-staff"))
    copy_url = f"/admin/households/copy/{household.pk}/"

    assert client.get(copy_url).status_code == 404
    response = client.post(
        copy_url,
        {"community": changqing.pk, "grid": "", "address": "搬走了", "register_number": ""},
    )

    assert response.status_code == 404
    household.refresh_from_db()
    assert (household.community, household.address) == (xingfu, "幸福里3栋2单元501")
    assert Household.objects.filter(address="搬走了").count() == 0


def test_own_households_cannot_be_copied_either(two_communities):
    """A household is a place on the register, not a template: the copy screen is off."""
    xingfu, _ = two_communities
    household = HouseholdFactory(community=xingfu)
    client = signed_in(staff_of(xingfu, "xingfu-staff"))
    assert client.get(f"/admin/households/copy/{household.pk}/").status_code == 404


def test_usage_of_another_communitys_meeting_or_settings_is_not_there(two_communities):
    from consultation.models import ConsultationSettings
    from tests.consultation.factories import MeetingFactory

    xingfu, changqing = two_communities
    meeting = MeetingFactory(topic__community=xingfu)
    settings_row = ConsultationSettings.for_community(xingfu)
    client = signed_in(staff_of(changqing, "changqing-staff"))

    assert client.get(f"/admin/meetings/usage/{meeting.pk}/").status_code == 404
    assert client.get(f"/admin/consultation_settings/usage/{settings_row.pk}/").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/admin/reports/site-history/",
        "/admin/reports/site-history/?export=csv",
        "/admin/reports/site-history/?export=xlsx",
        "/admin/reports/page-types-usage/",
        "/admin/reports/aging-pages/",
        "/admin/reports/locked/",
        "/admin/users/",
        "/admin/groups/",
    ],
)
def test_wagtails_reports_and_user_screens_are_for_superusers(two_communities, url):
    xingfu, _ = two_communities
    assert signed_in(staff_of(xingfu, "xingfu-staff")).get(url).status_code == 404
    root = UserFactory(username="root", is_superuser=True)
    TOTP.activate(root, SECRET)
    assert signed_in(root).get(url).status_code == 200


def test_the_page_chooser_lists_no_other_communitys_drafts(two_communities):
    from wagtail.models import Page

    from home.models import CommunityPage, StandardPage

    xingfu, changqing = two_communities
    root = Page.get_first_root_node()
    pages = {}
    for community in (xingfu, changqing):
        page = CommunityPage(title=community.name, slug=f"c{community.pk}", community=community)
        root.add_child(instance=page)
        page.save_revision().publish()
        pages[community] = page
    draft = pages[xingfu].add_child(
        instance=StandardPage(title="幸福里未发布草稿", slug="draft", live=False)
    )
    assert draft.live is False
    client = signed_in(staff_of(changqing, "changqing-staff"))

    listed = client.get(f"/admin/choose-page/{pages[xingfu].pk}/")
    searched = client.get("/admin/choose-page/search/", {"q": "草稿"})

    assert listed.status_code == 404
    assert "幸福里未发布草稿" not in searched.content.decode()


# ---------------------------------------------------------------------------------------------
# One way in


def test_wagtails_front_end_login_leads_to_allauth_and_signs_nobody_in(two_communities):
    xingfu, _ = two_communities
    staff = staff_of(xingfu, "xingfu-staff")
    client = Client()

    response = client.post(
        "/_util/login/?next=/admin/", {"username": staff.username, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert SESSION_KEY not in client.session
    assert client.get("/admin/").status_code == 302


def test_a_password_alone_does_not_open_the_admin_to_staff_with_totp(two_communities):
    """A session that signed in without the code (any way at all) is asked for it."""
    xingfu, _ = two_communities
    staff = staff_of(xingfu, "xingfu-staff")
    client = Client()
    # A bare Django login, as any other login path would leave it: no second factor recorded.
    client.login(username=staff.username, password=PASSWORD)

    response = client.get("/admin/households/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/")


def test_wrong_passwords_are_throttled_on_the_only_login(two_communities):
    xingfu, _ = two_communities
    staff = staff_of(xingfu, "xingfu-staff")
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"login": staff.email, "password": "wrong"})

    # Even the right password is refused now, with the reason on the form.
    response = client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert SESSION_KEY not in client.session

    # And whoever keeps trying from one address is turned away before any password is checked.
    statuses = [
        client.post("/accounts/login/", {"login": f"x{n}@example.cn", "password": "x"}).status_code
        for n in range(30)
    ]
    assert 429 in statuses


# ---------------------------------------------------------------------------------------------
# Ending a role ends the access


def test_a_membership_deleted_in_the_admin_ends_the_access_of_an_open_session(two_communities):
    xingfu, _ = two_communities
    former = staff_of(xingfu, "former")
    former_client = signed_in(former)
    assert former_client.get("/admin/households/").status_code == 200
    root = UserFactory(username="root", is_superuser=True)
    TOTP.activate(root, SECRET)
    membership = former.memberships.get()

    response = signed_in(root).post(f"/admin/memberships/delete/{membership.pk}/")

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert former_client.get("/admin/households/").status_code != 200
    assert former_client.get("/admin/").status_code == 302


def test_a_membership_moved_to_another_community_moves_the_page_rights(two_communities):
    from django.contrib.auth.models import Group

    from consultation.wagtail_hooks.outcomes import page_group_name

    xingfu, changqing = two_communities
    staff = staff_of(xingfu, "mover")
    group = Group.objects.create(name=page_group_name(xingfu))
    group.user_set.add(staff)

    membership = staff.memberships.get()
    membership.community = changqing
    membership.save()

    assert not staff.groups.filter(pk=group.pk).exists()


# ---------------------------------------------------------------------------------------------
# Exports


def test_cells_that_a_spreadsheet_would_run_are_written_as_text():
    from communities.exports import neutralise

    assert [neutralise(v) for v in ("=1+1", "+1", "-1", "@A1", "\tx", "\rx")] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@A1",
        "'\tx",
        "'\rx",
    ]
    assert neutralise("幸福里") == "幸福里"
    assert neutralise(5) == 5


def test_wagtails_csv_exports_write_formulas_as_text(two_communities):
    """Wagtail's export mixin (listings and reports) as every admin export uses it."""
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    class Export(SpreadsheetExportMixin):
        list_export = ["address"]

    xingfu, _ = two_communities
    rows = [HouseholdFactory(community=xingfu, address=a) for a in ("=1+2", "-3", "@x", "\r1")]
    chunks = Export().stream_csv(Household.objects.filter(pk__in=[r.pk for r in rows]))
    body = "".join(c.decode() if isinstance(c, bytes) else c for c in chunks)
    cells = [row[0] for row in csv.reader(io.StringIO(body))][1:]

    assert all(cell.startswith("'") for cell in cells)


def test_guessing_the_password_on_the_close_account_form_is_throttled(two_communities):
    from tests.factories import VerifiedResidentFactory

    xingfu, _ = two_communities
    resident = VerifiedResidentFactory(community=xingfu).user
    client = signed_in(resident)
    statuses = [
        client.post(
            reverse("communities:close_account"), {"password": f"guess{n}", "confirm": "on"}
        ).status_code
        for n in range(12)
    ]

    assert statuses[0] == 200
    assert statuses[-1] == 429
    resident.refresh_from_db()
    assert resident.is_active
