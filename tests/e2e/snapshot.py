"""A copy of the whole test database, taken once and put back before each test that needs it.

The browser tests all start from the demo city, which takes 15–35 seconds to build; the live
server's database is flushed after every test. So the city is built once per session, copied
aside, and the copy is put back (in well under a second) whenever a test asks for the city:

- SQLite: the database file is copied, pages and all, into an in-memory database with SQLite's
  backup API, and copied back the same way. Everything comes back, `sqlite_sequence` (the next
  ids) included.
- PostgreSQL: every table Django flushes is copied on the server into a schema of its own (out
  of the search path, so Django's flush and introspection never see it), and copied back after
  emptying them all in one transaction; each sequence is set back to where it stood, so new
  rows get the ids they got in the first test.

Emptying a table with DELETE, not TRUNCATE: a TRUNCATE of the 140-odd tables takes PostgreSQL
about 4 seconds (each table gets new files, synced at commit), deleting their few thousand rows
a quarter of a second. The same goes for the flush after each live-server test, which
`flush_by_delete` makes delete too.

The copy lives in the test database (or beside it, in memory), which pytest-django drops at the
end of the session. Other connections (the live server's request threads) must not be in the
middle of a transaction while a copy is put back; between tests none is.
"""

import sqlite3
from contextlib import contextmanager

SNAPSHOT_SCHEMA = "e2e_snapshot"


def take(connection):
    """A snapshot of the database behind `connection` (a Django connection, autocommit)."""
    if connection.vendor == "sqlite":
        return SQLiteSnapshot(connection)
    if connection.vendor == "postgresql":
        return PostgreSQLSnapshot(connection)
    raise NotImplementedError(f"No database snapshot for {connection.vendor}")


class SQLiteSnapshot:
    def __init__(self, connection):
        self.connection = connection
        connection.ensure_connection()
        self.copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(self.copy)

    def restore(self):
        self.connection.ensure_connection()
        self.copy.backup(self.connection.connection)

    def drop(self):
        self.copy.close()


class PostgreSQLSnapshot:
    def __init__(self, connection):
        self.connection = connection
        self.tables = sorted(
            connection.introspection.django_table_names(only_existing=True, include_views=False)
        )
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {qn(SNAPSHOT_SCHEMA)} CASCADE")
            cursor.execute(f"CREATE SCHEMA {qn(SNAPSHOT_SCHEMA)}")
            for table in self.tables:
                cursor.execute(
                    f"CREATE TABLE {qn(SNAPSHOT_SCHEMA)}.{qn(table)} AS TABLE {qn(table)}"
                )
            cursor.execute(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), "
                "coalesce(last_value, start_value), last_value IS NOT NULL "
                "FROM pg_sequences WHERE schemaname = current_schema()"
            )
            self.sequences = [list(column) for column in zip(*cursor.fetchall(), strict=True)]
        self.sql = [
            *delete_all(connection, self.tables),
            *(
                f"INSERT INTO {qn(table)} SELECT * FROM {qn(SNAPSHOT_SCHEMA)}.{qn(table)}"
                for table in self.tables
            ),
        ]

    def restore(self):
        from django.db import transaction

        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            cursor.execute(";\n".join(self.sql))
            if self.sequences:
                cursor.execute(
                    "SELECT setval(name::regclass, value, called) "
                    "FROM unnest(%s::text[], %s::bigint[], %s::bool[]) AS s(name, value, called)",
                    self.sequences,
                )

    def drop(self):
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"DROP SCHEMA IF EXISTS {self.connection.ops.quote_name(SNAPSHOT_SCHEMA)} CASCADE"
            )


def delete_all(connection, tables):
    """PostgreSQL statements emptying `tables` in a transaction, in any order: Django's foreign
    keys are deferrable, checked at the commit when the rows that refer are gone too."""
    qn = connection.ops.quote_name
    return ["SET CONSTRAINTS ALL DEFERRED", *(f"DELETE FROM {qn(table)}" for table in tables)]


@contextmanager
def flush_by_delete(connection):
    """Django's flush (the one after each transactional test) empties the tables with DELETE
    instead of TRUNCATE on PostgreSQL: the same empty tables, in a fraction of the time. A
    flush that resets sequences is left as it is."""
    if connection.vendor != "postgresql":
        yield
        return
    ops = connection.ops
    truncate = ops.sql_flush

    def sql_flush(style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables:
            return truncate(
                style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return delete_all(connection, tables)

    ops.sql_flush = sql_flush
    try:
        yield
    finally:
        del ops.sql_flush
