"""Grids sort by the number in their name (第一, 第二, 第三, not 第一, 第三, 第二), and residents'
and households' history stores its steps' keys (communities.history_reasons), not sentences.

The sentences stored before came from a known set of msgids, frozen here as they were; each is
matched in every language of the site and replaced by its key. A reason a person typed stays
as typed inside the key's parameters; anything unmatched is left as it is.
"""

from django.db import migrations, models

from communities.history_reasons import LegacySentences
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
LEGACY = LegacySentences(SENTENCES, {"method": METHODS})


def forwards(apps, schema_editor):
    Grid = apps.get_model("communities", "Grid")
    for grid in Grid.objects.all():
        number = number_in_name(grid.name) or 0
        if number:
            Grid.objects.filter(pk=grid.pk).update(number=number)

    for model in ("HistoricalResident", "HistoricalHousehold"):
        LEGACY.to_keys(apps.get_model("communities", model))


def backwards(apps, schema_editor):
    for model in ("HistoricalResident", "HistoricalHousehold"):
        LEGACY.to_sentences(apps.get_model("communities", model))


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
