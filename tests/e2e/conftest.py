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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item):
    """The flush after each test here (pytest-django's, for the live server) deletes rather
    than truncates on PostgreSQL: seconds less a test (see snapshot.py)."""
    from django.db import connection

    from .snapshot import flush_by_delete

    with flush_by_delete(connection):
        return (yield)


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


@pytest.fixture(scope="session")
def _demo_city_copy(tmp_path_factory, django_db_setup, django_db_blocker):
    """The demo city as first loaded in this session: the database copied aside (see
    snapshot.py) and the photos and receipts it wrote. Filled by the first test that asks for
    the city; dropped with the session."""
    copy = {"database": None, "media": tmp_path_factory.mktemp("demo-media"), "day": None}
    yield copy
    if copy["database"] is not None:
        with django_db_blocker.unblock():
            copy["database"].drop()


def load_demo_city():
    """What `make demo` does on a migrated database: put back what the live server's flush
    removed (the tree root Wagtail's migrations create; content types and permissions, which
    the flush recreates under new ids, or not at all after a test that rolled back "serialized"
    on PostgreSQL), then load the demo."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from wagtail.models import Locale, Page

    ContentType.objects.clear_cache()
    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)
    Locale.objects.get_or_create(language_code="zh-hans")
    if Page.get_first_root_node() is None:
        Page.add_root(title="Root", slug="root")
    call_command("load_demo", verbosity=0)


@pytest.fixture
def demo_city(live_server, fast_passwords, settings, tmp_path, _demo_city_copy):
    """The demo street, its three communities with pages, staff and residents.

    Each test starts from the city as the demo loader builds it, whatever the tests before it
    changed: it is loaded once a session (and again if the day changed, the demo being dated
    from today), copied aside with the files it wrote, and put back for every test, database
    and media alike (each test gets its own copy of the files in MEDIA_ROOT).
    """
    import shutil

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.utils import timezone

    from .snapshot import take

    copy = _demo_city_copy
    today = timezone.localdate()
    if copy["database"] is None or copy["day"] != today:
        if copy["database"] is not None:
            copy["database"].drop()
            copy["database"] = None
        shutil.rmtree(copy["media"])
        copy["media"].mkdir()
        settings.MEDIA_ROOT = copy["media"]
        load_demo_city()
        copy["database"], copy["day"] = take(connection), today
    else:
        copy["database"].restore()
    # Content types are cached by id; the flush and the copy put back changed the ids.
    ContentType.objects.clear_cache()
    settings.MEDIA_ROOT = tmp_path / "demo-media"
    shutil.copytree(copy["media"], settings.MEDIA_ROOT)
    return live_server


@pytest.fixture
def city(live_server, settings):
    """A city lighter than the demo one: only the tree root and content types the live server's
    flush removed (as demo_city does); each test builds what it needs with factories."""
    from tests.conftest import restore_what_migrate_made

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    restore_what_migrate_made()
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
# (user, step): allauth takes each code once. It remembers the used ones in the cache, which
# every test starts without (tests/conftest.py), so staff_login forgets them for each test too:
# the demo city is put back with the same ids each time, and a code one test used in this step
# is still good for the next one.
USED_CODES = set()


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

    USED_CODES.clear()

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
