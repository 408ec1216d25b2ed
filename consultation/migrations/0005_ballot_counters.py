# Ballot papers become per-option counters (issue #7): a paper written in its voter's
# transaction could be paired with that voter through PostgreSQL's xmin, the physical row order
# or SQLite's rowid. Existing papers are added up into counters, then the papers table is
# dropped. Operators should VACUUM FULL afterwards (docs/ballot-secrecy.md).
#
# Numbered 0005 as planned but placed after 0006: 0006 and 0007 were written first.

import django.db.models.deletion
from django.db import migrations, models
from django.db.migrations.exceptions import IrreversibleError


def papers_to_counters(apps, schema_editor):
    Ballot = apps.get_model("consultation", "Ballot")
    BallotCounter = apps.get_model("consultation", "BallotCounter")
    BallotPaper = apps.get_model("consultation", "BallotPaper")
    for ballot in Ballot.objects.all():
        positions = ballot.options.values_list("position", flat=True)
        papers = list(BallotPaper.objects.filter(ballot=ballot).values_list("choices", flat=True))
        BallotCounter.objects.bulk_create(
            BallotCounter(
                ballot=ballot,
                position=position,
                chosen=sum(position in choices for choices in papers),
                papers=len(papers),
            )
            for position in positions
        )


def counters_to_papers(apps, schema_editor):
    """Back to papers: possible only where each paper ticked one option, the counters then
    saying exactly which papers there were (in option order: the papers' order is lost)."""
    Ballot = apps.get_model("consultation", "Ballot")
    BallotPaper = apps.get_model("consultation", "BallotPaper")
    for ballot in Ballot.objects.all():
        counters = list(ballot.counters.order_by("position"))
        if sum(c.chosen for c in counters) != max((c.papers for c in counters), default=0):
            raise IrreversibleError(
                f"Ballot {ballot.pk} has papers with several choices; its counters cannot be "
                "turned back into papers."
            )
        BallotPaper.objects.bulk_create(
            BallotPaper(ballot=ballot, choices=[c.position])
            for c in counters
            for _ in range(c.chosen)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("consultation", "0006_upload_validators"),
    ]

    operations = [
        migrations.CreateModel(
            name="BallotCounter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(verbose_name="option position")),
                ("chosen", models.PositiveIntegerField(default=0, verbose_name="times chosen")),
                ("papers", models.PositiveIntegerField(default=0, verbose_name="ballot papers")),
                (
                    "ballot",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="counters",
                        to="consultation.ballot",
                        verbose_name="ballot",
                    ),
                ),
            ],
            options={
                "verbose_name": "ballot counter",
                "verbose_name_plural": "ballot counters",
                "ordering": ["ballot", "position"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("ballot", "position"), name="one_counter_per_option"
                    )
                ],
            },
        ),
        migrations.RunPython(papers_to_counters, counters_to_papers),
        migrations.DeleteModel(name="BallotPaper"),
    ]
