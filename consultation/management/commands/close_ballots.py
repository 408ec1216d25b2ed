from django.core.management.base import BaseCommand

from consultation.outcomes import close_due_ballots


class Command(BaseCommand):
    help = (
        "Close and count the ballots whose closing time has passed, and write each outcome "
        "draft from its count (run every minute; advance_consultation does this and more)."
    )

    def handle(self, *args, **options):
        closed = close_due_ballots()
        self.stdout.write(f"{len(closed)} ballot(s) closed.")
