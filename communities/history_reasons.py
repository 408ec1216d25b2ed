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
import re

from django.conf import settings
from django.utils import translation
from django.utils.functional import cached_property

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


class LegacySentences:
    """For data migrations: history rows written before keys stored a sentence; turn each back
    into its key, or (going back) a key into its sentence in the site's language.

    `sentences` maps a key to the msgid it wrote, frozen in the migration as it was; `choices`
    maps a parameter to {stored value: label msgid} where the sentence showed a label (a
    verification method, a topic's source). Sentences are matched in every language of the
    site; anything unmatched is a person's own words and stays as typed.
    """

    PLACEHOLDER = re.compile(r"%\((\w+)\)s")

    def __init__(self, sentences, choices=None):
        self.sentences = sentences
        self.choices = choices or {}

    def _pattern(self, text):
        parts = self.PLACEHOLDER.split(text)  # literal text and placeholder names, alternating
        regex = "".join(
            re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
            for index, part in enumerate(parts)
        )
        return re.compile(f"^{regex}$", re.DOTALL)

    @cached_property
    def _matchers(self):
        matchers = []
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                values = {
                    name: {
                        **{label: value for value, label in labels.items()},
                        **{translation.gettext(label): value for value, label in labels.items()},
                    }
                    for name, labels in self.choices.items()
                }
                for key, msgid in self.sentences.items():
                    for text in {msgid, translation.gettext(msgid)}:
                        matchers.append((self._pattern(text), key, values))
        return matchers

    def key_of(self, sentence):
        """The keyed reason for a legacy sentence, or None when it is a person's own words."""
        for pattern, key, values in self._matchers:
            match = pattern.match(sentence.strip())
            if match is None:
                continue
            params = match.groupdict()
            if any(name in params and params[name] not in values[name] for name in values):
                continue
            for name in values:
                if name in params:
                    params[name] = values[name][params[name]]
            return history_reason(key, **params)
        return None

    def sentence_of(self, stored):
        """The sentence a keyed reason stands for, in the site's language (None if unknown)."""
        key, params = parse_reason(stored)
        if key is None:
            return None
        msgid = self.sentences.get(key, "")
        if params.get("reason") and "%(reason)s" not in msgid:
            return params["reason"]  # the words a person typed were the whole reason
        if not msgid:
            return None
        with translation.override(settings.LANGUAGE_CODE):
            for name, labels in self.choices.items():
                if name in params:
                    params[name] = translation.gettext(labels.get(params[name], ""))
            text = translation.gettext(self.sentences[key])
            try:
                return text % params
            except (KeyError, TypeError, ValueError):
                return text

    def to_keys(self, history_model):
        sentences = (
            history_model.objects.exclude(history_change_reason__isnull=True)
            .exclude(history_change_reason__startswith="{")
            .values_list("history_change_reason", flat=True)
            .distinct()
        )
        for sentence in list(sentences):
            key = self.key_of(sentence)
            if key is not None:
                history_model.objects.filter(history_change_reason=sentence).update(
                    history_change_reason=key
                )

    def to_sentences(self, history_model):
        for record in history_model.objects.filter(history_change_reason__startswith="{"):
            text = self.sentence_of(record.history_change_reason)
            if text is not None:
                history_model.objects.filter(pk=record.pk).update(history_change_reason=text)


def typed_reason_or(label):
    """A step's reason: what a person typed is the step's note, as typed; without one, the
    step's label in the reader's language."""
    return lambda params: params.get("reason") or str(label)
