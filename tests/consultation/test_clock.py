"""The clock (`manage.py run_clock`): time moves consultation on without anyone running a
command by hand. One round closes due ballots, ends notice periods and evaluations, announces
overdue outcomes and sends the daily digest once a day; two clocks at once change nothing
twice; `make run` starts the clock beside the server.

Time is moved with time-machine, never with sleeps: every test starts at T0.
"""

import io
import os
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from communities.models import Notification, NotificationFrequency, NotificationPreference
from consultation.management.commands import run_clock
from consultation.models import Ballot, BallotStatus, Topic, TopicState
from tests.factories import VerifiedResidentFactory

from .ballot_factories import BallotFactory, VotingTopicFactory
from .factories import SupportFactory, TopicFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def one_round(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("run_clock", "--once", *args, stdout=out, stderr=err)
    assert err.getvalue() == ""
    return out.getvalue()


def due_world(community):
    """A ballot closing at 10:00, a notice period ending at 11:00, an evaluation ending at
    12:00 and an outcome already past its deadline, each followed by its author and a
    supporter who reads a daily digest."""
    reader = VerifiedResidentFactory(community=community)
    NotificationPreference.objects.create(user=reader.user, frequency=NotificationFrequency.DAILY)

    def followed(topic):
        SupportFactory(topic=topic, resident=reader)
        return topic

    ballot = BallotFactory(
        topic=followed(VotingTopicFactory(community=community)), closes_at=T0 + timedelta(hours=1)
    )
    in_notice = followed(
        TopicFactory(
            community=community,
            status=TopicState.NOTICE,
            notice_starts_at=T0 - timedelta(days=7),
            notice_ends_at=T0 + timedelta(hours=2),
        )
    )
    evaluating = followed(
        TopicFactory(
            community=community,
            status=TopicState.EVALUATING,
            implemented_at=T0 - timedelta(days=14),
            evaluation_ends_at=T0 + timedelta(hours=3),
        )
    )
    overdue = followed(
        TopicFactory(
            community=community,
            status=TopicState.IMPLEMENTING,
            implementation_deadline=T0.date() - timedelta(days=1),
        )
    )
    return {
        "reader": reader.user,
        "ballot": ballot,
        "notice": in_notice,
        "evaluating": evaluating,
        "overdue": overdue,
    }


def status(topic):
    return Topic.objects.get(pk=topic.pk).status


# One round ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_round_closes_a_due_ballot_and_ends_a_notice_period(clock, community):
    world = due_world(community)

    one_round()
    assert Ballot.objects.get(pk=world["ballot"].pk).status == BallotStatus.OPEN
    assert status(world["notice"]) == TopicState.NOTICE
    assert status(world["evaluating"]) == TopicState.EVALUATING

    clock.move_to(T0 + timedelta(hours=2, minutes=1), tick=False)
    report = one_round()

    ballot = Ballot.objects.get(pk=world["ballot"].pk)
    assert ballot.status == BallotStatus.CLOSED
    assert ballot.closed_at == T0 + timedelta(hours=2, minutes=1)
    assert status(world["notice"]) == TopicState.IMPLEMENTING
    assert status(world["evaluating"]) == TopicState.EVALUATING  # ends at 12:00
    assert "ballots counted: 1, notice periods ended: 1" in report

    clock.move_to(T0 + timedelta(hours=3), tick=False)
    one_round()
    assert status(world["evaluating"]) == TopicState.CLOSED


@pytest.mark.django_db
def test_a_second_round_finds_nothing_left_to_do(clock, community, mailoutbox):
    world = due_world(community)
    clock.move_to(T0 + timedelta(hours=3), tick=False)
    one_round()
    told = Notification.objects.count()
    topics = [world[key].pk for key in ("notice", "evaluating", "overdue")]
    history = Topic.history.filter(id__in=topics).count()
    ballot_history = Ballot.history.filter(id=world["ballot"].pk).count()

    assert one_round() == ""  # nothing to report: nothing happened
    assert Notification.objects.count() == told
    assert Topic.history.filter(id__in=topics).count() == history
    assert Ballot.history.filter(id=world["ballot"].pk).count() == ballot_history
    assert len(mailoutbox) == 1  # the digest, once


@pytest.mark.django_db
def test_the_daily_digest_goes_out_once_a_day_from_its_hour(clock, community, mailoutbox):
    world = due_world(community)
    reader = world["reader"]

    one_round("--digest-hour", "10")  # 09:00: the overdue outcome is announced, not yet mailed
    assert Notification.objects.filter(recipient=reader, event="topic.overdue").exists()
    assert mailoutbox == []

    clock.move_to(T0 + timedelta(hours=1), tick=False)  # 10:00, the ballot closes too
    one_round("--digest-hour", "10")
    assert [email.to for email in mailoutbox] == [[reader.email]]
    assert not Notification.objects.filter(recipient=reader, emailed_at__isnull=True).exists()

    clock.move_to(T0 + timedelta(hours=2, minutes=1), tick=False)  # the notice period ends
    one_round("--digest-hour", "10")
    assert Notification.objects.filter(recipient=reader, emailed_at__isnull=True).count() == 1
    assert len(mailoutbox) == 1  # today's digest went out already

    clock.move_to(T0 + timedelta(days=1, hours=1), tick=False)  # tomorrow at 10:00
    one_round("--digest-hour", "10")
    assert len(mailoutbox) == 2
    assert not Notification.objects.filter(recipient=reader, emailed_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_failing_round_does_not_stop_the_clock(clock, community, monkeypatch):
    """The loop outlives a round that fails (the database restarting, say): the next minute
    it tries again."""
    world = due_world(community)
    clock.move_to(T0 + timedelta(hours=1), tick=False)
    real_advance = run_clock.advance_clock
    calls = []

    def flaky(now=None):
        calls.append(now)
        if len(calls) == 1:
            raise ConnectionError("server closed the connection unexpectedly")
        return real_advance(now)

    def sleep(seconds):
        assert 0 < seconds <= 60
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C after the second round

    monkeypatch.setattr(run_clock, "advance_clock", flaky)
    monkeypatch.setattr(run_clock.time, "sleep", sleep)
    monkeypatch.setattr(run_clock, "close_old_connections", lambda: None)  # the test's own
    err = io.StringIO()
    call_command("run_clock", stdout=io.StringIO(), stderr=err)

    assert "server closed the connection unexpectedly" in err.getvalue()
    assert len(calls) == 2
    assert Ballot.objects.get(pk=world["ballot"].pk).status == BallotStatus.CLOSED


# Two clocks at once -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_clocks_at_once_change_nothing_twice(clock, community, mailoutbox, monkeypatch):
    """Two `run_clock --once` (or a clock and the systemd timer) in the same second, each with
    its own connection: every ballot is counted once, every topic moves once, every follower
    is told once and the digest is mailed once. Each clock believes the digest is due, as two
    processes with their own local-memory cache would."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent writers and row-level locking")
    world = due_world(community)
    followers = {topic.pk: topic.followers() for topic in Topic.objects.all()}
    clock.move_to(T0 + timedelta(hours=3), tick=False)
    clocks = 4
    barrier, at_the_digest = threading.Barrier(clocks), threading.Barrier(clocks)

    def digest_is_due(now, hour):
        at_the_digest.wait(timeout=30)  # all clocks reach the digest in the same instant
        return True

    monkeypatch.setattr(run_clock, "digest_is_due", digest_is_due)
    errors = []

    def run():
        try:
            barrier.wait()
            with translation.override("en"):
                out, err = io.StringIO(), io.StringIO()
                call_command("run_clock", "--once", stdout=out, stderr=err)
                if err.getvalue():
                    errors.append(err.getvalue())
        except Exception as error:  # noqa: BLE001 — any error is the failure looked for
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(clocks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Ballot.objects.get(pk=world["ballot"].pk).status == BallotStatus.CLOSED
    assert Ballot.history.filter(id=world["ballot"].pk, status=BallotStatus.CLOSED).count() == 1
    for key, state in [
        ("notice", TopicState.IMPLEMENTING),
        ("evaluating", TopicState.CLOSED),
    ]:
        assert status(world[key]) == state
        assert Topic.history.filter(id=world[key].pk, status=state).count() == 1
    told = Counter(Notification.objects.values_list("event", "url", "recipient_id"))
    assert told and set(told.values()) == {1}, told
    expected = {
        "ballot.closed": world["ballot"].topic,
        "topic.end_notice": world["notice"],
        "topic.close_evaluation": world["evaluating"],
        "topic.overdue": world["overdue"],
    }
    for event, topic in expected.items():
        with translation.override(None):  # notifications link without a language prefix
            url = topic.get_absolute_url()
        recipients = set(
            Notification.objects.filter(event=event, url=url).values_list("recipient_id", flat=True)
        )
        assert recipients == {user.pk for user in followers[topic.pk]}, event
    digests = [email for email in mailoutbox if email.to == [world["reader"].email]]
    assert len(digests) == 1
    assert "4" in digests[0].subject  # all four updates in the one digest
    assert not Notification.objects.filter(recipient=world["reader"], emailed_at=None).exists()


# make run -----------------------------------------------------------------------------------


def make_run(*args, **env):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    environment = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "HOST")}
    environment.update(env)
    return subprocess.run(
        ["make", "-n", "run", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_make_run_starts_the_clock_beside_the_server_and_stops_it_with_the_server():
    recipe = make_run().splitlines()
    start = next(i for i, line in enumerate(recipe) if "run_clock" in line)
    end = next(i for i, line in enumerate(recipe) if "runserver" in line)
    command = "\n".join(recipe[start : end + 1])
    clock_at, server_at = command.index("manage.py run_clock"), command.index("manage.py runserver")
    assert clock_at < server_at  # started first, in the background
    assert "run_clock &" in command
    assert "trap" in command and "kill" in command  # the server's end is the clock's end


def test_site_url_follows_the_host_make_run_serves():
    assert "SITE_URL='http://127.0.0.1:8000'" in make_run()
    recipe = make_run("HOST=192.168.1.20:8080")
    assert "SITE_URL='http://192.168.1.20:8080'" in recipe
    assert "runserver 192.168.1.20:8080" in recipe
    recipe = make_run("HOST=0.0.0.0:8000", SITE_URL="https://yishi.example.cn")
    assert "SITE_URL='https://yishi.example.cn'" in recipe
    assert "0.0.0.0" not in recipe.replace("runserver 0.0.0.0", "")


FAKE_PYTHON = """#!/bin/sh
# Stands in for the venv's python: the clock runs until killed, the server until Ctrl-C.
case "$2" in
  run_clock) echo $$ > "{tmp}/clock.pid"; exec sleep 60;;
  runserver) echo $$ > "{tmp}/server.pid"; exec sleep 60;;
esac
"""


@pytest.mark.parametrize("stop", ["ctrl-c", "server-crash"])
def test_the_clock_stops_when_the_server_stops(tmp_path, stop):
    """The recipe `make -n run` prints, run by the shell with stand-ins for the two commands:
    Ctrl-C in the terminal (SIGINT to the whole foreground group) or the server dying on its
    own leaves no clock running."""
    fake = tmp_path / "python"
    fake.write_text(FAKE_PYTHON.format(tmp=tmp_path))
    fake.chmod(0o755)
    recipe = make_run(f"PY={fake}").splitlines()
    start = next(i for i, line in enumerate(recipe) if "run_clock" in line)
    end = next(i for i, line in enumerate(recipe) if "runserver" in line)
    shell = subprocess.Popen(
        ["bash", "-c", "\n".join(recipe[start : end + 1])],
        start_new_session=True,  # its own group, as a terminal's foreground job
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        pids = [tmp_path / "clock.pid", tmp_path / "server.pid"]
        deadline = time.monotonic() + 10
        while not all(p.exists() and p.read_text().strip() for p in pids):
            assert time.monotonic() < deadline, "the recipe did not start both"
            time.sleep(0.05)
        clock_pid, server_pid = (int(p.read_text()) for p in pids)
        if stop == "ctrl-c":
            os.killpg(shell.pid, signal.SIGINT)
        else:
            os.kill(server_pid, signal.SIGKILL)
        shell.wait(timeout=10)
        assert not running(clock_pid)
    finally:
        if shell.poll() is None:
            shell.kill()
        for pid_file in tmp_path.glob("*.pid"):
            if running(pid := int(pid_file.read_text())):
                os.kill(pid, signal.SIGKILL)


def running(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            return "zombie" not in status.read().lower()
    except FileNotFoundError:
        return False
