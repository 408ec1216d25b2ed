"""A topic's history stores its steps' keys (communities.history_reasons), not sentences.

Rows written before stored the sentence in the language of whoever acted ("撰写草稿" on the
English page). Those sentences came from a known set of msgids, frozen here as they were, so
each is matched in every language of the site and replaced by its key; anything else is text a
person typed (a reason for declining) and stays as it is. Going back writes the sentences in
the site's default language.
"""

import json

from django.db import migrations

from communities.history_reasons import LegacySentences

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
LEGACY = LegacySentences(SENTENCES, {"source": SOURCES})


def sentences_to_keys(apps, schema_editor):
    LEGACY.to_keys(apps.get_model("consultation", "HistoricalTopic"))
    Topic = apps.get_model("consultation", "Topic")
    # A duplicate's "Duplicate of …" was also kept as its reason for declining; the page links
    # the surviving topic in the reader's language instead.
    for topic in Topic.objects.filter(duplicate_of__isnull=False).exclude(decline_reason=""):
        key = LEGACY.key_of(topic.decline_reason)
        if key is not None and json.loads(key)["key"] == "topic.mark_duplicate":
            Topic.objects.filter(pk=topic.pk).update(decline_reason="")


def keys_to_sentences(apps, schema_editor):
    LEGACY.to_sentences(apps.get_model("consultation", "HistoricalTopic"))


class Migration(migrations.Migration):
    dependencies = [
        ("consultation", "0005_ballot_counters"),
    ]

    operations = [
        migrations.RunPython(sentences_to_keys, keys_to_sentences, elidable=True),
    ]
