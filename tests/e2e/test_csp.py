"""The Content-Security-Policy keeps every page working: a real browser opens public pages and
the admin's screens (dashboard, a listing, the page explorer, the page editor with its rich
text, a form with a date picker) and reports no violation on its console."""

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse
from playwright.sync_api import expect

from .conftest import DEMO_PASSWORD, DESKTOP

TOTP_SECRET = "JBSWY3DPEHPK3PXP"
# The superuser reaches every admin screen (the explorer of the whole tree, users, settings).
ADMIN = "admin@demo.yishi.cn"


@pytest.fixture
def violations():
    return []


def watched(page, violations):
    """Chromium reports each refused script or style on the console."""
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return page


def visit(page, url):
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    assert response.status == 200, f"{url} answered {response.status}"
    return page


def test_public_pages_load_without_csp_violations(demo_city, new_page, violations):
    from consultation.models import Topic
    from consultation.pages import OutcomePage
    from home.models import CommunityPage

    url = demo_city.url
    community = CommunityPage.objects.live().get(slug="xingfuli")
    topic = Topic.objects.filter(community=community.community, status="deliberating").first()
    outcome = OutcomePage.objects.live().first()
    page = watched(new_page(), violations)

    for path in [
        "/",
        community.url,
        f"{community.url}topics/",
        topic.get_absolute_url(),
        outcome.url,
        "/accounts/login/",
        "/en/",
    ]:
        visit(page, f"{url}{path}")

    assert violations == []


def test_admin_pages_load_without_csp_violations(demo_city, new_page, login, violations):
    from django.contrib.auth import get_user_model

    from consultation.pages import OutcomePage
    from home.models import CommunityPage

    url = demo_city.url
    community = CommunityPage.objects.get(slug="xingfuli")
    outcome = OutcomePage.objects.child_of(community).first()
    TOTP.activate(get_user_model().objects.get(email=ADMIN), TOTP_SECRET)
    page = watched(new_page(viewport=DESKTOP), violations)
    login(page, ADMIN, DEMO_PASSWORD)
    counter = next(iter(yield_hotp_counters_from_time()))
    page.locator("input[name=code]").fill(format_hotp_value(hotp_value(TOTP_SECRET, counter)))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()

    visit(page, f"{url}{reverse('wagtailadmin_home')}")
    visit(page, f"{url}{reverse('topics:index')}")
    visit(page, f"{url}{reverse('wagtailusers_users:index')}")
    visit(page, f"{url}{reverse('wagtailadmin_explore', args=[community.pk])}")
    expect(page.locator("main")).to_contain_text(outcome.title)

    # The page editor: the community page's rich text (Draftail) in its body's blocks, the
    # outcome's deadline picker and, on both, the publishing schedule's date pickers.
    visit(page, f"{url}{reverse('wagtailadmin_pages:edit', args=[community.pk])}")
    expect(page.locator(".Draftail-Editor").first).to_be_visible()
    visit(page, f"{url}{reverse('wagtailadmin_pages:edit', args=[outcome.pk])}")

    # A staff form with a date-and-time picker, started from a file rather than an inline script.
    visit(page, f"{url}{reverse('meetings:add')}")
    page.locator("input[name=held_at]").click()
    expect(page.locator(".xdsoft_datetimepicker").first).to_be_visible()

    assert violations == []
