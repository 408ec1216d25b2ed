"""Full-page screenshots of the pages residents see most, at phone and desktop width.

They land in test-artifacts/ for a person to look at; the test itself only checks that each page
opens, keeps within the screen (no sideways scrolling) and shows the red header.
"""

import pytest

from .conftest import DESKTOP, PHONE

SMALL_PHONE = {"width": 360, "height": 740}

PAGES = [
    ("home", "/"),
    ("community", "/xingfuli/"),
    ("rules", "/rules/"),
    ("login", "/accounts/login/"),
    ("signup", "/accounts/signup/"),
    ("profile", "/profile/"),
    ("en-home", "/en/"),
    ("en-profile", "/en/profile/"),
]


@pytest.mark.parametrize("viewport", [SMALL_PHONE, PHONE, DESKTOP], ids=["360", "390", "1280"])
def test_pages_fit_the_screen_and_are_shot(demo_city, new_page, login, artifacts, viewport):
    anonymous = new_page(viewport=viewport)
    resident = login(new_page(viewport=viewport))
    for name, path in PAGES:
        page = resident if "profile" in name else anonymous
        response = page.goto(f"{demo_city.url}{path}")
        assert response.status == 200, f"{path} answered {response.status}"
        assert page.locator(".site-header").is_visible()
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= viewport["width"], f"{path} scrolls sideways ({scroll_width} px)"
        page.screenshot(path=artifacts / f"{name}-{viewport['width']}.png", full_page=True)
