"""Consultation's records in the access-matrix world (tests/access/world.py)."""

from datetime import timedelta

from django.utils import timezone

from consultation.models import (
    Ballot,
    ConsultationSettings,
    OutcomePage,
    Topic,
    TopicState,
)
from tests.factories import VerifiedResidentFactory

from .ballot_factories import BallotFactory, VotingTopicFactory
from .factories import (
    CommentFactory,
    DeliberatingTopicFactory,
    MeetingFactory,
    TopicFactory,
    object_to,
)


def _records(world, key):
    community = world.places[key]
    staff = world.users[f"staff_{key}"]
    topic = DeliberatingTopicFactory(community=community, title=f"{community.name}公开议题")
    comment = CommentFactory(topic=topic, author=VerifiedResidentFactory(community=community).user)
    meeting = MeetingFactory(topic=topic, recorded_by=staff)
    notice = DeliberatingTopicFactory(
        community=community,
        status=TopicState.NOTICE,
        notice_starts_at=timezone.now() - timedelta(days=1),
        notice_ends_at=timezone.now() + timedelta(days=6),
    )
    objection = object_to(notice, VerifiedResidentFactory(community=community).user, "有异议")
    ballot = BallotFactory(topic=VotingTopicFactory(community=community), opened_by=staff)
    settings = ConsultationSettings.for_community(community)
    return topic, comment, meeting, objection, ballot, settings


def add_to_world(world):
    records_a = _records(world, "a")
    records_b = _records(world, "b")
    for mine, theirs in zip(records_a, records_b, strict=True):
        world.add(mine, theirs)
    assert isinstance(world.objects[Ballot], Ballot)
    world.url_objects["consultation"] = Topic

    # A resident's draft: nobody but its author (who holds no role here) may ever see it.
    draft = TopicFactory(
        community=world.places["a"],
        author=world.secret_author,
        status=TopicState.DRAFT,
        title="甲社区草稿秘密议题",
    )
    world.drafts = [draft]
    world.secret.add(draft.title)

    # An outcome being written: staff of 甲 see the draft page, nobody else.
    decided = DeliberatingTopicFactory(community=world.places["a"])
    page = OutcomePage(
        title="甲社区未发布结果",
        slug="jia-outcome",
        topic=decided,
        decision="同意",
        tally="",
        plan="施工",
        responsible="物业",
        deadline=timezone.localdate() + timedelta(days=30),
        live=False,
    )
    world.pages["a"].add_child(instance=page)
    page.save_revision()
    world.pages["outcome_draft"] = page
    world.private.add(page.title)
