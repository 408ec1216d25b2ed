"""Consultation, the second half, clicked through the real pages: from a deliberated topic to a
closed one with a published satisfaction rate.

Staff open a ballot in the admin, residents vote on their phones, staff close the ballot early
with a reason, write the outcome and publish it in Wagtail's page editor; a resident objects on
the outcome page and the office answers in the admin; the notice period ends; staff record
progress and mark the outcome carried out; residents rate it; the evaluation ends and the page
shows the satisfaction rate, as does the community's page.

The ORM only moves the clock (a period's end set into the past, then the clock command that
cron runs) and checks the end state. Screenshots land in test-artifacts/outcome-*.png.
"""

import io
import re
import subprocess
from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import DEMO_PASSWORD, DESKTOP, PHONE

TOTP_SECRET = "JBSWY3DPEHPK3PXP"
STAFF = "staff.xingfuli@demo.yishi.cn"
TOPIC = "幸福路14号老楼加装电梯试点"  # the demo's topic under deliberation in 幸福里
DECISION = "经表决通过：幸福路14号2单元启动加装电梯试点，委托有资质的设计单位出具方案。"
PLAN = (
    "一、社区委托设计单位两周内出具可行性方案；\n二、物业配合勘察；\n"
    "三、方案在楼道张贴并听取住户意见。"
)
OBJECTION = "一楼住户的采光补偿还没有说清楚，希望在方案里写明。"
ANSWER = "采光补偿将在设计方案中单列一节，方案张贴时一并公示，一楼住户可当面提出意见。"
PROGRESS = "设计单位已完成现场勘察，可行性方案初稿已提交社区。"
TIMEOUT = 20_000


def email(name):
    return f"{name}@demo.yishi.cn"


@pytest.fixture
def open_page(new_page):
    def open_(viewport=PHONE):
        page = new_page(viewport=viewport)
        page.set_default_timeout(TIMEOUT)
        return page

    return open_


@pytest.fixture
def resident(open_page, login):
    """A resident's own browser (a fresh context), logged in at phone width."""

    def as_resident(name):
        page = login(open_page(), email(name), DEMO_PASSWORD)
        expect(page.locator(".site-header")).not_to_contain_text("登录")
        return page

    return as_resident


@pytest.fixture
def staff(demo_city, open_page, login):
    """周敏 of 幸福里, signed in to the admin with her second factor."""
    from django.contrib.auth import get_user_model

    TOTP.activate(get_user_model().objects.get(email=STAFF), TOTP_SECRET)
    page = login(open_page(DESKTOP), STAFF, DEMO_PASSWORD)
    code = page.locator("input[name=code]")
    expect(code).to_be_visible()
    counter = next(iter(yield_hotp_counters_from_time()))
    code.fill(format_hotp_value(hotp_value(TOTP_SECRET, counter)))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    expect(page.locator("input[name=code]")).to_have_count(0)
    return page


def click(page, name, scope="main"):
    page.locator(scope).get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def shot(page, artifacts, name):
    page.screenshot(path=artifacts / f"outcome-{name}.png", full_page=True)


def fits_the_screen(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{page.url} scrolls sideways ({width} px > {viewport} px)"


def admin_action(staff, url, topic, label):
    """A step offered on the topic's admin page, as a button in its next-step panel."""
    staff.goto(f"{url}{reverse('topics:inspect', args=[topic.pk])}")
    link = staff.locator(".cycle-next").get_by_role("link", name=label)
    expect(link).to_have_count(1)
    link.click()
    staff.wait_for_load_state()


def tick_clock():
    """What cron does every few minutes."""
    call_command("advance_consultation", stdout=io.StringIO())


def test_a_deliberated_topic_to_a_closed_one_with_its_satisfaction(
    demo_city, staff, resident, open_page, artifacts
):
    from communities.models import Community
    from consultation import outcomes
    from consultation.models import Ballot, OutcomePage, Topic, TopicState
    from tests.consultation.factories import end_notice_period

    url = demo_city.url
    xingfuli = Community.objects.get(slug="xingfuli")
    topic = Topic.objects.get(community=xingfuli, title=TOPIC)
    assert topic.status == TopicState.DELIBERATING and not topic.ballots.exists()
    topic_url = f"{url}/topics/{topic.pk}/"

    # 1. The office opens a ballot from the list of topics (发起表决).
    staff.goto(f"{url}/admin/topics/")
    row = staff.locator("tbody tr", has_text=TOPIC)
    row.locator("[data-w-dropdown-target=toggle]").first.click()
    open_ballot = row.locator(
        f"a[href='{reverse('consultation_topic_open_ballot', args=[topic.pk])}']"
    )
    expect(open_ballot).to_have_text(re.compile("发起表决"))
    open_ballot.click()
    staff.wait_for_load_state()
    now = timezone.localtime()
    staff.locator("input[name=opens_at]").fill(
        (now - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")
    )
    staff.keyboard.press("Escape")
    staff.locator("input[name=closes_at]").fill(
        (now + timedelta(days=7)).strftime("%Y-%m-%d %H:%M")
    )
    staff.keyboard.press("Escape")
    click(staff, "发起表决")
    expect(staff.locator(".messages")).to_contain_text(TOPIC)
    topic.refresh_from_db()
    assert topic.status == TopicState.VOTING
    ballot = Ballot.objects.get(topic=topic)

    # 2. Three of the six verified residents vote on their phones.
    for name, choice in (("resident01", "同意"), ("resident02", "同意"), ("resident03", "反对")):
        voter = resident(name)
        voter.goto(topic_url)
        voter.locator(".vote-form label", has_text=choice).locator("input").check()
        click(voter, "投票")
        expect(voter.locator("#ballot .badge--ok")).to_be_visible()

    # 3. The owners' meeting has decided: the office closes the ballot early, with a reason.
    admin_action(staff, url, topic, "提前结束表决")
    expect(staff).to_have_url(f"{url}{reverse('consultation_close_ballot', args=[topic.pk])}")
    staff.locator("input[name=reason]").fill("2单元住户大会已召开，全体住户意见已收集。")
    click(staff, "提前结束表决")
    ballot.refresh_from_db()
    assert (ballot.status, ballot.voter_count, ballot.quorum_met) == ("closed", 3, True)

    # 4. Closing counted the ballot and wrote the outcome draft from the tally; the office
    #    finishes it in the page editor (opened from the topic's page) and publishes it there:
    #    publishing is the editor's first button, and it returns to the topic.
    outcome = OutcomePage.objects.get(topic=topic)
    assert not outcome.live
    staff.goto(f"{url}{reverse('topics:inspect', args=[topic.pk])}")
    editor = reverse("wagtailadmin_pages:edit", args=[outcome.pk])
    staff.locator(f"#outcome-section a[href^='{editor}']").click()
    staff.wait_for_load_state()
    expect(staff).to_have_url(re.compile(r"/admin/pages/\d+/edit/\?next="))
    expect(staff.locator("[name=tally]")).to_have_count(0)  # shown as counted, not a field
    expect(staff.locator("main")).to_contain_text("同意 2")
    staff.locator("textarea[name=decision]").fill(DECISION)
    staff.locator("textarea[name=plan]").fill(PLAN)
    staff.locator("input[name=responsible]").fill("幸福里社区居委会")
    staff.locator("footer button[name=action-publish]").click()
    staff.wait_for_load_state()
    expect(staff).to_have_url(f"{url}{reverse('topics:inspect', args=[topic.pk])}")
    expect(staff.locator(".messages")).to_be_visible()
    topic.refresh_from_db()
    outcome.refresh_from_db()
    assert outcome.live and topic.status == TopicState.NOTICE
    assert topic.history.first().history_user.email == STAFF
    outcome_url = f"{url}{outcome.url}"

    # 5. A resident objects during the notice period, on the outcome page.
    objector = resident("resident04")
    objector.goto(outcome_url)
    expect(objector.locator(".topic__head .status")).to_have_text("结果公示")
    objector.locator("#objections textarea[name=body]").fill(OBJECTION)
    click(objector, "提出异议")
    expect(objector.locator(".messages")).to_be_visible()
    expect(objector.locator("#objections .comments")).to_contain_text(OBJECTION)
    expect(objector.locator("#objections textarea[name=body]")).to_have_count(0)  # once only
    objection = topic.current_objections().get()

    # 6. The office answers it in public, from the admin's list of objections.
    staff.goto(f"{url}/admin/objections/")
    row = staff.locator("tbody tr", has_text=TOPIC)
    row.locator("[data-w-dropdown-target=toggle]").first.click()
    row.locator(f"a[href='{reverse('answer_objection', args=[objection.pk])}']").click()
    staff.wait_for_load_state()
    staff.locator("textarea[name=answer]").fill(ANSWER)
    staff.locator("input[name=upheld][value=false]").check()
    click(staff, "发布答复")
    objection.refresh_from_db()
    assert objection.answered_at is not None and objection.upheld is False

    public = open_page()
    public.goto(outcome_url)
    expect(public.locator("#objections .replies")).to_contain_text(ANSWER)
    expect(public.locator("#decision-heading + .prose")).to_contain_text("加装电梯试点")
    fits_the_screen(public)
    shot(public, artifacts, "1-notice-390")

    # The printable notice: one A4 page, rendered to PNG for a look.
    response = public.request.get(f"{url}/topics/{topic.pk}/notice.pdf")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = artifacts / "outcome-notice.pdf"
    pdf.write_bytes(response.body())
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-singlefile",
            str(pdf),
            str(artifacts / "outcome-2-notice-pdf"),
        ],
        check=True,
        timeout=60,
    )
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert re.search(r"^Pages:\s+1$", info.stdout, re.MULTILINE), info.stdout

    # 7. The notice period ends (the clock moved on; cron runs the command).
    end_notice_period(topic, timezone.now() - timedelta(minutes=1))
    tick_clock()
    topic.refresh_from_db()
    assert topic.status == TopicState.IMPLEMENTING

    # 8. The office records progress, then marks the outcome carried out.
    admin_action(staff, url, topic, "登记进展")
    staff.locator("input[name=date]").fill(timezone.localdate().isoformat())
    staff.keyboard.press("Escape")
    staff.locator("input[name=percent]").fill("100")
    staff.locator("textarea[name=text]").fill(PROGRESS)
    click(staff, "登记进展")
    assert topic.progress_updates.get().percent == 100
    admin_action(staff, url, topic, "标记为落实完成")
    staff.locator("input[name=evaluation_days]").fill("14")
    click(staff, "标记为落实完成")
    topic.refresh_from_db()
    assert topic.status == TopicState.EVALUATING

    # 9. Residents rate how well it was carried out.
    for name, rating in (
        ("resident01", "满意"),
        ("resident05", "基本满意"),
        ("resident03", "不满意"),
    ):
        rater = resident(name)
        rater.goto(outcome_url)
        rater.locator("#evaluation label", has_text=re.compile(f"^\\s*{rating}\\s*$")).locator(
            "input"
        ).check()
        if name == "resident01":
            expect(rater.locator(".timeline")).to_contain_text(PROGRESS)
            fits_the_screen(rater)
            shot(rater, artifacts, "3-evaluation-390")
        click(rater, "提交评议")
        expect(rater.locator("#evaluation .badge--ok")).to_contain_text(rating)
    assert outcomes.satisfaction(topic) == {"rate": 66.7, "count": 3}

    # 10. The evaluation ends; the outcome is closed with its satisfaction published.
    Topic.objects.filter(pk=topic.pk).update(
        evaluation_ends_at=timezone.now() - timedelta(minutes=1)
    )
    tick_clock()
    topic.refresh_from_db()
    assert topic.status == TopicState.CLOSED
    assert topic.history.first().history_user is None

    public.goto(outcome_url)
    expect(public.locator(".topic__head .status")).to_have_text("已结束")
    expect(public.locator(".satisfaction__rate")).to_contain_text("66.7%")
    expect(public.locator("#evaluation form")).to_have_count(0)
    fits_the_screen(public)
    shot(public, artifacts, "4-closed-390")

    community = outcomes.community_satisfaction(xingfuli)
    public.goto(f"{url}/xingfuli/")
    expect(public.locator(".satisfaction-line")).to_contain_text(f"{community['rate']}%")
    expect(public.locator("main")).to_contain_text(TOPIC)
    fits_the_screen(public)
    shot(public, artifacts, "5-community-390")
