"""The live server the browser tests run against answers requests in parallel, as a browser sends
them (a page, then its scripts, styles, icons and jsi18n at once), while the test itself reads
the database. No request may fail because another thread is using the database.

No browser here: plain threads fire the requests, so this runs in every pass, SQLite included,
where Django's live server used to hand one in-memory connection to every request thread
(`sqlite3.InterfaceError: bad parameter or other API misuse`, sessions read as empty).
"""

import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

THREADS = 8
REQUESTS = 120


def fetch(url, cookie):
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.url, response.read()


class _Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def answer(url, cookie):
    """The status and redirect target of the one response to `url`, redirects not followed."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    try:
        with urllib.request.build_opener(_Stay).open(request, timeout=30) as response:
            return response.status, None
    except urllib.error.HTTPError as response:
        return response.code, response.headers.get("Location")


def signed_in_cookie(user):
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def test_a_request_sees_only_what_the_test_committed(live_server, fast_passwords):
    """Each request has a connection of its own, as on a real server. On the one in-memory
    connection Django's live server shared with the test, a request met the test's open
    transaction and failed (`database table is locked: django_session`, a 500)."""
    user = UserFactory()
    profile = f"{live_server.url}{reverse('communities:profile')}"
    with transaction.atomic():
        cookie = signed_in_cookie(user)
        status, location = answer(profile, cookie)
        assert status == 302
        assert location.startswith(reverse("account_login"))
    assert answer(profile, cookie) == (200, None)


def test_parallel_requests_each_find_their_session(live_server, fast_passwords):
    user = UserFactory()
    cookie = signed_in_cookie(user)
    pages = [reverse("communities:profile"), reverse("communities:notifications")]
    urls = [f"{live_server.url}{pages[i % len(pages)]}" for i in range(REQUESTS)]

    # The test's own thread keeps using the ORM meanwhile, as a browser test does between clicks.
    reads = set()
    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(_outcome, url, cookie) for url in urls]
        while not all(future.done() for future in futures):
            reads.add(get_user_model().objects.filter(pk=user.pk).count())
        results = [future.result() for future in futures]

    failures = [result for result in results if result != "ok"]
    assert not failures, f"{len(failures)} of {REQUESTS} requests failed: {failures[:5]}"
    assert reads == {1}


def _outcome(url, cookie):
    """'ok' when the signed-in page came back; otherwise what the user would have seen."""
    try:
        status, final_url, body = fetch(url, cookie)
    except Exception as error:  # an HTTP 500 raises here; so does a dropped connection
        return f"{url}: {error!r}"
    if final_url != url:
        return f"{url}: sent to {final_url} (the session was not found)"
    return "ok" if status == 200 else f"{url}: {status}"
