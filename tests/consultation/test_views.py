"""The resident-facing consultation pages, through the test client: lists, the agenda, a topic,
proposing, supporting, discussing and reporting.

Messages are checked under /en/ (English); one test checks the default language is Chinese.
"""

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from django.utils.translation import gettext
from PIL import Image

from consultation import workflow
from consultation.models import Comment, CommentReport, Support, Topic, TopicPhoto
from tests.factories import ResidentFactory, VerifiedResidentFactory

from .factories import (
    CommentFactory,
    DeliberatingTopicFactory,
    SupportFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request under /en/ activates English for the thread; keep it inside the test."""
    with translation.override(None):
        yield


def en(path):
    return path if path.startswith("/en/") else "/en" + path


def png(name="photo.png", size=(8, 8)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def topics_url(community_page):
    return f"/{community_page.slug}/topics/"


@pytest.fixture
def deliberating(community, author):
    return DeliberatingTopicFactory(community=community, author=author, title="小区停车位划线")


# Lists and the agenda.


def test_topic_list_shows_public_topics_with_support_counts_but_no_drafts(
    client, community, topics_url, other_community
):
    open_topic = TopicFactory(community=community, title="楼道照明")
    SupportFactory(topic=open_topic)
    SupportFactory(topic=open_topic)
    TopicFactory(community=community, title="我的草稿", status="draft")
    TopicFactory(community=community, title="撤回的议题", status="withdrawn")
    TopicFactory(community=other_community, title="外社区的议题")
    DeliberatingTopicFactory(community=community, title="停车位划线")

    response = client.get(en(topics_url))

    assert response.status_code == 200
    # Every public stage is listed under All, a withdrawn topic too; drafts never are.
    for shown in ("楼道照明", "停车位划线", "撤回的议题"):
        assert shown in response.text
    assert "2 supporters" in response.text
    for hidden in ("我的草稿", "外社区的议题"):
        assert hidden not in response.text


def test_topic_list_filters_by_stage(client, community, topics_url):
    TopicFactory(community=community, title="楼道照明")
    DeliberatingTopicFactory(community=community, title="停车位划线")

    response = client.get(en(topics_url), {"status": "deliberating"})

    assert "停车位划线" in response.text
    assert "楼道照明" not in response.text


def test_topic_list_offers_proposing_only_to_verified_residents(
    client, topics_url, neighbour, resident
):
    assert "Propose a topic" not in client.get(en(topics_url)).text
    client.force_login(resident.user)
    assert "Propose a topic" not in client.get(en(topics_url)).text
    client.force_login(neighbour)
    assert "Propose a topic" in client.get(en(topics_url)).text


# A draft is its author's alone.


@pytest.fixture
def draft(community, author):
    return TopicFactory(community=community, author=author, status="draft", title="我的草稿")


def test_the_author_sees_their_draft(client, draft, author):
    client.force_login(author)

    response = client.get(en(draft.get_absolute_url()))

    assert response.status_code == 200
    assert "only you can see it" in response.text


@pytest.mark.parametrize("viewer", [None, "neighbour", "staff"])
def test_a_draft_is_not_found_for_anyone_else(client, draft, viewer, request):
    if viewer:
        client.force_login(request.getfixturevalue(viewer))

    assert client.get(draft.get_absolute_url()).status_code == 404


def test_nobody_else_can_submit_a_draft(client, draft, neighbour):
    client.force_login(neighbour)

    assert client.post(f"/topics/{draft.pk}/submit/").status_code == 404
    assert Topic.objects.get(pk=draft.pk).status == "draft"


def test_the_author_submits_a_draft_for_support(client, draft, author):
    client.force_login(author)

    response = client.post(en(f"/topics/{draft.pk}/submit/"), follow=True)

    assert "Submitted. Neighbours can now support your topic." in messages_of(response)
    assert Topic.objects.get(pk=draft.pk).status == "collecting"


# Proposing a topic.


@pytest.fixture
def propose_url(community_page):
    return en(f"/{community_page.slug}/topics/new/")


def proposal(**overrides):
    return {
        "title": "三号楼楼道灯坏了",
        "description": "三号楼二单元楼道的灯坏了一个月，老人晚上上下楼很危险。",
        "category": "facilities",
        "place": "三号楼二单元",
        **overrides,
    }


def test_an_unverified_resident_is_sent_to_their_profile(client, resident, propose_url):
    client.force_login(resident.user)

    response = client.post(propose_url, proposal(), follow=True)

    assert response.redirect_chain[-1][0].endswith("/profile/")
    assert any("Only verified residents of" in m for m in messages_of(response))
    assert not Topic.objects.exists()


def test_a_visitor_must_log_in_to_propose(client, propose_url):
    response = client.get(propose_url)

    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_a_verified_resident_proposes_a_draft_with_photos(client, author, propose_url):
    client.force_login(author)

    response = client.post(
        propose_url,
        {**proposal(), "photos": [png(f"p{i}.png") for i in range(6)]},
        follow=True,
    )

    topic = Topic.objects.get()
    assert (topic.title, topic.status, topic.author, topic.category) == (
        "三号楼楼道灯坏了",
        "draft",
        author,
        "facilities",
    )
    assert topic.photos.count() == 6
    assert response.redirect_chain[-1][0] == en(topic.get_absolute_url())
    assert response.text.count('alt="Photo ') == 6
    assert any("Draft saved." in m for m in messages_of(response))


def test_seven_photos_are_refused_and_nothing_is_saved(client, author, propose_url):
    client.force_login(author)

    response = client.post(propose_url, {**proposal(), "photos": [png() for _ in range(7)]})

    assert response.status_code == 200
    assert "Attach at most 6 photos (you chose 7)." in response.text
    assert not Topic.objects.exists() and not TopicPhoto.objects.exists()


def test_a_photo_over_ten_megabytes_is_refused(client, author, propose_url):
    client.force_login(author)
    big = png("big.png").read() + b"\0" * (10 * 1024 * 1024)
    upload = SimpleUploadedFile("big.png", big, content_type="image/png")

    response = client.post(propose_url, {**proposal(), "photos": [upload]})

    assert "“big.png” is larger than 10 MB." in response.text
    assert not Topic.objects.exists()


def test_a_file_that_is_not_an_image_is_refused(client, author, propose_url):
    client.force_login(author)
    fake = SimpleUploadedFile("scan.jpg", b"%PDF-1.4 not a picture", content_type="image/jpeg")

    response = client.post(propose_url, {**proposal(), "photos": [fake]})

    assert "“scan.jpg” is not an image (JPEG, PNG, GIF or WebP)." in response.text
    assert not Topic.objects.exists()


def test_a_proposal_without_a_title_is_refused(client, author, propose_url):
    client.force_login(author)

    response = client.post(propose_url, proposal(title=""))

    assert response.status_code == 200
    assert response.context["form"].errors["title"] == ["This field is required."]
    assert not Topic.objects.exists()


def test_messages_are_in_chinese_by_default(client, author, community_page):
    client.force_login(author)
    with translation.override("zh-hans"):
        required = gettext("This field is required.")
    assert required != "This field is required."

    response = client.post(f"/{community_page.slug}/topics/new/", proposal(title=""))

    assert '<html lang="zh-CN"' in response.text
    assert required in response.text
    assert "This field is required." not in response.text


def test_consultation_messages_are_in_chinese_by_default(client, topic, author):
    with translation.override("zh-hans"):
        expected = gettext("You proposed this topic; ask your neighbours to support it.")
    assert expected != "You proposed this topic; ask your neighbours to support it."
    client.force_login(author)

    response = client.post(f"/topics/{topic.pk}/support/", follow=True)

    assert expected in messages_of(response)


# Supporting.


def test_support_button_counts_the_support(client, topic, neighbour, consultation_settings):
    client.force_login(neighbour)

    response = client.post(en(f"/topics/{topic.pk}/support/"), follow=True)

    assert "Thank you: your support is counted." in messages_of(response)
    assert '<p class="support-box__count"><strong>1</strong> / 3</p>' in response.text
    assert "You support this topic" in response.text
    assert Support.objects.filter(topic=topic).count() == 1


def test_an_unverified_resident_is_shown_how_to_get_verified_not_a_button(client, topic, community):
    from tests.factories import ResidentFactory

    community.address = "幸福路88号社区服务中心"
    community.office_hours = "周一至周五 9:00–17:00"
    community.save()
    client.force_login(ResidentFactory(community=community).user)

    page = client.get(en(f"/topics/{topic.pk}/")).text

    assert "Support (附议)" not in page
    assert f"Only verified residents of {community.name} can support topics." in page
    assert "Bring your identity card to the community office." in page
    assert "幸福路88号社区服务中心" in page and "周一至周五 9:00–17:00" in page


def test_a_verified_neighbour_sees_the_support_button(client, topic, neighbour):
    client.force_login(neighbour)
    page = client.get(en(f"/topics/{topic.pk}/")).text
    assert "Support (附议)" in page
    assert "can support topics." not in page


def test_supporting_twice_shows_a_message(client, topic, neighbour):
    client.force_login(neighbour)
    client.post(f"/topics/{topic.pk}/support/")

    response = client.post(en(f"/topics/{topic.pk}/support/"), follow=True)

    assert "You have already supported this topic." in messages_of(response)
    assert Support.objects.filter(topic=topic).count() == 1


def test_an_anonymous_visitor_is_asked_to_log_in_to_support(client, topic):
    page = client.get(en(topic.get_absolute_url()))
    assert "Log in to support" in page.text

    response = client.post(f"/topics/{topic.pk}/support/")

    assert "/accounts/login/" in response.url
    assert not Support.objects.exists()


# Discussing.


def comment_on(client, topic, **data):
    return client.post(en(f"/topics/{topic.pk}/comment/"), data, follow=True)


def test_a_verified_resident_comments_with_a_stance(client, deliberating, neighbour):
    client.force_login(neighbour)

    response = comment_on(client, deliberating, stance="against", body="划线会占用消防通道。")

    assert "Your comment is published." in messages_of(response)
    assert "划线会占用消防通道。" in response.text
    stored = Comment.objects.get()
    assert (stored.author, stored.stance, stored.parent) == (neighbour, "against", None)
    assert response.context["stances"] == [
        ("for", "For", 0),
        ("against", "Against", 1),
        ("other", "Other view", 0),
    ]


def test_sending_the_same_comment_again_publishes_it_once(client, deliberating, neighbour):
    """Back, then send again (or a double tap): the words appear once; new words still post."""
    client.force_login(neighbour)

    comment_on(client, deliberating, stance="for", body="同意在东侧划线。")
    again = comment_on(client, deliberating, stance="for", body="同意在东侧划线。")
    comment_on(client, deliberating, stance="for", body="另外建议加装路灯。")

    assert "Your comment is published." in messages_of(again)
    assert again.text.count("同意在东侧划线。") == 1
    assert Comment.objects.filter(topic=deliberating, author=neighbour).count() == 2


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("unverified", "Only verified residents of {community} and invited parties can comment."),
        ("outsider", "Only verified residents of {community} and invited parties can comment."),
    ],
)
def test_people_outside_the_discussion_cannot_comment(
    client, deliberating, community, who, message, request
):
    user = ResidentFactory(community=community).user if who == "unverified" else None
    client.force_login(user or request.getfixturevalue(who))

    response = comment_on(client, deliberating, stance="for", body="同意")

    assert message.format(community=community.name) in messages_of(response)
    assert "同意" not in response.text
    assert not Comment.objects.exists()


def test_comments_are_closed_outside_deliberation(client, topic, neighbour):
    client.force_login(neighbour)

    response = comment_on(client, topic, stance="for", body="同意")

    assert "Comments are open while the topic is being deliberated." in messages_of(response)
    assert not Comment.objects.exists()


def test_a_comment_without_a_stance_is_refused(client, deliberating, neighbour):
    client.force_login(neighbour)

    response = comment_on(client, deliberating, body="同意")

    assert any("Choose a stance" in m for m in messages_of(response))
    assert not Comment.objects.exists()


def test_replies_go_one_level_deep(client, deliberating, neighbour, author):
    first = CommentFactory(topic=deliberating, author=author, body="建议划线。")
    client.force_login(neighbour)

    response = client.post(
        en(f"/topics/{deliberating.pk}/comments/{first.pk}/reply/"),
        {"body": "同意，但要留出消防通道。"},
        follow=True,
    )

    assert "Your reply is published." in messages_of(response)
    reply = Comment.objects.get(parent=first)
    assert (reply.author, reply.stance) == (neighbour, "")

    response = client.post(
        en(f"/topics/{deliberating.pk}/comments/{reply.pk}/reply/"),
        {"body": "回复的回复"},
        follow=True,
    )

    assert "You can only reply to a comment on this topic." in messages_of(response)
    assert not Comment.objects.filter(body="回复的回复").exists()


def test_a_reply_tells_the_author_of_the_comment(client, deliberating, neighbour, author):
    first = CommentFactory(topic=deliberating, author=author)
    client.force_login(neighbour)

    client.post(f"/topics/{deliberating.pk}/comments/{first.pk}/reply/", {"body": "同意"})

    assert list(author.notifications.values_list("event", flat=True)) == ["topic.comment"]
    assert not neighbour.notifications.exists()


def test_reporting_a_comment_once(client, deliberating, neighbour, author):
    offending = CommentFactory(topic=deliberating, author=author)
    client.force_login(neighbour)
    url = en(f"/topics/{deliberating.pk}/comments/{offending.pk}/report/")

    assert client.get(url).status_code == 200
    first = client.post(url, {"reason": "人身攻击"}, follow=True)
    second = client.post(url, {"reason": "还是人身攻击"}, follow=True)

    assert "Thank you. The community office will look at it." in messages_of(first)
    assert "You have already reported this comment." in messages_of(second)
    assert list(CommentReport.objects.values_list("reporter", "reason")) == [
        (neighbour.pk, "人身攻击")
    ]


def test_a_hidden_comment_shows_its_reason_but_not_its_text(client, deliberating, author, staff):
    offending = CommentFactory(topic=deliberating, author=author, body="难听的话")
    CommentFactory(topic=deliberating, author=author, stance="against", body="正常的意见")
    workflow.hide_comment(offending, staff, "含有人身攻击")

    response = client.get(en(deliberating.get_absolute_url()))

    assert "难听的话" not in response.text
    assert "Hidden by the community office: 含有人身攻击" in response.text
    assert "正常的意见" in response.text
    assert response.context["stances"] == [
        ("for", "For", 0),
        ("against", "Against", 1),
        ("other", "Other view", 0),
    ]


def test_a_hidden_comment_cannot_be_reported_or_replied_to(
    client, deliberating, author, staff, neighbour
):
    offending = CommentFactory(topic=deliberating, author=author)
    workflow.hide_comment(offending, staff, "含有人身攻击")
    client.force_login(neighbour)
    base = f"/topics/{deliberating.pk}/comments/{offending.pk}"

    assert client.post(f"{base}/report/", {"reason": "x"}).status_code == 404
    assert client.post(f"{base}/reply/", {"body": "x"}).status_code == 404
    assert not CommentReport.objects.exists()


# The topic page as the process record.


def test_topic_page_shows_stance_counts(client, deliberating, author):
    for stance in ("for", "for", "against", "other"):
        CommentFactory(topic=deliberating, author=author, stance=stance)

    response = client.get(en(deliberating.get_absolute_url()))

    assert response.context["stances"] == [
        ("for", "For", 2),
        ("against", "Against", 1),
        ("other", "Other view", 1),
    ]
    assert '<span class="stance__count">2</span> For' in response.text


def test_topic_page_shows_meetings_with_attendees_and_minutes(client, deliberating, staff):
    workflow.record_meeting(
        deliberating,
        staff,
        held_at=timezone.now() - timedelta(days=1),
        place="社区议事厅",
        attendees="居民代表\n物业公司",
        minutes="决定在东侧划线二十个车位。",
    )

    response = client.get(en(deliberating.get_absolute_url()))

    assert "社区议事厅" in response.text
    assert "居民代表、物业公司" in response.text
    assert "决定在东侧划线二十个车位。" in response.text


def test_timeline_shows_every_state_the_topic_went_through(
    client, community, author, staff, consultation_settings
):
    topic = workflow.create_draft(
        author=author,
        community=community,
        title="小区停车位划线",
        description="东侧空地可以划出二十个车位。",
        category="parking",
    )
    workflow.perform(topic, "submit", author)
    for _ in range(consultation_settings.support_threshold):
        workflow.support(topic, VerifiedResidentFactory(community=community).user)
    workflow.perform(
        topic,
        "accept",
        staff,
        deliberation_starts=date(2026, 12, 1),
        deliberation_ends=date(2026, 12, 15),
    )

    response = client.get(en(topic.get_absolute_url()))

    steps = [step["state"] for step in response.context["timeline"]]
    assert steps == ["Draft", "Collecting support", "Screening", "Deliberating"]
    timeline = response.text.split('id="timeline-heading"')[1]
    for label in ("Draft", "Collecting support", "Screening", "Deliberating", "automatically"):
        assert label in timeline
