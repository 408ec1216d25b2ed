"""Street officers open and run their own street's funding rounds in Wagtail's editor: they add
a round under the home page, edit and publish it; another street's officer cannot touch it and
community staff cannot add one."""

from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from communities.models import Role
from communities.roles import grant_role
from consultation.page_rights import ensure_page_permissions
from home.models import CommunityPage, HomePage, StandardPage
from projects.pages import FundingRoundPage
from tests.factories import CommunityFactory, StreetFactory, UserFactory

from .factories import funding_round, home_page
from .reviewing import TOTP_SECRET, officer_of

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def home():
    return home_page()


@pytest.fixture
def street_1():
    return StreetFactory(name="一街道")


@pytest.fixture
def street_2():
    return StreetFactory(name="二街道")


@pytest.fixture
def officer_1(street_1):
    return officer_of(street_1, username="officer_1")


@pytest.fixture
def officer_2(street_2):
    return officer_of(street_2, username="officer_2")


def refused(response):
    """Wagtail's admin answers a page it will not open with 403 or 404, or by sending the user
    back to the dashboard ("Sorry, you do not have permission…")."""
    if response.status_code == 302:
        return response["Location"] == reverse("wagtailadmin_home")
    return response.status_code in (403, 404)


def add_url(home, model=FundingRoundPage):
    meta = model._meta
    return reverse("wagtailadmin_pages:add", args=[meta.app_label, meta.model_name, home.pk])


def round_form(street, **changes):
    now = timezone.localtime()
    fields = {
        "title": "2027年一街道社区公益创投",
        "slug": "round-2027",
        "street": str(street.pk),
        "intro": "支持社区社会组织为居民提供服务。",
        "rules": rich_text("<p>单个项目最高资助5万元。</p>"),
        "total_budget": "300000",
        "grant_ceiling": "50000",
        "opens_at": (now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        "closes_at": (now + timedelta(days=30)).strftime("%Y-%m-%d %H:%M"),
        "review_ends_on": (now + timedelta(days=60)).date().isoformat(),
        "announced_on": (now + timedelta(days=70)).date().isoformat(),
        "residents_say_weight": "20",
        "notice_days": "7",
        "criteria": inline_formset(
            [
                {"name": "需求的迫切性", "weight": "40", "guidance": ""},
                {"name": "方案的可行性", "weight": "40", "guidance": ""},
            ]
        ),
        "evaluation_criteria": inline_formset(
            [
                {"name": "目标和指标的完成", "weight": "60", "guidance": ""},
                {"name": "经费使用的规范", "weight": "40", "guidance": ""},
            ]
        ),
        "comments": inline_formset([]),
    }
    fields.update(changes)
    return nested_form_data(fields)


def test_an_officer_adds_a_round_of_their_street_then_publishes_it(
    client, home, officer_1, street_1
):
    client.force_login(officer_1)

    shown = client.get(add_url(home))
    assert shown.status_code == 200
    assert shown.context["form"]["street"].value() == street_1.pk  # their street, chosen

    response = client.post(add_url(home), round_form(street_1))

    assert response.status_code == 302
    page = FundingRoundPage.objects.get(slug="round-2027")
    assert page.street == street_1 and page.get_parent().pk == home.pk
    assert [c.weight for c in page.criteria.all()] == [40, 40]

    edit = reverse("wagtailadmin_pages:edit", args=[page.pk])
    published = client.post(edit, round_form(street_1, **{"action-publish": "publish"}))

    assert published.status_code == 302
    assert FundingRoundPage.objects.get(pk=page.pk).live


def test_a_round_of_another_street_is_refused_with_a_clear_message(
    client, home, officer_1, street_2
):
    client.force_login(officer_1)

    response = client.post(add_url(home), round_form(street_2), **EN)

    assert response.status_code == 200
    # The admin speaks the officer's language (Chinese by default), whatever the browser asks.
    assert "属于其他街道" in response.text
    assert "二街道" in response.text
    assert not FundingRoundPage.objects.exists()


def test_another_streets_officer_cannot_edit_the_round(
    client, home, officer_1, officer_2, street_1
):
    client.force_login(officer_1)
    client.post(add_url(home), round_form(street_1))
    page = FundingRoundPage.objects.get(slug="round-2027")
    edit = reverse("wagtailadmin_pages:edit", args=[page.pk])
    client.force_login(officer_2)

    assert refused(client.get(edit))
    client.post(edit, round_form(street_1, title="改掉别人的轮次", **{"action-publish": "1"}))

    page.refresh_from_db()
    assert page.title == "2027年一街道社区公益创投" and not page.live


def test_a_colleague_of_the_same_street_edits_a_round_they_did_not_create(
    client, home, officer_1, street_1
):
    client.force_login(officer_1)
    client.post(add_url(home), round_form(street_1))
    page = FundingRoundPage.objects.get(slug="round-2027")
    colleague = officer_of(street_1, username="officer_1b")
    client.force_login(colleague)

    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[page.pk]),
        round_form(street_1, title="2027年一街道公益创投（修订）"),
    )

    assert response.status_code == 302
    assert response["Location"] != reverse("wagtailadmin_home")
    page = FundingRoundPage.objects.get(pk=page.pk)
    assert page.get_latest_revision_as_object().title == "2027年一街道公益创投（修订）"


def test_community_staff_cannot_add_a_round(client, home, street_1):
    staff = UserFactory(username="staff_1")
    grant_role(staff, Role.COMMUNITY_STAFF, community=CommunityFactory(street=street_1))
    TOTP.activate(staff, TOTP_SECRET)
    client.force_login(staff)

    assert refused(client.get(add_url(home)))
    client.post(add_url(home), round_form(street_1))

    assert not FundingRoundPage.objects.exists()


def test_an_officer_adds_only_rounds_under_the_home_page(client, home, officer_1):
    client.force_login(officer_1)

    response = client.post(
        add_url(home, StandardPage), nested_form_data({"title": "关于", "slug": "about-2"})
    )

    assert refused(response)
    assert not StandardPage.objects.filter(slug="about-2").exists()
    assert HomePage.objects.count() == 1


def test_an_officer_who_leaves_the_role_can_no_longer_add_rounds(client, home, officer_1, street_1):
    officer_1.memberships.all().delete()
    client.force_login(officer_1)

    client.post(add_url(home), round_form(street_1))

    assert not FundingRoundPage.objects.exists()


def test_officers_find_their_streets_rounds_in_the_explorer_and_no_other(
    client, home, officer_1, street_1, street_2
):
    # The street's communities have their pages (the explorer starts from what they share).
    for slug in ("dong", "xi"):
        page = CommunityPage(
            title=slug, slug=slug, community=CommunityFactory(street=street_1, slug=slug)
        )
        home.add_child(instance=page)
        ensure_page_permissions(page)
    funding_round(street_1, title="一街道的轮次")
    funding_round(street_2, title="二街道的轮次")
    client.force_login(officer_1)

    listing = client.get(reverse("wagtailadmin_explore", args=[home.pk]))

    assert listing.status_code == 200
    assert "一街道的轮次" in listing.text
    assert "二街道的轮次" not in listing.text
