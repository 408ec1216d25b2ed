"""One fan-out for events: notify() writes the in-app list and sends email as each person chose
(at once, a daily digest, or never); the notifications page lists, marks read and saves."""

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy

from communities.models import Notification, NotificationFrequency, NotificationPreference
from communities.notifications import notify, send_daily_digests
from tests.consultation.factories import SupportFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english():
    """In-app messages are read in English here; emails go out in the site's language."""
    with translation.override("en"):
        yield


def in_site_language(text):
    """`text` (lazy, or a notification) as an email shows it: in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return text.message if isinstance(text, Notification) else str(text)


@pytest.fixture
def topic(db):
    return TopicFactory(title="楼道照明")


@pytest.fixture
def supporters(topic):
    return [SupportFactory(topic=topic).resident.user for _ in range(3)]


def prefer(user, frequency):
    NotificationPreference.objects.update_or_create(user=user, defaults={"frequency": frequency})


def tell(topic, actor=None, event="topic.send_to_screening"):
    return notify(event, topic, actor)


def test_every_follower_but_the_actor_gets_one_notification(
    topic, supporters, django_capture_on_commit_callbacks
):
    actor = supporters[0]

    with django_capture_on_commit_callbacks(execute=True):
        tell(topic, actor)

    recipients = Notification.objects.values_list("recipient", flat=True)
    assert sorted(recipients) == sorted([topic.author.pk, supporters[1].pk, supporters[2].pk])
    stored = Notification.objects.first()
    assert stored.actor == actor
    assert stored.message == "“楼道照明” was sent to screening."
    assert stored.url == f"/topics/{topic.pk}/"


def test_nobody_to_tell_creates_nothing(db):
    lone = TopicFactory(author=None)

    assert tell(lone) == []
    assert not Notification.objects.exists()


def test_immediate_preference_sends_an_email_with_message_and_link(
    topic, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        tell(topic)

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    message = in_site_language(Notification.objects.get())
    assert "楼道照明" in message
    assert email.to == [topic.author.email]
    assert message in email.subject
    assert message in email.body
    assert f"{settings.SITE_URL}/topics/{topic.pk}/" in email.body
    assert Notification.objects.get().emailed_at is not None


def test_emails_are_in_chinese_by_default(topic, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tell(topic)

    english = Notification.objects.get().message
    chinese = in_site_language(Notification.objects.get())
    assert chinese != english
    assert chinese in mailoutbox[0].body and english not in mailoutbox[0].body


def test_links_do_not_carry_the_language_of_whoever_acted(topic, supporters):
    with translation.override("en"):
        tell(topic, actor=supporters[0])

    assert set(Notification.objects.values_list("url", flat=True)) == {f"/topics/{topic.pk}/"}


def test_no_email_is_sent_before_the_transaction_commits(
    topic, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tell(topic)

    assert mailoutbox == []
    assert len(callbacks) == 1


DIGEST_SUBJECT = gettext_lazy("Your daily digest: %(count)d updates")


def test_daily_preference_waits_for_the_digest(
    topic, supporters, mailoutbox, django_capture_on_commit_callbacks
):
    daily = supporters[0]
    prefer(daily, NotificationFrequency.DAILY)
    prefer(topic.author, NotificationFrequency.NEVER)
    prefer(supporters[1], NotificationFrequency.NEVER)
    prefer(supporters[2], NotificationFrequency.NEVER)

    with django_capture_on_commit_callbacks(execute=True):
        tell(topic, event="topic.send_to_screening")
        tell(topic, event="topic.decline")

    assert mailoutbox == []

    send_daily_digests.enqueue()

    assert len(mailoutbox) == 1
    digest = mailoutbox[0]
    assert digest.to == [daily.email]
    assert in_site_language(DIGEST_SUBJECT) % {"count": 2} in digest.subject
    for notification in daily.notifications.all():
        assert in_site_language(notification) in digest.body
    assert not daily.notifications.filter(emailed_at__isnull=True).exists()


def test_each_daily_reader_gets_exactly_one_digest_and_only_once(
    topic, supporters, mailoutbox, django_capture_on_commit_callbacks
):
    for user in [topic.author, *supporters]:
        prefer(user, NotificationFrequency.DAILY)
    with django_capture_on_commit_callbacks(execute=True):
        tell(topic, event="topic.submit")
        tell(topic, event="topic.send_to_screening")
        tell(topic, event="topic.accept")

    send_daily_digests.call()

    assert sorted(email.to[0] for email in mailoutbox) == sorted(
        user.email for user in [topic.author, *supporters]
    )
    subject = in_site_language(DIGEST_SUBJECT) % {"count": 3}
    assert all(subject in email.subject for email in mailoutbox)

    send_daily_digests.call()

    assert len(mailoutbox) == 4


def test_never_preference_sends_no_email_at_all(
    topic, mailoutbox, django_capture_on_commit_callbacks
):
    prefer(topic.author, NotificationFrequency.NEVER)

    with django_capture_on_commit_callbacks(execute=True):
        tell(topic)
    send_daily_digests.call()

    assert mailoutbox == []
    assert topic.author.notifications.count() == 1


def test_notifications_page_lists_messages_and_marks_them_read(client, topic):
    tell(topic, event="topic.send_to_screening")
    tell(topic, event="topic.decline")
    client.force_login(topic.author)

    first = client.get("/en/notifications/")

    assert "“楼道照明” was sent to screening." in first.text
    assert "“楼道照明” was declined" in first.text
    assert first.text.count('class="badge badge--pending"') == 2
    assert not topic.author.notifications.filter(read_at__isnull=True).exists()

    second = client.get("/en/notifications/")

    assert "“楼道照明” was sent to screening." in second.text
    assert 'class="badge badge--pending"' not in second.text


def test_notifications_page_shows_only_ones_own(client, topic, supporters):
    tell(topic, actor=topic.author)
    client.force_login(topic.author)

    response = client.get("/en/notifications/")

    assert "was sent to screening" not in response.text


def test_notifications_page_saves_the_email_preference(client, topic):
    client.force_login(topic.author)

    response = client.post("/en/notifications/", {"frequency": "daily"}, follow=True)

    assert "Your email preference is saved." in response.text
    assert topic.author.notification_preference.frequency == "daily"


def test_notifications_page_needs_a_login(client):
    response = client.get("/en/notifications/")

    assert response.status_code == 302
    assert "/accounts/login/" in response.url
