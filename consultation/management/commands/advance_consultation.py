from django.core.management.base import BaseCommand

from consultation.outcomes import advance_clock


class Command(BaseCommand):
    help = (
        "Move consultation on when time is up: count ballots past their closing time, end "
        "notice periods, close evaluations, tell followers about overdue outcomes. "
        "Run every minute (a systemd timer: docs/deploy.md; `make run` runs it as run_clock)."
    )

    def handle(self, *args, **options):
        report = advance_clock()
        self.stdout.write(
            "ballots counted: {ballots}, notice periods ended: {notices}, "
            "evaluations closed: {closed}, overdue outcomes announced: {overdue}".format(**report)
        )
