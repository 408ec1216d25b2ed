"""Every stage is findable (issue #8): a topic past its draft is linked from its community's
pages whatever stage it reached — the topic list's filters and "All", the community page's
"Being voted on" section — and the page's rules list holds rules, not outcome notices."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from consultation import voting
from consultation.models import Franchise, TopicState
from consultation.pages import OutcomePage
from home.models import CommunityPage, StandardPage
from tests.factories import CommunityFactory, VerifiedResidentFactory

from .ballot_factories import BallotFactory, VotingTopicFactory
from .factories import TopicFactory

pytestmark = pytest.mark.django_db

PUBLIC_STATES = [state for state in TopicState if state != TopicState.DRAFT]


def listed_titles(response):
    return re.findall(r'class="topic-card__title"><a href="[^"]*">([^<]*)</a>', response.text)


@pytest.mark.parametrize("state", PUBLIC_STATES, ids=str)
def test_a_topic_in_each_public_stage_is_under_its_filter_and_under_all(
    client, community, community_page, state
):
    topic = TopicFactory(community=community, status=state, title=f"议题在{state}阶段")
    elsewhere = TopicFactory(community=community, status=TopicState.COLLECTING, title="别的阶段")
    url = f"{community_page.url}topics/"

    everything = client.get(url)
    filtered = client.get(url, {"status": state})

    assert topic.title in listed_titles(everything)
    assert f'href="?status={state}"' in everything.text
    assert topic.title in listed_titles(filtered)
    if state != TopicState.COLLECTING:
        assert elsewhere.title not in listed_titles(filtered)


def test_a_draft_is_under_no_filter(client, community, community_page):
    draft = TopicFactory(community=community, status=TopicState.DRAFT, submitted_at=None)
    url = f"{community_page.url}topics/"

    assert draft.title not in listed_titles(client.get(url))
    assert draft.title not in listed_titles(client.get(url, {"status": "draft"}))
    assert 'href="?status=draft"' not in client.get(url).text


def test_the_community_page_lists_a_topic_being_voted_on_with_closing_time_and_turnout(
    client, community, community_page
):
    residents = [VerifiedResidentFactory(community=community) for _ in range(4)]
    VerifiedResidentFactory(community=CommunityFactory())  # not eligible here
    closes_at = timezone.now() + timedelta(days=3)
    ballot = BallotFactory(
        topic=VotingTopicFactory(community=community, title="东门加装充电桩"), closes_at=closes_at
    )
    voting.cast_vote(ballot, residents[0].user, [1])

    response = client.get(community_page.url)

    section = response.text.split('id="voting-heading"')[1].split("</section>")[0]
    assert "东门加装充电桩" in section
    assert timezone.localtime(closes_at).strftime("%Y-%m-%d %H:%M") in section
    turnout = re.search(r'class="turnout">([^<]*)<', section).group(1)
    assert re.findall(r"\d+", turnout) == ["1", "4"]


def test_turnout_counts_households_under_one_vote_per_household(client, community, community_page):
    first = VerifiedResidentFactory(community=community)
    VerifiedResidentFactory(community=community, household=first.household)
    VerifiedResidentFactory(community=community)
    ballot = BallotFactory(
        topic=VotingTopicFactory(community=community), franchise=Franchise.HOUSEHOLD
    )
    voting.cast_vote(ballot, first.user, [1])

    listed = client.get(community_page.url).context["being_voted"]

    assert [(b.votes, b.eligible) for b in listed] == [(1, 2)]
    assert listed[0].eligible == voting.eligible_count(ballot)


def test_a_closed_account_that_voted_still_counts_among_the_eligible(
    client, community, community_page
):
    voter, other = (VerifiedResidentFactory(community=community) for _ in range(2))
    VerifiedResidentFactory(community=community, closed_at=timezone.now())  # never voted
    ballot = BallotFactory(topic=VotingTopicFactory(community=community))
    voting.cast_vote(ballot, voter.user, [1])
    voter.closed_at = timezone.now()
    voter.save(update_fields=["closed_at"])

    listed = client.get(community_page.url).context["being_voted"]

    assert [(b.votes, b.eligible) for b in listed] == [(1, 2)]
    assert listed[0].eligible == voting.eligible_count(ballot)


def test_a_ballot_of_another_community_is_not_listed(client, community, community_page):
    BallotFactory(topic=VotingTopicFactory(title="别处的表决"))

    response = client.get(community_page.url)

    assert list(response.context["being_voted"]) == []
    assert "别处的表决" not in response.text


def test_rules_and_guides_list_rules_pages_not_outcome_notices(
    client, community, community_page, home_page
):
    own_rules = StandardPage(title="本社区议事规则", slug="own-rules")
    community_page.add_child(instance=own_rules)
    city_rules = StandardPage(title="全街道协商指南", slug="city-rules")
    home_page.add_child(instance=city_rules)
    other_page = CommunityPage(title="别的社区", slug="other", community=CommunityFactory())
    home_page.add_child(instance=other_page)
    other_page.add_child(instance=StandardPage(title="别的社区的规则", slug="other-rules"))
    hidden = StandardPage(title="未发布的规则", slug="hidden-rules", live=False)
    community_page.add_child(instance=hidden)
    outcome = OutcomePage(
        title="充电桩结果公示",
        slug="outcome",
        topic=TopicFactory(community=community, status=TopicState.NOTICE),
        decision="同意",
        tally="赞成 10",
        plan="物业安装",
        responsible="物业",
        deadline=timezone.localdate() + timedelta(days=30),
        notice_days=7,
        first_published_at=timezone.now(),
    )
    community_page.add_child(instance=outcome)

    response = client.get(community_page.url)

    assert [p.title for p in response.context["rules_pages"]] == [
        "本社区议事规则",
        "全街道协商指南",
    ]
    section = response.text.split('id="pages-heading"')[1].split("</section>")[0]
    assert "本社区议事规则" in section and "全街道协商指南" in section
    assert "充电桩结果公示" not in section
    assert "别的社区的规则" not in section
    assert "未发布的规则" not in section
