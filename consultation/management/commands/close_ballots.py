from django.core.management.base import BaseCommand

from consultation.voting import close_due_ballots


class Command(BaseCommand):
    help = "Close and count the ballots whose closing time has passed (run every minute)."

    def handle(self, *args, **options):
        closed = close_due_ballots()
        self.stdout.write(f"{len(closed)} ballot(s) closed.")
