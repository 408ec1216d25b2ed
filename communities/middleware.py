from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.permission_policies.pages import PagePermissionPolicy

from .permissions import is_staff_member
from .scoping import STAFF_WAGTAIL_URLS, admin_view_is_scoped

ADMIN_PREFIX = "/admin/"
PAGE_ID_KWARGS = ("page_id", "parent_page_id", "page_to_move_id", "pk")
# Functions (user) -> Page queryset: pages an app's own rules (not Wagtail's page permissions)
# let a staff member open, e.g. a street office's funding rounds (projects/page_rights.py).
PAGE_REACH = []


def register_page_reach(reach):
    PAGE_REACH.append(reach)
    return reach


def passed_second_factor(request):
    """Whether *this session* signed in (or re-authenticated) with a TOTP code.

    allauth records every method a session authenticated with; a password alone, or a
    session opened some other way, does not count.
    """
    return any(
        record.get("method") == "mfa"
        for record in get_authentication_records(request, request.user)
    )


class StaffTwoFactorMiddleware:
    """Staff roles act on many people's data: the admin opens only to a session that passed
    TOTP. Those without a TOTP device are sent to set one up, those who have one but signed in
    without it are asked for a code. Residents may turn two-factor on too; for them it stays
    optional.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.YISHI_STAFF_REQUIRE_2FA
            and request.path.startswith(ADMIN_PREFIX)
            and request.user.is_authenticated
            and is_staff_member(request.user)
            and not passed_second_factor(request)
        ):
            if not request.user.authenticator_set.filter(type="totp").exists():
                messages.warning(
                    request,
                    _(
                        "Staff accounts need two-factor authentication. "
                        "Set it up to open the admin."
                    ),
                )
                return redirect(reverse("mfa_activate_totp"))
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('mfa_reauthenticate')}?{query}")
        return self.get_response(request)


class AdminScopeMiddleware:
    """An admin screen that is not scoped does not exist for anyone but a superuser.

    Our screens declare themselves scoped (communities.scoping); of Wagtail's own, only the
    page screens (narrowed by each community's page permissions) and the admin's plumbing are
    open to staff. Everything else — reports, users, groups, settings, images, documents, the
    admin API — answers 404, so a new Wagtail feature or a forgotten view leaks nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path.startswith(ADMIN_PREFIX):
            return None
        user = request.user
        if not user.is_authenticated or user.is_superuser:
            return None  # Wagtail sends the anonymous to sign in; superusers see everything.
        if admin_view_is_scoped(view_func):
            return None
        match = request.resolver_match
        if match and match.view_name in STAFF_WAGTAIL_URLS and self._page_reachable(user, match):
            return None
        raise Http404

    @staticmethod
    def _page_reachable(user, match):
        """A page screen opens only on a page the user may explore: their community's pages
        and the way down to them. Wagtail would show some of these (a draft's workflow, its
        chooser listing) to anyone with admin access."""
        page_id = next((match.kwargs[key] for key in PAGE_ID_KWARGS if key in match.kwargs), None)
        if page_id is None:
            return True
        if PagePermissionPolicy().explorable_instances(user).filter(pk=page_id).exists():
            return True
        return any(reach(user).filter(pk=page_id).exists() for reach in PAGE_REACH)
