from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .permissions import is_staff_member


class StaffTwoFactorMiddleware:
    """Staff roles act on many people's data: the admin opens only after TOTP is set up.

    Residents may turn two-factor on too; for them it stays optional.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.YISHI_STAFF_REQUIRE_2FA
            and request.path.startswith("/admin/")
            and request.user.is_authenticated
            and is_staff_member(request.user)
            and not request.user.authenticator_set.filter(type="totp").exists()
        ):
            messages.warning(
                request,
                _("Staff accounts need two-factor authentication. Set it up to open the admin."),
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
