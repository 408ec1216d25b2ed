"""The whole funding journey of issue #9, clicked through the real pages in Chromium: a resident
files a group on a 390 px phone (a mistyped credit code first), the street officer accepts the
filing in the admin, the group applies to the round with budget lines and indicators (over the
round's ceiling first), the officer screens it and assigns two reviewers, each scores it on a
phone, the officer awards it from the ranking, and the representative downloads the decision
letter from "my applications".

Factories build only the scene (street, community, people, the published round); every step
after is a click. Screenshots land in test-artifacts/funding-journey-NN-*.png, with the letter's
first page rendered beside them.
"""

import re
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from communities.templatetags.people import person_name
from projects.decisions import yuan_in_capitals
from tests.factories import PASSWORD, CommunityFactory, StreetFactory, VerifiedResidentFactory
from tests.organisations.factories import credit_code
from tests.projects.factories import funding_round
from tests.projects.reviewing import officer_of, reviewer_of

from .conftest import DESKTOP, PHONE
from .test_apply import fits_the_screen, line

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

NAME = "幸福里银龄书画社"
TITLE = "银龄书法进楼栋"
CEILING = Decimal("20000.00")
AWARD = Decimal("3000.00")
TIMEOUT = 20_000


@pytest.fixture
def scene(city):
    street = StreetFactory(name="和平街道", slug="heping")
    community = CommunityFactory(street=street, name="幸福里社区", slug="xingfuli")
    resident = VerifiedResidentFactory(
        community=community, real_name="刘桂兰", user__first_name="桂兰", user__last_name="刘"
    )
    round = funding_round(
        street, title="2026年和平街道社区公益创投", slug="gongyi-2026", grant_ceiling=CEILING
    )
    officer = officer_of(street, first_name="建华", last_name="张")
    reviewers = [
        reviewer_of(round, first_name="建国", last_name="王"),
        reviewer_of(round, first_name="淑芬", last_name="陈"),
    ]
    return resident.user, round, officer, reviewers


def url_of(name, *args):
    with translation.override("zh-hans"):  # the Chinese addresses, without /en/
        return reverse(name, args=args)


def shot(page, artifacts, number, name):
    path = artifacts / f"funding-journey-{number:02d}-{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def admin_shot(page, artifacts, number, name):
    """The admin scrolls inside its layout: make the window as tall as the content first."""
    height = page.evaluate("document.querySelector('main').scrollHeight") + 160
    page.set_viewport_size({"width": DESKTOP["width"], "height": max(height, DESKTOP["height"])})
    shot(page, artifacts, number, name)
    page.set_viewport_size(DESKTOP)


def phone(new_page, login, email):
    page = new_page(viewport=PHONE)
    page.set_default_timeout(TIMEOUT)
    login(page, email, PASSWORD)
    return page


def file_the_group(page, url, artifacts, code):
    page.goto(f"{url}{url_of('organisations:file')}")
    page.locator("input[name=name]").fill(NAME)
    page.locator("input[name=kind][value=registered]").check()
    page.locator("input[name=credit_code]").fill(code)
    page.locator("select[name=category]").select_option("culture")
    page.get_by_label("和平街道 · 幸福里社区").check()
    page.locator("textarea[name=description]").fill("每周在社区活动室教老人写书法、画国画。")
    page.locator("input[name=member_count]").fill("25")
    page.locator("input[name=contact_name]").fill("刘桂兰")
    page.locator("input[name=contact_phone]").fill("13800003333")
    fits_the_screen(page)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_a_group_files_applies_is_reviewed_awarded_and_reads_its_letter(
    scene, new_page, login, staff_login, live_server, artifacts
):
    from organisations.models import Organisation, OrganisationState
    from projects.models import Application, ApplicationState

    representative, round, officer, reviewers = scene
    url = live_server.url

    # 1. The resident files the group from a phone; a code with a wrong check character is
    #    refused in Chinese and nothing is saved.
    page = phone(new_page, login, representative.email)
    good = credit_code(4321)
    wrong = good[:17] + ("1" if good[17] != "1" else "2")
    file_the_group(page, url, artifacts, wrong)
    expect(page.locator("main")).to_contain_text("统一社会信用代码有误：最后一位校验码与前面不符")
    assert not Organisation.objects.exists()
    fits_the_screen(page)
    shot(page, artifacts, 1, "filing-wrong-code")
    file_the_group(page, url, artifacts, good)
    organisation = Organisation.objects.get(name=NAME)
    assert organisation.credit_code == good
    expect(page.locator("h1")).to_have_text(NAME)
    shot(page, artifacts, 2, "filed")

    # 2. The street officer accepts the filing in the admin.
    admin = new_page(viewport=DESKTOP)
    admin.set_default_timeout(TIMEOUT)
    staff_login(admin, officer.email, PASSWORD)
    admin.goto(f"{url}{reverse('organisations_admin:inspect', args=[organisation.pk])}")
    admin.locator("a[href$='/decide/file/']").click()
    admin.wait_for_load_state()
    admin_shot(admin, artifacts, 3, "admin-accept-filing")
    admin.locator("main form button[type=submit]").click()
    admin.wait_for_load_state()
    organisation.refresh_from_db()
    assert organisation.status == OrganisationState.FILED

    # 3. The representative applies from the round's page: over the ceiling first.
    page.goto(f"{url}/{round.slug}/")
    expect(page.locator("h1")).to_have_text(round.title)
    fits_the_screen(page)
    shot(page, artifacts, 4, "round")
    page.locator(f"a[href$='/rounds/{round.pk}/apply/?organisation={organisation.pk}']").click()
    page.wait_for_load_state()
    page.locator("input[name=title]").fill(TITLE)
    page.locator("textarea[name=need]").fill("幸福里老年人多，楼栋里缺少文化活动。")
    page.locator("textarea[name=goals]").fill("每栋楼每月一次书法课，培养十名楼栋书法骨干。")
    page.locator("input[name=beneficiaries]").fill("幸福里60岁以上居民")
    page.locator("input[name=beneficiary_count]").fill("120")
    page.locator("textarea[name=activity_plan]").fill(
        "三月至十二月，每周二下午在各楼栋活动室教学。"
    )
    line(page, 0, "书法用纸和墨", "12.50", "20", "250", "0")
    line(page, 1, "讲师课时费", "3000", "12", "30000", "6000")
    expect(page.locator("[data-total=requested]")).to_have_text("30250.00")
    page.locator("input[name=indicators-0-name]").fill("开展书法课")
    page.locator("input[name=indicators-0-target]").fill("40")
    page.locator("input[name=indicators-0-unit]").fill("次")
    if not page.locator("input[name=indicators-1-name]").count():
        page.locator("[data-add-row=indicators]").click()
    page.locator("input[name=indicators-1-name]").fill("培养楼栋书法骨干")
    page.locator("input[name=indicators-1-target]").fill("10")
    page.locator("input[name=indicators-1-unit]").fill("人")
    page.locator(".application-form .actions button[type=submit]").first.click()
    page.wait_for_load_state()
    expect(page.locator("main")).to_contain_text("每个项目最多资助 20000.00 元")
    assert not Application.objects.exists()
    fits_the_screen(page)
    shot(page, artifacts, 5, "apply-over-the-ceiling")

    # Within the ceiling: the requested total is the sum of the lines' requests.
    line(page, 1, "讲师课时费", "300", "12", "3000", "600")
    expect(page.locator("[data-total=requested]")).to_have_text("3250.00")
    expect(page.locator("[data-total=cost]")).to_have_text("3850.00")
    fits_the_screen(page)
    shot(page, artifacts, 6, "apply-form")
    page.locator(".application-form .actions button[type=submit]").first.click()
    page.wait_for_load_state()
    application = Application.objects.get(title=TITLE)
    assert page.url.endswith(f"/applications/{application.pk}/")
    assert application.budget_lines.count() == 2
    assert application.indicators.count() == 2
    expect(page.locator(".budget-table tfoot")).to_contain_text("3250.00")
    page.locator("form[action$='/act/submit/'] button").click()
    page.wait_for_load_state()
    application.refresh_from_db()
    assert application.status == ApplicationState.SUBMITTED
    fits_the_screen(page)
    shot(page, artifacts, 7, "submitted")

    # 4. The officer screens it as eligible and assigns the two reviewers.
    inspect = reverse("applications_admin:inspect", args=[application.pk])
    admin.goto(f"{url}{inspect}")
    for action in ("start_screening", "pass_screening"):
        admin.locator(f"a[href$='/screen/{action}/']").click()
        admin.wait_for_load_state()
        admin.locator("main form button[type=submit]").click()
        admin.wait_for_load_state()
    application.refresh_from_db()
    assert application.status == ApplicationState.IN_REVIEW
    admin.goto(f"{url}{reverse('projects_review_round', args=[round.pk])}")
    admin.locator(f"a[href$='{reverse('projects_review_assign', args=[application.pk])}']").click()
    admin.wait_for_load_state()
    for reviewer in reviewers:
        admin.get_by_label(person_name(reviewer), exact=True).check()
    admin_shot(admin, artifacts, 8, "admin-assign")
    admin.locator("main form button[type=submit]").click()
    admin.wait_for_load_state()
    assert application.reviews.count() == 2

    # 5. Each reviewer scores every criterion on a phone, with comments and a recommendation.
    criteria = list(round.criteria.all())
    for number, (reviewer, marks, recommendation) in enumerate(
        zip(reviewers, ((9, 8, 7, 8), (8, 7, 8, 9)), ("fund", "fund_with_changes"), strict=True)
    ):
        desk = phone(new_page, login, reviewer.email)
        desk.goto(f"{url}{url_of('projects:my_reviews')}")
        desk.get_by_role("link", name=TITLE).click()
        desk.wait_for_load_state()
        expect(desk.locator("h1")).to_have_text(TITLE)
        for criterion, mark in zip(criteria, marks, strict=True):
            desk.locator(f"#id_score_{criterion.pk}").fill(str(mark))
            desk.locator(f"#id_comment_{criterion.pk}").fill(f"{criterion.name}：情况清楚。")
        desk.locator(f"input[name=recommendation][value={recommendation}]").check()
        desk.locator("textarea[name=comment]").fill("楼栋书法课贴近老人需要，预算合理。")
        fits_the_screen(desk)
        shot(desk, artifacts, 9 + 2 * number, f"review-{number + 1}")
        desk.locator("button[name=preview]").click()
        desk.wait_for_load_state()
        desk.locator("button[name=submit]").click()
        desk.wait_for_load_state()
        expect(desk.locator(".review-total--final strong").first).to_be_visible()
        fits_the_screen(desk)
        shot(desk, artifacts, 10 + 2 * number, f"review-{number + 1}-submitted")
    assert application.reviews.filter(submitted_at__isnull=False).count() == 2

    # 6. The officer awards it from the ranking, less than requested, with a reason.
    admin.goto(f"{url}{reverse('projects_ranking', args=[round.pk])}")
    expect(admin.locator(".ranking tbody tr").first).to_contain_text(TITLE)
    admin_shot(admin, artifacts, 13, "ranking")
    admin.locator(f"a[href$='{reverse('projects_decide', args=[application.pk])}']").click()
    admin.wait_for_load_state()
    admin.locator("input[name=decision][value=award]").check()
    admin.locator("input[name=amount]").fill(str(AWARD))
    admin.locator("textarea[name=reason]").fill("方案可行；讲师课时费按街道标准核减250元。")
    admin_shot(admin, artifacts, 14, "admin-award")
    admin.locator("main form button[type=submit]").click()
    admin.wait_for_load_state()
    application.refresh_from_db()
    assert application.status == ApplicationState.AWARDED
    assert application.awarded_amount == AWARD

    # 7. The representative sees it awarded and downloads the decision letter.
    page.goto(f"{url}{url_of('projects:my_applications')}")
    card = page.locator(".topic-card", has_text=TITLE)
    expect(card).to_contain_text(application.get_status_display())
    fits_the_screen(page)
    shot(page, artifacts, 15, "my-applications")
    card.get_by_role("link", name=TITLE).click()
    page.wait_for_load_state()
    fits_the_screen(page)
    shot(page, artifacts, 16, "awarded")
    # The letter opens inline (to print or save): fetch the link with the page's own session.
    link = page.locator(f"a[href$='/applications/{application.pk}/letter.pdf']")
    expect(link).to_be_visible()
    response = page.request.get(f"{url}{link.get_attribute('href')}")
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    letter = artifacts / "funding-journey-17-letter.pdf"
    letter.write_bytes(response.body())
    assert letter.read_bytes().startswith(b"%PDF")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", letter,
         artifacts / "funding-journey-17-letter"],
        check=True,
    )  # fmt: skip
    text = subprocess.run(
        ["pdftotext", "-layout", letter, "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = re.sub(r"\s+", "", text)
    assert NAME in flat
    assert TITLE in flat
    assert "3,000.00元" in flat or "3000.00元" in flat
    assert yuan_in_capitals(AWARD) in flat
    assert "和平街道" in flat
