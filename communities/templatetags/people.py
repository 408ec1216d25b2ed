import re

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def public_name(user):
    """How a person appears on public pages: surname and asterisks (张**), never the full name.

    Expects `user.resident` to be loaded with the user (select_related) to avoid a query each.
    """
    if user is None:
        return _("Community office")
    resident = getattr(user, "resident", None)
    if resident is not None and resident.closed_at:
        return _("Closed account")
    name = resident.real_name if resident else ""
    if name:
        return name[0] + "*" * min(max(len(name) - 1, 1), 2)
    local = (user.email or user.get_username()).split("@")[0]
    return local[:2] + "***"


CJK = re.compile(r"[\u3400-\u9fff]")


@register.filter
def person_name(user):
    """How staff screens name a person: the full name in its language's order (王建国 from
    surname 王 and given name 建国; Jane Doe), else the email, else the sign-in name."""
    if user is None:
        return ""
    first, last = user.first_name.strip(), user.last_name.strip()
    if first or last:
        if CJK.search(first + last):
            return f"{last}{first}"
        return f"{first} {last}".strip()
    return user.email or user.get_username()
