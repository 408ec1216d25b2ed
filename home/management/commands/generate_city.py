"""Generate a city for benchmarks: `manage.py generate_city --scale small|city [--seed N]`.

Each app writes its own part (`<app>/generate.py`), composed here in order: people and places,
community pages, consultation, organisations, funding and projects. Rows are written in bulk
(COPY on PostgreSQL), deterministic for a seed. Every account's password is `bench-password`.

Runs on an empty migrated database: it refuses when communities exist (no `--force`: delete
the database and migrate again).
"""

import random

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import override_settings

from communities.generate import (
    BENCH_PASSWORD,
    SCALES,
    Bulk,
    City,
    Progress,
    community_pages,
    generate_people,
)
from communities.models import Community
from consultation.generate import generate_consultation
from organisations.generate import generate_organisations
from projects.generate import generate_funding

QUIET_MAILERS = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}


class Command(BaseCommand):
    help = "Generate a city for benchmarks in an empty database (password: bench-password)."

    def add_arguments(self, parser):
        # "tiny" is for the tests: every kind of page in a few seconds.
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, scale, seed, **options):
        if Community.objects.exists():
            raise CommandError(
                "Communities exist already: generate_city fills an empty, migrated database "
                "(drop it, migrate, run again)."
            )
        progress = Progress(self.stdout.write)
        city = City(random.Random(seed), SCALES[scale], Bulk(), progress)
        self.stdout.write(f"Generating the {scale} city (seed {seed}) on {connection.vendor}…")
        with override_settings(MAILERS=QUIET_MAILERS), transaction.atomic():
            generate_people(city)
            community_pages(city)
            generate_consultation(city)
            generate_organisations(city)
            generate_funding(city)
            city.bulk.finish()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            progress.done("analyze", 0)
        self.stdout.write(self.style.SUCCESS(f"Done in {progress.total():.1f} s."))
        self.stdout.write(
            f"Accounts: admin, officer01…, staff.c001…, residents r000001… "
            f"(@{'city.yishi.cn'}), password {BENCH_PASSWORD}. Hot topic {city.hot_topic_id} "
            f"(200 comments), open ballot {city.bench_ballot_id} on topic {city.bench_topic_id}, "
            f"project {city.bench_project_id}."
        )
