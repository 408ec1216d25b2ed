"""A topic's history stores its steps' keys (communities.history_reasons), not sentences.

Rows written before stored the sentence in the language of whoever acted ("撰写草稿" on the
English page). Those sentences came from a known set of msgids, frozen here as they were, so
each is matched in every language of the site and replaced by its key; anything else is text a
person typed (a reason for declining) and stays as it is. Going back writes the sentences in
the site's default language.
"""

import json
import re

from django.conf import settings
from django.db import migrations
from django.utils import translation

# The msgids the workflow wrote, as they were when keys replaced them.
TRANSITION_LABELS = {
    "submit": "Submit for support",
    "withdraw": "Withdraw",
    "reach_threshold": "Support threshold reached",
    "send_to_screening": "Send to screening",
    "accept": "Accept into the agenda",
    "decline": "Decline",
    "mark_duplicate": "Mark as duplicate",
    "open_ballot": "Open a ballot",
    "publish_outcome": "Publish the outcome",
    "reconsider": "Back to deliberation",
    "end_notice": "Notice period ended",
    "complete_implementation": "Mark as carried out",
    "close_evaluation": "Evaluation ended",
}
SENTENCES = {
    **{f"topic.{action}": label for action, label in TRANSITION_LABELS.items()},
    "topic.draft_written": "Draft written",
    "topic.draft_edited": "Draft edited",
    "topic.mark_duplicate": "Duplicate of “%(title)s”.",
    "topic.entered_by_staff": "Entered by staff (%(source)s): raised by %(name)s",
}
SOURCES = {
    "online": "Raised online by a resident",
    "hotline": "Community hotline",
    "home_visit": "Home visit",
    "grid_worker": "Grid worker",
    "meeting": "Residents' meeting",
}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _pattern(text):
    parts = PLACEHOLDER.split(text)
    # split() alternates literal text and placeholder names.
    regex = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
        for index, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$", re.DOTALL)


def _matchers():
    """(pattern, key, source labels → values) for every sentence in every site language."""
    matchers = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            sources = {translation.gettext(label): value for value, label in SOURCES.items()}
            sources.update({label: value for value, label in SOURCES.items()})
            for key, msgid in SENTENCES.items():
                for text in {msgid, translation.gettext(msgid)}:
                    matchers.append((_pattern(text), key, sources))
    return matchers


def key_of(sentence, matchers):
    """The stored reason for a legacy sentence, or None when it is a person's own words."""
    for pattern, key, sources in matchers:
        match = pattern.match(sentence)
        if match is None:
            continue
        params = match.groupdict()
        if "source" in params:
            if params["source"] not in sources:
                continue
            params["source"] = sources[params["source"]]
        return json.dumps({"key": key, "params": params}, ensure_ascii=False, sort_keys=True)
    return None


def sentences_to_keys(apps, schema_editor):
    matchers = _matchers()
    HistoricalTopic = apps.get_model("consultation", "HistoricalTopic")
    Topic = apps.get_model("consultation", "Topic")
    reasons = (
        HistoricalTopic.objects.exclude(history_change_reason__isnull=True)
        .exclude(history_change_reason__startswith="{")
        .values_list("history_change_reason", flat=True)
        .distinct()
    )
    for sentence in list(reasons):
        key = key_of(sentence.strip(), matchers)
        if key is not None:
            HistoricalTopic.objects.filter(history_change_reason=sentence).update(
                history_change_reason=key
            )
    # A duplicate's "Duplicate of …" was also kept as its reason for declining; the page links
    # the surviving topic in the reader's language instead.
    for topic in Topic.objects.filter(duplicate_of__isnull=False).exclude(decline_reason=""):
        key = key_of(topic.decline_reason.strip(), matchers)
        if key is not None and json.loads(key)["key"] == "topic.mark_duplicate":
            Topic.objects.filter(pk=topic.pk).update(decline_reason="")


def keys_to_sentences(apps, schema_editor):
    HistoricalTopic = apps.get_model("consultation", "HistoricalTopic")
    sources = dict(SOURCES)
    with translation.override(settings.LANGUAGE_CODE):
        for record in HistoricalTopic.objects.filter(history_change_reason__startswith="{"):
            try:
                data = json.loads(record.history_change_reason)
                key, params = data["key"], dict(data.get("params") or {})
            except (ValueError, KeyError, TypeError):
                continue
            if params.get("reason"):
                text = params["reason"]
            elif key in SENTENCES:
                if "source" in params:
                    params["source"] = translation.gettext(sources.get(params["source"], ""))
                try:
                    text = translation.gettext(SENTENCES[key]) % params
                except (KeyError, TypeError, ValueError):
                    text = translation.gettext(SENTENCES[key])
            else:
                continue
            HistoricalTopic.objects.filter(pk=record.pk).update(history_change_reason=text)


class Migration(migrations.Migration):
    dependencies = [
        ("consultation", "0005_ballot_counters"),
    ]

    operations = [
        migrations.RunPython(sentences_to_keys, keys_to_sentences, elidable=True),
    ]
