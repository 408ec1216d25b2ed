"""The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters, the last a
check character computed from the other 17, so a mistyped code is caught before anyone files it.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The code's alphabet leaves out I, O, S, V and Z (they read like 1, 0, 5, U and 2).
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalise_credit_code(value):
    return "".join((value or "").split()).upper()


def credit_code_check_character(first_17):
    total = sum(
        ALPHABET.index(char) * weight for char, weight in zip(first_17, WEIGHTS, strict=True)
    )
    return ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value):
    code = normalise_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)s."),
            code="length",
            params={"count": len(code)},
        )
    if bad := sorted({char for char in code if char not in ALPHABET}):
        raise ValidationError(
            _(
                "A unified social credit code uses digits and capital letters other than I, O, S, "
                "V and Z; “%(chars)s” cannot appear in it."
            ),
            code="alphabet",
            params={"chars": "".join(bad)},
        )
    if credit_code_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _(
                "This unified social credit code is not valid: its last character does not match "
                "the others. Check it against the organisation's certificate."
            ),
            code="check_character",
        )
