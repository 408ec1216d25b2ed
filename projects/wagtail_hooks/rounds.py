"""Street officers add funding rounds under the home page, and nothing else there: the right
their group holds on the home page is for rounds (projects/page_rights.py)."""

from django.core.exceptions import PermissionDenied
from wagtail import hooks

from ..page_rights import adds_only_rounds, runs_rounds
from ..pages import FundingRoundPage
from ..reviews import rounds_run_by


@hooks.register("before_create_page")
def only_officers_add_rounds(request, parent_page, page_class):
    user = request.user
    if user.is_superuser:
        return None
    if issubclass(page_class, FundingRoundPage):
        if not runs_rounds(user):
            raise PermissionDenied
        return None
    if adds_only_rounds(user, parent_page):
        raise PermissionDenied
    return None


@hooks.register("construct_explorer_page_queryset")
def officers_find_their_rounds(parent_page, pages, request):
    """Wagtail lists the pages a user's page permissions reach; a street officer's rounds are
    theirs by their membership, so they are listed too (never another street's)."""
    user = request.user
    if user.is_superuser or not runs_rounds(user):
        return pages
    rounds = rounds_run_by(FundingRoundPage.objects.all(), user).values("pk")
    return pages | pages.model._default_manager.child_of(parent_page).filter(pk__in=rounds)
