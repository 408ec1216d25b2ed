"""The street office's decision on an application in review: award an amount, decline or
waitlist, each with a reason the organisation reads.

The steps are rows of the application's workflow table (workflow.py), which holds the rules
(an award is more than 0 and at most what is requested; the round's awards never add up to
more than its budget, summed under the round's row lock). This module is what the decision
screen and the letter call: the choices, the money left, and amounts written out in Chinese
capital numerals (大写) as on any Chinese payment document.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy

from . import workflow
from .models import ApplicationState

CENT = Decimal("0.01")

DECISIONS = [
    ("award", gettext_lazy("Award a grant")),
    ("waitlist", gettext_lazy("Put on the waiting list")),
    ("decline", gettext_lazy("Decline funding")),
]
DECIDED = frozenset({ApplicationState.AWARDED, ApplicationState.DECLINED,
                     ApplicationState.WAITLISTED})  # fmt: skip


def decisions_open(application):
    """The decisions still possible on `application` ((action, label) pairs)."""
    return [
        (action, label)
        for action, label in DECISIONS
        if application.status in workflow.TRANSITIONS[action].sources
    ]


def decide(application, action, actor, *, reason, amount=None, now=None):
    """Take the decision `action` (award, decline, waitlist) as `actor`. Refusals are
    ValidationErrors whose messages say why; nothing is saved then."""
    if action not in workflow.DECISION_ACTIONS:
        raise ValueError(action)
    data = {"reason": reason or ""}
    if action == "award":
        data["amount"] = amount
    return workflow.perform(application, action, actor, now=now, **data)


def budget_left(round):
    """What the round's budget still holds once its awards are taken off (yuan)."""
    return round.total_budget - workflow.awarded_total(round.pk)


DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("仟", "佰", "拾", "")
GROUP_UNITS = ("", "万", "亿", "万亿")


def _four_digits(number):
    """1–9999 in capitals, zeros inside read once (1010: 壹仟零壹拾)."""
    words, zero_pending = "", False
    for digit, unit in zip(f"{number:04d}", SMALL_UNITS, strict=True):
        if digit == "0":
            zero_pending = bool(words)
            continue
        if zero_pending:
            words += "零"
            zero_pending = False
        words += DIGITS[int(digit)] + unit
    return words


def _whole_yuan(number):
    if number == 0:
        return "零"
    groups = []
    while number:
        number, group = divmod(number, 10000)
        groups.append(group)
    words, zero_pending = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero_pending = bool(words)
            continue
        if words and (zero_pending or group < 1000):
            words += "零"
        words += _four_digits(group) + GROUP_UNITS[index]
        zero_pending = False
    return words


def yuan_in_capitals(amount):
    """An amount of yuan in Chinese capital numerals, as written on cheques and grant letters:
    35000 → 叁万伍仟元整, 1010.05 → 壹仟零壹拾元零伍分, 0.50 → 伍角整."""
    amount = Decimal(amount).quantize(CENT, ROUND_HALF_UP)
    if amount < 0:
        raise ValueError(amount)
    fen_total = int(amount * 100)
    whole, cents = divmod(fen_total, 100)
    jiao, fen = divmod(cents, 10)
    if whole == 0 and cents == 0:
        return "零元整"
    words = f"{_whole_yuan(whole)}元" if whole else ""
    if jiao:
        words += DIGITS[jiao] + "角"
    elif fen and whole:
        words += "零"
    if fen:
        words += DIGITS[fen] + "分"
    else:
        words += "整"
    return words
