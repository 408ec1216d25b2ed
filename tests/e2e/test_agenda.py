"""The agenda (协商议事清单) of the demo city in a real browser: a card per topic on a phone with
nothing cut off, a table on a desktop, earlier years one click away, the printed copy a PDF.
And a file field on a Chinese page: our own button opens the picker, the chosen names show, the
topic is saved with its photo. Screenshots land in test-artifacts/.
"""

import re

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from PIL import Image
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE

THIS_YEAR = timezone.localdate().year


@pytest.fixture
def xingfuli(demo_city):
    """The demo's topics were all accepted this year; one closed topic moves to last year."""
    from datetime import datetime

    from communities.models import Community
    from consultation.models import Topic

    community = Community.objects.get(slug="xingfuli")
    closed = Topic.objects.filter(community=community, status="closed").first()
    closed.decided_at = timezone.make_aware(datetime(THIS_YEAR - 1, 9, 1, 10))
    closed.save(update_fields=["decided_at"])
    return community


def accepted_this_year(community):
    from consultation.agenda import topics_accepted_in

    return topics_accepted_in(community, THIS_YEAR)


def nothing_sticks_out(page):
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "scrolls sideways"
    cells = page.locator("table.agenda tbody td, table.agenda tbody th")
    for i in range(cells.count()):
        box = cells.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (
            f"cell {i} ({cells.nth(i).inner_text()!r}) is cut off: {box}"
        )


@pytest.mark.parametrize(
    ("viewport", "language"),
    [(PHONE, "zh-hans"), (DESKTOP, "zh-hans"), (DESKTOP, "en"), (PHONE, "en")],
    ids=["390-zh", "1280-zh", "1280-en", "390-en"],
)
def test_the_agenda_reads_on_a_phone_and_on_a_desktop(
    demo_city, xingfuli, new_page, artifacts, viewport, language
):
    prefix = "" if language == "zh-hans" else "/en"
    topics = accepted_this_year(xingfuli)
    page = new_page(viewport=viewport, locale="zh-CN" if prefix == "" else "en-GB")
    page.goto(f"{demo_city.url}{prefix}/xingfuli/agenda/")

    rows = page.locator("table.agenda tbody tr")
    expect(rows).to_have_count(len(topics))
    expect(rows.first.locator("th a")).to_have_text(topics[0].title)
    nothing_sticks_out(page)
    header = page.locator("table.agenda thead")
    dates = rows.first.locator("td.agenda__dates")
    with translation.override(language):
        label = gettext("Deliberation period")
    if viewport == PHONE:
        # A card: the header row is only read out, each line carries its label.
        assert header.bounding_box()["height"] <= 1
        assert label in dates.evaluate("(cell) => getComputedStyle(cell, '::before').content")
    else:
        expect(header.locator("th").nth(5)).to_have_text(label)
        assert dates.evaluate("(cell) => getComputedStyle(cell).display") == "table-cell"
    expect(dates).to_contain_text(topics[0].deliberation_starts.strftime("%Y-%m-%d"))
    width = viewport["width"]
    page.screenshot(path=artifacts / f"agenda-{width}-{language}.png", full_page=True)

    # Last year is one click away, and the printed copy of the year shown is a PDF.
    page.locator(f"nav.filters a[href$='/agenda/{THIS_YEAR - 1}/']").click()
    page.wait_for_load_state()
    expect(page.locator("table.agenda tbody tr")).to_have_count(1)
    pdf_link = page.locator(f"main a[href$='/agenda/{THIS_YEAR - 1}/pdf/']")
    expect(pdf_link).to_be_visible()
    response = page.request.get(demo_city.url + pdf_link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_a_resident_picks_a_photo_through_our_button_and_saves_the_topic(
    demo_city, new_page, login, media, tmp_path, artifacts
):
    from consultation.models import Topic

    photo = tmp_path / "楼道灯.png"
    Image.new("RGB", (64, 48), "#c8102e").save(photo)
    with translation.override("zh-hans"):
        choose, none_chosen = gettext("Choose files"), gettext("No file chosen")

    page = login(new_page())
    page.goto(f"{demo_city.url}/xingfuli/topics/new/")
    native = page.locator("input[type=file][name=photos]")
    button = page.locator("label.file-picker__button[for=id_photos]")
    chosen = page.locator("#id_photos_chosen")
    expect(button).to_have_text(choose)
    expect(chosen).to_have_text(none_chosen)
    assert native.bounding_box()["width"] <= 1, "the browser's own button is not shown"

    # The keyboard reaches the (hidden) input; our button shows where the focus is.
    page.locator("input[name=place]").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_photos"
    assert button.evaluate("(label) => getComputedStyle(label).outlineStyle") == "solid"

    with page.expect_file_chooser() as chooser:
        button.click()
    chooser.value.set_files(photo)
    expect(chosen).to_have_text("楼道灯.png")
    page.locator("input[name=title]").fill("幸福路12号楼道灯坏了，请尽快修复")
    page.locator("textarea[name=description]").fill(
        "12号楼一到六楼的楼道灯都不亮，老人晚上上下楼很危险。"
    )
    page.locator("select[name=category]").select_option("facilities")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=artifacts / "topic-form-file-chosen-390-zh-hans.png", full_page=True)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    expect(page).to_have_url(re.compile(r"/topics/\d+/$"))
    topic = Topic.objects.get(pk=re.search(r"/topics/(\d+)/$", page.url).group(1))
    assert topic.photos.count() == 1
    expect(page.locator(".photos img")).to_have_count(1)
