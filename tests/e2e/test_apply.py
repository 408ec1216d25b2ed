"""Applying for funding, clicked through the real pages at phone width in Chinese: a
representative of a filed organisation opens the round's page, applies with two budget lines
and an indicator (adding lines the way the page offers, watching the totals), saves, checks the
application's page and submits; the street officer screens it into review in the admin.

The ORM sets the scene (the organisation is filed, the round published) and checks the end
state. Screenshots land in test-artifacts/apply-*.png.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE

REPRESENTATIVE = "resident01@demo.yishi.cn"
OFFICER = "officer@demo.yishi.cn"
TITLE = "银龄书法进楼栋"
TIMEOUT = 20_000


@pytest.fixture
def scene(demo_city):
    from django.contrib.auth import get_user_model

    from communities.models import Community, Street
    from tests.organisations.factories import OrganisationFactory
    from tests.projects.factories import funding_round

    street = Street.objects.get(slug="heping")
    organisation = OrganisationFactory(
        street=street,
        name="幸福里书画社",
        communities=[Community.objects.get(slug="xingfuli")],
        representative=get_user_model().objects.get(email=REPRESENTATIVE),
    )
    round = funding_round(street, title="2026年和平街道社区公益创投", slug="gongyi-2026")
    return organisation, round


def shot(page, artifacts, name):
    path = artifacts / f"apply-{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def fits_the_screen(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} scrolls sideways ({width} px)"


def line(page, index, item, unit_cost, quantity, requested, cofunded):
    for name, value in (("item", item), ("unit_cost", unit_cost), ("quantity", quantity),
                        ("requested", requested), ("cofunded", cofunded)):  # fmt: skip
        page.locator(f"input[name=lines-{index}-{name}]").fill(value)


def test_a_representative_applies_and_the_officer_screens_it_into_review(
    scene, new_page, login, staff_login, live_server, artifacts
):
    from projects.models import Application, ApplicationState

    organisation, round = scene
    url = live_server.url
    page = new_page(viewport=PHONE)
    page.set_default_timeout(TIMEOUT)
    login(page, REPRESENTATIVE)

    page.goto(f"{url}/{round.slug}/")
    expect(page.locator("h1")).to_have_text(round.title)
    fits_the_screen(page)
    shot(page, artifacts, "round")
    page.locator(f"a[href$='/rounds/{round.pk}/apply/?organisation={organisation.pk}']").click()
    page.wait_for_load_state()

    page.locator("input[name=title]").fill(TITLE)
    expect(page.locator("input[name=communities]")).to_be_checked()  # its only community
    page.locator("textarea[name=need]").fill("幸福里老年人多，楼栋里缺少文化活动。")
    page.locator("textarea[name=goals]").fill("每栋楼每月一次书法课，培养十名楼栋书法骨干。")
    page.locator("input[name=beneficiaries]").fill("幸福里60岁以上居民")
    page.locator("input[name=beneficiary_count]").fill("120")
    page.locator("textarea[name=activity_plan]").fill(
        "三月至十二月，每周二下午在各楼栋活动室教学。"
    )
    line(page, 0, "书法用纸和墨", "12.35", "20", "247", "0")
    line(page, 1, "讲师课时费", "300", "12", "3,000", "600")
    # The totals follow the lines as they are typed, counted in fen.
    expect(page.locator("[data-total=requested]")).to_have_text("3247.00")
    expect(page.locator("[data-total=cost]")).to_have_text("3847.00")
    add = page.locator("[data-add-row=lines]")
    expect(add).to_be_visible()
    add.click()
    expect(page.locator("input[name=lines-2-item]")).to_be_focused()
    expect(page.locator("input[name=lines-TOTAL_FORMS]")).to_have_value("3")
    page.locator("input[name=indicators-0-name]").fill("开展书法课")
    page.locator("input[name=indicators-0-target]").fill("40")
    page.locator("input[name=indicators-0-unit]").fill("次")
    fits_the_screen(page)
    shot(page, artifacts, "form")
    page.locator(".application-form .actions button[type=submit]").first.click()
    page.wait_for_load_state()

    application = Application.objects.get(title=TITLE)
    assert page.url.endswith(f"/applications/{application.pk}/")
    assert application.totals()[0] == 3247
    assert application.budget_lines.count() == 2  # the empty third line is not a line
    expect(page.locator(".budget-table tfoot")).to_contain_text("3247.00")
    fits_the_screen(page)
    shot(page, artifacts, "application")
    page.locator("form[action$='/act/submit/'] button").click()
    page.wait_for_load_state()
    application.refresh_from_db()
    assert application.status == ApplicationState.SUBMITTED
    expect(page.locator(f"a[href$='/applications/{application.pk}/edit/']")).to_have_count(0)
    shot(page, artifacts, "submitted")

    officer = new_page(viewport=DESKTOP)
    officer.set_default_timeout(TIMEOUT)
    staff_login(officer, OFFICER)
    inspect = reverse("applications_admin:inspect", args=[application.pk])
    officer.goto(f"{url}{inspect}")
    expect(officer.locator("main")).to_contain_text("3247.00")
    for action in ("start_screening", "pass_screening"):
        officer.locator(f"a[href$='/screen/{action}/']").click()
        officer.wait_for_load_state()
        officer.locator("main form button[type=submit]").click()
        officer.wait_for_load_state()
        assert officer.url.endswith(inspect)
    shot(officer, artifacts, "screened")
    application.refresh_from_db()
    assert application.status == ApplicationState.IN_REVIEW
    assert [step.history_user.email for step in application.history.all()[:2]] == [OFFICER] * 2
