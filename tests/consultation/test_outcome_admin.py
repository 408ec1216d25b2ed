"""Staff screens for the outcome stage: writing and publishing the outcome page, objections,
progress, the end of implementation and reconsidering — each step the workflow's or the
outcome services', within the staff member's own communities."""

import io
from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from PIL import Image
from wagtail.models import GroupPagePermission

from communities.history_reasons import render_reason
from communities.models import Notification, Role
from communities.roles import grant_role, revoke_role
from consultation import outcomes, voting
from consultation.models import (
    Objection,
    OutcomePage,
    ProgressUpdate,
    Topic,
    TopicState,
)
from consultation.wagtail_hooks.outcomes import page_group_name
from home.models import CommunityPage
from tests.factories import UserFactory, VerifiedResidentFactory

from .ballot_factories import BallotFactory, VotingTopicFactory
from .factories import DeliberatingTopicFactory, TopicFactory, object_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_with_totp):
    client.force_login(staff_with_totp)
    return client


@pytest.fixture
def other_client(other_staff):
    TOTP.activate(other_staff, "JBSWY3DPEHPK3PXP")
    other = Client()
    other.force_login(other_staff)
    return other


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def voted_topic(community, staff):
    """Voted on: 2 for, 1 against, the ballot closed and counted."""
    topic = VotingTopicFactory(community=community, title="小区东侧划设停车位")
    ballot = BallotFactory(topic=topic, opened_by=staff)
    voters = [VerifiedResidentFactory(community=community).user for _ in range(3)]
    for user, position in zip(voters, [1, 1, 2], strict=True):
        voting.cast_vote(ballot, user, [position])
    voting.close_ballot(ballot, actor=staff, reason="业主大会已召开")
    return topic


def write_url(topic):
    return reverse("consultation_topic_write_outcome", args=[topic.pk])


def editor_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def action_url(action, topic):
    return reverse(f"consultation_topic_{action}", args=[topic.pk])


def notice_topic(community, **fields):
    now = timezone.now()
    return DeliberatingTopicFactory(
        community=community,
        status=TopicState.NOTICE,
        notice_starts_at=now - timedelta(days=1),
        notice_ends_at=now + timedelta(days=6),
        **fields,
    )


def implementing_topic(community, **fields):
    fields.setdefault("implementation_deadline", timezone.localdate() + timedelta(days=20))
    return DeliberatingTopicFactory(community=community, status=TopicState.IMPLEMENTING, **fields)


def objection(topic, author=None, body="停车位离儿童游乐区太近。", **fields):
    author = author or VerifiedResidentFactory(community=topic.community).user
    return object_to(topic, author, body, **fields)


def answered(topic, upheld, staff):
    return objection(
        topic,
        answer="已核实。",
        upheld=upheld,
        answered_by=staff,
        answered_at=timezone.now(),
    )


def png(name="photo.png", size=(8, 8)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "green").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def form_errors(response):
    return response.context["form"].non_field_errors()


# ---------------------------------------------------------------------------------------------
# Writing and publishing the outcome


def test_writing_the_outcome_creates_a_prefilled_draft_under_the_community_page(
    staff_client, staff, voted_topic, community, community_page
):
    prefilled = outcomes.prefilled_outcome(voted_topic)
    assert "赞成 2" in prefilled["tally"]

    shown = staff_client.get(write_url(voted_topic))
    assert shown.status_code == 200
    assert "赞成 2" in shown.text
    assert not OutcomePage.objects.exists()  # looking creates nothing

    response = staff_client.post(write_url(voted_topic))

    page = OutcomePage.objects.get(topic=voted_topic)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "consultation_topic_review_outcome", args=[voted_topic.pk]
    )
    assert not page.live
    assert page.get_parent().specific == community_page
    assert page.slug == f"outcome-{voted_topic.pk}"
    assert (page.title, page.decision, page.tally) == (
        prefilled["title"],
        prefilled["decision"],
        prefilled["tally"],
    )
    assert page.plan == voted_topic.description
    assert page.responsible == community.name
    assert page.deadline == timezone.localdate() + timedelta(days=30)
    assert page.notice_days == 7
    assert page.latest_revision.user == staff
    assert Topic.objects.get(pk=voted_topic.pk).status == TopicState.VOTING  # not yet published

    assert staff_client.get(editor_url(page)).status_code == 200
    # The action now leads to the page's editor.
    again = staff_client.get(write_url(voted_topic))
    assert again["Location"] == editor_url(page)
    assert OutcomePage.objects.count() == 1


def test_a_topic_deliberated_without_a_ballot_gets_an_outcome_to_write(
    staff_client, community, community_page
):
    topic = DeliberatingTopicFactory(community=community)

    staff_client.post(write_url(topic))

    page = OutcomePage.objects.get(topic=topic)
    assert (page.decision, page.tally, page.live) == ("", "", False)


def test_no_outcome_while_the_ballot_is_open_or_before_deliberation(
    staff_client, community, community_page, staff
):
    voting_topic = BallotFactory(topic=VotingTopicFactory(community=community)).topic
    screening = TopicFactory(community=community, status=TopicState.SCREENING)

    for topic in (voting_topic, screening):
        response = staff_client.post(write_url(topic))
        assert response.status_code == 302
        assert response["Location"] == reverse("topics:inspect", args=[topic.pk])
    assert not OutcomePage.objects.exists()


def test_publishing_the_page_in_the_editor_starts_the_notice_period(
    staff_client, staff, voted_topic, community_page
):
    staff_client.post(write_url(voted_topic))
    page = OutcomePage.objects.get(topic=voted_topic)
    deadline = timezone.localdate() + timedelta(days=45)

    response = staff_client.post(
        editor_url(page),
        {
            "title": page.title,
            "slug": page.slug,
            "decision": "同意在小区东侧划设停车位。",
            "tally": page.tally,
            "plan": "物业公司两周内完成划线。",
            "responsible": "物业公司",
            "deadline": deadline.isoformat(),
            "notice_days": "5",
            "comments-TOTAL_FORMS": "0",
            "comments-INITIAL_FORMS": "0",
            "comments-MIN_NUM_FORMS": "0",
            "comments-MAX_NUM_FORMS": "1000",
            "action-publish": "action-publish",
        },
    )

    assert response.status_code == 302, response.context and response.context["form"].errors
    page.refresh_from_db()
    topic = Topic.objects.get(pk=voted_topic.pk)
    assert page.live
    assert topic.status == TopicState.NOTICE
    assert topic.notice_ends_at == topic.notice_starts_at + timedelta(days=5)
    assert abs(topic.notice_starts_at - page.first_published_at) < timedelta(seconds=30)
    assert topic.implementation_deadline == deadline
    assert topic.history.latest().history_user == staff


def test_staff_of_another_community_reach_neither_the_action_nor_the_page(
    staff_client, other_client, other_staff, voted_topic, other_community, community_page
):
    staff_client.post(write_url(voted_topic))
    page = OutcomePage.objects.get(topic=voted_topic)
    # The other community has its page, and its staff hold page rights there.
    theirs = CommunityPage(title="外社区", slug="other", community=other_community)
    community_page.get_parent().add_child(instance=theirs)
    their_topic = DeliberatingTopicFactory(community=other_community)
    other_client.post(write_url(their_topic))
    assert OutcomePage.objects.filter(topic=their_topic).exists()

    assert other_client.get(write_url(voted_topic)).status_code == 404
    assert other_client.post(write_url(voted_topic)).status_code == 404
    # Another community's page is not there for them, as its topic is not.
    assert other_client.get(editor_url(page)).status_code == 404
    assert not page.permissions_for_user(other_staff).can_edit()
    assert not page.permissions_for_user(other_staff).can_publish()


def test_page_rights_are_per_community_and_follow_the_role(
    staff_client, staff, voted_topic, community, community_page
):
    staff_client.post(write_url(voted_topic))
    page = OutcomePage.objects.get(topic=voted_topic)

    group = staff.groups.get(name=page_group_name(community))
    granted = GroupPagePermission.objects.filter(group=group)
    assert {p.page_id for p in granted} == {community_page.pk}
    assert {p.permission.codename for p in granted} == {"add_page", "change_page", "publish_page"}
    assert page.permissions_for_user(staff).can_publish()

    # A colleague who joins later is let in when the outcome is next opened; one who left is not.
    colleague = UserFactory()
    grant_role(colleague, Role.COMMUNITY_STAFF, community=community)
    revoke_role(staff.memberships.get())
    TOTP.activate(colleague, "JBSWY3DPEHPK3PXP")
    colleague_client = Client()
    colleague_client.force_login(colleague)
    response = colleague_client.get(write_url(voted_topic))

    assert response["Location"] == editor_url(page)

    assert page.permissions_for_user(colleague).can_edit()
    assert not group.user_set.filter(pk=staff.pk).exists()


# ---------------------------------------------------------------------------------------------
# Objections


def test_answering_an_objection_stores_the_answer_and_tells_the_objector(
    staff_client, staff, community, neighbour
):
    topic = notice_topic(community)
    filed = outcomes.file_objection(topic, neighbour, "停车位离儿童游乐区太近。")

    response = staff_client.post(
        reverse("answer_objection", args=[filed.pk]),
        {"answer": "已请物业公司将车位东移两米。", "upheld": "false"},
    )

    assert response.status_code == 302
    filed.refresh_from_db()
    assert filed.answer == "已请物业公司将车位东移两米。"
    assert filed.upheld is False
    assert filed.answered_by == staff
    assert filed.answered_at is not None
    assert Notification.objects.filter(
        recipient=neighbour, event="topic.objection_answered"
    ).exists()
    # Answered once: the form is gone.
    again = staff_client.get(reverse("answer_objection", args=[filed.pk]))
    assert again.status_code == 302


def test_an_answer_needs_text_and_a_verdict(staff_client, community):
    filed = objection(notice_topic(community))
    url = reverse("answer_objection", args=[filed.pk])

    response = staff_client.post(url, {"answer": "   ", "upheld": ""})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"answer", "upheld"}
    assert Objection.objects.get(pk=filed.pk).answered_at is None


def test_objections_list_own_community_unanswered_first(
    staff_client, staff, community, other_community, django_assert_max_num_queries
):
    topic = notice_topic(community, title="本社区的公示")
    done = answered(topic, False, staff)
    waiting = [objection(topic, body=f"第{n}条异议") for n in range(8)]
    theirs = objection(notice_topic(other_community), body="外社区的异议")

    with django_assert_max_num_queries(20):
        response = staff_client.get(reverse("objections:index"))

    assert response.status_code == 200
    listed = list(response.context["object_list"])
    assert theirs not in listed
    assert listed[-1] == done
    assert set(listed[:-1]) == set(waiting)
    assert reverse("answer_objection", args=[waiting[0].pk]) in response.text
    assert reverse("answer_objection", args=[done.pk]) not in response.text

    unanswered = staff_client.get(reverse("objections:index"), {"unanswered": "true"})
    assert done not in unanswered.context["object_list"]
    assert staff_client.get(reverse("objections:inspect", args=[theirs.pk])).status_code == 404
    answer = reverse("answer_objection", args=[theirs.pk])
    assert staff_client.get(answer).status_code == 404


def test_objections_are_not_added_edited_or_deleted_in_the_admin(staff_client, community):
    filed = objection(notice_topic(community))
    for name in ("objections:add", "objections:edit", "objections:delete"):
        args = [] if name.endswith("add") else [filed.pk]
        try:
            url = reverse(name, args=args)
        except NoReverseMatch:
            continue
        assert staff_client.get(url).status_code in (302, 403, 404)
    assert Objection.objects.filter(pk=filed.pk).exists()


# ---------------------------------------------------------------------------------------------
# Being carried out, then evaluated; or back to deliberation


def test_recording_progress_with_photos(staff_client, staff, community, media):
    topic = implementing_topic(community)
    url = reverse("consultation_topic_record_progress", args=[topic.pk])
    assert staff_client.get(url).status_code == 200

    response = staff_client.post(
        url,
        {
            "date": timezone.localdate().isoformat(),
            "percent": "40",
            "text": "东侧车位已划线。",
            "photos": [png("a.png"), png("b.png")],
        },
    )

    assert response.status_code == 302
    update = ProgressUpdate.objects.get(topic=topic)
    assert (update.percent, update.text, update.author) == (40, "东侧车位已划线。", staff)
    assert update.photos.count() == 2
    assert all((media / photo.image.name).exists() for photo in update.photos.all())


def test_progress_photos_are_images_six_at_most(staff_client, community, media):
    topic = implementing_topic(community)
    url = reverse("consultation_topic_record_progress", args=[topic.pk])
    data = {"date": timezone.localdate().isoformat(), "percent": "10", "text": "开工。"}

    not_image = SimpleUploadedFile("notes.png", b"not an image", content_type="image/png")
    response = staff_client.post(url, {**data, "photos": [not_image]})
    assert "photos" in response.context["form"].errors

    too_many = [png(f"{n}.png") for n in range(7)]
    response = staff_client.post(url, {**data, "photos": too_many})
    assert "photos" in response.context["form"].errors

    response = staff_client.post(url, {**data, "percent": "120"})
    assert "percent" in response.context["form"].errors
    assert not ProgressUpdate.objects.exists()


def test_progress_is_recorded_only_while_carried_out(staff_client, community):
    topic = notice_topic(community)
    url = reverse("consultation_topic_record_progress", args=[topic.pk])

    assert staff_client.get(url).status_code == 302
    response = staff_client.post(
        url, {"date": timezone.localdate().isoformat(), "percent": "10", "text": "开工。"}
    )
    assert response.status_code == 200
    assert form_errors(response)  # the service's refusal, shown on the form
    assert not ProgressUpdate.objects.exists()


def test_marking_as_carried_out_opens_the_evaluation(staff_client, staff, community):
    topic = implementing_topic(community)
    outcomes.record_progress(topic, staff, date=timezone.localdate(), percent=100, text="完工。")
    url = action_url("complete_implementation", topic)
    assert staff_client.get(url).status_code == 200

    refused = staff_client.post(url, {"evaluation_days": "0"})
    assert "evaluation_days" in refused.context["form"].errors
    assert Topic.objects.get(pk=topic.pk).status == TopicState.IMPLEMENTING

    before = timezone.now()
    response = staff_client.post(url, {"evaluation_days": "14"})

    topic.refresh_from_db()
    assert response.status_code == 302
    assert topic.status == TopicState.EVALUATING
    assert before + timedelta(days=14) <= topic.evaluation_ends_at
    assert topic.evaluation_ends_at <= timezone.now() + timedelta(days=14)
    assert topic.implemented_at is not None


def test_back_to_deliberation_only_with_an_upheld_objection(staff_client, staff, community):
    topic = notice_topic(community)
    answered(topic, False, staff)
    url = action_url("reconsider", topic)

    refused = staff_client.post(url, {"reason": "居民提出异议"})

    assert refused.status_code == 200
    assert form_errors(refused)
    assert Topic.objects.get(pk=topic.pk).status == TopicState.NOTICE

    answered(topic, True, staff)
    response = staff_client.post(url, {"reason": "异议成立，重新协商车位位置。"})

    topic.refresh_from_db()
    assert response.status_code == 302
    assert topic.status == TopicState.DELIBERATING
    reason = topic.history.latest().history_change_reason
    assert render_reason(reason) == "异议成立，重新协商车位位置。"


def test_the_systems_steps_have_no_screens():
    for action in ("publish_outcome", "end_notice", "close_evaluation"):
        with pytest.raises(NoReverseMatch):
            reverse(f"consultation_topic_{action}", args=[1])


def test_steps_on_other_communities_topics_do_not_exist(other_client, community):
    implementing = implementing_topic(community)
    in_notice = notice_topic(community)
    urls = [
        reverse("consultation_topic_record_progress", args=[implementing.pk]),
        action_url("complete_implementation", implementing),
        action_url("reconsider", in_notice),
    ]
    for url in urls:
        assert other_client.get(url).status_code == 404
        assert other_client.post(url, {"reason": "x", "evaluation_days": "7"}).status_code == 404
    assert Topic.objects.get(pk=implementing.pk).status == TopicState.IMPLEMENTING


# ---------------------------------------------------------------------------------------------
# Lists and the dashboard


def test_topics_list_offers_the_outcome_steps_and_flags_late_implementation(
    staff_client, staff, community, community_page, voted_topic
):
    late = implementing_topic(
        community,
        title="逾期未落实",
        implementation_deadline=timezone.localdate() - timedelta(days=1),
    )
    on_time = implementing_topic(community, title="按期落实")

    response = staff_client.get(reverse("topics:index"))

    assert write_url(voted_topic) in response.text
    assert reverse("consultation_topic_record_progress", args=[late.pk]) in response.text
    assert action_url("complete_implementation", late) in response.text
    overdue = staff_client.get(reverse("topics:index"), {"implementation_overdue": "true"})
    assert list(overdue.context["object_list"]) == [late]
    by_state = staff_client.get(reverse("topics:index"), {"status": "implementing"})
    assert set(by_state.context["object_list"]) == {late, on_time}

    inspect = staff_client.get(reverse("topics:inspect", args=[voted_topic.pk]))
    assert write_url(voted_topic) in inspect.text


def test_dashboard_counts_unanswered_objections_and_late_implementations(
    staff_client, staff, community
):
    topic = notice_topic(community)
    objection(topic)
    objection(topic)
    answered(topic, False, staff)
    implementing_topic(community, implementation_deadline=timezone.localdate() - timedelta(days=3))

    response = staff_client.get(reverse("wagtailadmin_home"))

    assert response.status_code == 200
    assert f'?community={community.pk}&amp;unanswered=true"><strong>2<' in response.text
    assert f'?community={community.pk}&amp;implementation_overdue=true"><strong>1<' in (
        response.text
    )
