"""The residents' vote on a phone (390 px): a verified resident finds the ballot on the round's
page, ticks two projects by tapping their cards, votes, and is told their receipt; nothing on
the page is wider than the screen. The screenshot lands in test-artifacts/resident-vote.png.
"""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from consultation.models import BallotCounter, Voter
from projects.resident_vote import open_resident_vote
from tests.e2e.conftest import PHONE
from tests.factories import CommunityFactory, VerifiedResidentFactory
from tests.organisations.factories import OrganisationFactory
from tests.projects.factories import funding_round
from tests.projects.reviewing import in_review, officer_of

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def signed_in(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
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


def test_a_resident_votes_on_a_phone(city, browser, artifacts):
    round = funding_round(title="2026年和平街道社区公益创投", residents_say_weight=20)
    community = CommunityFactory(street=round.street, name="和平里社区")
    organisation = OrganisationFactory(
        street=round.street, communities=[community], name="和平里邻里互助会"
    )
    shortlist = [
        in_review(
            round,
            organisation,
            title="长者智能手机课堂",
            goals="每周两次小班教学，教会社区老人用手机挂号、买菜和视频通话。",
        ),
        in_review(round, organisation, title="社区花园共建计划", requested="12000.00"),
        in_review(round, organisation, title="四点半课堂", requested="9500.50"),
    ]
    now = timezone.now()
    [vote], _left_out = open_resident_vote(
        round,
        officer_of(round.street),
        applications=shortlist,
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=3),
        franchise="resident",
    )
    resident = VerifiedResidentFactory(community=community)
    page = signed_in(browser, city, resident.user)
    try:
        page.goto(f"{city.url}{round.url}")
        # 为和平里社区投票: found by where it leads, whatever the language.
        page.locator(f'.round-votes a[href$="/funding/votes/{vote.pk}/"]').click()
        expect(page.get_by_role("heading", name="居民投票")).to_be_visible()
        page.get_by_text("长者智能手机课堂").click()  # the whole card is the target
        page.get_by_text("四点半课堂").click()
        box = page.locator(".vote-form label").first.bounding_box()
        assert box["height"] >= 48 and box["width"] >= 300
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        page.screenshot(path=str(artifacts / "resident-vote.png"), full_page=True)
        page.get_by_role("button", name="投票", exact=True).click()
        voter = Voter.objects.get()
        expect(page.get_by_text(voter.receipt).first).to_be_visible()
        assert page.locator(".vote-form").count() == 0
    finally:
        page.context.close()
    chosen = BallotCounter.objects.order_by("position").values_list("chosen", flat=True)
    assert list(chosen) == [1, 0, 1]
