"""The clock beside the server: every minute it runs what time alone moves on.

Ballots close at their closing time, notice periods and evaluations end, overdue outcomes are
announced, and the daily digest goes out once a day. Nobody clicks anything for these, so
without a clock they wait forever. `make run` starts this command next to runserver; in
production a systemd timer runs `advance_consultation` instead (docs/deploy.md).

Every step is safe when two clocks (or a clock and a timer) run at the same moment: each one
locks the row it changes and checks its state again under the lock, so a second run finds
the work done and skips it. Nothing here needs a lock of its own.
"""

import time

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

from communities.clock import run_steps
from communities.notifications import send_daily_digests
from consultation.outcomes import advance_clock

DIGEST_HOUR = 7  # 07:00 local time: read with breakfast, before the office opens


def digest_is_due(now, hour):
    """True once per local day, from `hour` on. The mark lives in the cache (Redis in
    production, so every clock shares it); a digest sends only what was not emailed yet,
    so a clock restarted the same day sends at most what came in meanwhile."""
    local = timezone.localtime(now)
    if local.hour < hour:
        return False
    return cache.add(f"yishi:clock:digest:{local.date().isoformat()}", True, 2 * 24 * 3600)


class Command(BaseCommand):
    help = (
        "Run the time-driven steps every minute: close due ballots, end notice periods and "
        "evaluations, announce overdue outcomes, send the daily digest once a day. "
        "--once runs one round and exits."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            action="store_true",
            help=(
                "Run one round, then exit. For a timer use advance_consultation and send_digests: "
                "without a shared cache each --once process would think the digest not yet sent."
            ),
        )
        parser.add_argument(
            "--interval", type=int, default=60, help="Seconds between rounds (default 60)."
        )
        parser.add_argument(
            "--digest-hour",
            type=int,
            default=DIGEST_HOUR,
            help=f"Local hour from which the daily digest is sent (default {DIGEST_HOUR}).",
        )

    def handle(self, *args, once, interval, digest_hour, **options):
        if not 0 <= digest_hour <= 23:
            raise CommandError("--digest-hour must be between 0 and 23.")
        if interval < 1:
            raise CommandError("--interval must be at least one second.")
        if once:
            self.run_round(digest_hour)
            return
        self.stdout.write(f"Clock running: a round every {interval} s. Stop with Ctrl-C.")
        try:
            while True:
                # A long-lived process: drop connections the database closed meanwhile (a
                # restart, an idle timeout), as Django does around each request.
                close_old_connections()
                try:
                    self.run_round(digest_hour)
                except Exception as error:  # noqa: BLE001 — one bad round must not stop the clock
                    self.stderr.write(f"{timezone.localtime():%H:%M:%S} round failed: {error!r}")
                time.sleep(interval - time.time() % interval)  # on the minute, not drifting
        except KeyboardInterrupt:
            pass

    def run_round(self, digest_hour):
        now = timezone.now()
        report = advance_clock(now)
        other_apps = run_steps(now)  # funding rounds and whatever else apps registered
        digests = send_daily_digests.enqueue() if digest_is_due(now, digest_hour) else None
        if any(report.values()) or any(other_apps.values()) or digests:
            self.stdout.write(
                f"{timezone.localtime(now):%H:%M} "
                "ballots counted: {ballots}, notice periods ended: {notices}, "
                "evaluations closed: {closed}, overdue outcomes announced: {overdue}".format(
                    **report
                )
                + "".join(f", {label}: {count}" for label, count in other_apps.items() if count)
                + (", daily digest started" if digests else "")
            )
            self.stdout.flush()  # seen at once in the terminal and the journal, not buffered
