import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.core.cache import cache
from pytest_factoryboy import register
from wagtail.models import Page, Site

from communities.models import Role
from communities.roles import grant_role
from home.models import CommunityPage, HomePage

from . import factories

register(factories.UserFactory)
register(factories.StreetFactory)
register(factories.CommunityFactory)
register(factories.GridFactory)
register(factories.HouseholdFactory)
register(factories.RegisteredMemberFactory)
register(factories.ResidentFactory)
register(factories.VerifiedResidentFactory, "verified_resident")


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(db, community):
    """Community staff of `community`, with admin access through their role's group."""
    user = factories.UserFactory(username="staff")
    grant_role(user, Role.COMMUNITY_STAFF, community=community)
    return user


@pytest.fixture
def staff_with_totp(staff):
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(staff, "JBSWY3DPEHPK3PXP")
    return staff


@pytest.fixture
def verified_resident__user(db):
    """Its own account, so a test may use `resident` and `verified_resident` side by side."""
    return factories.UserFactory()


@pytest.fixture
def verified_resident__verified_by(db):
    """Verified by someone else than themselves, as verification requires."""
    return factories.UserFactory()


def record_totp_sign_in(client, user):
    """Write in the client's session what allauth writes when `user` signs in with password
    and TOTP code: staff pages open only to a session that passed the second factor."""
    import time

    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY

    session = client.session
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now},
        {"method": "mfa", "at": now, "type": "totp"},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


@pytest.fixture(autouse=True)
def _force_login_signs_in_as_allauth_would(monkeypatch):
    """`client.force_login(user)` stands for the full sign-in: password, and the TOTP code for
    those who have set one up. Tests of the sign-in itself post to the real forms."""
    from django.test import Client

    force_login = Client.force_login

    def sign_in(self, user, backend=None):
        force_login(self, user, backend)
        if user.authenticator_set.filter(type="totp").exists():
            record_totp_sign_in(self, user)

    monkeypatch.setattr(Client, "force_login", sign_in)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """SQLite tests use a database file, not SQLite's in-memory database.

    Django's live server hands an in-memory database's one connection to every request thread,
    and a browser loads a page's resources in parallel: the threads then corrupt each other's
    statements (`sqlite3.InterfaceError: bad parameter or other API misuse`, a session read as
    empty, a test sent to the login page). With a file each thread opens its own connection, as
    a real server does, and the settings' WAL journal and busy timeout let them take turns. The
    file lives in memory-backed /dev/shm where there is one, so the rest stays as fast.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3" or database.get("TEST", {}).get("NAME"):
        yield
        return
    shm = Path("/dev/shm")
    folder = Path(
        tempfile.mkdtemp(prefix="yishi-tests-", dir=shm if os.access(shm, os.W_OK) else None)
    )
    database.setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")
    yield
    shutil.rmtree(folder, ignore_errors=True)


def pytest_configure(config):
    """Under pytest-xdist each worker gets a Redis database of its own: every test clears the
    cache (FLUSHDB, whatever the key prefix), which would wipe the rate-limit counters of a
    test running on the other worker."""
    from urllib.parse import urlsplit

    from django.conf import settings

    worker = getattr(config, "workerinput", {}).get("workerid")
    cache_settings = settings.CACHES["default"]
    if not worker or not cache_settings["BACKEND"].endswith("RedisCache"):
        return
    location = urlsplit(cache_settings["LOCATION"])
    database = int(location.path.strip("/") or 0) + int(worker.removeprefix("gw"))
    cache_settings["LOCATION"] = location._replace(path=f"/{database}").geturl()


def restore_what_migrate_made():
    """After a transactional test's flush (which empties every table), put back what migrate
    creates and a test may build on: content types and permissions, the locale, Wagtail's tree
    root and the default site. Returns the root."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Locale

    ContentType.objects.clear_cache()
    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)
    Locale.objects.get_or_create(language_code="zh-hans")
    root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
    if not Site.objects.filter(is_default_site=True).exists():
        Site.objects.create(hostname="localhost", root_page=root, is_default_site=True)
    return root


@pytest.fixture
def home_page(db):
    """A published HomePage serving as the default site's root."""
    root = Page.get_first_root_node()
    home = HomePage(title="议事 · 测试街道", slug="yishi-home", intro="社区的事，大家商量着办")
    root.add_child(instance=home)
    home.save_revision().publish()
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()
    return home


@pytest.fixture
def community_page(home_page, community):
    page = CommunityPage(title=community.name, slug=community.slug, community=community)
    home_page.add_child(instance=page)
    page.save_revision().publish()
    return page
