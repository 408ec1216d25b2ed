"""Topics and what happens around them, for tests of the consultation app."""

from datetime import timedelta

import factory
from django.utils import timezone

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
