"""Consultation, part 1, clicked through the real pages: a resident proposes a topic with photos,
neighbours support it past the threshold, the community office accepts it into the agenda,
residents discuss it with stances, staff record a meeting, and anyone can follow every step on
the topic's timeline.

The ORM only sets the stage (threshold, the staff member's TOTP) and checks the end state.
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
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from .conftest import DEMO_PASSWORD, DESKTOP, PHONE

TOTP_SECRET = "JBSWY3DPEHPK3PXP"
STAFF = "staff.xingfuli@demo.yishi.cn"
TITLE = "幸福路12号2单元楼道灯全坏了，请尽快修复"
DESCRIPTION = "12号楼2单元一到六楼的楼道灯都不亮，老人晚上上下楼很危险，希望尽快修好并定期检查。"
COMMENTS = {
    "resident02": ("for", "赞成尽快修，建议换成声控节能灯。"),
    "resident03": ("against", "反对用维修基金，应该由物业承担费用。"),
    "resident04": ("other", "可以先装临时照明，再讨论谁出钱。"),
}
REPLY = "物业合同里写了公共照明由物业负责，同意你的看法。"
MINUTES = "一、物业承诺两周内更换全部楼道灯。\n二、费用由物业承担，不动用维修基金。"
TIMEOUT = 20_000


def email(name):
    return f"{name}@demo.yishi.cn"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def xingfuli(demo_city):
    from communities.models import Community
    from consultation.models import ConsultationSettings

    community = Community.objects.get(slug="xingfuli")
    settings = ConsultationSettings.for_community(community)
    settings.support_threshold = 3
    settings.save()
    return community


@pytest.fixture
def staff_totp(demo_city):
    from django.contrib.auth import get_user_model

    TOTP.activate(get_user_model().objects.get(email=STAFF), TOTP_SECRET)


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
def staff(open_page, login, staff_totp):
    page = login(open_page(DESKTOP), STAFF, DEMO_PASSWORD)
    code = page.locator("input[name=code]")
    expect(code).to_be_visible()
    counter = next(iter(yield_hotp_counters_from_time()))
    code.fill(format_hotp_value(hotp_value(TOTP_SECRET, counter)))
    submit(page)
    expect(page.locator("input[name=code]")).to_have_count(0)
    return page


def submit(page, scope="main form"):
    page.locator(f"{scope} button[type=submit]").first.click()
    page.wait_for_load_state()


def png(path, colour):
    Image.new("RGB", (64, 48), colour).save(path)
    return path


def shot(page, artifacts, name):
    page.screenshot(path=artifacts / f"consultation-{name}.png", full_page=True)


def fits_the_screen(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{page.url} scrolls sideways ({width} px > {viewport} px)"


def support_count(page):
    return page.locator(".support-box__count strong")


def test_a_topic_from_proposal_to_meeting(
    demo_city, xingfuli, staff, resident, open_page, media, tmp_path, artifacts
):
    from consultation.models import Comment, Meeting, Topic, TopicState

    url = demo_city.url
    xingfuli_url = f"{url}/xingfuli/"

    # 2. resident01 proposes a topic with two photos and keeps it as a draft.
    author = resident("resident01")
    author.goto(xingfuli_url)
    propose = author.locator("main a[href$='/xingfuli/topics/new/']").first
    expect(propose).to_have_text("提出议题")
    propose.click()
    expect(author).to_have_url(f"{xingfuli_url}topics/new/")
    expect(author.get_by_role("heading", level=1)).to_have_text("提出议题")
    author.locator("input[name=title]").fill(TITLE)
    author.locator("textarea[name=description]").fill(DESCRIPTION)
    author.locator("select[name=category]").select_option("facilities")
    author.locator("input[name=place]").fill("幸福路12号2单元")
    author.locator("input[name=photos]").set_input_files(
        [png(tmp_path / "dark-stairs.png", "#333333"), png(tmp_path / "lamp.png", "#c8102e")]
    )
    fits_the_screen(author)
    shot(author, artifacts, "1-propose-form-390")
    submit(author)

    expect(author).to_have_url(re.compile(r"/topics/\d+/$"))
    draft_url = author.url
    topic = Topic.objects.get(pk=re.search(r"/topics/(\d+)/$", draft_url).group(1))
    assert (topic.title, topic.status, topic.photos.count()) == (TITLE, TopicState.DRAFT, 2)
    expect(author.locator(".messages")).to_contain_text("草稿")
    expect(author.locator(".topic__head .status")).to_have_text("草稿")
    expect(author.locator(".notice")).to_contain_text("只有你")
    expect(author.locator(".photos img")).to_have_count(2)
    # Edit, submit and withdraw sit together (a <form> inside a <p> would split them apart).
    expect(author.locator(".notice .actions .button")).to_have_count(3)
    fits_the_screen(author)
    shot(author, artifacts, "2-draft-390")

    # Nobody else can see a draft, not even its address.
    stranger = open_page()
    assert stranger.goto(draft_url).status == 404

    author.get_by_role("button", name="提交征集附议").click()
    author.wait_for_load_state()
    expect(author.locator(".topic__head .status")).to_have_text("征集附议")
    expect(support_count(author)).to_have_text("0")
    assert stranger.goto(draft_url).ok, "a submitted topic is public"

    # 3. Three neighbours support it, each in their own browser; the third sends it to screening.
    for count, name in enumerate(["resident02", "resident03", "resident04"], start=1):
        neighbour = resident(name)
        neighbour.goto(draft_url)
        expect(support_count(neighbour)).to_have_text(str(count - 1))
        neighbour.get_by_role("button", name="附议", exact=True).click()
        neighbour.wait_for_load_state()
        expect(support_count(neighbour)).to_have_text(str(count))
    expect(neighbour.locator(".topic__head .status")).to_have_text("审核中")
    deadline = neighbour.locator(".support-box")
    expect(deadline).to_contain_text(re.compile(r"\d{4}-\d{2}-\d{2}"))
    expect(neighbour.get_by_role("button", name="附议", exact=True)).to_have_count(0)
    fits_the_screen(neighbour)
    shot(neighbour, artifacts, "3-after-supports-390")
    topic.refresh_from_db()
    assert topic.status == TopicState.SCREENING
    expect(deadline).to_contain_text(
        timezone.localtime(topic.screening_deadline).strftime("%Y-%m-%d")
    )

    # 4. The community office accepts it into the agenda from the admin's list of topics.
    staff.goto(f"{url}/admin/")
    sidebar = staff.locator("#wagtail-sidebar")
    sidebar.get_by_role("button", name="社区协商").click()
    sidebar.locator("a[href='/admin/topics/']").click()
    expect(staff).to_have_url(f"{url}/admin/topics/")
    row = staff.locator("tbody tr", has_text=TITLE)
    expect(row).to_have_count(1)
    row.locator("[data-w-dropdown-target=toggle]").first.click()
    accept = row.locator(f"a[href='/admin/topics/{topic.pk}/accept/']")
    expect(accept).to_have_text(re.compile("纳入协商议事清单"))
    accept.click()
    expect(staff).to_have_url(f"{url}/admin/topics/{topic.pk}/accept/")
    today = timezone.localdate()
    staff.locator("input[name=deliberation_starts]").fill(today.isoformat())
    staff.locator("input[name=deliberation_ends]").fill((today + timedelta(days=14)).isoformat())
    staff.locator("textarea[name=invited_parties]").fill("幸福里物业服务中心\n幸福路业主委员会")
    staff.keyboard.press("Escape")
    shot(staff, artifacts, "4-admin-accept-1280")
    staff.get_by_role("button", name="纳入协商议事清单").scroll_into_view_if_needed()
    shot(staff, artifacts, "4b-admin-accept-bottom-1280")
    staff.get_by_role("button", name="纳入协商议事清单").click()
    staff.wait_for_load_state()
    # Back on the topic's own page, which drives the rest of its cycle.
    expect(staff).to_have_url(f"{url}/admin/topics/inspect/{topic.pk}/")
    expect(staff.locator(".messages")).to_contain_text(TITLE)
    topic.refresh_from_db()
    assert topic.status == TopicState.DELIBERATING

    # 5. Residents say where they stand; resident05 answers resident03.
    for name, (stance, body) in COMMENTS.items():
        speaker = resident(name)
        speaker.goto(draft_url)
        speaker.locator(f"input[name=stance][value={stance}]").check()
        speaker.locator(".comment-form textarea[name=body]").fill(body)
        speaker.get_by_role("button", name="发表意见").click()
        speaker.wait_for_load_state()
        expect(speaker.locator(".comments")).to_contain_text(body)
    replier = resident("resident05")
    replier.goto(draft_url)
    against = replier.locator("li.comment", has_text=COMMENTS["resident03"][1]).first
    against.get_by_role("link", name="回复").click()  # opens the page's one reply form there
    form = replier.locator("form#reply")
    expect(form).to_contain_text("回复")
    form.locator("textarea[name=body]").fill(REPLY)
    form.get_by_role("button", name="回复").click()
    replier.wait_for_load_state()
    expect(replier.locator(".replies")).to_contain_text(REPLY)
    summary = replier.locator(".stance-summary")
    for stance in ("for", "against", "other"):
        expect(summary.locator(f".stance--{stance} .stance__count")).to_have_text("1")
    expect(summary).to_contain_text("赞成")
    expect(summary).to_contain_text("反对")
    expect(summary).to_contain_text("其他意见")
    fits_the_screen(replier)
    shot(replier, artifacts, "5-deliberation-390")

    # 6. Staff record the meeting, with its minutes.
    staff.goto(f"{url}/admin/meetings/new/")
    staff.locator("select[name=topic]").select_option(str(topic.pk))
    held_at = timezone.localtime() - timedelta(minutes=30)  # minutes come after the meeting
    staff.locator("input[name=held_at]").fill(held_at.strftime("%Y-%m-%d %H:%M"))
    staff.keyboard.press("Escape")
    staff.locator("input[name=place]").fill("幸福里社区议事厅")
    staff.locator("textarea[name=attendees]").fill("周敏\n幸福里物业服务中心\n居民代表 5 人")
    staff.locator("textarea[name=minutes]").fill(MINUTES)
    staff.locator("main form button[type=submit]").first.click()
    staff.wait_for_load_state()
    expect(staff.locator(".messages")).to_be_visible()
    assert Meeting.objects.filter(topic=topic, place="幸福里社区议事厅").exists()

    # 7. Anyone follows the whole story on the topic's page.
    public = open_page()
    public.goto(draft_url)
    expect(public.locator(".topic__head .status")).to_have_text("协商中")
    meeting = public.locator(".meeting")
    expect(meeting).to_contain_text("幸福里社区议事厅")
    expect(meeting).to_contain_text("费用由物业承担")
    expect(public.locator("#timeline-heading")).to_have_text("时间轴")
    steps = public.locator(".timeline__step strong")
    # The meeting sits at the time it was held (it had to have taken place to have minutes).
    expect(steps).to_have_count(5)
    assert sorted(steps.all_inner_texts()) == sorted(
        ["草稿", "征集附议", "审核中", "协商中", "会议"]
    )
    accepted = public.locator(".timeline__step", has_text="协商中")
    expect(accepted).to_contain_text("社区办公室")  # staff act for the office, not by login name
    expect(public.locator(".column-side")).to_contain_text("幸福里物业服务中心")
    fits_the_screen(public)
    shot(public, artifacts, "6-deliberation-public-390")

    assert Comment.objects.filter(topic=topic, parent__isnull=True).count() == 3
    assert Comment.objects.filter(topic=topic, parent__isnull=False).count() == 1
    assert topic.supports.count() == 3
