"""Grids sort by the number in their name (第一, 第二, 第三, not 第一, 第三, 第二), and residents'
and households' history stores its steps' keys (communities.history_reasons), not sentences.

The sentences stored before came from a known set of msgids, frozen here as they were; each is
matched in every language of the site and replaced by its key. A reason a person typed stays
as typed inside the key's parameters; anything unmatched is left as it is.
"""

import json
import re

from django.conf import settings
from django.db import migrations, models
from django.utils import translation

from communities.models import number_in_name

SENTENCES = {
    "resident.verified": "Verified: %(method)s",
    "resident.revoked": "Verification revoked: %(reason)s",
    "household.imported": "Imported from the household register",
}
METHODS = {
    "in_person": "In person, with an identity document",
    "register": "Against the household register",
}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _pattern(text):
    parts = PLACEHOLDER.split(text)
    regex = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
        for index, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$", re.DOTALL)


def _matchers():
    matchers = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            methods = {translation.gettext(label): value for value, label in METHODS.items()}
            methods.update({label: value for value, label in METHODS.items()})
            for key, msgid in SENTENCES.items():
                for text in {msgid, translation.gettext(msgid)}:
                    matchers.append((_pattern(text), key, methods))
    return matchers


def key_of(sentence, matchers):
    for pattern, key, methods in matchers:
        match = pattern.match(sentence)
        if match is None:
            continue
        params = match.groupdict()
        if "method" in params:
            if params["method"] not in methods:
                continue
            params["method"] = methods[params["method"]]
        return json.dumps({"key": key, "params": params}, ensure_ascii=False, sort_keys=True)
    return None


def forwards(apps, schema_editor):
    Grid = apps.get_model("communities", "Grid")
    for grid in Grid.objects.all():
        number = number_in_name(grid.name) or 0
        if number:
            Grid.objects.filter(pk=grid.pk).update(number=number)

    matchers = _matchers()
    for model in ("HistoricalResident", "HistoricalHousehold"):
        History = apps.get_model("communities", model)
        reasons = (
            History.objects.exclude(history_change_reason__isnull=True)
            .exclude(history_change_reason__startswith="{")
            .values_list("history_change_reason", flat=True)
            .distinct()
        )
        for sentence in list(reasons):
            key = key_of(sentence.strip(), matchers)
            if key is not None:
                History.objects.filter(history_change_reason=sentence).update(
                    history_change_reason=key
                )


def backwards(apps, schema_editor):
    with translation.override(settings.LANGUAGE_CODE):
        for model in ("HistoricalResident", "HistoricalHousehold"):
            History = apps.get_model("communities", model)
            for record in History.objects.filter(history_change_reason__startswith="{"):
                try:
                    data = json.loads(record.history_change_reason)
                    key, params = data["key"], dict(data.get("params") or {})
                except (ValueError, KeyError, TypeError):
                    continue
                if key not in SENTENCES:
                    continue
                if "method" in params:
                    params["method"] = translation.gettext(METHODS.get(params["method"], ""))
                try:
                    text = translation.gettext(SENTENCES[key]) % params
                except (KeyError, TypeError, ValueError):
                    text = translation.gettext(SENTENCES[key])
                History.objects.filter(pk=record.pk).update(history_change_reason=text)


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0006_role_groups_from_memberships"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="grid",
            options={
                "ordering": ["community", "number", "name"],
                "verbose_name": "grid",
                "verbose_name_plural": "grids",
            },
        ),
        migrations.AddField(
            model_name="grid",
            name="number",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="number"),
        ),
        migrations.AddField(
            model_name="historicalgrid",
            name="number",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="number"),
        ),
        migrations.RunPython(forwards, backwards, elidable=True),
    ]
