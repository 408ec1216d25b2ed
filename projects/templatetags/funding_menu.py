from django import template
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from organisations.models import Representative
from projects.models import Reviewer

register = template.Library()

NONE = {"applications": False, "reviews": False}


@register.simple_tag(takes_context=True)
def funding_menu(context):
    """Which funding links the header shows me: "my applications" if I act for an
    organisation, "my reviews" if I review a round.

    Anonymous pages pay no query; a signed-in page pays one, whatever it finds (both questions
    are asked in the same query)."""
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return NONE
    found = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(
            represents=Exists(Representative.objects.filter(user=OuterRef("pk"))),
            reviewer=Exists(Reviewer.objects.filter(user=OuterRef("pk"))),
        )
        .first()
    )
    if found is None:
        return NONE
    return {"applications": found["represents"], "reviews": found["reviewer"]}
