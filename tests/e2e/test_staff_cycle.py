"""One topic through its whole cycle, driven by community staff from the topic's admin page,
counting the forms they submit: at most 7 (it took 9 across three parts of the admin before).

screening → accepted onto the agenda, households invited by grid → a meeting recorded with its
minutes → a ballot opened → residents vote → the ballot closes (by the clock, or closed early
by staff) and the outcome draft is there → reviewed and published, back on the topic → the
notice period ends by the clock → progress recorded → marked carried out (below 100%: with a
reason) → residents evaluate and the clock closes the evaluation.

Every step is found on the topic's page as a button; links are followed by their address, so
the test reads the same in either language. Residents' votes and ratings, and the clock, are
the ORM's (their own journeys have browser tests of their own). The submissions counted are
the document POSTs staff make after signing in; the list is written to
test-artifacts/staff-cycle-submissions-<how>.txt. Screenshots of the topic page (zh, 1280 px)
at three stages land in test-artifacts/staff-cycle-*.png.
"""

import re
from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import DEMO_PASSWORD, DESKTOP

TOTP_SECRET = "JBSWY3DPEHPK3PXP"
STAFF = "staff.xingfuli@demo.yishi.cn"
TOPIC = "小区停车位重新划线并规范收费"  # the demo's topic waiting in screening in 幸福里
GRID = "第一网格"
MINUTES = (
    "一、物业介绍车位现状：现有车位86个，登记车辆131辆。\n"
    "二、议定：重新划线并按户分配，方案交居民表决。"
)
PROGRESS = "东区已完成划线，西区因消防通道改造顺延。"
REASON = "西区划线须等消防通道改造完工，已由物业书面承诺三十日内完成。"
LIMIT = 7
TIMEOUT = 20_000


@pytest.fixture
def office(demo_city, new_page):
    """周敏 of 幸福里, signed in with her second factor, her browser at 1280 px in Chinese."""
    from django.contrib.auth import get_user_model

    TOTP.activate(get_user_model().objects.get(email=STAFF), TOTP_SECRET)
    page = new_page(viewport=DESKTOP)
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{demo_city.url}/accounts/login/")
    page.locator("input[name=login]").fill(STAFF)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()
    code = page.locator("input[name=code]")
    expect(code).to_be_visible()
    counter = next(iter(yield_hotp_counters_from_time()))
    code.fill(format_hotp_value(hotp_value(TOTP_SECRET, counter)))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    expect(page.locator("input[name=code]")).to_have_count(0)
    return page


def counting(page):
    """Every form staff submit from here on: POSTs that load a page (not scripts' requests)."""
    submissions = []
    page.on(
        "request",
        lambda request: (
            submissions.append(request.url.split("/admin/", 1)[-1])
            if request.method == "POST" and request.resource_type == "document"
            else None
        ),
    )
    return submissions


def step(page, url, topic, name):
    """On the topic's page, the step `name` is a button in the next-step panel: follow it."""
    inspect = reverse("topics:inspect", args=[topic.pk])
    assert page.url.endswith(inspect), f"{page.url} is not the topic's page"
    button = page.locator(f".cycle-next a.button[href='{reverse(name, args=[topic.pk])}']")
    expect(button).to_have_count(1)
    button.click()
    page.wait_for_load_state()


def fill_date(page, name, value):
    page.locator(f"input[name={name}]").fill(value)
    page.keyboard.press("Escape")  # the date picker closes


def submit(page, url, topic):
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    expect(page).to_have_url(f"{url}{reverse('topics:inspect', args=[topic.pk])}")
    expect(page.locator(".messages .success")).to_have_count(1)


def shot(page, artifacts, name):
    """The whole page: the admin scrolls inside its main area, so the window grows to fit it."""
    height = page.evaluate("document.querySelector('#main').scrollHeight")
    page.set_viewport_size({"width": DESKTOP["width"], "height": max(height, DESKTOP["height"])})
    page.screenshot(path=artifacts / f"staff-cycle-{name}.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def minute(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize("closed_by", ["clock", "staff"])
def test_one_topic_from_screening_to_evaluation_in_seven_submissions_or_fewer(
    demo_city, office, artifacts, closed_by
):
    from django.contrib.auth import get_user_model

    from communities.models import Community, Grid, Household
    from consultation import outcomes, voting
    from consultation.models import Ballot, Meeting, OutcomePage, Topic, TopicState
    from tests.consultation.factories import end_notice_period

    url, page = demo_city.url, office
    xingfuli = Community.objects.get(slug="xingfuli")
    topic = Topic.objects.get(community=xingfuli, title=TOPIC)
    assert topic.status == TopicState.SCREENING
    grid = Grid.objects.get(community=xingfuli, name=GRID)
    submissions = counting(page)
    screenshots = closed_by == "clock"

    # 1. Screening: accept onto the agenda, inviting the households of one grid.
    page.goto(f"{url}{reverse('topics:inspect', args=[topic.pk])}")
    expect(page.locator(".cycle-stages [aria-current=step]")).to_have_text("审核中")
    step(page, url, topic, "consultation_topic_accept")
    today = timezone.localdate()
    fill_date(page, "deliberation_starts", today.isoformat())
    fill_date(page, "deliberation_ends", (today + timedelta(days=14)).isoformat())
    page.locator(f"input[name=invited_grids][value='{grid.pk}']").check()
    page.locator("textarea[name=invited_parties]").fill("幸福里物业服务中心\n业主委员会")
    if screenshots:
        shot(page, artifacts, "0-accept-form-zh-1280")
    submit(page, url, topic)
    topic.refresh_from_db()
    assert topic.status == TopicState.DELIBERATING
    households = set(Household.objects.filter(grid=grid, is_active=True))
    assert households and set(topic.invited_households.all()) == households
    if screenshots:
        shot(page, artifacts, "1-accepted-zh-1280")

    # 2. A meeting, recorded from the topic, with its minutes (it took place this morning).
    step(page, url, topic, "consultation_topic_record_meeting")
    expect(page.locator("select[name=topic]")).to_have_count(0)  # the topic is given
    held = timezone.now() - timedelta(hours=3)
    fill_date(page, "held_at", minute(held))
    page.locator("input[name=place]").fill("幸福里社区党群服务中心二楼会议室")
    page.locator("textarea[name=attendees]").fill("社区居委会 周敏\n物业服务中心\n居民代表 9人")
    page.locator("textarea[name=minutes]").fill(MINUTES)
    submit(page, url, topic)
    assert Meeting.objects.get(topic=topic).minutes.startswith("一、物业介绍车位现状")

    # 3. The ballot opens.
    step(page, url, topic, "consultation_topic_open_ballot")
    now = timezone.now()
    fill_date(page, "opens_at", minute(now - timedelta(minutes=2)))
    fill_date(page, "closes_at", minute(now + timedelta(days=7)))
    submit(page, url, topic)
    ballot = Ballot.objects.get(topic=topic)

    # 4. Residents vote (four of the verified residents; options 同意 / 反对 / 弃权).
    users = get_user_model().objects
    for name, position in (("resident01", 1), ("resident02", 1), ("resident03", 2),
                           ("resident04", 1)):  # fmt: skip
        voting.cast_vote(ballot, users.get(email=f"{name}@demo.yishi.cn"), [position])

    # 5. The ballot closes: its time comes (the clock's function, as the scheduler runs it), or
    #    the office closes it early. Either way the outcome draft is written from the count.
    if closed_by == "clock":
        Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
        assert outcomes.advance_clock()["ballots"] == 1
        page.reload()
    else:
        page.locator(
            f".cycle-next a[href='{reverse('consultation_close_ballot', args=[topic.pk])}']"
        ).click()
        page.wait_for_load_state()
        page.locator("input[name=reason]").fill("业主大会已召开，表决结果已明确。")
        submit(page, url, topic)
    ballot.refresh_from_db()
    assert (ballot.status, ballot.voter_count) == ("closed", 4)
    draft = OutcomePage.objects.get(topic=topic)
    assert not draft.live and "同意 3" in draft.tally
    expect(page.locator(".cycle-tally")).to_contain_text("3")
    if screenshots:
        shot(page, artifacts, "2-draft-prepared-zh-1280")

    # 6. Review and publish: one submission, back on the topic; the notice period starts.
    step(page, url, topic, "consultation_topic_review_outcome")
    expect(page.locator("textarea[name=tally], input[name=tally]")).to_have_count(0)
    page.locator("textarea[name=plan]").fill(
        "一、物业一周内完成东区划线；\n二、西区待消防通道改造后划线；\n三、车位按户分配，公示七日。"
    )
    page.locator("input[name=responsible]").fill("幸福里物业服务中心")
    if screenshots:
        shot(page, artifacts, "2b-review-zh-1280")
    submit(page, url, topic)
    topic.refresh_from_db()
    draft.refresh_from_db()
    assert draft.live and topic.status == TopicState.NOTICE
    assert abs(topic.notice_starts_at - timezone.now()) < timedelta(minutes=2)

    # 7. The notice period ends by itself (the clock).
    end_notice_period(topic, timezone.now() - timedelta(minutes=1))
    assert outcomes.advance_clock()["notices"] == 1
    page.reload()

    # 8. Progress, then "carried out" at 80%: a reason residents read.
    step(page, url, topic, "consultation_topic_record_progress")
    fill_date(page, "date", today.isoformat())
    page.locator("input[name=percent]").fill("80")
    page.locator("textarea[name=text]").fill(PROGRESS)
    submit(page, url, topic)
    step(page, url, topic, "consultation_topic_complete_implementation")
    page.locator("input[name=evaluation_days]").fill("14")
    page.locator("textarea[name=reason]").fill(REASON)
    submit(page, url, topic)
    topic.refresh_from_db()
    assert topic.status == TopicState.EVALUATING
    expect(page.locator("#process-record-section")).to_contain_text(REASON)
    if screenshots:
        shot(page, artifacts, "3-carried-out-zh-1280")

    # 9. Residents evaluate; the evaluation closes by itself. No staff step.
    for name, rating in (("resident01", "satisfied"), ("resident02", "basic")):
        outcomes.rate(topic, users.get(email=f"{name}@demo.yishi.cn"), rating=rating)
    Topic.objects.filter(pk=topic.pk).update(
        evaluation_ends_at=timezone.now() - timedelta(minutes=1)
    )
    assert outcomes.advance_clock()["closed"] == 1
    page.reload()
    expect(page.locator(".cycle-stages [aria-current=step]")).to_have_text("已结束")
    expect(page.locator(".cycle-next a.button")).to_have_count(0)

    listing = "\n".join(f"{n}. POST /admin/{path}" for n, path in enumerate(submissions, 1))
    (artifacts / f"staff-cycle-submissions-{closed_by}.txt").write_text(listing + "\n")
    print(f"\nStaff submissions ({closed_by} closes the ballot):\n{listing}")
    expected = [
        rf"topics/{topic.pk}/accept/",
        rf"topics/{topic.pk}/record-meeting/",
        rf"topics/{topic.pk}/open-ballot/",
        *([rf"topics/{topic.pk}/close-ballot/"] if closed_by == "staff" else []),
        rf"topics/{topic.pk}/review-outcome/",
        rf"topics/{topic.pk}/record-progress/",
        rf"topics/{topic.pk}/complete-implementation/",
    ]
    assert [re.sub(r"\?.*$", "", path) for path in submissions] == expected
    assert len(submissions) <= LIMIT
