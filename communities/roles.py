"""Which admin screens each role opens, read from the user's memberships at every request.

A membership says *where* someone may act and, through its role, *which screens* they may open.
Permissions are not copied into Django groups: a copy can outlive the membership (deleted in
the admin, edited, removed with a community), and the former staff member would keep the
admin. The authentication backends read the memberships instead, so ending one ends the access at
the next request, in every open session. Querysets in the admin are then narrowed to the
membership's places (see scoping.py and permissions.py).
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend
from django.db import transaction

from .models import Membership, Role

ROLE_PERMISSIONS = {
    Role.COMMUNITY_STAFF: frozenset(
        {
            "wagtailadmin.access_admin",
            "communities.view_grid",
            "communities.add_household",
            "communities.change_household",
            "communities.view_household",
            "communities.view_resident",
            "communities.change_resident",
        }
    ),
    Role.STREET_OFFICER: frozenset(
        {
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
        }
    ),
}


class RolePermissionsOnly:
    """Model permissions come from the user's current memberships, and from nothing else: no
    per-user or group permission rows can hand out a role's screens."""

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_all_permissions(self, user_obj, obj=None):
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return set()
        if not hasattr(user_obj, "_role_permissions"):
            roles = set(Membership.objects.filter(user=user_obj).values_list("role", flat=True))
            user_obj._role_permissions = {
                permission for role in roles for permission in ROLE_PERMISSIONS[Role(role)]
            }
        return user_obj._role_permissions


def no_roles(user):
    """Record what a query already found: `user` holds no role, so no permission."""
    if not hasattr(user, "_role_permissions"):
        user._role_permissions = set()


class PasswordBackend(RolePermissionsOnly, ModelBackend):
    """Django's sign-in by user name (management commands, tests)."""


class AccountBackend(RolePermissionsOnly, AuthenticationBackend):
    """allauth's sign-in by email or phone, where the rate limits are."""


def forget_cached_roles(user):
    for attribute in (
        "_role_permissions",
        "_perm_cache",
        "_manages_any_community",
        "_manages_any_street",
    ):
        user.__dict__.pop(attribute, None)


@transaction.atomic
def grant_role(user, role, *, community=None, street=None, title="", by=None):
    membership, _created = Membership.objects.get_or_create(
        user=user,
        role=role,
        community=community,
        street=street,
        defaults={"title": title},
    )
    forget_cached_roles(user)
    return membership


@transaction.atomic
def revoke_role(membership):
    membership.delete()
    forget_cached_roles(membership.user)
