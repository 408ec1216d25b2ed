"""Who may add, edit and publish funding rounds in Wagtail's editor: the officers of the street
running the round (and superusers), nobody else.

Rounds are pages under the site's home page. Wagtail lets a user add a page only with an "add"
page permission on its parent, held by a group; so one group, the street officers', holds "add"
on the home page, its members the street officers now (set again whenever a membership changes,
as consultation/page_rights.py does for community pages). That right alone would let them add
any page under the home page: the `before_create_page` hook (wagtail_hooks/rounds.py) lets the
group add funding rounds only. Editing, publishing and deleting a round is not read from
groups at all but from the round's street (`RoundPermissionTester`): the officers of that
street, whoever created the round; another street's officer gets 403. The round's street in the
editor is one the officer runs (`street_refusal`).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext as _
from wagtail.models import GroupPagePermission, PagePermissionTester

from communities.models import Role
from communities.permissions import managed_streets

ROUNDS_GROUP = "街道干部·公益创投"


def street_officers():
    return (
        get_user_model()
        .objects.filter(memberships__role=Role.STREET_OFFICER, is_active=True)
        .distinct()
    )


def ensure_round_rights():
    """The officers' group: "add" on every home page, members the street officers now.
    Idempotent; whoever is no longer an officer leaves the group."""
    from home.models import HomePage

    group, _created = Group.objects.get_or_create(name=ROUNDS_GROUP)
    add_page = Permission.objects.get(content_type__app_label="wagtailcore", codename="add_page")
    for home in HomePage.objects.all():
        GroupPagePermission.objects.get_or_create(group=group, page=home, permission=add_page)
    group.user_set.set(street_officers())
    return group


def resync_round_rights(sender, instance, **kwargs):
    """A membership was added, changed or removed: the group follows the street officers. A
    new home page: the group gets its right there."""
    if sender.__name__ == "HomePage" and not kwargs.get("created"):
        return
    ensure_round_rights()


def adds_only_rounds(user, parent):
    """True when `user` may add pages under `parent` only through the officers' group (so
    only funding rounds), not through any other page right."""
    if user.is_superuser:
        return False
    return not (
        GroupPagePermission.objects.filter(
            group__user=user,
            permission__codename="add_page",
            page__in=parent.get_ancestors(inclusive=True),
        )
        .exclude(group__name=ROUNDS_GROUP)
        .exists()
    )


def runs_rounds(user):
    return user.is_authenticated and managed_streets(user).exists()


def street_refusal(user, street):
    """Why `user` may not run a round of `street`, or None when they may."""
    if user is None or user.is_superuser or street is None:
        return None
    streets = list(managed_streets(user))
    if street in streets:
        return None
    return _(
        "You run the funding rounds of %(yours)s only; “%(street)s” is another street "
        "office's. Choose your own street."
    ) % {
        "yours": "、".join(s.name for s in streets) or _("no street"),
        "street": street.name,
    }


def default_street(user):
    """The street a new round of `user` is for, when they run exactly one."""
    if user is None or user.is_superuser:
        return None
    streets = list(managed_streets(user)[:2])
    return streets[0] if len(streets) == 1 else None


class RoundPermissionTester(PagePermissionTester):
    """What a user may do with one funding round: superusers as Wagtail says; the officers of
    its street edit, publish and unpublish it, and delete it while nobody applied; everyone
    else nothing."""

    def __init__(self, user, page):
        super().__init__(user, page)
        self.runs_this_round = (
            user.is_active
            and not user.is_superuser
            and managed_streets(user).filter(pk=page.street_id).exists()
        )

    def can_edit(self):
        if self.user.is_superuser:
            return super().can_edit()
        return self.runs_this_round

    def can_publish(self):
        if self.user.is_superuser:
            return super().can_publish()
        return self.runs_this_round

    def can_unpublish(self):
        if self.user.is_superuser:
            return super().can_unpublish()
        return self.runs_this_round and self.page.live and not self.page_locked()

    def can_delete(self, ignore_bulk=False):
        if self.user.is_superuser:
            return super().can_delete(ignore_bulk)
        return (
            self.runs_this_round
            and not self.page.live
            and self.page.pk is not None
            and not self.page.applications.exists()
        )

    def can_move(self):
        return self.user.is_superuser and super().can_move()

    def can_copy(self):
        return (self.user.is_superuser or self.runs_this_round) and super().can_copy()

    def can_lock(self):
        if self.user.is_superuser:
            return super().can_lock()
        return self.runs_this_round

    def can_unlock(self):
        if self.user.is_superuser:
            return super().can_unlock()
        return self.runs_this_round
