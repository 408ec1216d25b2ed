"""A resident of the demo city finds their way from the header: notifications (with the unread
badge), their topics, and the consultation rules in the footer; the logo leads home. Screenshots
at phone and desktop width land in test-artifacts/, and nothing in the header overlaps."""

import pytest

from .conftest import DEMO_RESIDENT, DESKTOP, PHONE


def boxes_overlap(a, b):
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def assert_header_items_apart(page):
    items = page.locator(".site-header .brand, .site-nav > a, .site-nav > form, .lang-switch")
    found = [items.nth(i).bounding_box() for i in range(items.count())]
    for i, a in enumerate(found):
        for b in found[i + 1 :]:
            assert not boxes_overlap(a, b), f"header items overlap: {a} / {b}"
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_resident_clicks_through_notifications_my_topics_and_rules(
    demo_city, new_page, login, artifacts, viewport
):
    from django.contrib.auth import get_user_model

    from communities.models import Notification

    resident = get_user_model().objects.get(email=DEMO_RESIDENT)
    Notification.objects.filter(recipient=resident).update(read_at=None)
    for i in range(2):
        Notification.objects.create(
            recipient=resident,
            event="topic.send_to_screening",
            params={"title": "楼道照明"},
            url=f"/{i}/",
        )
    unread = Notification.objects.filter(recipient=resident, read_at__isnull=True).count()
    width = viewport["width"]

    page = login(new_page(viewport=viewport))
    page.goto(f"{demo_city.url}/")
    badge = page.locator(".site-nav__notifications .nav-count")
    assert badge.inner_text() == str(unread)
    assert_header_items_apart(page)
    page.screenshot(path=artifacts / f"nav-home-{width}.png", full_page=True)

    page.locator(".site-nav__notifications").click()
    page.wait_for_load_state()
    assert page.url.endswith("/notifications/")
    assert page.locator(".site-nav__notifications .nav-count").count() == 0
    assert_header_items_apart(page)
    page.screenshot(path=artifacts / f"nav-notifications-{width}.png", full_page=True)

    page.locator(".site-nav a[href$='/topics/mine/']").click()
    page.wait_for_load_state()
    assert page.url.endswith("/topics/mine/")
    page.screenshot(path=artifacts / f"nav-my-topics-{width}.png", full_page=True)

    page.locator(".site-footer a[href$='/rules/']").click()
    page.wait_for_load_state()
    assert page.url.endswith("/rules/")
    assert page.locator("h1").first.is_visible()
    page.screenshot(path=artifacts / f"nav-rules-{width}.png", full_page=True)

    page.locator(".site-header .brand").click()
    page.wait_for_load_state()
    assert page.url == f"{demo_city.url}/"
