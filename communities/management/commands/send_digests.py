from django.core.management.base import BaseCommand

from communities.notifications import send_daily_digests


class Command(BaseCommand):
    help = "Email the daily notification digest to everyone who chose it (run daily from cron)."

    def handle(self, *args, **options):
        result = send_daily_digests.enqueue()
        self.stdout.write(f"Daily digests enqueued ({result.status}).")
