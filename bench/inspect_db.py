"""The Django side of the benchmark, run against a bench database (DATABASE_URL) by run.py.

Each subcommand prints one JSON object on its last line of output:

- `targets`: the addresses to load, chosen by ORM queries — the community of the topic with
  the most comments, its topic list, that topic, a published outcome (and its notice PDF), the
  funding round with the most applications, the project with the most activities — and the
  resident who signs in for the signed-in runs (a verified resident of that community).
- `queries URL…`: the number of queries each page makes, anonymous and signed in, on its first
  request (empty cache) and on the second, through Django's test Client.
- `voters N`: sessions for up to N eligible residents who have not voted on the open ballot,
  created server-side with SessionStore (no password hasher), and the counters before.
- `tally BALLOT`: the ballot's voters and counters now.
- `report`: the project report of the project with the most activities, rendered the way the
  background task renders it (bench/project_report.py's timing), and /healthz in-process.
- `forget SESSION_KEY…`: deletes the sessions `voters` made.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

PASSWORDS = ("bench-password", "yishi-demo-2026")  # generate_city's, then the demo's


def targets():
    from communities.models import Resident
    from consultation.models import Ballot, Topic
    from consultation.pages import OutcomePage
    from projects.models import Project
    from projects.pages import FundingRoundPage

    topics = (
        Topic.objects.annotate(n=Count("comments"))
        .filter(community__page__live=True)
        .select_related("community__page")
    )
    # generate_city makes exactly one topic of 200 comments; the demo city has none
    topic = topics.filter(n=200).first() or topics.order_by("-n", "pk").first()
    community = topic.community
    community_url = community.page.url
    outcome = (
        OutcomePage.objects.live().public().filter(topic__community=community).first()
        or OutcomePage.objects.live().public().first()
    )
    funding_round = (
        FundingRoundPage.objects.live()
        .public()
        .annotate(n=Count("applications"))
        .order_by("-n", "pk")
        .first()
    )
    project = Project.objects.annotate(n=Count("activities")).order_by("-n", "pk").first()
    ballot = open_ballot(community)
    user = signed_in_user(community, ballot)
    pages = {
        "home": "/",
        "community": community_url,
        "topic list": f"{community_url}topics/",
        f"topic ({topic.n} comments)": topic.get_absolute_url(),
    }
    if outcome:
        pages["outcome"] = outcome.url
    if funding_round:
        pages[f"funding round ({funding_round.n} applications)"] = funding_round.url
    if project:
        pages[f"project ({project.n} activities)"] = project.get_absolute_url()
    return {
        "pages": pages,
        "notice_pdf": f"/topics/{outcome.topic_id}/notice.pdf" if outcome else None,
        "login": user,
        "ballot": ballot and {"id": ballot.pk, "topic": ballot.topic_id},
        "counts": {
            "residents": Resident.objects.count(),
            "topics": Topic.objects.count(),
            "ballots open": Ballot.objects.filter(status="open").count(),
        },
    }


def open_ballot(community):
    """The open topic ballot (one vote per resident) with the most residents yet to vote, in
    `community` if it has one (generate_city puts the benchmark's there), else anywhere."""
    from consultation.models import Ballot, Franchise

    now = timezone.now()
    ballots = Ballot.objects.filter(
        status="open",
        topic__isnull=False,
        franchise=Franchise.RESIDENT,
        opens_at__lte=now,
        closes_at__gt=now,
    )
    if ballots.filter(community=community).exists():
        ballots = ballots.filter(community=community)
    best, best_n = None, -1
    for ballot in ballots:
        n = unvoted(ballot).count()
        if n > best_n:
            best, best_n = ballot, n
    return best


def unvoted(ballot):
    from consultation.models import Voter
    from consultation.voting import electorate

    return (
        electorate(community=ballot.community_id, ballot=ballot)
        .filter(closed_at__isnull=True, user__is_active=True)
        .exclude(pk__in=Voter.objects.filter(ballot=ballot).values("resident"))
        .order_by("pk")
    )


def signed_in_user(community, ballot):
    """A verified resident of `community` with a verified email who signs in with a known
    password (the last of the residents yet to vote, so the vote run does not use them)."""
    from allauth.account.models import EmailAddress

    from communities.models import Resident

    residents = Resident.objects.filter(
        community=community, verified_at__isnull=False, closed_at__isnull=True
    ).filter(user__is_active=True, user__is_staff=False, user__is_superuser=False)
    verified = EmailAddress.objects.filter(verified=True).values("user")
    for resident in residents.filter(user__in=verified).select_related("user").order_by("-pk")[:5]:
        user = resident.user
        for password in PASSWORDS:
            if user.check_password(password):
                return {"email": user.email, "password": password, "user": user.pk}
    raise SystemExit(f"no resident of {community} signs in with a known password")


def query_counts(urls):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    login = targets_login()
    user = get_user_model().objects.get(pk=login["user"])
    anonymous, signed_in = Client(HTTP_HOST="localhost"), Client(HTTP_HOST="localhost")
    signed_in.force_login(user)
    counts = {}
    for url in urls:
        for who, client in (("anonymous", anonymous), ("signed in", signed_in)):
            numbers = []
            for _ in range(2):
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(url, secure=True)
                if response.status_code != 200:
                    numbers.append(f"HTTP {response.status_code}")
                    break
                numbers.append(len(captured))
            counts[f"{who} {url}"] = numbers
    return counts


def targets_login():
    return json.loads(os.environ["BENCH_LOGIN"])


def voters(count):
    from django.contrib.sessions.backends.db import SessionStore

    from consultation.models import Ballot

    ballot = Ballot.objects.get(pk=int(os.environ["BENCH_BALLOT"]))
    keep_out = json.loads(os.environ.get("BENCH_LOGIN", "{}")).get("user")
    residents = unvoted(ballot).exclude(user_id=keep_out).select_related("user")[:count]
    sessions = []
    for resident in residents:
        session = SessionStore()
        session[SESSION_KEY] = str(resident.user.pk)
        session[BACKEND_SESSION_KEY] = "communities.roles.PasswordBackend"
        session[HASH_SESSION_KEY] = resident.user.get_session_auth_hash()
        session.create()
        sessions.append(session.session_key)
    options = list(ballot.options.values_list("position", flat=True))
    return {"sessions": sessions, "options": options, **tally(ballot.pk)}


def tally(ballot_pk):
    from consultation.models import BallotCounter, Voter

    counters = BallotCounter.objects.filter(ballot_id=ballot_pk).order_by("position")
    return {
        "voters": Voter.objects.filter(ballot_id=ballot_pk).count(),
        "chosen": {str(c.position): c.chosen for c in counters},
        "papers": {str(c.position): c.papers for c in counters},
    }


def forget(keys):
    from django.contrib.sessions.models import Session

    return {"deleted": Session.objects.filter(session_key__in=keys).delete()[0]}


def project_report(renders):
    from django.utils import translation
    from project_report import time_healthz, time_report

    from projects.models import Project

    project = Project.objects.annotate(n=Count("activities")).order_by("-n", "pk").first()
    if project is None:
        return {}
    with translation.override("zh-hans"):
        time_healthz(10)
        time_report(project, 1)  # warm up: fonts, templates
        healthz = time_healthz(200)
        median, cpu, size = time_report(project, renders)
        stored, _cpu, _size = time_report(project, renders, stored=True)
    return {
        "stored": stored,
        "activities": project.n,
        "median": median,
        "cpu": cpu,
        "kib": size / 1024,
        "healthz": healthz,
        "photos": project.activities.filter(photos__isnull=False).distinct().count(),
    }


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "targets":
        result = targets()
    elif command == "queries":
        result = query_counts(args)
    elif command == "voters":
        result = voters(int(args[0]))
    elif command == "tally":
        result = tally(int(args[0]))
    elif command == "forget":
        result = forget(args)
    elif command == "report":
        result = project_report(int(args[0]) if args else 3)
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
