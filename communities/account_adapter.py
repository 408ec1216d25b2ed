"""How allauth names the site, stores sign-in mobile numbers and sends their codes.

Emails: without django.contrib.sites, allauth names the site after the request's host, so a
sign-up email said "Hello from 127.0.0.1!". The name comes from the Wagtail site (the one the
request reached, else the default), the domain from SITE_URL: the address residents are given.

Mobile numbers: allauth asks the project to keep each account's number and whether it was
proved; `UserPhone` keeps them, and codes go out through `communities.sms`.
"""

from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.stages import EmailVerificationStage
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from wagtail.models import Site

from . import sms
from .models import UserPhone
from .phones import MobileNumberField, display_mobile, normalise_mobile

ALLAUTH_EMAIL_STAGE = "allauth.account.stages.EmailVerificationStage"


@dataclass(frozen=True)
class SiteIdentity:
    name: str
    domain: str


def site_identity(request=None):
    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        site = Site.objects.filter(is_default_site=True).first()
    name = (site.site_name if site else "") or settings.WAGTAIL_SITE_NAME
    return SiteIdentity(name=name, domain=urlsplit(settings.SITE_URL).netloc)


def client_ip(request):
    """The address allauth's rate limits count (behind a proxy: ALLAUTH_TRUSTED_PROXY_COUNT)."""
    if request is None:
        return None
    from allauth.core.internal.ratelimit import get_ip

    return get_ip(request)


def user_display(user):
    """How allauth names an account ("logged in as …"): an account opened with a mobile number
    has only a made-up username ("user3"), so it is named by its number instead."""
    if not user.email:
        number = UserPhone.objects.filter(user=user).values_list("number", flat=True).first()
        if number:
            return display_mobile(number)
    return user.get_username()


class VerifiedAddressStage(EmailVerificationStage):
    """Verification stays mandatory for the address a person signs in with.

    An account opened with a mobile number proved it by SMS code (allauth's phone stage runs
    just before this one) and may have no email at all; asking it to confirm an email would
    lock it out. Signing in with an email, or an account without a phone, still needs the
    email confirmed.
    """

    def handle(self):
        user = self.login.user
        phone_account = user is not None and UserPhone.objects.filter(user=user).exists()
        if phone_account and not self.login.email:
            return None, True
        return super().handle()


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "incorrect_code": _("That code is not right. Check the text message and type it again."),
        "rate_limited": _("No new code was sent."),
    }

    def send_mail(self, template_prefix, email, context):
        context = {**context, "current_site": site_identity(context.get("request") or self.request)}
        return super().send_mail(template_prefix, email, context)

    def get_login_stages(self):
        return [
            f"{VerifiedAddressStage.__module__}.{VerifiedAddressStage.__qualname__}"
            if path == ALLAUTH_EMAIL_STAGE
            else path
            for path in super().get_login_stages()
        ]

    # The sign-in mobile number, kept in UserPhone.

    def phone_form_field(self, **kwargs):
        kwargs.pop("label", None)  # allauth's "Phone": ours says which phone
        return MobileNumberField(**kwargs)

    def set_phone(self, user, phone, verified):
        UserPhone.objects.update_or_create(
            user=user, defaults={"number": phone, "verified": verified}
        )

    def get_phone(self, user):
        found = UserPhone.objects.filter(user=user).values_list("number", "verified").first()
        return tuple(found) if found else None

    def set_phone_verified(self, user, phone):
        # Also the moment a changed number replaces the old one (allauth attaches it only now).
        with transaction.atomic():
            # The number is proved theirs: other accounts' unproved claims on it lapse.
            UserPhone.objects.filter(number=phone, verified=False).exclude(user=user).delete()
            UserPhone.objects.update_or_create(
                user=user, defaults={"number": phone, "verified": True}
            )

    def get_user_by_phone(self, phone):
        # Only a proved number names an account: a claim nobody confirmed opens nothing.
        number = normalise_mobile(phone)
        if number is None:
            return None
        found = UserPhone.objects.select_related("user").filter(number=number, verified=True)
        found = found.first()
        return found.user if found else None

    # Texts, through communities.sms and its limits.

    def generate_phone_verification_code(self, *, user, phone):
        # Checked before a code is made: a resend over the limit keeps the code already sent.
        if refused := sms.limit_reached(phone, client_ip(context.request)):
            self._refuse(refused)
        return super().generate_phone_verification_code(user=user, phone=phone)

    def send_verification_code_sms(self, user, phone, code, **kwargs):
        minutes = (
            app_settings.LOGIN_BY_CODE_TIMEOUT
            if "reauthentication" in kwargs
            else app_settings.PHONE_VERIFICATION_TIMEOUT
        ) // 60
        self._send(phone, "code", {"code": code, "minutes": minutes}, refuse=self._refuse)

    def send_account_already_exists_sms(self, phone):
        self._send(phone, "account_exists", {}, refuse=None)

    def send_unknown_account_sms(self, phone, **kwargs):
        # No text to a number without an account (as no mail goes to an unknown address); it
        # counts all the same, so the limits do not tell which numbers have accounts.
        with suppress(sms.SmsLimitReached):
            sms.count_without_sending(phone, client_ip=client_ip(context.request))

    def _send(self, phone, template_key, params, *, refuse):
        request = context.request
        try:
            sms.send_sms(phone, template_key, params, client_ip=client_ip(request))
        except sms.SmsLimitReached as refused:
            if refuse is not None:
                refuse(refused)
        except sms.SmsNotSent:
            messages.error(
                request,
                _("The text message could not be sent. Wait a minute, then ask for a new code."),
            )

    def _refuse(self, refused):
        """Stop here, send nothing, and say why on the page the person came from."""
        request = context.request
        messages.error(request, refused.message)
        raise ImmediateHttpResponse(HttpResponseRedirect(request.get_full_path()))
