"""Topics and what happens around them, for tests of the consultation app."""

from datetime import timedelta

import factory
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from communities.models import Objection, PublicNotice
from consultation.models import Comment, CommentReport, Meeting, Stance, Support, Topic
from tests.factories import CommunityFactory, UserFactory, VerifiedResidentFactory


class TopicFactory(factory.django.DjangoModelFactory):
    """An open topic (collecting support); pass status=… for other states."""

    class Meta:
        model = Topic

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"议题{n}：楼道照明")
    description = "三号楼楼道的灯坏了一个月。"
    category = "facilities"
    author = factory.SubFactory(UserFactory)
    status = "collecting"
    submitted_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, notice_starts_at=None, notice_ends_at=None, **kwargs):
        """notice_starts_at / notice_ends_at: the outcome is on public notice for that period
        (a PublicNotice of the topic, the one source of the topic's notice dates)."""
        topic = super()._create(model_class, *args, **kwargs)
        if notice_starts_at is not None or notice_ends_at is not None:
            put_on_notice(topic, notice_starts_at, notice_ends_at)
        return topic


def put_on_notice(topic, starts=None, ends=None, ended_at=None):
    """A public notice of `topic`'s outcome, as publishing it opens one."""
    starts = starts or (ends - timedelta(days=7) if ends else timezone.now())
    ends = ends or starts + timedelta(days=7)
    notice = PublicNotice.objects.create(
        subject_type=ContentType.objects.get_for_model(Topic),
        subject_id=topic.pk,
        community=topic.community,
        starts_at=starts,
        ends_at=ends,
        ended_at=ended_at,
    )
    topic.refresh_from_db()
    return notice


def end_notice_period(topic, ends):
    """Move the end of the topic's current notice (the clock's tests, the workflow table); a
    notice published a moment ago is moved back to start a week before that end."""
    notice = PublicNotice.objects.filter(pk=topic.current_notice.pk)
    notice.filter(starts_at__gte=ends).update(starts_at=ends - timedelta(days=7))
    notice.update(ends_at=ends)
    topic.refresh_from_db()


def object_to(topic, author=None, body="我有异议。", **fields):
    """An objection to the topic's current notice, written straight to the table."""
    author = author or VerifiedResidentFactory(community=topic.community).user
    return Objection.objects.create(notice=topic.current_notice, author=author, body=body, **fields)


class ScreeningTopicFactory(TopicFactory):
    status = "screening"
    screening_started_at = factory.LazyFunction(timezone.now)
    screening_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class DeliberatingTopicFactory(TopicFactory):
    status = "deliberating"
    decided_at = factory.LazyFunction(timezone.now)
    deliberation_starts = factory.LazyFunction(lambda: timezone.localdate())
    deliberation_ends = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=14))


class SupportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Support

    topic = factory.SubFactory(TopicFactory)
    resident = factory.SubFactory(
        VerifiedResidentFactory, community=factory.SelfAttribute("..topic.community")
    )


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    topic = factory.SubFactory(DeliberatingTopicFactory)
    author = factory.SubFactory(UserFactory)
    stance = Stance.FOR
    body = factory.Sequence(lambda n: f"我赞成，第{n}条意见。")


class CommentReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommentReport

    comment = factory.SubFactory(CommentFactory)
    reporter = factory.SubFactory(UserFactory)
    reason = "人身攻击"


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    topic = factory.SubFactory(DeliberatingTopicFactory)
    held_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    place = "社区议事厅"
    attendees = "居民代表\n物业公司"
    recorded_by = factory.SubFactory(UserFactory)
