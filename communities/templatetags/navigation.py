from django import template

from communities.models import Notification

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context):
    """How many of my notifications I have not opened yet, for the badge in the header.

    A tag rather than a context processor: it runs only where the header is drawn and only for a
    signed-in person, so anonymous pages pay no query and a signed-in page pays exactly one (the
    (recipient, read_at) index answers it). The notifications page marks its items read before it
    renders, so the badge it shows is already zero.
    """
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
