"""Who may add, edit and publish funding rounds in Wagtail's editor: the officers of the street
running the round (and superusers), nobody else.

Rounds are pages under the site's home page. Nothing is copied into groups (a page permission
on the home page would reach every page under it, other streets' community pages included):
the rights are read from the memberships at each request, in two permission testers. The home
page's (`HomePermissionTester`) lets a street officer add a page there, and the
`before_create_page` hook (wagtail_hooks/rounds.py) lets them add funding rounds only. A round's
(`RoundPermissionTester`) lets the officers of the round's street edit, publish and unpublish
it, whoever created it; another street's officer gets nothing. The round's street in the editor
is one the officer runs (`street_refusal`).
"""

from django.db.models import Q
from django.utils.translation import gettext as _
from wagtail.models import GroupPagePermission, Page, PagePermissionTester

from communities.permissions import managed_streets


def adds_only_rounds(user, parent):
    """True when `user` may add pages under `parent` only as a street officer (so only funding
    rounds), not through any page permission of their groups."""
    if user.is_superuser:
        return False
    return not GroupPagePermission.objects.filter(
        group__user=user,
        permission__codename="add_page",
        page__in=parent.get_ancestors(inclusive=True),
    ).exists()


def reachable_round_pages(user):
    """The page screens a street officer opens for rounds: the home page (to add one under it)
    and their streets' rounds (communities/middleware.py asks)."""
    from home.models import HomePage

    from .pages import FundingRoundPage

    streets = managed_streets(user)
    if not streets.exists():
        return Page.objects.none()
    rounds = FundingRoundPage.objects.filter(street__in=streets).values("pk")
    homes = HomePage.objects.values("pk")
    return Page.objects.filter(Q(pk__in=rounds) | Q(pk__in=homes))


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


class HomePermissionTester(PagePermissionTester):
    """The home page as Wagtail says, and street officers may add (rounds) under it."""

    def can_add_subpage(self):
        if super().can_add_subpage():
            return True
        return self.user.is_active and runs_rounds(self.user)

    def can_publish_subpage(self):
        if super().can_publish_subpage():
            return True
        return self.user.is_active and runs_rounds(self.user)


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
