"""Consultation staff screens: only one's own communities exist; every step is the workflow's."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.history_reasons import render_reason
from communities.models import Notification
from consultation.models import ConsultationSettings, Meeting, Topic
from tests.factories import CommunityFactory, HouseholdFactory

from .factories import (
    CommentFactory,
    CommentReportFactory,
    DeliberatingTopicFactory,
    ScreeningTopicFactory,
    SupportFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff_client(client, staff_with_totp):
    client.force_login(staff_with_totp)
    return client


@pytest.fixture
def elsewhere():
    return CommunityFactory(name="外社区")


def action_url(action, topic):
    return reverse(f"consultation_topic_{action}", args=[topic.pk])


def last_step(topic):
    return topic.history.order_by("-history_date", "-history_id").first()


def test_topics_list_shows_own_community_only_and_never_drafts(staff_client, community, elsewhere):
    mine = TopicFactory(community=community, title="本社区议题")
    draft = TopicFactory(community=community, title="某人的草稿", status="draft")
    theirs = TopicFactory(community=elsewhere, title="外社区议题")

    response = staff_client.get(reverse("topics:index"))

    assert response.status_code == 200
    assert mine.title in response.text
    assert draft.title not in response.text
    assert theirs.title not in response.text


def test_a_draft_does_not_exist_for_staff(staff_client, community):
    draft = TopicFactory(community=community, status="draft")
    assert staff_client.get(reverse("topics:inspect", args=[draft.pk])).status_code == 404
    assert staff_client.get(action_url("decline", draft)).status_code == 404


def test_topics_list_filters_overdue(staff_client, community):
    late = ScreeningTopicFactory(
        community=community,
        title="逾期未决议题",
        screening_deadline=timezone.now() - timedelta(days=1),
    )
    on_time = ScreeningTopicFactory(community=community, title="按期议题")

    response = staff_client.get(reverse("topics:index"), {"overdue": "true"})

    assert late.title in response.text
    assert on_time.title not in response.text


def test_row_menu_offers_only_the_steps_of_the_topics_state(staff_client, community):
    collecting = TopicFactory(community=community)
    screening = ScreeningTopicFactory(community=community)

    response = staff_client.get(reverse("topics:index"))

    assert action_url("send_to_screening", collecting) in response.text
    assert action_url("accept", collecting) not in response.text
    assert action_url("accept", screening) in response.text
    assert action_url("send_to_screening", screening) not in response.text
    assert action_url("decline", collecting) in response.text


def test_accept_into_the_agenda_from_the_admin(staff_client, staff, community):
    topic = ScreeningTopicFactory(community=community)
    household = HouseholdFactory(community=community, address="幸福里3号楼")

    response = staff_client.post(
        action_url("accept", topic),
        {
            "deliberation_starts": "2026-12-01",
            "deliberation_ends": "2026-12-15",
            "invited_households": [household.pk],
            "invited_parties": "物业公司\n业委会",
        },
    )

    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.status == "deliberating"
    assert (topic.deliberation_starts, topic.deliberation_ends) == (
        date(2026, 12, 1),
        date(2026, 12, 15),
    )
    assert list(topic.invited_households.all()) == [household]
    assert topic.invited_parties_list() == ["物业公司", "业委会"]
    assert last_step(topic).history_user == staff


def test_accept_offers_only_households_of_the_topics_community(staff_client, community, elsewhere):
    topic = ScreeningTopicFactory(community=community)
    HouseholdFactory(community=community, address="本社区1号楼")
    HouseholdFactory(community=elsewhere, address="外社区9号楼")

    response = staff_client.get(action_url("accept", topic))

    assert "本社区1号楼" in response.text
    assert "外社区9号楼" not in response.text


def test_workflow_refusal_shows_on_the_form_and_changes_nothing(staff_client, community):
    topic = ScreeningTopicFactory(community=community)

    response = staff_client.post(
        action_url("accept", topic),
        {"deliberation_starts": "2026-12-15", "deliberation_ends": "2026-12-01"},
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    topic.refresh_from_db()
    assert topic.status == "screening"


def test_decline_with_a_public_reason(staff_client, staff, community):
    topic = TopicFactory(community=community)

    staff_client.post(action_url("decline", topic), {"reason": "属于物业维修范围，已转物业处理。"})

    topic.refresh_from_db()
    assert topic.status == "declined"
    assert topic.decline_reason == "属于物业维修范围，已转物业处理。"
    step = last_step(topic)
    assert step.history_user == staff
    assert render_reason(step.history_change_reason) == topic.decline_reason


def test_decline_without_reason_shows_an_error_and_changes_nothing(staff_client, community):
    topic = ScreeningTopicFactory(community=community)
    steps_before = topic.history.count()

    response = staff_client.post(action_url("decline", topic), {"reason": "  "})

    assert response.status_code == 200
    assert response.context["form"].errors
    topic.refresh_from_db()
    assert topic.status == "screening"
    assert topic.history.count() == steps_before


def test_mark_as_duplicate(staff_client, staff, community, elsewhere):
    survivor = TopicFactory(community=community, title="原议题")
    TopicFactory(community=elsewhere, title="外社区同名议题")
    topic = TopicFactory(community=community)

    form = staff_client.get(action_url("mark_duplicate", topic)).context["form"]
    assert list(form.fields["duplicate_of"].queryset) == [survivor]

    staff_client.post(action_url("mark_duplicate", topic), {"duplicate_of": survivor.pk})

    topic.refresh_from_db()
    assert (topic.status, topic.duplicate_of) == ("declined", survivor)
    assert last_step(topic).history_user == staff


def test_send_to_screening_starts_the_clock(staff_client, staff, community):
    topic = TopicFactory(community=community)

    staff_client.post(action_url("send_to_screening", topic))

    topic.refresh_from_db()
    assert topic.status == "screening"
    assert topic.screening_deadline is not None
    assert last_step(topic).history_user == staff


def test_a_step_not_possible_in_this_state_is_refused(staff_client, community):
    topic = TopicFactory(community=community)  # collecting: not yet screened

    response = staff_client.post(
        action_url("accept", topic),
        {"deliberation_starts": "2026-12-01", "deliberation_ends": "2026-12-15"},
    )

    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.status == "collecting"


@pytest.mark.parametrize(
    "url_for",
    [
        lambda t: action_url("send_to_screening", t),
        lambda t: action_url("accept", t),
        lambda t: action_url("decline", t),
        lambda t: action_url("mark_duplicate", t),
        lambda t: reverse("topics:inspect", args=[t.pk]),
        lambda t: reverse("topics:history", args=[t.pk]),
    ],
    ids=["send_to_screening", "accept", "decline", "mark_duplicate", "inspect", "history"],
)
def test_a_topic_of_another_community_does_not_exist(staff_client, elsewhere, url_for):
    topic = ScreeningTopicFactory(community=elsewhere)

    assert staff_client.get(url_for(topic)).status_code == 404
    assert staff_client.post(url_for(topic), {"reason": "越权"}).status_code in (404, 405)
    topic.refresh_from_db()
    assert topic.status == "screening"


def test_enter_a_topic_on_a_residents_behalf(staff_client, staff, community):
    response = staff_client.post(
        reverse("consultation_enter_topic"),
        {
            "community": community.pk,
            "title": "小区东门夜间照明不足",
            "description": "王阿姨来电反映东门路灯坏了。",
            "category": "facilities",
            "place": "东门",
            "source": "hotline",
            "raised_by": "王阿姨",
        },
    )

    assert response.status_code == 302
    topic = Topic.objects.get(title="小区东门夜间照明不足")
    assert (topic.status, topic.source, topic.raised_by) == ("collecting", "hotline", "王阿姨")
    assert topic.entered_by == staff
    assert topic.author is None
    assert last_step(topic).history_user == staff


def test_enter_on_behalf_offers_only_managed_communities_and_not_online(
    staff_client, community, elsewhere
):
    form = staff_client.get(reverse("consultation_enter_topic")).context["form"]

    assert list(form.fields["community"].queryset) == [community]
    assert "online" not in dict(form.fields["source"].choices)


def test_enter_on_behalf_for_another_community_is_refused(staff_client, elsewhere):
    response = staff_client.post(
        reverse("consultation_enter_topic"),
        {
            "community": elsewhere.pk,
            "title": "越权录入",
            "description": "—",
            "category": "other",
            "source": "hotline",
            "raised_by": "某人",
        },
    )

    assert response.status_code == 200
    assert not Topic.objects.filter(title="越权录入").exists()


def test_hide_a_reported_comment(staff_client, staff, community):
    comment = CommentFactory(topic__community=community, body="一条不文明的留言")
    report = CommentReportFactory(comment=comment)

    listing = staff_client.get(reverse("topic_comments:index"), {"reported": "true"})
    assert "一条不文明的留言" in listing.text

    response = staff_client.post(
        reverse("consultation_hide_comment", args=[comment.pk]), {"reason": "人身攻击"}
    )

    assert response.status_code == 302
    comment.refresh_from_db()
    report.refresh_from_db()
    assert comment.is_hidden
    assert (comment.hidden_by, comment.hidden_reason) == (staff, "人身攻击")
    assert report.resolved_at is not None
    assert comment.history.filter(body="一条不文明的留言", history_user=staff).exists()


def test_a_comment_of_another_community_does_not_exist(staff_client, elsewhere):
    comment = CommentFactory(topic__community=elsewhere)

    assert staff_client.get(reverse("topic_comments:index")).status_code == 200
    assert comment.body not in staff_client.get(reverse("topic_comments:index")).text
    hide = reverse("consultation_hide_comment", args=[comment.pk])
    assert staff_client.post(hide, {"reason": "越权"}).status_code == 404
    comment.refresh_from_db()
    assert not comment.is_hidden
    assert staff_client.get(reverse("topic_comments:inspect", args=[comment.pk])).status_code == 404


def test_staff_cannot_edit_or_delete_comments(staff_client, community):
    comment = CommentFactory(topic__community=community)

    for name in ("topic_comments:edit", "topic_comments:delete"):
        response = staff_client.get(reverse(name, args=[comment.pk]))
        assert response.status_code in (302, 403), name
    assert staff_client.get(reverse("topic_comments:add")).status_code in (302, 403)


def test_record_a_meeting_notifies_the_topics_followers(staff_client, staff, community):
    topic = DeliberatingTopicFactory(community=community)
    supporter = SupportFactory(topic=topic).resident.user

    response = staff_client.post(
        reverse("meetings:add"),
        {
            "topic": topic.pk,
            "held_at": "2026-12-05 19:00",
            "place": "社区议事厅",
            "attendees": "居民代表\n物业公司",
            "minutes": "",
        },
    )

    assert response.status_code == 302
    meeting = Meeting.objects.get(topic=topic)
    assert (meeting.recorded_by, meeting.place) == (staff, "社区议事厅")
    recipients = set(
        Notification.objects.filter(event="topic.meeting").values_list("recipient", flat=True)
    )
    assert recipients == {topic.author_id, supporter.pk}


def test_meetings_only_for_deliberating_topics_of_own_community(staff_client, community, elsewhere):
    open_here = DeliberatingTopicFactory(community=community)
    TopicFactory(community=community)
    DeliberatingTopicFactory(community=elsewhere)

    form = staff_client.get(reverse("meetings:add")).context["form"]

    assert list(form.fields["topic"].queryset) == [open_here]


def test_meeting_attachments_are_saved(staff_client, community):
    from django.core.files.uploadedfile import SimpleUploadedFile

    topic = DeliberatingTopicFactory(community=community)

    staff_client.post(
        reverse("meetings:add"),
        {
            "topic": topic.pk,
            "held_at": "2026-12-05 19:00",
            "place": "社区议事厅",
            "attendees": "居民代表",
            "attachments": [
                SimpleUploadedFile("签到表.pdf", b"%PDF-1.4"),
                SimpleUploadedFile("纪要.txt", b"minutes"),
            ],
        },
    )

    meeting = Meeting.objects.get(topic=topic)
    assert sorted(a.title for a in meeting.attachments.all()) == ["签到表.pdf", "纪要.txt"]


def test_adding_minutes_later_records_who_and_tells_followers(staff_client, staff, community):
    topic = DeliberatingTopicFactory(community=community)
    held_at = timezone.localtime() - timedelta(hours=2)
    meeting = Meeting.objects.create(
        topic=topic,
        held_at=held_at,
        place="议事厅",
        attendees="居民代表",
        recorded_by=staff,
    )

    response = staff_client.post(
        reverse("meetings:edit", args=[meeting.pk]),
        {
            "held_at": held_at.strftime("%Y-%m-%d %H:%M"),
            "place": "议事厅",
            "attendees": "居民代表",
            "minutes": "一致同意更换路灯。",
        },
    )

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes == "一致同意更换路灯。"
    assert meeting.history.latest().history_user == staff
    assert Notification.objects.filter(event="topic.minutes", recipient=topic.author).exists()


def test_settings_of_own_community_can_be_changed(staff_client, community, elsewhere):
    mine = ConsultationSettings.for_community(community)
    theirs = ConsultationSettings.for_community(elsewhere)

    response = staff_client.post(
        reverse("consultation_settings:edit", args=[mine.pk]),
        {"support_threshold": 20, "screening_days": 5},
    )

    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.community, mine.support_threshold, mine.screening_days) == (community, 20, 5)
    edit_theirs = reverse("consultation_settings:edit", args=[theirs.pk])
    assert staff_client.get(edit_theirs).status_code == 404


def test_dashboard_shows_topics_needing_a_decision(staff_client, community):
    ScreeningTopicFactory(community=community)
    ScreeningTopicFactory(community=community, screening_deadline=timezone.now() - timedelta(1))
    CommentReportFactory(comment__topic__community=community)

    response = staff_client.get(reverse("wagtailadmin_home"))

    panel = response.text.split('id="topics-needing-decision-heading"')[1].split("</section>")[0]
    assert f'?community={community.pk}&amp;status=screening">2<' in panel
    assert f'?community={community.pk}&amp;overdue=true"><strong>1<' in panel
    assert f'?community={community.pk}&amp;reported=true">1<' in panel


def test_topics_index_query_count_does_not_grow_with_topics(
    staff_client, community, django_assert_max_num_queries
):
    TopicFactory.create_batch(15, community=community)
    ScreeningTopicFactory.create_batch(15, community=community)

    with django_assert_max_num_queries(25):
        response = staff_client.get(reverse("topics:index"))

    assert response.status_code == 200
    assert len(response.context["object_list"]) == 30


def test_comments_index_query_count_does_not_grow_with_comments(
    staff_client, community, django_assert_max_num_queries
):
    topic = DeliberatingTopicFactory(community=community)
    for comment in CommentFactory.create_batch(20, topic=topic):
        CommentReportFactory(comment=comment)

    with django_assert_max_num_queries(25):
        response = staff_client.get(reverse("topic_comments:index"))

    assert response.status_code == 200
