"""The review form and the ranking in a real browser: a reviewer scores on a phone (the total
follows the scores as they are typed, and without scripts the preview step shows it), and the
street officer reads the ranking at 1280 px. Screenshots land in test-artifacts/review-*.png.
"""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from projects import reviews
from tests.e2e.conftest import DESKTOP, PHONE
from tests.projects.factories import funding_round
from tests.projects.reviewing import in_review, officer_of, reviewer_of, scores

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

TITLES = [
    ("长者智能手机课堂", "42000.00", (9, 8, 9)),
    ("社区花园共建计划", "38000.00", (8, 8, 7)),
    ("四点半课堂", "45000.00", (9, 6, 8)),
    ("楼道微更新", "30000.00", (7, 7, 6)),
    ("邻里互助食堂", "50000.00", (8, 5, 9)),
    ("垃圾分类督导", "25000.00", (6, 6, 5)),
    ("亲子阅读角", "20000.00", (5, 6, 4)),
    ("广场舞噪音调解", "15000.00", (3, 4, 5)),
]


def signed_in(browser, live_server, user, viewport, **options):
    """A browser page whose session is `user`'s (signed in as force_login records it)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport, locale="zh-CN", **options)
    context.set_default_timeout(15_000)
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "domain": urlsplit(live_server.url).hostname,
                "path": "/",
            }
        ]
    )
    return context.new_page()


def a_round_in_review():
    round = funding_round(
        title="2026年和平街道社区公益创投",
        total_budget=Decimal("200000.00"),
        grant_ceiling=Decimal("50000.00"),
    )
    for criterion, guidance in zip(
        round.criteria.all(),
        ("居民是否确有需要，需求是否有调研依据。", "活动安排、场地和人员是否落实。",
         "各项费用是否合理，是否有自筹。", "居民是否参与策划和实施。"),
        strict=True,
    ):  # fmt: skip
        criterion.guidance = guidance
        criterion.save()
    officer = officer_of(round.street, first_name="张", last_name="主任")
    return round, officer


def test_a_reviewer_scores_on_a_phone_with_and_without_scripts(city, browser, artifacts):
    round, officer = a_round_in_review()
    application = in_review(round, title="长者智能手机课堂")
    application.budget_lines.create(
        item="讲师课时费", unit_cost=Decimal("300.00"), quantity=24,
        requested=Decimal("7200.00"), cofunded=Decimal("0.00"), position=1,
    )  # fmt: skip
    reviewer = reviewer_of(round, first_name="李", last_name="评审")
    review = reviews.assign(application, reviewer, officer)
    with translation.override("zh-hans"):  # the Chinese address, without /en/
        url = f"{city.url}{reverse('projects:review', args=[review.pk])}"
    criteria = list(round.criteria.all())

    page = signed_in(browser, city, reviewer, PHONE)
    page.goto(url)
    expect(page.locator("h1")).to_have_text("长者智能手机课堂")
    for criterion, value in zip(criteria[:3], (8, 7, 6), strict=True):
        page.locator(f"#id_score_{criterion.pk}").fill(str(value))
    expect(page.locator("#review-total")).to_have_text("57.0")  # 240 + 210 + 120 points
    page.locator(f"#id_score_{criteria[3].pk}").fill("9")
    expect(page.locator("#review-total")).to_have_text("75.0")
    page.locator(f"#id_comment_{criteria[0].pk}").fill("社区老人多，学用手机需求大。")
    page.locator("input[name=recommendation][value=fund]").check()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=artifacts / "review-form-390-zh.png", full_page=True)
    # Half-way down the form the total stays in sight at the bottom of the screen.
    page.locator(f"#id_score_{criteria[1].pk}").scroll_into_view_if_needed()
    expect(page.locator("#review-total")).to_be_in_viewport()
    page.screenshot(path=artifacts / "review-form-scrolled-390-zh.png")

    # Without scripts the total is on the preview step, before the final submit.
    plain = signed_in(browser, city, reviewer, PHONE, java_script_enabled=False)
    plain.goto(url)
    expect(plain.locator("#review-total-box")).to_be_hidden()
    for criterion, value in zip(criteria, (8, 7, 6, 9), strict=True):
        plain.locator(f"#id_score_{criterion.pk}").fill(str(value))
    plain.locator("input[name=recommendation][value=fund]").check()
    plain.locator("button[name=preview]").click()
    expect(plain.locator(".review-preview .review-total strong")).to_have_text("75.0")
    plain.screenshot(path=artifacts / "review-preview-390-zh.png", full_page=True)
    plain.locator("button[name=submit]").click()
    expect(plain.locator(".review-total--final strong").first).to_have_text("75.0")
    review.refresh_from_db()
    assert review.submitted_at is not None


def test_the_officer_reads_the_ranking_at_1280(city, browser, artifacts):
    round, officer = a_round_in_review()
    panel = [reviewer_of(round, first_name=name[0], last_name=name[1:]) for name in
             ("王建国", "陈淑芬", "刘志强")]  # fmt: skip
    for title, requested, marks in TITLES:
        application = in_review(round, title=title, requested=requested)
        for person, mark in zip(panel, marks, strict=True):
            review = reviews.assign(application, person, officer)
            recommendation = (
                "fund" if mark >= 7 else "fund_with_changes" if mark >= 5 else ("do_not_fund")
            )
            reviews.submit_review(
                review, scores(round, mark, mark, mark, mark), recommendation, "建议细化预算"
            )
    page = signed_in(browser, city, officer, DESKTOP)
    page.goto(f"{city.url}{reverse('projects_ranking', args=[round.pk])}")
    expect(page.locator(".ranking tbody tr").first).to_contain_text("长者智能手机课堂")
    expect(page.locator(".ranking__budget-line")).to_have_count(1)
    # The admin scrolls inside its layout: make the window as tall as the table for the picture.
    height = page.evaluate("document.querySelector('main').scrollHeight") + 120
    page.set_viewport_size({"width": DESKTOP["width"], "height": max(height, DESKTOP["height"])})
    page.screenshot(path=artifacts / "review-ranking-1280-zh.png", full_page=True)

    # A late application: one reviewer cannot judge it, the office sees it and reassigns.
    late = in_review(round, title="独居老人探访", requested="18000.00")
    conflicted = reviews.assign(late, panel[0], officer)
    reviews.assign(late, panel[1], officer)
    reviews.declare_conflict(conflicted, "我是该组织的顾问")
    page.goto(f"{city.url}{reverse('projects_review_round', args=[round.pk])}")
    expect(page.get_by_text("独居老人探访")).to_be_visible()
    page.screenshot(path=artifacts / "review-round-1280-zh.png", full_page=True)
    page.goto(f"{city.url}{reverse('projects_review_assign', args=[late.pk])}")
    expect(page.get_by_text("我是该组织的顾问")).to_be_visible()
    page.locator("input[name=reviewers]").first.check()
    page.screenshot(path=artifacts / "review-assign-1280-zh.png", full_page=True)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert late.reviews.filter(reviewer=panel[2]).exists()
