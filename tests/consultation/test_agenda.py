"""协商议事清单: the agenda of a year, on the screen and on A4 paper for the notice board.

Every topic the office accepted in the year is listed at whatever stage it has reached, with its
source, who takes part, how and when it is deliberated. The page is public. Texts are checked
under /en/ (English): the Chinese words arrive with the merged translations.
"""

import re
import subprocess
from datetime import date, datetime

import pytest
from django.utils import timezone, translation

from consultation.models import Source, TopicState
from tests.factories import (
    CommunityFactory,
    GridFactory,
    HouseholdFactory,
    UserFactory,
    VerifiedResidentFactory,
)

from .ballot_factories import BallotFactory
from .factories import CommentFactory, DeliberatingTopicFactory, MeetingFactory, TopicFactory

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    with translation.override(None):
        yield


def en(path):
    return "/en" + path


def accepted_in(year, month=3):
    return timezone.make_aware(datetime(year, month, 15, 10))


@pytest.fixture
def agenda_url(community_page):
    return f"/{community_page.slug}/agenda/"


def test_every_topic_accepted_this_year_is_listed_whatever_its_stage(client, community, agenda_url):
    later_states = {
        TopicState.DELIBERATING: {},
        TopicState.VOTING: {},
        TopicState.NOTICE: {"notice_ends_at": accepted_in(THIS_YEAR, 6)},
        TopicState.IMPLEMENTING: {"implementation_deadline": date(THIS_YEAR, 9, 30)},
        TopicState.EVALUATING: {"evaluation_ends_at": accepted_in(THIS_YEAR, 10)},
        TopicState.CLOSED: {"closed_at": accepted_in(THIS_YEAR, 11)},
    }
    for month, (state, extra) in enumerate(later_states.items(), start=1):
        DeliberatingTopicFactory(
            community=community,
            title=f"议题·{state}",
            status=state,
            decided_at=accepted_in(THIS_YEAR, month),
            **extra,
        )
    TopicFactory(community=community, title="还在收集附议")
    TopicFactory(community=community, title="正在审核", status="screening")
    TopicFactory(
        community=community,
        title="不予受理",
        status="declined",
        decided_at=timezone.now(),
        decline_reason="不属于社区事务。",
    )
    DeliberatingTopicFactory(
        community=community,
        title="去年受理",
        status="closed",
        decided_at=accepted_in(THIS_YEAR - 1),
    )
    DeliberatingTopicFactory(community=CommunityFactory(), title="别的社区的议题")

    response = client.get(en(agenda_url))

    assert response.status_code == 200
    listed = [topic.title for topic in response.context["topics"]]
    # In the order the office accepted them: that is the list's 序号.
    assert listed == [f"议题·{state}" for state in later_states]
    text = response.text
    for label in (
        "Deliberating",
        "Voting",
        "Public notice",
        "Being carried out",
        "Residents evaluating",
        "Closed",
    ):
        assert label in text
    assert f"Notice until {THIS_YEAR}-06-15" in text
    assert f"Due by {THIS_YEAR}-09-30" in text
    assert f"Evaluation until {THIS_YEAR}-10-15" in text
    assert f"Closed on {THIS_YEAR}-11-15" in text
    for absent in ("还在收集附议", "正在审核", "不予受理", "去年受理", "别的社区的议题"):
        assert absent not in text
    assert f"{community.name} agenda for {THIS_YEAR}" in text


def test_the_columns_of_the_list_are_filled_from_the_record(client, community, agenda_url):
    topic = DeliberatingTopicFactory(
        community=community,
        title="菜市场门口早高峰拥堵",
        source=Source.HOTLINE,
        deliberation_starts=date(THIS_YEAR, 5, 1),
        deliberation_ends=date(THIS_YEAR, 5, 20),
    )
    MeetingFactory(topic=topic)
    MeetingFactory(topic=topic)
    CommentFactory(topic=topic)
    BallotFactory(topic=topic)

    row = _row(client.get(en(agenda_url)).text, "菜市场门口早高峰拥堵")

    assert "Community hotline" in row
    assert "2 meetings, Online discussion, Residents&#x27; vote" in row
    assert f'{THIS_YEAR}-05-01</span> – <span class="nowrap">{THIS_YEAR}-05-20' in row
    assert f'href="/en/topics/{topic.pk}/"' in row


def _row(html, title):
    rows = re.findall(r"<tr>.*?</tr>", html, re.DOTALL)
    found = [row for row in rows if title in row]
    assert len(found) == 1, f"{title} is not one row of the list"
    return found[0]


def test_participants_name_grids_and_parties_never_an_address(client, community, agenda_url):
    first, second = (
        GridFactory(community=community, name="第一网格"),
        GridFactory(community=community, name="第二网格"),
    )
    whole_grid = [HouseholdFactory(community=community, grid=first) for _ in range(2)]
    some = HouseholdFactory(community=community, grid=second, address="幸福路99号3栋2单元501室")
    HouseholdFactory(community=community, grid=second)
    HouseholdFactory(community=community, grid=second)
    topic = DeliberatingTopicFactory(
        community=community, title="加装电梯", invited_parties="幸福里物业服务中心\n社区居委会"
    )
    topic.invited_households.set([*whole_grid, some])
    outsider = VerifiedResidentFactory(real_name="张三丰").user
    topic.invited_users.set([UserFactory(), outsider])

    row = _row(client.get(en(agenda_url)).text, "加装电梯")

    assert (
        "All households of 第一网格, 第二网格: 1 household, 幸福里物业服务中心, 社区居委会, "
        "2 invited people"
    ) in row
    assert "幸福路99号" not in row and "张三丰" not in row


def test_without_invitations_the_residents_and_who_came_to_the_meetings_take_part(
    client, community, agenda_url
):
    met = DeliberatingTopicFactory(community=community, title="楼道照明")
    MeetingFactory(topic=met, attendees="居民代表\n物业公司")
    MeetingFactory(topic=met, attendees="物业公司\n社区民警")
    DeliberatingTopicFactory(community=community, title="广场舞时间", invited_parties="文体队")

    html = client.get(en(agenda_url)).text

    assert "Residents of the community, 居民代表, 物业公司, 社区民警" in _row(html, "楼道照明")
    assert "Residents of the community, 文体队<" in _row(html, "广场舞时间")


def test_earlier_years_are_chosen_from_the_list(client, community, agenda_url):
    DeliberatingTopicFactory(community=community, title="今年的议题")
    DeliberatingTopicFactory(
        community=community, title="两年前的议题", status="closed", decided_at=accepted_in(2024)
    )

    page = client.get(en(agenda_url))
    assert page.context["years"] == [THIS_YEAR, 2024]
    assert f'href="/en{agenda_url}2024/"' in page.text
    assert f'href="/en{agenda_url}{THIS_YEAR}/" aria-current="page"' in page.text

    earlier = client.get(en(f"{agenda_url}2024/"))
    assert earlier.status_code == 200
    assert "两年前的议题" in earlier.text and "今年的议题" not in earlier.text
    assert f'href="/en{agenda_url}2024/pdf/"' in earlier.text


def test_a_year_without_topics_or_an_unknown_community_is_not_found(client, community, agenda_url):
    assert client.get(agenda_url).status_code == 200  # this year, even when empty
    assert "No topic was accepted" in client.get(en(agenda_url)).text
    assert client.get(f"{agenda_url}2019/").status_code == 404
    assert client.get(f"{agenda_url}2019/pdf/").status_code == 404
    assert client.get("/no-such-community/agenda/").status_code == 404
    assert client.get("/no-such-community/agenda/2026/pdf/").status_code == 404


def test_the_list_costs_the_same_queries_for_3_or_30_topics(
    client, community, agenda_url, django_assert_max_num_queries
):
    grid = GridFactory(community=community)
    households = [HouseholdFactory(community=community, grid=grid) for _ in range(3)]

    def add_topics(count):
        for _ in range(count):
            topic = DeliberatingTopicFactory(community=community, invited_parties="物业公司")
            topic.invited_households.set(households[:2])
            topic.invited_users.set([UserFactory()])
            MeetingFactory(topic=topic)
            CommentFactory(topic=topic)

    # Serving a community page costs 8 (site, page tree, restrictions, community, settings);
    # the list 6: its years, the pager's count, topics, invited households, meetings, grids.
    budget = 14
    add_topics(3)
    client.get(agenda_url)  # warm the site and page caches
    with django_assert_max_num_queries(budget) as few:
        client.get(agenda_url)
    add_topics(27)
    with django_assert_max_num_queries(budget) as many:
        response = client.get(agenda_url)
    assert len(response.context["topics"]) == 30
    assert len(many.captured_queries) == len(few.captured_queries)


# The printed list.


def pdf_text(pdf, tmp_path):
    path = tmp_path / "agenda.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
        timeout=60,
    ).stdout
    info = subprocess.run(
        ["pdfinfo", str(path)], capture_output=True, check=True, text=True, timeout=60
    ).stdout
    return re.sub(r"\s+", "", text), info


def test_the_printed_list_is_an_a4_landscape_pdf_of_this_communitys_topics(
    client, community, agenda_url, tmp_path
):
    for n in range(3):
        DeliberatingTopicFactory(community=community, title=f"第{n}号议题：楼道照明")
    DeliberatingTopicFactory(community=CommunityFactory(), title="别的社区的议题")

    page = client.get(agenda_url)
    assert f'href="{agenda_url}{THIS_YEAR}/pdf/"' in page.text
    response = client.get(f"{agenda_url}{THIS_YEAR}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'inline; filename="agenda-{community.slug}-{THIS_YEAR}.pdf"'
    )
    text, info = pdf_text(response.content, tmp_path)
    for n in range(3):
        assert f"第{n}号议题：楼道照明" in text
    assert "别的社区的议题" not in text
    assert community.name in text and community.street.name in text
    assert timezone.localdate().strftime("%Y-%m-%d") in text  # the day it was printed
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.MULTILINE)
    assert abs(float(size.group(1)) - 841.89) < 2 and abs(float(size.group(2)) - 595.28) < 2


def test_the_printed_list_speaks_the_readers_language_and_numbers_its_pages(
    client, community, agenda_url, tmp_path
):
    for n in range(40):
        DeliberatingTopicFactory(
            community=community, title=f"议题{n:02d}", invited_parties="物业公司\n社区居委会"
        )

    response = client.get(en(f"{agenda_url}{THIS_YEAR}/pdf/"))

    text, info = pdf_text(response.content, tmp_path)
    pages = int(re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE).group(1))
    assert pages > 1
    assert f"{community.name}agendafor{THIS_YEAR}" in text
    assert "No.TopicSourceParticipants" in text  # the header row, on every page
    assert text.count("No.TopicSourceParticipants") == pages
    assert f"Page1of{pages}" in text and f"Page{pages}of{pages}" in text
    assert all(f"议题{n:02d}" in text for n in range(40))
