"""The secret ballot, at the level of the schema: who voted (Voter) and what was chosen
(BallotPaper) live in two tables with nothing that joins them, neither a relation nor an order.

Checked twice: on the models (Django's _meta) and on the database as migrated (introspection),
so a column added by a migration alone would not slip through.
"""

import uuid

import pytest
from django.apps import apps
from django.db import connection, models

from consultation import voting
from consultation.models import Ballot, BallotPaper, Voter
from tests.factories import VerifiedResidentFactory

from .ballot_factories import BallotFactory, VotingTopicFactory

TIME_FIELDS = (models.DateField, models.DateTimeField, models.TimeField, models.DurationField)
TIME_COLUMN_TYPES = {"DateField", "DateTimeField", "TimeField", "DurationField"}
SEQUENTIAL_KEY_TYPES = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
}


def relations_of(model):
    return {
        field.name: field.related_model for field in model._meta.get_fields() if field.is_relation
    }


def columns_of(table):
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, table)
    return {
        column.name: connection.introspection.get_field_type(column.type_code, column)
        for column in description
    }


def db_relations(table):
    """{column: (referenced column, referenced table)}, whatever else the backend adds."""
    with connection.cursor() as cursor:
        relations = connection.introspection.get_relations(cursor, table)
    return {column: tuple(target[:2]) for column, target in relations.items()}


def db_constraints(table):
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


PAPERS = BallotPaper._meta.db_table
VOTERS = Voter._meta.db_table


# The models.


def test_a_ballot_paper_relates_to_its_ballot_and_to_nothing_else():
    assert relations_of(BallotPaper) == {"ballot": Ballot}


def test_a_ballot_paper_holds_a_random_key_its_ballot_and_the_choices_only():
    assert [field.name for field in BallotPaper._meta.concrete_fields] == [
        "id",
        "ballot",
        "choices",
    ]
    assert isinstance(BallotPaper._meta.pk, models.UUIDField)
    assert BallotPaper._meta.pk.default is uuid.uuid4
    assert not [f for f in BallotPaper._meta.concrete_fields if isinstance(f, TIME_FIELDS)]


def test_a_voter_has_no_relation_to_any_ballot_paper():
    assert BallotPaper not in relations_of(Voter).values()
    assert set(relations_of(Voter).values()) <= {
        Ballot,
        apps.get_model("communities", "Resident"),
        apps.get_model("communities", "Household"),
    }


def test_no_model_at_all_points_at_ballot_papers():
    pointing = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models(include_auto_created=True)
        for field in model._meta.get_fields()
        if field.is_relation and field.related_model is BallotPaper and model is not Ballot
    ]
    assert pointing == []


def test_ballot_papers_keep_no_history_that_could_time_them():
    history_models = [m for m in apps.get_models() if m._meta.model_name.startswith("historical")]
    assert "historicalballotpaper" not in {m._meta.model_name for m in history_models}
    assert "historicalvoter" not in {m._meta.model_name for m in history_models}


# The database as migrated.


@pytest.mark.django_db
def test_the_papers_table_has_no_time_column_and_a_non_sequential_key():
    columns = columns_of(PAPERS)

    assert set(columns) == {"id", "ballot_id", "choices"}
    assert not TIME_COLUMN_TYPES & set(columns.values())
    with connection.cursor() as cursor:
        assert connection.introspection.get_primary_key_column(cursor, PAPERS) == "id"
    assert columns["id"] not in SEQUENTIAL_KEY_TYPES
    if connection.vendor == "postgresql":
        assert columns["id"] == "UUIDField"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT column_default FROM information_schema.columns "
                "WHERE table_name = %s AND column_name = 'id'",
                [PAPERS],
            )
            assert cursor.fetchone() == (None,)  # no sequence behind the key


@pytest.mark.django_db
def test_the_papers_table_references_the_ballots_table_only():
    assert db_relations(PAPERS) == {"ballot_id": ("id", Ballot._meta.db_table)}
    foreign_keys = [c["foreign_key"] for c in db_constraints(PAPERS).values() if c["foreign_key"]]
    assert foreign_keys == [(Ballot._meta.db_table, "id")]


@pytest.mark.django_db
def test_the_voters_table_does_not_reference_the_papers_table():
    referenced = {table for _column, table in db_relations(VOTERS).values()}
    assert PAPERS not in referenced
    assert referenced <= {
        Ballot._meta.db_table,
        apps.get_model("communities", "Resident")._meta.db_table,
        apps.get_model("communities", "Household")._meta.db_table,
    }
    assert not [c for c in columns_of(VOTERS) if "paper" in c]


@pytest.mark.django_db
def test_no_table_in_the_database_references_the_papers_table():
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    pointing = [
        table
        for table in tables
        if table != PAPERS
        and any(target == PAPERS for _column, target in db_relations(table).values())
    ]
    assert pointing == []


@pytest.mark.django_db
def test_no_key_or_index_of_the_papers_table_covers_anything_but_its_key_and_ballot():
    """A unique key or an index on other columns could be used to order or match papers;
    check constraints (SQLite's json_valid on the choices) are harmless."""
    for name, constraint in db_constraints(PAPERS).items():
        if constraint["check"] and not (constraint["unique"] or constraint["index"]):
            continue
        assert set(constraint["columns"] or []) <= {"id", "ballot_id"}, name


# Data.


def vote_in_order(ballot, community, count):
    """`count` residents vote one after another; the n-th chooses option n."""
    receipts = []
    for position in range(1, count + 1):
        user = VerifiedResidentFactory(community=community).user
        receipts.append(voting.cast_vote(ballot, user, [position]).receipt)
    return receipts


@pytest.mark.django_db
def test_a_secret_ballot_never_stores_a_choice_beside_the_voter(community):
    ballot = BallotFactory(topic=VotingTopicFactory(community=community), secret=True)

    vote_in_order(ballot, community, 3)

    assert list(Voter.objects.filter(ballot=ballot).values_list("open_choice", flat=True)) == [
        None,
        None,
        None,
    ]
    assert BallotPaper.objects.filter(ballot=ballot).count() == 3


@pytest.mark.django_db
def test_an_open_ballot_does_keep_each_voters_choice(community):
    ballot = BallotFactory(topic=VotingTopicFactory(community=community), secret=False)

    vote_in_order(ballot, community, 3)

    assert sorted(Voter.objects.filter(ballot=ballot).values_list("open_choice", flat=True)) == [
        [1],
        [2],
        [3],
    ]


VOTES = 40


@pytest.mark.django_db
def test_papers_read_back_in_key_order_are_not_in_voting_order(community):
    """40 voters choose options 1, 2, … 40 in turn. Were papers keyed in voting order, reading
    them by key would give 1 … 40 back (or its reverse); random keys give one of 40! orders, so
    this test fails by chance with probability 2/40! (about 2.5 × 10⁻⁴⁸)."""
    ballot = BallotFactory(
        topic=VotingTopicFactory(community=community),
        options=[f"方案{n}" for n in range(1, VOTES + 1)],
    )
    voting_order = list(range(1, VOTES + 1))
    receipts = vote_in_order(ballot, community, VOTES)

    by_key = [
        paper.choices[0] for paper in BallotPaper.objects.filter(ballot=ballot).order_by("pk")
    ]
    by_default = [paper.choices[0] for paper in BallotPaper.objects.filter(ballot=ballot)]

    assert sorted(by_key) == voting_order  # every vote is there, once
    assert by_key != voting_order
    assert by_key != voting_order[::-1]
    assert by_default == by_key  # the default ordering is the random key, too
    keys = [paper.pk for paper in BallotPaper.objects.filter(ballot=ballot)]
    assert {key.version for key in keys} == {4}
    assert not [r for r in receipts for key in keys if key.hex.upper().startswith(r)]
