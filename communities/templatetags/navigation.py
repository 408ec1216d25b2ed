from django import template
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from communities.models import Membership, Notification
from communities.roles import no_roles

register = template.Library()

# name -> a function of OuterRef("pk") (the signed-in user) giving an Exists expression: an app
# asks the header to show its links only to people it concerns (projects: representatives and
# reviewers), without a query of its own.
MENU_FLAGS = {}


def register_menu_flag(name, exists):
    MENU_FLAGS[name] = exists


@register.simple_tag(takes_context=True)
def header_menu(context):
    """What the header tells a signed-in person: how many of their notifications are unread (the
    badge) and which apps' links concern them (the flags registered above).

    A tag rather than a context processor: it runs only where the header is drawn and only for a
    signed-in person, so anonymous pages pay no query and a signed-in page pays exactly one,
    however many apps add links. The notifications page marks its items read before it renders,
    so the badge it shows is already zero. The same query says whether the person holds any
    role at all: most are residents with none, and knowing it spares the permission check
    further down the page (Wagtail's user bar) a query of its own.
    """
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return {"unread": 0}
    unread = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .values("recipient")
        .annotate(n=Count("pk", filter=Q(read_at__isnull=True)))
        .values("n")
    )
    found = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(
            unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
            has_role=Exists(Membership.objects.filter(user=OuterRef("pk"))),
            **{name: exists(OuterRef("pk")) for name, exists in MENU_FLAGS.items()},
        )
        .first()
    )
    if found and not found["has_role"]:
        no_roles(user)
    return found or {"unread": 0}
