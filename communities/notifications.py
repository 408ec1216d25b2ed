"""One fan-out for events: `notify(event, obj, actor)` feeds the in-app list, email and digests.

Apps register their events' texts once (`register_event`); the object passed to notify says
who follows it (`followers_for(event)`) and what to fill in (`notification_params()`), so this
module never imports the apps that use it.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Notification, NotificationFrequency, NotificationPreference

EVENTS = {}


def register_event(key, message):
    """`message` is a lazy translatable text with %(name)s placeholders filled from params."""
    EVENTS[key] = message


def render_message(event, params):
    template = EVENTS.get(event)
    if template is None:
        return event
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


def notify(event, obj, actor=None, recipients=None, params=None):
    """Tell everyone following `obj` (except the actor) that `event` happened to it."""
    if recipients is None:
        recipients = obj.followers_for(event)
    recipients = {user for user in recipients if user is not None and user != actor}
    if not recipients:
        return []
    params = {**obj.notification_params(), **(params or {})}
    # The link is the recipient's, not the actor's: no language prefix from whoever acted.
    with translation.override(None):
        url = obj.get_absolute_url()
    notifications = Notification.objects.bulk_create(
        Notification(recipient=user, actor=actor, event=event, params=params, url=url)
        for user in recipients
    )
    chosen = dict(
        NotificationPreference.objects.filter(user__in=recipients).values_list(
            "user_id", "frequency"
        )
    )
    immediate = [
        n.pk
        for n in notifications
        if chosen.get(n.recipient.pk, NotificationFrequency.IMMEDIATE)
        == NotificationFrequency.IMMEDIATE
        and n.recipient.email
    ]
    if immediate:
        transaction.on_commit(lambda: send_notification_emails.enqueue(immediate))
    return notifications


def _send(user, notifications, subject):
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(
            "communities/email/notifications.txt",
            {"user": user, "notifications": notifications, "site_url": settings.SITE_URL},
        )
        send_mail(subject, body, None, [user.email])
    Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(
        emailed_at=timezone.now()
    )


def _email_each_recipient(pending, subject_for):
    recipients = pending.order_by("recipient_id").values_list("recipient_id", flat=True).distinct()
    emailed = 0
    for recipient_id in list(recipients):
        with transaction.atomic():
            # Rows another sender holds are theirs to email: two digests at once (two clocks,
            # two workers) never send a notification twice, and a failed send is retried.
            notifications = list(
                pending.filter(recipient_id=recipient_id)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient")
                .order_by("created_at")
            )
            if not notifications:
                continue
            user = notifications[0].recipient
            if user.email:
                with translation.override(settings.LANGUAGE_CODE):
                    subject = "【议事】" + subject_for(notifications)
                _send(user, notifications, subject)
        emailed += 1
    return emailed


@task()
def send_notification_emails(notification_ids):
    pending = Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True)
    return _email_each_recipient(pending, lambda notifications: notifications[0].message[:60])


@task()
def send_daily_digests():
    """Everything not yet emailed to people who chose a daily digest, one email each."""
    daily_users = NotificationPreference.objects.filter(
        frequency=NotificationFrequency.DAILY
    ).values("user_id")
    pending = Notification.objects.filter(recipient_id__in=daily_users, emailed_at__isnull=True)
    return _email_each_recipient(
        pending,
        lambda notifications: (
            _("Your daily digest: %(count)d updates") % {"count": len(notifications)}
        ),
    )
