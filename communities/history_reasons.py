"""History reasons as keys: a step is stored as what happened, and read in the reader's language.

simple-history keeps one text per step (`history_change_reason`). A sentence written there in
the actor's language stays in that language for every later reader (a Chinese "撰写草稿" on the
English page), so a step stores its key and parameters instead, as a small JSON object, and is
rendered when read. Words a person typed (a reason for declining) travel as a parameter and are
shown as typed. Rows written before keys existed, and free text, are shown as they are.

Apps register their reasons once (`register_reason`), as notifications register events.
"""

import contextlib
import json

REASONS = {}


def register_reason(key, text, choices=None):
    """`text` is a lazy translatable text with %(name)s placeholders, or a function of the
    parameters returning the text; `choices` maps a parameter to the TextChoices its stored
    value comes from, so the value is shown with its label."""
    REASONS[key] = (text, choices or {})


def history_reason(key, **params):
    """What to store in `_change_reason` (or `history_change_reason`) for the step `key`."""
    return json.dumps({"key": key, "params": params}, ensure_ascii=False, sort_keys=True)


def parse_reason(stored):
    """(key, params) of a stored keyed reason, or (None, None) for free text."""
    if not stored or not stored.startswith("{"):
        return None, None
    try:
        data = json.loads(stored)
    except ValueError:
        return None, None
    if not isinstance(data, dict) or not isinstance(data.get("key"), str):
        return None, None
    params = data.get("params")
    return data["key"], params if isinstance(params, dict) else {}


def render_reason(stored):
    """The stored reason in the active language; free text comes back as it was typed."""
    key, params = parse_reason(stored)
    if key is None:
        return stored or ""
    if key not in REASONS:
        # An unknown key (an app removed it) still shows what a person typed, if anything.
        return str(params.get("reason", ""))
    text, choices = REASONS[key]
    params = dict(params)
    for name, choice_class in choices.items():
        if name in params:
            with contextlib.suppress(ValueError):
                params[name] = choice_class(params[name]).label
    if callable(text):
        return str(text(params))
    try:
        return str(text) % params
    except (KeyError, TypeError, ValueError):
        return str(text)
