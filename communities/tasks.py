"""Background work of people and places (Django's tasks API: run at once in development and
tests, by `db_worker` in production)."""

from django.tasks import task

from .importing import run_register_import


@task()
def import_register(import_id):
    """Import a queued household register: 20,000 rows outlast any web request."""
    run_register_import(import_id)
