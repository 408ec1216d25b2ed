"""Mainland China mobile numbers, as residents type them and as accounts store them.

People write a number as "138 0013 8000", "138-0013-8000", "+86 13800138000" or in full-width
digits from a Chinese keyboard; it is stored once, in E.164 (+8613800138000), so the same phone
always finds the same account. Only mobile numbers (11 digits, 13x–19x) can receive a code.
"""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

COUNTRY_CODE = "+86"
MOBILE = re.compile(r"1[3-9]\d{9}")
# Spaces, dashes, dots and brackets people put between the groups of digits.
SEPARATORS = re.compile(r"[\s\-.()]")
INTERNATIONAL_PREFIX = re.compile(r"^(\+|00)?86(?=1\d{10}$)")


def normalise_mobile(text):
    """`text` as +86 followed by the 11-digit mobile number, or None if it is not one."""
    digits = SEPARATORS.sub("", unicodedata.normalize("NFKC", text or ""))
    digits = INTERNATIONAL_PREFIX.sub("", digits)
    if not MOBILE.fullmatch(digits):
        return None
    return COUNTRY_CODE + digits


def display_mobile(number):
    """+8613800138000 as residents read it: 138 0013 8000."""
    if not number or not number.startswith(COUNTRY_CODE):
        return number or ""
    digits = number[len(COUNTRY_CODE) :]
    return f"{digits[:3]} {digits[3:7]} {digits[7:]}"


class MobileNumberField(forms.CharField):
    """A mainland mobile number, cleaned to E.164; a phone shows its number pad for it."""

    default_error_messages = {
        "invalid": _(
            "Enter an 11-digit mainland mobile number starting with 1, such as 138 0013 8000."
        ),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("max_length", 24)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "type": "tel",
                    "autocomplete": "tel-national",
                    "placeholder": _("e.g. 138 0013 8000"),
                    "class": "input-large",
                }
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return ""
        number = normalise_mobile(value)
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number
