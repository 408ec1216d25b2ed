"""Page benchmarks: each page's latency as a ratio to the trivial /healthz view, in one run.

Serves a fresh copy of the demo city with gunicorn (production settings, DEBUG off) and times
sequential requests from this process. Ratios, not seconds, are what to compare between
machines and commits. Usage: `make bench` (or `.venv/bin/python bench/run.py --requests 300`).
"""

import argparse
import http.client
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    "/healthz",
    "/",
    "/xingfuli/",
    "/rules/",
    "/en/xingfuli/",
    "/accounts/login/",
    "/xingfuli/topics/",
    "/xingfuli/agenda/",
    "/topics/5/",  # the demo's topic under deliberation: comments, meetings, timeline
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


def time_requests(port, path, count):
    connection = http.client.HTTPConnection("127.0.0.1", port)
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        connection.request("GET", path, headers={"Host": "localhost", "X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        body = response.read()
        samples.append(time.perf_counter() - start)
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}: {body[:200]!r}")
    connection.close()
    return samples


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@contextmanager
def demo_city_server():
    """A fresh copy of the demo city served by gunicorn with production settings (DEBUG off).

    Yields (port, worker_rss): call worker_rss() for the worker's memory in KiB.
    """
    workdir = Path(tempfile.mkdtemp(prefix="yishi-bench-"))
    env = {
        **os.environ,
        "DEBUG": "",
        "YISHI_TESTING": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "SECURE_SSL_REDIRECT": "0",
        "SMS_ALLOW_CONSOLE": "1",  # no sign-in codes are sent during a benchmark
    }
    python = sys.executable
    run = dict(cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([python, "manage.py", "migrate", "--no-input"], **run)
    subprocess.run([python, "manage.py", "load_demo"], **run)
    subprocess.run([python, "manage.py", "collectstatic", "--no-input"], **run)

    port = free_port()
    gunicorn = str(Path(python).parent / "gunicorn")
    server = subprocess.Popen(
        [gunicorn, "config.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )

    def worker_rss():
        return max(
            (rss_kib(int(pid)) for pid in _children(server.pid)), default=rss_kib(server.pid)
        )

    try:
        wait_for(port)
        yield port, worker_rss
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def report(results, name, extra=()):
    """Print and save the medians as ratios to /healthz (the first entry)."""
    base = results["/healthz"]
    lines = [f"{'page':<26}{'median ms':>10}{'× healthz':>11}"]
    for path, median in results.items():
        lines.append(f"{path:<26}{median * 1000:>10.2f}{median / base:>11.1f}")
    lines.extend(extra)
    text = "\n".join(lines)
    print(text)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / name).write_text(text + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    with demo_city_server() as (port, worker_rss):
        results = {}
        for path in PAGES:
            time_requests(port, path, 10)  # warm up
            results[path] = statistics.median(time_requests(port, path, args.requests))
        rss = worker_rss()
    report(results, "pages.txt", [f"worker RSS after the run: {rss / 1024:.0f} MiB"])


def _children(pid):
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return path.read_text().split() if path.exists() else []


if __name__ == "__main__":
    main()
