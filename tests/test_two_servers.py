"""Two app servers, one PostgreSQL, one Redis (docs/deploy.md, "Several app servers").

Two gunicorn instances on two ports serve this test's database with persistent connections and
the anonymous page cache in a Redis database of their own. A vote cast through one server is
counted when the community page is read through the other, and the page the other server had
cached is emptied by the first server's commit. Needs PostgreSQL and REDIS_URL (the PostgreSQL
pass of `make test` has both); skipped otherwise.
"""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings
from django.db import connection

from consultation.models import Voter
from tests.conftest import restore_what_migrate_made
from tests.consultation.ballot_factories import BallotFactory
from tests.factories import VerifiedResidentFactory

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres") or not REDIS_URL,
        reason="two app servers share PostgreSQL and Redis",
    ),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url():
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def servers():
    """Two gunicorn instances with the production cache and connection settings."""
    redis = urlsplit(REDIS_URL)
    env = {
        **os.environ,
        "YISHI_TESTING": "1",  # plain static files: no collectstatic for a smoke test
        "DEBUG": "",
        "SECRET_KEY": settings.SECRET_KEY,  # one site: sessions signed by one key
        "DATABASE_URL": database_url(),
        "DATABASE_CONN_MAX_AGE": "60",
        "REDIS_URL": f"{redis.scheme}://{redis.netloc}/13",
        "PAGE_CACHE_SECONDS": "60",
    }
    subprocess.run(["redis-cli", "-u", env["REDIS_URL"], "flushdb"], check=True, timeout=10)
    ports = [free_port(), free_port()]
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    processes = [
        subprocess.Popen(
            [gunicorn, "config.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port in ports:
            wait_until_up(port)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def wait_until_up(port):
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=30).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"gunicorn on {port} did not start")


@pytest.fixture(autouse=True)
def _site_root(transactional_db):
    """A transactional test may follow another's flush, which takes Wagtail's root with it."""
    restore_what_migrate_made()


@pytest.fixture
def voting_community(community, community_page):
    page = community_page
    ballot = BallotFactory(topic__community=community)
    residents = [VerifiedResidentFactory(community=community) for _ in range(3)]
    return page, ballot, residents


def votes_shown(html):
    """The community page's "N of M eligible have voted" under the ballot being voted on."""
    return int(re.search(r"(\d+) of \d+ eligible have voted", html)[1])


def test_a_vote_through_one_server_is_counted_and_uncached_on_the_other(
    servers, voting_community, client
):
    first, second = servers
    page, ballot, residents = voting_community
    community_url = f"/en/{page.slug}/"

    # Both servers share one page cache: what the first stored, the second serves. (The proxy
    # gives every server the site's own host name.)
    session = requests.Session()
    session.headers["Host"] = "localhost"
    session.get(first + community_url)  # the first visit ever creates the site's settings rows
    assert session.get(first + community_url).headers["X-Page-Cache"] == "miss"
    before = session.get(second + community_url)
    assert before.headers["X-Page-Cache"] == "hit"
    assert votes_shown(before.text) == 0

    # A resident votes through the first server, with the session the site gave them.
    client.force_login(residents[0].user)
    voter = requests.Session()
    voter.headers["Host"] = "localhost"
    voter.cookies.set("sessionid", client.cookies["sessionid"].value)
    topic_page = voter.get(f"{first}/en/topics/{ballot.topic_id}/")
    assert topic_page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', topic_page.text)[1]
    cast = voter.post(
        f"{first}/topics/{ballot.topic_id}/ballots/{ballot.pk}/vote/",
        data={"csrfmiddlewaretoken": token, "choice": "1"},
        allow_redirects=False,
    )
    assert cast.status_code == 302
    assert Voter.objects.filter(ballot=ballot, resident=residents[0]).count() == 1

    # Read through the second server: the cached page is gone, the vote is counted.
    after = session.get(second + community_url)
    assert after.headers["X-Page-Cache"] == "miss"
    assert votes_shown(after.text) == 1
    assert session.get(first + community_url).headers["X-Page-Cache"] == "hit"
