"""The secret ballot: who voted (Voter) is kept, what each voter chose is not — a vote only adds
to its ballot's counters, and every vote rewrites every counter — so nothing relates the two:
neither the schema, nor the rows, nor what the database keeps beside them (PostgreSQL's xmin and
ctid, SQLite's rowid, the order of a pg_dump).

The schema is checked twice: on the models (Django's _meta) and on the database as migrated
(introspection), so a column added by a migration alone would not slip through. Then an
attacker who knows every voter's choice tries to recover it from the tables.
"""

import os
import random
import shutil
import subprocess
from collections import Counter, defaultdict

import pytest
from django.apps import apps
from django.db import connection, models

from consultation import voting
from consultation.models import Ballot, BallotCounter, Voter
from tests.factories import VerifiedResidentFactory

from .ballot_factories import BallotFactory, VotingTopicFactory

TIME_FIELDS = (models.DateField, models.DateTimeField, models.TimeField, models.DurationField)
TIME_COLUMN_TYPES = {"DateField", "DateTimeField", "TimeField", "DurationField"}


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


COUNTERS = BallotCounter._meta.db_table
VOTERS = Voter._meta.db_table


# The models.


def test_a_counter_relates_to_its_ballot_and_to_nothing_else():
    assert relations_of(BallotCounter) == {"ballot": Ballot}


def test_a_counter_holds_its_option_and_two_numbers_and_no_time():
    assert [field.name for field in BallotCounter._meta.concrete_fields] == [
        "id",
        "ballot",
        "position",
        "chosen",
        "papers",
    ]
    assert not [f for f in BallotCounter._meta.concrete_fields if isinstance(f, TIME_FIELDS)]


def test_a_voter_has_no_relation_to_the_counters():
    assert BallotCounter not in relations_of(Voter).values()
    assert set(relations_of(Voter).values()) <= {
        Ballot,
        apps.get_model("communities", "Resident"),
        apps.get_model("communities", "Household"),
    }


def test_no_model_at_all_points_at_the_counters():
    pointing = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models(include_auto_created=True)
        for field in model._meta.get_fields()
        if field.is_relation and field.related_model is BallotCounter and model is not Ballot
    ]
    assert pointing == []


def test_counters_and_voters_keep_no_history_that_could_time_them():
    history = {m._meta.model_name for m in apps.get_models()}
    assert "historicalballotcounter" not in history
    assert "historicalvoter" not in history


# The database as migrated.


@pytest.mark.django_db
def test_the_counters_table_has_no_time_column():
    columns = columns_of(COUNTERS)

    assert set(columns) == {"id", "ballot_id", "position", "chosen", "papers"}
    assert not TIME_COLUMN_TYPES & set(columns.values())


@pytest.mark.django_db
def test_the_counters_table_references_the_ballots_table_only():
    assert db_relations(COUNTERS) == {"ballot_id": ("id", Ballot._meta.db_table)}


@pytest.mark.django_db
def test_the_voters_table_does_not_reference_the_counters_table():
    referenced = {table for _column, table in db_relations(VOTERS).values()}
    assert COUNTERS not in referenced
    assert referenced <= {
        Ballot._meta.db_table,
        apps.get_model("communities", "Resident")._meta.db_table,
        apps.get_model("communities", "Household")._meta.db_table,
    }
    assert not [c for c in columns_of(VOTERS) if "choice" in c and c != "open_choice"]


@pytest.mark.django_db
def test_no_table_in_the_database_references_the_counters_table():
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    pointing = [
        table
        for table in tables
        if table != COUNTERS
        and any(target == COUNTERS for _column, target in db_relations(table).values())
    ]
    assert pointing == []


@pytest.mark.django_db
def test_the_ballot_papers_table_is_gone():
    with connection.cursor() as cursor:
        assert "consultation_ballotpaper" not in connection.introspection.table_names(cursor)


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
    assert list(
        BallotCounter.objects.filter(ballot=ballot).values_list("position", "chosen", "papers")
    ) == [(1, 1, 3), (2, 1, 3), (3, 1, 3)]


@pytest.mark.django_db
def test_an_open_ballot_does_keep_each_voters_choice(community):
    ballot = BallotFactory(topic=VotingTopicFactory(community=community), secret=False)

    vote_in_order(ballot, community, 3)

    assert sorted(Voter.objects.filter(ballot=ballot).values_list("open_choice", flat=True)) == [
        [1],
        [2],
        [3],
    ]


# Against the database itself: an attacker with read access to every table (and, on
# PostgreSQL, to the system columns and to pg_dump) knows which residents voted and what each
# of them chose, and tries to pair the two from what the vote left in the tables.

ATTACK_VOTERS = 120


def ballot_tables():
    """{table: column holding the ballot's id} for every table but the voters' that holds rows
    of a ballot: the ballots table and each table with a foreign key to it, as migrated."""
    ballot_table = Ballot._meta.db_table
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    found = {ballot_table: "id"}
    for table in tables:
        for column, (_target, target_table) in db_relations(table).items():
            if target_table == ballot_table and table != VOTERS:
                found[table] = column
    return found


def primary_key_of(table):
    with connection.cursor() as cursor:
        return connection.introspection.get_primary_key_column(cursor, table)


def rows_of(table, column, ballot, order):
    """(key, content) of the ballot's rows of `table` in `order`; content is every column but
    the primary key, which is the attacker's evidence of what a row says."""
    key = primary_key_of(table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM {table} WHERE {column} = %s ORDER BY {order}",  # noqa: S608
            [ballot.pk],
        )
        names = [d[0] for d in cursor.description]
        return [
            (row[names.index(key)], tuple(v for n, v in zip(names, row, strict=True) if n != key))
            for row in cursor.fetchall()
        ]


def voters_in(order, ballot):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {VOTERS} WHERE ballot_id = %s ORDER BY {order}",  # noqa: S608
            [ballot.pk],
        )
        return [row[0] for row in cursor.fetchall()]


def paired_by_rank(voter_ids, rows):
    """The n-th voter with the n-th row: what an order shared by both tables would give."""
    return {voter: (content,) for voter, (_key, content) in zip(voter_ids, rows, strict=False)}


def paired_by_join(sql, ballot):
    """voter id → the contents of every row the join gives it."""
    pairs = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, [ballot.pk, ballot.pk])
        for voter, *content in cursor.fetchall():
            pairs[voter].append(tuple(map(str, content)))
    return {voter: tuple(sorted(contents)) for voter, contents in pairs.items()}


def dumped_rows(tables):
    """{table: [(column names), row, …]} in the order `pg_dump --data-only` writes them.

    pg_dump writes each table with `COPY … TO stdout`, so where pg_dump is missing or refuses
    the server's version the same COPY is run directly."""
    db = connection.settings_dict
    command = [
        "pg_dump", "--data-only", "--no-owner",
        "-h", db["HOST"] or "localhost", "-p", str(db["PORT"] or 5432), "-U", db["USER"],
        *[f"--table={table}" for table in tables],
        db["NAME"],
    ]  # fmt: skip
    dumped = None
    if shutil.which("pg_dump"):
        done = subprocess.run(  # noqa: S603
            command,
            capture_output=True,
            text=True,
            env={**os.environ, "PGPASSWORD": db["PASSWORD"] or ""},
            check=False,
        )
        if done.returncode == 0:
            dumped = done.stdout
    if dumped is None:
        parts = []
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"SELECT * FROM {table} LIMIT 0")  # noqa: S608
                names = ", ".join(d[0] for d in cursor.description)
                with cursor.cursor.copy(f"COPY {table} ({names}) TO STDOUT") as copy:
                    body = b"".join(bytes(block) for block in copy).decode()
                parts.append(f"COPY public.{table} ({names}) FROM stdin;\n{body}\\.\n")
        dumped = "".join(parts)
    found, current = {}, None
    for line in dumped.splitlines():
        if line.startswith("COPY "):
            table = line.split()[1].split(".")[-1]
            columns = line[line.index("(") + 1 : line.index(")")].split(", ")
            current = found.setdefault(table, [tuple(columns)])
        elif line == "\\.":
            current = None
        elif current is not None:
            current.append(tuple(line.split("\t")))
    return found


def dumped_pairing(dump, table, column, ballot):
    """Voters and the table's rows of the ballot, each in dump order, paired by rank."""

    def of_ballot(name, ballot_column):
        columns, *rows = dump[name]
        key = columns.index(primary_key_of(name))
        at = columns.index(ballot_column)
        return [
            (row[key], tuple(v for i, v in enumerate(row) if i != key))
            for row in rows
            if row[at] == str(ballot.pk)
        ]

    voter_ids = [int(key) for key, _content in of_ballot(VOTERS, "ballot_id")]
    return paired_by_rank(voter_ids, of_ballot(table, column))


def guessed_right(pairing, truth):
    """The share of voters whose choice the attacker's best decoding of the pairing gets right:
    voters paired with the same evidence are guessed the commonest choice among them (the
    unpaired form one group). Everyone in one group is chance: the commonest choice's share."""
    groups = defaultdict(Counter)
    for voter, choice in truth.items():
        groups[pairing.get(voter)][choice] += 1
    return sum(max(counts.values()) for counts in groups.values()) / len(truth)


def attacks(ballot):
    """{(method, table): pairing} for every way of relating a voter to a row of another table
    of the ballot that this database offers."""
    found = {}
    postgresql = connection.vendor == "postgresql"
    tables = ballot_tables()
    by_id = voters_in("id", ballot)
    for table, column in tables.items():
        key = primary_key_of(table)
        found["id order", table] = paired_by_rank(by_id, rows_of(table, column, ballot, key))
        if postgresql:
            found["ctid order", table] = paired_by_rank(
                voters_in("ctid", ballot), rows_of(table, column, ballot, "ctid")
            )
            found["same xmin", table] = paired_by_join(
                f"SELECT v.id, t.* FROM {VOTERS} v JOIN {table} t ON t.xmin = v.xmin "  # noqa: S608
                f"WHERE v.ballot_id = %s AND t.{column} = %s",
                ballot,
            )
        else:
            found["rowid order", table] = paired_by_rank(
                voters_in("rowid", ballot), rows_of(table, column, ballot, "rowid")
            )
            found["rowid = voter id", table] = paired_by_join(
                f"SELECT v.id, t.* FROM {VOTERS} v JOIN {table} t ON t.rowid = v.id "  # noqa: S608
                f"WHERE v.ballot_id = %s AND t.{column} = %s",
                ballot,
            )
    if postgresql:
        dump = dumped_rows([VOTERS, *tables])
        for table, column in tables.items():
            found["pg_dump order", table] = dumped_pairing(dump, table, column, ballot)
    return found


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_query_over_the_tables_pairs_voters_with_their_choices(community):
    """120 residents vote, half 赞成 and half 反对 in a shuffled order. However the attacker
    pairs voters with rows — same transaction id, physical order, rowid, key order, dump order —
    guessing each voter's choice from the paired rows does no better than chance (50%), give or
    take the handful of rows a ballot has whatever the number of votes."""
    ballot = BallotFactory(topic=VotingTopicFactory(community=community), options=["赞成", "反对"])
    choices = [1, 2] * (ATTACK_VOTERS // 2)
    random.Random(7).shuffle(choices)
    truth = {}
    for position in choices:
        user = VerifiedResidentFactory(community=community).user
        truth[voting.cast_vote(ballot, user, [position]).pk] = position

    chance = guessed_right({}, truth)
    leaks = {
        f"{method} × {table}": round(guessed_right(pairing, truth), 3)
        for (method, table), pairing in attacks(ballot).items()
        if guessed_right(pairing, truth) > chance + 0.1
    }

    assert chance == 0.5
    assert leaks == {}


def rows_per_table(ballot):
    tables = ballot_tables()
    return {
        table: len(rows_of(table, column, ballot, primary_key_of(table)))
        for table, column in tables.items()
    }


@pytest.mark.django_db
def test_votes_add_no_row_anywhere_but_the_voter_list(community):
    """Whatever the number of votes, the ballot has the same rows in every other table: there
    is no row of one vote to pair with its voter, in any order. No such row holds a receipt."""
    ballot = BallotFactory(
        topic=VotingTopicFactory(community=community),
        options=[f"方案{n}" for n in range(1, 6)],
        max_choices=3,
    )
    before = rows_per_table(ballot)

    receipts = [
        voting.cast_vote(ballot, VerifiedResidentFactory(community=community).user, choice).receipt
        for choice in ([1], [2, 3], [5, 4, 1], [3], [2]) * 8
    ]

    assert rows_per_table(ballot) == before
    assert before[COUNTERS] == 5
    for table, column in ballot_tables().items():
        for _key, content in rows_of(table, column, ballot, primary_key_of(table)):
            assert not [r for r in receipts if r in " ".join(map(str, content))], table


@pytest.mark.django_db
def test_each_vote_rewrites_every_counter_whatever_was_chosen(community):
    """On PostgreSQL: after each vote every counter row is a new row version (a new ctid)
    stamped with that vote's transaction id, the same as the voter's row — the ticked options'
    counters and the others alike — and no other row of the ballot carries that id."""
    if connection.vendor != "postgresql":
        pytest.skip("xmin and ctid are PostgreSQL's")
    ballot = BallotFactory(
        topic=VotingTopicFactory(community=community),
        options=[f"方案{n}" for n in range(1, 6)],
        max_choices=2,
    )

    def system_columns(table, column):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT xmin::text, ctid::text FROM {table} WHERE {column} = %s",  # noqa: S608
                [ballot.pk],
            )
            return cursor.fetchall()

    previous = {ctid for _xmin, ctid in system_columns(COUNTERS, "ballot_id")}
    for choice in ([1], [2, 5], [4], [1, 3], [5]):
        voter = voting.cast_vote(ballot, VerifiedResidentFactory(community=community).user, choice)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT xmin::text FROM {VOTERS} WHERE id = %s", [voter.pk])  # noqa: S608
            (voted_in,) = cursor.fetchone()
        counters = system_columns(COUNTERS, "ballot_id")

        assert {xmin for xmin, _ctid in counters} == {voted_in}
        assert not previous & {ctid for _xmin, ctid in counters}
        previous = {ctid for _xmin, ctid in counters}
        others = [
            xmin
            for table, column in ballot_tables().items()
            if table != COUNTERS
            for xmin, _ctid in system_columns(table, column)
        ]
        assert voted_in not in others
