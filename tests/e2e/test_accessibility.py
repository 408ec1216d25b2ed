"""axe-core on the pages residents open first, in both languages, at phone and desktop width.

A serious or critical violation fails the test; lesser findings are printed for a person to read.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from .conftest import DESKTOP, PHONE

PUBLIC_PAGES = ["/", "/xingfuli/", "/accounts/login/", "/accounts/signup/"]
RESIDENT_PAGES = ["/profile/"]
LANGUAGE_PREFIXES = ["", "/en"]
BLOCKING = {"serious", "critical"}


def describe(path, violation):
    nodes = "\n".join(
        f"      {' '.join(node['target'])}: {node.get('failureSummary', '').splitlines()[-1:]}"
        for node in violation["nodes"][:5]
    )
    return f"{path} [{violation['impact']}] {violation['id']}: {violation['help']}\n{nodes}"


def audit(page, url):
    response = page.goto(url)
    assert response.status == 200, f"{url} answered {response.status}"
    results = Axe().run(page).response
    assert results["passes"], f"axe checked nothing on {url}"  # it really ran
    return results["violations"]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_no_serious_accessibility_violations(demo_city, new_page, login, viewport):
    anonymous = new_page(viewport=viewport)
    resident = login(new_page(viewport=viewport))
    found = []
    for prefix in LANGUAGE_PREFIXES:
        for page, paths in ((anonymous, PUBLIC_PAGES), (resident, RESIDENT_PAGES)):
            for path in paths:
                url = f"{demo_city.url}{prefix}{path}"
                found += [(prefix + path, v) for v in audit(page, url)]

    for path, violation in found:
        print(describe(path, violation))
    blocking = [describe(path, v) for path, v in found if v["impact"] in BLOCKING]
    assert not blocking, "axe found serious or critical violations:\n" + "\n".join(blocking)


def test_html_lang_follows_the_language(demo_city, page):
    page.goto(f"{demo_city.url}/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.goto(f"{demo_city.url}/en/")
    assert page.locator("html").get_attribute("lang") == "en"
