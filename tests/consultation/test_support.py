"""附议: a verified resident of the community supports a topic once; enough support sends it to
screening, where staff must decide within the community's deadline."""

import threading
from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from communities.models import Notification
from consultation import workflow
from consultation.models import ConsultationSettings, Support, Topic
from tests.factories import VerifiedResidentFactory

from .factories import SupportFactory, TopicFactory


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def refused(topic, user):
    with pytest.raises(ValidationError) as error:
        workflow.support(topic, user)
    return " ".join(error.value.messages)


@pytest.mark.django_db
def test_a_verified_neighbour_supports_a_topic(topic, neighbour):
    workflow.support(topic, neighbour)

    assert list(Support.objects.filter(topic=topic).values_list("resident__user", flat=True)) == [
        neighbour.pk
    ]


@pytest.mark.django_db
def test_supporting_twice_is_refused_with_a_clear_message(topic, neighbour):
    workflow.support(topic, neighbour)

    assert refused(topic, neighbour) == "You have already supported this topic."
    assert Support.objects.filter(topic=topic).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_support_from_the_same_resident(topic, neighbour):
    Support.objects.create(topic=topic, resident=neighbour.resident)

    with pytest.raises(IntegrityError), transaction.atomic():
        Support.objects.create(topic=topic, resident=neighbour.resident)
    assert Support.objects.filter(topic=topic).count() == 1


@pytest.mark.django_db
def test_an_unverified_resident_cannot_support(topic, resident):
    assert resident.community == topic.community and not resident.is_verified

    assert "Only verified residents of" in refused(topic, resident.user)
    assert not Support.objects.exists()


@pytest.mark.django_db
def test_a_resident_of_another_community_cannot_support(topic, outsider):
    message = refused(topic, outsider)

    assert message == f"Only verified residents of {topic.community.name} can support its topics."
    assert not Support.objects.exists()


@pytest.mark.django_db
def test_the_author_cannot_support_their_own_topic(topic, author):
    assert "You proposed this topic" in refused(topic, author)
    assert not Support.objects.exists()


@pytest.mark.django_db
def test_an_anonymous_visitor_cannot_support(topic):
    assert "Only verified residents of" in refused(topic, AnonymousUser())
    assert not Support.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["draft", "screening", "deliberating", "declined", "withdrawn"])
def test_support_is_refused_unless_the_topic_is_collecting(topic, neighbour, state):
    topic.status = state
    topic.save()

    assert refused(topic, neighbour) == "This topic is not collecting support."
    assert not Support.objects.exists()


@pytest.mark.django_db
def test_reaching_the_threshold_sends_the_topic_to_screening(topic, consultation_settings):
    supporters = [
        VerifiedResidentFactory(community=topic.community).user
        for _ in range(consultation_settings.support_threshold)
    ]
    start = datetime(2026, 4, 1, 8, 0).astimezone()

    with time_machine.travel(start, tick=False):
        for user in supporters[:-1]:
            workflow.support(topic, user)
            assert Topic.objects.get(pk=topic.pk).status == "collecting"
        workflow.support(topic, supporters[-1])

    topic.refresh_from_db()
    assert topic.status == "screening"
    assert topic.screening_deadline == start + timedelta(days=consultation_settings.screening_days)
    step = topic.history.order_by("-history_id").first()
    assert (step.status, step.history_user) == ("screening", None)


@pytest.mark.django_db
def test_the_threshold_is_the_communitys_own(topic):
    rules = ConsultationSettings.for_community(topic.community)
    rules.support_threshold = 1
    rules.save()
    other_rules_topic = TopicFactory()  # default threshold (10) in its own community
    SupportFactory(topic=other_rules_topic)

    workflow.support(topic, VerifiedResidentFactory(community=topic.community).user)

    assert Topic.objects.get(pk=topic.pk).status == "screening"
    workflow.support(
        other_rules_topic, VerifiedResidentFactory(community=other_rules_topic.community).user
    )
    assert Topic.objects.get(pk=other_rules_topic.pk).status == "collecting"


@pytest.mark.django_db
def test_reaching_the_threshold_tells_the_author_and_every_supporter(
    topic, author, consultation_settings
):
    supporters = [
        VerifiedResidentFactory(community=topic.community).user
        for _ in range(consultation_settings.support_threshold)
    ]
    for user in supporters:
        workflow.support(topic, user)

    told = Notification.objects.filter(event="topic.reach_threshold")
    assert sorted(told.values_list("recipient", flat=True)) == sorted(
        [author.pk, *(user.pk for user in supporters)]
    )
    assert {n.actor for n in told} == {None}
    assert {n.url for n in told} == {f"/topics/{topic.pk}/"}
    assert told.first().message == (
        f"“{topic.title}” reached its support threshold and goes to screening."
    )


@pytest.mark.django_db
def test_supporting_below_the_threshold_notifies_nobody(topic, neighbour, consultation_settings):
    workflow.support(topic, neighbour)

    assert not Notification.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
# Serialized rollback: the flush after this test then leaves content types for the next
# transactional test to restore, instead of recreating them under new ids.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_supports_from_one_resident_store_exactly_one(neighbour, author, community):
    topic = TopicFactory(community=community, author=author)
    attempts = 10
    barrier = threading.Barrier(attempts)
    outcomes = []
    lock = threading.Lock()

    def press_support():
        try:
            barrier.wait()
            with translation.override("en"):
                workflow.support(topic, neighbour)
            outcome = "stored"
        except ValidationError as error:
            outcome = " ".join(error.messages)
        except Exception as error:  # noqa: BLE001 — any other error is the failure we look for
            outcome = repr(error)
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=press_support) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == sorted(
        ["stored"] + ["You have already supported this topic."] * (attempts - 1)
    )
    assert Support.objects.filter(topic=topic).count() == 1
