"""Load the demo city: each app's demo content (`<app>/demo.py`), composed in order.

Idempotent: running it again changes nothing that is already there. Content is in Chinese, the
way a real street office would write it.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from communities.demo import DEMO_PASSWORD, DOMAIN, DemoAccounts, load_people
from consultation.demo import load_topics
from home.demo import community_page, home_page, site_settings, standard_pages
from organisations.demo import load_organisations
from projects.demo import load_funding

QUIET_MAILERS = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}


class Command(BaseCommand):
    help = "Load the demo city (idempotent) and print the demo accounts."

    def handle(self, *args, **options):
        # Loading a demo is not news: the notifications it causes stay in the app, unmailed.
        with override_settings(MAILERS=QUIET_MAILERS), transaction.atomic():
            self.load()

    def load(self):
        accounts = DemoAccounts()
        street, places = load_people(accounts)
        home = home_page()
        for community, spec in places:
            community_page(home, community, spec)
        standard_pages(home)
        site_settings(street)
        load_topics("xingfuli", "staff.xingfuli", [f"resident{n:02d}" for n in range(1, 7)])
        load_organisations(accounts.user)
        load_funding(accounts)

        self.stdout.write(self.style.SUCCESS("Demo city loaded: 和平街道, 3 communities."))
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for username, role in accounts.listed:
            self.stdout.write(f"  {username + '@' + DOMAIN:<38} {role}")
        self.stdout.write(
            "Staff accounts set up two-factor authentication (TOTP) on their first visit "
            "to /admin/."
        )
        self.stdout.write(
            "Residents also log in by mobile number: resident01 is 13800000001, resident02 "
            "13800000002 … resident30 13800000030; the code is printed on this console."
        )
