"""A ballot belongs to what is voted on: it keeps its electorate's community itself, and its
topic becomes optional (a funding round's residents' vote links its ballots from projects).
Existing ballots, and their history, take their topic's community."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.migrations.exceptions import IrreversibleError


def community_from_topic(apps, schema_editor):
    Topic = apps.get_model("consultation", "Topic")
    community_of = dict(Topic.objects.values_list("pk", "community_id"))
    for name in ("Ballot", "HistoricalBallot"):
        model = apps.get_model("consultation", name)
        for topic_id, community_id in community_of.items():
            model.objects.filter(topic_id=topic_id, community__isnull=True).update(
                community_id=community_id
            )
    if schema_editor.connection.vendor == "postgresql":
        # The deferred foreign-key checks run now, not inside the ALTER TABLE that follows.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def refuse_ballots_without_topic(apps, schema_editor):
    Ballot = apps.get_model("consultation", "Ballot")
    if Ballot.objects.filter(topic__isnull=True).exists():
        raise IrreversibleError(
            "Some ballots have no topic (a funding round's residents' vote): before 0010 every "
            "ballot needed one. Delete those ballots first."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0008_userphone"),
        ("consultation", "0009_outcome_tally_shown_read_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="ballot",
            name="community",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="ballots",
                to="communities.community",
                verbose_name="community",
            ),
        ),
        migrations.AddField(
            model_name="historicalballot",
            name="community",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="communities.community",
                verbose_name="community",
            ),
        ),
        migrations.AlterField(
            model_name="ballot",
            name="topic",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty when what is voted on links to the ballot from elsewhere.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="ballots",
                to="consultation.topic",
                verbose_name="topic",
            ),
        ),
        migrations.AlterField(
            model_name="historicalballot",
            name="topic",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="Empty when what is voted on links to the ballot from elsewhere.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="consultation.topic",
                verbose_name="topic",
            ),
        ),
        migrations.RunPython(community_from_topic, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="ballot",
            name="community",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="ballots",
                to="communities.community",
                verbose_name="community",
            ),
        ),
        # Going back, this runs first: a ballot without a topic could not be kept.
        migrations.RunPython(migrations.RunPython.noop, refuse_ballots_without_topic),
    ]
