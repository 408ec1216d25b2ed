"""allauth's account forms, as residents meet them: a mobile number or an email, big code fields.

Most residents, older ones above all, have a mobile number and no habit of email: they sign up
and sign in with the number and a code sent by SMS, and need no password. Email with a password
stays for those who prefer it. Every form that leads to a text checks the SMS limits first
(communities.sms), so a refused code is said on the page where the number was typed.
"""

import unicodedata

from allauth.account import forms as allauth_forms
from allauth.core import context, ratelimit
from django import forms
from django.utils.translation import gettext_lazy as _

from . import sms


def sms_client_ip():
    from .account_adapter import client_ip

    return client_ip(context.request)


def refusal(number, *, verification=False):
    """The message refusing a text to `number` now, or None when a code may be sent.

    A verification code (sign-up, a new number) also passes allauth's "verify_phone" limit,
    which would otherwise stop the sign-up half-way with an error page.
    """
    refused = sms.limit_reached(number, sms_client_ip())
    if refused is not None:
        return refused.message
    if verification and not ratelimit.consume(
        context.request, action="verify_phone", key=number, dry_run=True
    ):
        return _("Too many codes were asked for just now. Wait a minute, then try again.")
    return None


class SignupForm(allauth_forms.SignupForm):
    """Sign up with a mobile number (a code by SMS, no password), or with email and a password.

    The sign-up page shows one of the two at a time, so a person fills in only what their way
    needs. The settings list email as required, as allauth's mandatory verification insists;
    here either one is enough, and the account proves it (SMS code or email link) before use.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("email", "password1", "password2"):
            self.fields[name].required = False
            self.fields[name].widget.is_required = False
        self.fields["email"].label = _("Email")

    @property
    def by_phone(self):
        """Whether the person chose the mobile number (the page they came from posts it)."""
        return "phone" in self.data or not self.is_bound

    def clean(self):
        cleaned_data = super().clean()
        phone, email = cleaned_data.get("phone"), cleaned_data.get("email")
        if self.errors:
            return cleaned_data
        if phone and email:
            raise forms.ValidationError(
                _("Sign up with a mobile number or with an email address, not both."),
                code="both",
            )
        if phone:
            # A phone account signs in with codes; a password sent along is not kept.
            cleaned_data["password1"] = cleaned_data["password2"] = ""
            if message := refusal(phone, verification=True):
                self.add_error("phone", message)
        elif email:
            for name in ("password1", "password2"):
                if not cleaned_data.get(name):
                    self.add_error(name, self.fields[name].error_messages["required"])
        else:
            field = "phone" if self.by_phone else "email"
            self.add_error(field, self.fields[field].error_messages["required"])
        return cleaned_data


class LoginForm(allauth_forms.LoginForm):
    """Email (or mobile number) with a password; a code by SMS is the other way in."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("Email or mobile number")
        login.widget.attrs.pop("placeholder", None)
        login.widget.attrs["autocomplete"] = "username"
        self.fields["password"].widget.attrs.pop("placeholder", None)


class RequestLoginCodeForm(allauth_forms.RequestLoginCodeForm):
    """Only the mobile number: an email account signs in with its password."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("email", None)
        self.fields["phone"].required = True

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        if phone and (message := refusal(phone)):
            raise forms.ValidationError(message, code="sms_limit")
        return super().clean_phone()


class ChangePhoneForm(allauth_forms.ChangePhoneForm):
    def clean_phone(self):
        phone = super().clean_phone()
        if message := refusal(phone, verification=True):
            raise forms.ValidationError(message, code="sms_limit")
        return phone


class SmsCodeMixin:
    """The code from a text: a number pad on phones, filled in by the phone where it can."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Code from the text message")
        self.fields["code"].widget = forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "class": "input-large input-code",
                "size": 8,
            }
        )

    def clean_code(self):
        # A Chinese keyboard may type full-width digits (１２３); they are the same code.
        self.cleaned_data["code"] = unicodedata.normalize("NFKC", self.cleaned_data["code"])
        return super().clean_code()


class ConfirmLoginCodeForm(SmsCodeMixin, allauth_forms.ConfirmLoginCodeForm):
    pass


class VerifyPhoneForm(SmsCodeMixin, allauth_forms.VerifyPhoneForm):
    pass
