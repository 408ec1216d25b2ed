from django.core.management.base import BaseCommand

from projects.workflow import close_rounds_for_screening


class Command(BaseCommand):
    help = (
        "Move funding rounds on when time is up: applications still submitted when their "
        "round has closed go into screening. Run every minute, beside advance_consultation."
    )

    def handle(self, *args, **options):
        moved = close_rounds_for_screening()
        self.stdout.write(f"applications moved into screening: {moved}")
