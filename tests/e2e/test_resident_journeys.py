"""The resident journeys of issue #8, clicked through on a 390 px phone in Chinese and in English:
finding the vote from the community page and casting it, finding a topic at any stage from the
topic list's filters, learning how to get verified, posting a comment once however often it is
sent, and reading a topic's timeline in the page's language only."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import PHONE

LANGUAGES = [("", "zh-CN"), ("/en", "en-US")]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(params=LANGUAGES, ids=["zh", "en"])
def language(request):
    return request.param


def resident(username):
    return f"{username}@demo.yishi.cn"


def topic_titled(title):
    from consultation.models import Topic

    return Topic.objects.get(title=title)


def test_resident_finds_the_vote_on_the_community_page_and_casts_it(
    demo_city, new_page, login, artifacts, language
):
    prefix, locale = language
    page = login(new_page(viewport=PHONE, locale=locale), email=resident("resident04"))
    page.goto(f"{demo_city.url}{prefix}/xingfuli/")
    voting = page.locator("section[aria-labelledby=voting-heading]")
    expect(voting.locator(".turnout").first).to_be_visible()
    voting.get_by_role("link", name="在小区增设电动自行车集中充电棚").click()
    page.wait_for_load_state()

    page.locator(".vote-form input[type=radio]").first.check()
    page.locator(".vote-form button[type=submit]").click()
    page.wait_for_load_state()
    receipt = page.locator(".badge--ok", has_text=re.compile("回执|receipt"))
    expect(receipt).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=artifacts / f"journey-vote{prefix.replace('/', '-')}.png", full_page=True)

    # One voter row for the resident: the vote is counted once.
    from consultation.models import Ballot

    ballot = Ballot.objects.get(topic=topic_titled("在小区增设电动自行车集中充电棚"))
    assert ballot.voters.filter(resident__user__username="resident04").count() == 1


def test_every_stage_is_a_filter_of_the_topic_list(demo_city, new_page, language):
    from consultation.models import Topic, TopicState

    prefix, locale = language
    page = new_page(viewport=PHONE, locale=locale)
    page.goto(f"{demo_city.url}{prefix}/xingfuli/topics/")
    filters = page.locator("nav.filters a")
    labels = [filters.nth(i).inner_text() for i in range(filters.count())]
    public_states = Topic.objects.exclude(status=TopicState.DRAFT).values_list("status", flat=True)
    for state in set(public_states):
        link = page.locator(f"nav.filters a[href='?status={state}']")
        expect(link).to_have_count(1)
        link.click()
        page.wait_for_load_state()
        shown = {
            page.locator(".topic-card__title").nth(i).inner_text()
            for i in range(page.locator(".topic-card__title").count())
        }
        expected = set(
            Topic.objects.filter(community__slug="xingfuli", status=state).values_list(
                "title", flat=True
            )
        )
        assert shown == expected, (state, labels)
    if prefix:
        assert not any(CJK.search(label) for label in labels), labels


def test_unverified_resident_learns_where_to_get_verified(
    demo_city, new_page, login, artifacts, language
):
    from communities.models import Community

    prefix, locale = language
    community = Community.objects.get(slug="xingfuli")
    page = login(new_page(viewport=PHONE, locale=locale), email=resident("resident07"))
    page.goto(f"{demo_city.url}{prefix}/xingfuli/topics/?status=collecting")
    page.locator(".topic-card__title a").first.click()
    page.wait_for_load_state()
    help_box = page.locator(".get-verified")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text(community.address)
    expect(page.locator("form[action$='/support/']")).to_have_count(0)
    page.screenshot(
        path=artifacts / f"journey-get-verified{prefix.replace('/', '-')}.png", full_page=True
    )


def test_a_comment_sent_twice_is_published_once(demo_city, new_page, login, language):
    from consultation.models import Comment

    prefix, locale = language
    topic = topic_titled("幸福路14号老楼加装电梯试点")
    body = f"一楼住户也支持，但希望施工期间保证出入安全。{prefix or 'zh'}"
    page = login(new_page(viewport=PHONE, locale=locale), email=resident("resident03"))
    page.goto(f"{demo_city.url}{prefix}/topics/{topic.pk}/")
    form = page.locator(".comment-form")
    form.locator("input[name=stance]").first.check()
    form.locator("textarea[name=body]").fill(body)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".comment", has_text=body)).to_have_count(1)

    # Back to the filled form, and send it again.
    page.go_back()
    page.wait_for_load_state()
    form = page.locator(".comment-form")
    form.locator("input[name=stance]").first.check()
    form.locator("textarea[name=body]").fill(body)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".comment", has_text=body)).to_have_count(1)
    assert Comment.objects.filter(topic=topic, body=body).count() == 1


def test_the_timeline_speaks_the_page_language(demo_city, new_page, language):
    prefix, locale = language
    topic = topic_titled("幸福路14号老楼加装电梯试点")
    page = new_page(viewport=PHONE, locale=locale)
    page.goto(f"{demo_city.url}{prefix}/topics/{topic.pk}/")
    # The step names; notes and people's names are what someone wrote, in their own words.
    steps = page.locator(".timeline__step > strong").all_inner_texts()
    assert len(steps) >= 3
    for step in steps:
        assert bool(CJK.search(step)) is not bool(prefix), steps
