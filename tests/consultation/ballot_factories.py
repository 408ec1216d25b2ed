"""Ballots for tests of 表决: a topic in voting with an open ballot and its options."""

from datetime import timedelta

import factory
from django.utils import timezone

from consultation.models import Ballot, Franchise, TopicState
from tests.factories import UserFactory

from .factories import DeliberatingTopicFactory

DEFAULT_LABELS = ("赞成", "反对", "弃权")


class VotingTopicFactory(DeliberatingTopicFactory):
    status = TopicState.VOTING


class BallotFactory(factory.django.DjangoModelFactory):
    """An open ballot (opened an hour ago, closes in a week) with options 赞成 / 反对 / 弃权.

    Pass options=[...] for other labels; positions run 1, 2, 3… in that order, each option
    with its counter (Ballot.add_options), as create_ballot makes them.
    """

    class Meta:
        model = Ballot
        skip_postgeneration_save = True

    topic = factory.SubFactory(VotingTopicFactory)
    question = factory.LazyAttribute(lambda o: f"是否同意“{o.topic.title}”？")
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    franchise = Franchise.RESIDENT
    quorum_percent = 50
    secret = True
    max_choices = 1
    opened_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def options(self, create, extracted, **kwargs):
        if not create:
            return
        self.add_options(extracted if extracted is not None else DEFAULT_LABELS)
