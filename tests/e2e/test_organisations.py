"""A neighbourhood group files with the street office from a phone, the street officer accepts
the filing in the admin, and the group appears in its community's directory."""

from django.urls import reverse
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE

OFFICER = "officer@demo.yishi.cn"
RESIDENT = "resident03@demo.yishi.cn"
NAME = "幸福里太极拳队"


def test_a_group_files_is_accepted_and_listed(demo_city, new_page, login, staff_login, artifacts):
    from organisations.models import Organisation

    url = demo_city.url
    page = login(new_page(viewport=PHONE), RESIDENT)
    page.goto(f"{url}/organisations/new/")
    page.locator("input[name=name]").fill(NAME)
    page.locator("input[name=kind][value=filed]").check()
    page.locator("select[name=category]").select_option("sport")
    page.get_by_label("和平街道 · 幸福里社区").check()
    page.locator("textarea[name=description]").fill(
        "每天早上七点在小区广场练太极拳，欢迎居民加入。"
    )
    page.locator("input[name=member_count]").fill("15")
    page.locator("input[name=contact_name]").fill("刘桂兰")
    page.locator("input[name=contact_phone]").fill("13800003333")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=artifacts / "organisation-filing-form.png", full_page=True)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    organisation = Organisation.objects.get(name=NAME)
    assert page.url.endswith(organisation.get_absolute_url())
    expect(page.locator("h1")).to_have_text(NAME)
    page.screenshot(path=artifacts / "organisation-applied.png", full_page=True)

    # Nobody else sees a filing the street office has not accepted.
    stranger = new_page(viewport=PHONE)
    response = stranger.goto(f"{url}{organisation.get_absolute_url()}")
    assert response.status == 404

    officer = staff_login(new_page(viewport=DESKTOP), OFFICER)
    officer.goto(f"{url}{reverse('organisations_admin:inspect', args=[organisation.pk])}")
    officer.screenshot(path=artifacts / "organisation-admin-inspect.png", full_page=True)
    officer.locator("#decide-heading + div a").first.click()
    officer.wait_for_load_state()
    officer.locator("main form button[type=submit]").click()
    officer.wait_for_load_state()
    organisation.refresh_from_db()
    assert organisation.status == "filed"

    page.goto(f"{url}/xingfuli/organisations/")
    expect(page.get_by_role("link", name=NAME)).to_be_visible()
    page.screenshot(path=artifacts / "organisation-directory.png", full_page=True)
    response = stranger.goto(f"{url}{organisation.get_absolute_url()}")
    assert response.status == 200
