"""A real browser (Debian's Chromium) against pytest-django's live server.

Playwright's sync API runs an event loop in this thread, so Django's async-safety guard must be
off for the ORM calls the fixtures make. Nothing is ever downloaded: the browser is the system's.
"""

import os
import time
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DEMO_PASSWORD = "yishi-demo-2026"
DEMO_RESIDENT = "resident01@demo.yishi.cn"


def pytest_collection_modifyitems(items):
    """Tests that open the browser are `e2e` (a pass can leave them out: `-m "not e2e"`), and
    under pytest-xdist they share one worker: two Chromiums, two live servers and two demo
    cities on two cores slow each other past the pages' timeouts, while the other worker runs
    the rest of the suite. The live server's own tests here need no browser and run everywhere.
    """
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents and "browser" in item.fixturenames:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """Open a page in a fresh context (no cookies); every page opened is closed afterwards."""
    contexts = []

    def open_page(viewport=PHONE, locale="zh-CN"):
        context = browser.new_context(viewport=viewport, locale=locale)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def fast_passwords(settings):
    """The demo city hashes dozens of passwords; a fast hasher keeps each test in seconds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo_city(live_server, fast_passwords):
    """The demo street, its three communities with pages, staff and residents.

    The live server's transactional database is flushed after every test, which also removes the
    tree root Wagtail's migrations create; put it back before the demo loader builds on it.
    """
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from wagtail.models import Locale, Page

    # The flush recreates content types under new ids; forget the ids cached before it. After a
    # test that rolled back "serialized" (PostgreSQL races), the post-migrate rows are not
    # recreated at all: make sure content types and permissions exist, as migrate would.
    ContentType.objects.clear_cache()
    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)
    Locale.objects.get_or_create(language_code="zh-hans")
    if Page.get_first_root_node() is None:
        Page.add_root(title="Root", slug="root")
    call_command("load_demo", verbosity=0)
    return live_server


@pytest.fixture
def city(live_server, settings):
    """A city lighter than the demo one: only the tree root and content types the live server's
    flush removed (as demo_city does); each test builds what it needs with factories."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Locale, Page, Site

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ContentType.objects.clear_cache()
    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)
    Locale.objects.get_or_create(language_code="zh-hans")
    root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
    if not Site.objects.filter(is_default_site=True).exists():
        Site.objects.create(hostname="localhost", root_page=root, is_default_site=True)
    return live_server


@pytest.fixture
def login(live_server):
    """Log `page` in through the login form, the way a resident does."""

    def log_in(page, email=DEMO_RESIDENT, password=DEMO_PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("input[name=login]").fill(email)
        page.locator("input[name=password]").fill(password)
        page.locator("form button[type=submit]").first.click()
        page.wait_for_load_state()
        return page

    return log_in


STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXP"
STAFF_TOTP_PERIOD = 30  # seconds a code of the authenticator app lasts (allauth's default)
USED_CODES = set()  # (user, step): allauth takes each code once (its used codes are cached)


def fresh_code(user, margin=3):
    """The code the authenticator app shows `user` now, read with time to spare: allauth takes
    only the current 30-second step's code (no tolerance), so a code read in a step's last
    moments was refused when a loaded machine posted it in the next step. Waits for the next
    step then, and when this user already used this step's code."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    while True:
        now = time.time()
        step, elapsed = divmod(now, STAFF_TOTP_PERIOD)
        if STAFF_TOTP_PERIOD - elapsed > margin and (user.pk, step) not in USED_CODES:
            USED_CODES.add((user.pk, step))
            return format_hotp_value(hotp_value(STAFF_TOTP_SECRET, int(step)))
        time.sleep(STAFF_TOTP_PERIOD - elapsed + 0.05)


@pytest.fixture
def staff_login(live_server, login):
    """Sign a staff member in the way they do: password, then the code from their
    authenticator app (TOTP is activated for them first)."""
    from allauth.mfa.totp.internal.auth import TOTP
    from django.contrib.auth import get_user_model
    from playwright.sync_api import expect

    def sign_in(page, email, password=DEMO_PASSWORD):
        user = get_user_model().objects.get(email=email)
        if not user.authenticator_set.filter(type="totp").exists():
            TOTP.activate(user, STAFF_TOTP_SECRET)
        login(page, email, password)
        code = page.locator("input[name=code]")
        expect(code).to_be_visible()
        code.fill(fresh_code(user))
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
        expect(page.locator("input[name=code]")).to_have_count(0)
        return page

    return sign_in
