"""Page screens in the admin: staff see the pages they may edit and what is public, no more."""

from django.db.models import Q
from wagtail import hooks
from wagtail.permission_policies.pages import PagePermissionPolicy


@hooks.register("construct_page_chooser_queryset")
def only_public_or_own_pages(pages, request):
    """The page chooser lists every page by default, drafts of other communities included."""
    user = request.user
    if user.is_superuser:
        return pages
    editable = PagePermissionPolicy().instances_user_has_any_permission_for(
        user, ["change", "publish"]
    )
    return pages.filter(Q(live=True) | Q(pk__in=editable.values("pk")))
