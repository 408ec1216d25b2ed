"""Granting and removing staff roles, and the Wagtail groups that let role holders into the admin.

A membership says *where* someone may act; the group says *which screens* they may open.
Querysets in the admin are then narrowed to the membership's places (see permissions.py).
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import Membership, Role

ROLE_GROUPS = {
    Role.COMMUNITY_STAFF: {
        "name": "社区工作人员",
        "permissions": [
            "wagtailadmin.access_admin",
            "communities.view_grid",
            "communities.add_household",
            "communities.change_household",
            "communities.view_household",
            "communities.view_resident",
            "communities.change_resident",
        ],
    },
    Role.STREET_OFFICER: {
        "name": "街道工作人员",
        "permissions": [
            "wagtailadmin.access_admin",
            "communities.view_community",
            "communities.change_community",
            "communities.add_grid",
            "communities.change_grid",
            "communities.view_grid",
            "communities.add_household",
            "communities.change_household",
            "communities.view_household",
            "communities.view_resident",
            "communities.change_resident",
            "communities.view_membership",
        ],
    },
}
ROLE_GROUP_HELP = _("Members of this group hold the role in the places their memberships name.")


def group_for(role):
    spec = ROLE_GROUPS[Role(role)]
    group, _created = Group.objects.get_or_create(name=spec["name"])
    wanted = []
    for dotted in spec["permissions"]:
        app_label, codename = dotted.split(".")
        wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    group.permissions.add(*wanted)
    return group


@transaction.atomic
def grant_role(user, role, *, community=None, street=None, title="", by=None):
    membership, _created = Membership.objects.get_or_create(
        user=user,
        role=role,
        community=community,
        street=street,
        defaults={"title": title},
    )
    user.groups.add(group_for(role))
    return membership


@transaction.atomic
def revoke_role(membership):
    user, role = membership.user, membership.role
    membership.delete()
    if not Membership.objects.filter(user=user, role=role).exists():
        user.groups.remove(group_for(role))
