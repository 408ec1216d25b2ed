"""`make bench`: Yishi under load on PostgreSQL, at small and at city scale, every figure as a
ratio to the trivial /healthz view measured in the same run (ratios, not seconds, compare
between machines and commits).

For each scale (BENCH_SCALES=small,city or --scales; both by default):

1. A database `yishi_bench_<scale>` filled by `manage.py generate_city --scale <scale>` (the
   demo city, `load_demo`, when the command does not exist). A database that holds a finished
   generation of the same scale and source (the table bench_generation says so) is reused; a
   database of your own is named by BENCH_<SCALE>_DB and used as it is (migrated, not filled).
2. gunicorn, 2 sync workers, production settings (DEBUG off, static files collected, Redis
   cache in database BENCH_REDIS_DB=5 flushed first).
3. wrk (`-t2 -c4 -d5s --latency`, --connections/--duration to change) on /healthz before and
   after, and on each page anonymous and signed in (a session from logging in once through the
   login form; its page must show the log-out button). Pages chosen by ORM queries
   (bench/inspect_db.py). Requests/s and p50/p99.
4. Vote casting: distinct eligible residents who have not voted, each with a session created
   server-side (SessionStore, no password hasher) and a CSRF token of their own, cast through
   the real vote POST from --connections threads at once. Votes/s; then the ballot's counters
   must have grown by exactly the votes cast, option by option.
5. The notice PDF through its address (first request, then wrk), and the project report of
   the project with the most activities rendered as the background task does.
6. Query counts of every page (Django's test Client, first and second request).

Results: bench/results/<date>.md (committed) with the machine, and <date>.json (not committed)
from which the markdown is rebuilt, so scales measured by separate runs on one day share a file.
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = f"redis://127.0.0.1:6379/{os.environ.get('BENCH_REDIS_DB', '5')}"
RESULTS = ROOT / "bench" / "results"
HEADERS = {"Host": "localhost", "X-Forwarded-Proto": "https"}
LOGOUT_MARK = 'action="/accounts/logout/"'

TARGET_ANONYMOUS = 0.5
TARGET_SIGNED_IN = 0.15
TARGET_VOTES = 0.1
TARGET_REPORT_SECONDS = 1.0
TARGET_CITY_OVER_SMALL = 1.5


# --- databases ---------------------------------------------------------------------------------


def admin_connection():
    import psycopg

    return psycopg.connect(f"{PG}/postgres", autocommit=True)


def database_exists(name):
    with admin_connection() as connection:
        row = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def generation_of(name):
    """(scale, source) of the finished generation the database holds, or None."""
    import psycopg

    if not database_exists(name):
        return None
    with psycopg.connect(f"{PG}/{name}") as connection:
        try:
            row = connection.execute(
                "SELECT scale, source FROM bench_generation ORDER BY finished_at DESC LIMIT 1"
            ).fetchone()
        except psycopg.errors.UndefinedTable:
            return None
    return tuple(row) if row else None


def generator():
    """generate_city once it exists; the demo city until then."""
    if (ROOT / "home" / "management" / "commands" / "generate_city.py").exists():
        return "generate_city"
    return "load_demo"


def django_env(database):
    return {
        **os.environ,
        "DEBUG": "",
        "YISHI_TESTING": "0",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "localhost,127.0.0.1,testserver",
        "DATABASE_URL": f"{PG}/{database}",
        "SECURE_SSL_REDIRECT": "0",
        "SMS_ALLOW_CONSOLE": "1",  # no sign-in codes are sent during a benchmark
        "REDIS_URL": REDIS_URL,
        "PYTHONUNBUFFERED": "1",
    }


def manage(env, *args, quiet=True):
    subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def prepare_database(scale, regenerate=False):
    """The database of `scale`, migrated and filled; returns (name, how it was filled)."""
    own = os.environ.get(f"BENCH_{scale.upper()}_DB")
    if own:
        if not database_exists(own):
            raise SystemExit(f"BENCH_{scale.upper()}_DB={own}: no such database")
        manage(django_env(own), "migrate", "--no-input")
        return own, f"given (BENCH_{scale.upper()}_DB)"
    name = f"yishi_bench_{scale}"
    source = generator()
    if not regenerate and generation_of(name) == (scale, source):
        print(f"[{scale}] reusing {name} ({source})", flush=True)
        manage(django_env(name), "migrate", "--no-input")
        return name, f"{source}, reused"
    print(f"[{scale}] creating {name} with {source} (city scale takes up to 15 min)", flush=True)
    with admin_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    env = django_env(name)
    start = time.monotonic()
    manage(env, "migrate", "--no-input")
    if source == "generate_city":
        manage(env, "generate_city", "--scale", scale, quiet=False)
    else:
        manage(env, "load_demo")
    import psycopg

    with psycopg.connect(f"{PG}/{name}", autocommit=True) as connection:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS bench_generation "
            "(scale text, source text, seconds real, finished_at timestamptz DEFAULT now())"
        )
        connection.execute(
            "INSERT INTO bench_generation (scale, source, seconds) VALUES (%s, %s, %s)",
            [scale, source, time.monotonic() - start],
        )
    return name, f"{source}, generated in {time.monotonic() - start:.0f} s"


def inspect(env, *args):
    """bench/inspect_db.py's JSON answer."""
    result = subprocess.run(
        [PYTHON, "bench/inspect_db.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise SystemExit(f"bench/inspect_db.py {args[0]} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- the server --------------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(env, workers=2):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="yishi-bench-")) / "gunicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(Path(PYTHON).parent / "gunicorn"), "config.wsgi", "-w", str(workers),
             "-k", "sync", "-b", f"127.0.0.1:{port}", "--timeout", "120"],
            cwd=ROOT, env=env, stdout=output, stderr=output,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if request(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield port, process
    finally:
        process.terminate()
        process.wait()
        shutil.rmtree(log.parent, ignore_errors=True)


def request(port, path, method="GET", body=None, headers=None):
    """(status, headers, body) of one request, as a browser behind the HTTPS proxy sends it."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body=body, headers={**HEADERS, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def cookies_of(headers):
    return dict(
        re.match(r"\s*([^=]+)=([^;]*)", value).groups()
        for value in headers.get_all("Set-Cookie") or []
    )


def log_in(port, email, password):
    """A session cookie from the login form, the way a browser gets one."""
    status, headers, body = request(port, "/accounts/login/")
    csrf = cookies_of(headers)["csrftoken"]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urllib.parse.urlencode(
        {"login": email, "password": password, "csrfmiddlewaretoken": token}
    )
    status, headers, body = request(
        port,
        "/accounts/login/",
        "POST",
        form,
        {
            "Cookie": f"csrftoken={csrf}",
            "Referer": "https://localhost/accounts/login/",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    session = cookies_of(headers).get("sessionid")
    if status != 302 or not session:
        raise SystemExit(f"logging in as {email} failed: HTTP {status}")
    return f"sessionid={session}"


# --- wrk -----------------------------------------------------------------------------------------

UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def seconds(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def wrk(port, path, args, cookie=None):
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
               "--latency", "-H", "Host: localhost", "-H", "X-Forwarded-Proto: https"]  # fmt: skip
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": seconds(re.search(r"\s50%\s+(\S+)", output).group(1)),
        "p99": seconds(re.search(r"\s99%\s+(\S+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "errors": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def check_page(port, path, cookie=None, signed_in=False):
    """(problem or None, X-Page-Cache): the page answers 200 and, signed in, shows the log-out
    button. The requests warm the workers (and the page cache)."""
    for _ in range(4):
        status, headers, body = request(port, path, headers={"Cookie": cookie} if cookie else {})
    cache = headers.get("X-Page-Cache", "")
    if status != 200:
        return f"HTTP {status}", cache
    if signed_in and LOGOUT_MARK.encode() not in body:
        return "not signed in", cache
    return None, cache


# --- votes ---------------------------------------------------------------------------------------


def cast_votes(port, env, ballot, count, connections):
    """`count` residents vote at once on `ballot`, `connections` at a time; the counters are
    checked against the votes cast afterwards."""
    env = {**env, "BENCH_BALLOT": str(ballot["id"])}
    before = inspect(env, "voters", str(count))
    sessions, options = before["sessions"], [int(o) for o in before["options"]]
    if not sessions:
        return {"error": "no eligible resident left to vote"}
    path = f"/topics/{ballot['topic']}/ballots/{ballot['id']}/vote/"
    chosen = [options[n % len(options)] for n in range(len(sessions))]
    latencies, statuses, lock = [], [], threading.Lock()

    def vote(n):
        csrf = secrets.token_hex(16)  # a CSRF secret of its own, in cookie and form alike
        start = time.perf_counter()
        status, headers, _ = request(
            port,
            path,
            "POST",
            urllib.parse.urlencode({"choice": chosen[n], "csrfmiddlewaretoken": csrf}),
            {
                "Cookie": f"sessionid={sessions[n]}; csrftoken={csrf}",
                "Referer": f"https://localhost/topics/{ballot['topic']}/",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        with lock:
            latencies.append(time.perf_counter() - start)
            statuses.append(status)

    start = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(vote, range(len(sessions))))
    elapsed = time.perf_counter() - start
    after = inspect(env, "tally", str(ballot["id"]))
    inspect(env, "forget", *sessions)
    cast = len(sessions)
    expected = {str(o): chosen.count(o) for o in options}
    exact = (
        after["voters"] - before["voters"] == cast
        and all(
            after["chosen"][o] - before["chosen"][o] == expected.get(o, 0) for o in after["chosen"]
        )
        and all(p == after["voters"] for p in after["papers"].values())
    )
    latencies.sort()
    return {
        "votes": cast,
        "vps": cast / elapsed,
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
        "non_redirects": sum(1 for s in statuses if s != 302),
        "recorded": after["voters"] - before["voters"],
        "exact": exact,
        "voters_after": after["voters"],
    }


# --- one scale -----------------------------------------------------------------------------------


def visitors(session_cookie):
    """Who asks for each page, and the Cookie header wrk sends. A cookie the page cache does not
    know (only the CSRF and language cookies may come with a shared page) makes an anonymous
    visitor whose page is rendered every time: what a page costs when the cache is empty, after
    every committed change and once a minute."""
    return (
        ("anonymous", None),
        ("anonymous, uncached", "bench=uncached"),
        ("signed in", session_cookie),
    )


def load_average():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def bench_scale(scale, args):
    database, filled = prepare_database(scale, args.regenerate)
    env = django_env(database)
    print(f"[{scale}] {database}: choosing pages", flush=True)
    targets = inspect(env, "targets")
    env["BENCH_LOGIN"] = json.dumps(targets["login"])
    pages = targets["pages"]
    print(f"[{scale}] query counts", flush=True)
    queries = inspect({**env, "REDIS_URL": ""}, "queries", *pages.values())
    result = {
        "scale": scale,
        "database": database,
        "filled": filled,
        "counts": targets["counts"],
        "measured": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit(),
        "wrk": f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency",
        "pages": [],
    }
    result["load"] = [load_average()]
    with server(env) as (port, _process):
        cookie = log_in(port, targets["login"]["email"], targets["login"]["password"])
        check_page(port, "/healthz")
        healthz_before = wrk(port, "/healthz", args)
        print(f"[{scale}] /healthz {healthz_before['rps']:.0f} req/s", flush=True)
        for name, path in pages.items():
            for who, page_cookie in visitors(cookie):
                problem, cache = check_page(port, path, page_cookie, who == "signed in")
                row = {"name": name, "path": path, "who": who, "problem": problem, "cache": cache}
                row["queries"] = queries.get(f"{who.split(',')[0]} {path}")
                if not problem:
                    row.update(wrk(port, path, args, page_cookie))
                rps, p50 = row.get("rps", 0), row.get("p50", 0) * 1000
                print(f"[{scale}] {who:<9} {path:<40} {rps:>7.1f} req/s p50 {p50:.1f} ms "
                      f"{problem or ''}", flush=True)  # fmt: skip
                result["pages"].append(row)
        if targets["notice_pdf"]:
            pdf = targets["notice_pdf"]
            start = time.perf_counter()
            status, headers, body = request(port, pdf)
            first = time.perf_counter() - start
            result["notice_pdf"] = {
                "path": pdf,
                "first": first,
                "status": status,
                "kib": len(body) / 1024,
            }
            if status == 200:
                result["notice_pdf"].update(wrk(port, pdf, args))
            print(f"[{scale}] notice PDF first {first * 1000:.0f} ms", flush=True)
        if targets["ballot"]:
            result["votes"] = cast_votes(port, env, targets["ballot"], args.votes, args.connections)
            print(f"[{scale}] votes {result['votes']}", flush=True)
        result["healthz"] = [healthz_before, wrk(port, "/healthz", args)]
    print(f"[{scale}] project report", flush=True)
    result["report"] = inspect(env, "report", str(args.renders))
    result["load"].append(load_average())
    return result


# --- the report ----------------------------------------------------------------------------------


def commit():
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return head + (" (with uncommitted changes)" if dirty else "")


def machine():
    import redis

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )  # fmt: skip
    with admin_connection() as connection:
        postgres = connection.execute("SHOW server_version").fetchone()[0]
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    wrk_version = (wrk_version.stdout + wrk_version.stderr).split()[1]
    gunicorn = subprocess.run(
        [str(Path(PYTHON).parent / "gunicorn"), "--version"], capture_output=True, text=True
    ).stdout.split()[-1].strip("()")  # fmt: skip
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "RAM": f"{memory / 1024 / 1024:.0f} GiB",
        "OS": platform.platform(),
        "PostgreSQL": postgres,
        "Redis": redis.Redis.from_url(REDIS_URL).info("server")["redis_version"],
        "Python": platform.python_version(),
        "gunicorn": gunicorn,
        "wrk": wrk_version,
    }


def met(ok):
    return "met" if ok else "**not met**"


def healthz_of(result):
    """/healthz's requests/s and p50: the mean of its runs before and after the pages."""
    runs = result["healthz"]
    return statistics.mean(r["rps"] for r in runs), statistics.mean(r["p50"] for r in runs)


def scale_table(result):
    rps0, p500 = healthz_of(result)
    lines = [
        f"### {result['scale']} — `{result['database']}` ({result['filled']})",
        "",
        f"Measured {result['measured']} at {result['commit']}; `{result['wrk']}`; "
        f"data: {', '.join(f'{v:,} {k}' for k, v in result['counts'].items())}. "
        f"/healthz: {', '.join(f'{r["rps"]:.0f}' for r in result['healthz'])} req/s "
        f"(before, after the pages), p50 {p500 * 1000:.2f} ms. Load average (1, 5, 15 min) "
        f"{' → '.join(result.get('load', []))} on {os.cpu_count()} cores.",
        "",
        "| page | who | req/s | × healthz req/s | p50 ms | p99 ms | p50 × healthz | queries "
        "(1st/2nd) | target | |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for row in result["pages"]:
        queries = "/".join(str(q) for q in row["queries"] or [])
        if row["who"] == "anonymous, uncached":  # the second anonymous request hit the cache
            queries = str((row["queries"] or [""])[0])
        target = {"anonymous": TARGET_ANONYMOUS, "signed in": TARGET_SIGNED_IN}.get(row["who"])
        who = row["who"] + (f" (cache {row['cache']})" if row.get("cache") else "")
        if row["problem"]:
            lines.append(
                f"| {row['name']} `{row['path']}` | {who} | {row['problem']} | | | | "
                f"| {queries} | {f'≥ {target}' if target else ''} | **not met** |"
            )
            continue
        ratio = row["rps"] / rps0
        errors = f" ({row['errors']} errors)" if row["errors"] else ""
        verdict = met(ratio >= target and not row["errors"]) if target else ""
        lines.append(
            f"| {row['name']} `{row['path']}` | {who} | {row['rps']:.1f}{errors} | "
            f"{ratio:.2f} | {row['p50'] * 1000:.1f} | {row['p99'] * 1000:.1f} | "
            f"{row['p50'] / p500:.0f} | {queries} | {f'≥ {target}' if target else '—'} | "
            f"{verdict} |"
        )
    lines.append("")
    lines += other_figures(result, rps0, p500)
    return lines


def other_figures(result, rps0, p500):
    lines = ["| figure | value | × healthz | target | |", "|---|---:|---:|---|---|"]
    votes = result.get("votes")
    if votes and "error" not in votes:
        ratio = votes["vps"] / rps0
        lines.append(
            f"| vote casting, {votes['votes']} residents, "
            f"{result['wrk'].split()[2][2:]} at once | {votes['vps']:.1f} votes/s "
            f"(p50 {votes['p50'] * 1000:.0f} ms, p99 {votes['p99'] * 1000:.0f} ms) | "
            f"{ratio:.2f} | ≥ {TARGET_VOTES}, tallies exact | "
            f"{met(ratio >= TARGET_VOTES and votes['exact'])} |"
        )
        lines.append(
            f"| tallies after the votes | {votes['recorded']} voters recorded of "
            f"{votes['votes']} cast, counters {'equal' if votes['exact'] else '**differ**'} "
            f"(ballot now has {votes['voters_after']} voters) | | exact | {met(votes['exact'])} |"
        )
    elif votes:
        lines.append(f"| vote casting | {votes['error']} | | | **not met** |")
    pdf = result.get("notice_pdf")
    if pdf:
        lines.append(
            f"| notice PDF `{pdf['path']}`, first request | {pdf['first'] * 1000:.0f} ms "
            f"(HTTP {pdf['status']}, {pdf['kib']:.0f} KiB) | {pdf['first'] / p500:.0f} | | |"
        )
        if "rps" in pdf:
            lines.append(
                f"| notice PDF, later requests | {pdf['rps']:.1f} req/s, p50 "
                f"{pdf['p50'] * 1000:.0f} ms, p99 {pdf['p99'] * 1000:.0f} ms | "
                f"{pdf['rps'] / rps0:.3f} | | |"
            )
    report = result.get("report")
    if report:
        lines.append(
            f"| project report PDF, {report['activities']} activities "
            f"({report['photos']} with photos), laid out by weasyprint, median | "
            f"{report['median'] * 1000:.0f} ms (CPU {report['cpu'] * 1000:.0f} ms, "
            f"{report['kib']:.0f} KiB) | {report['median'] / report['healthz']:.0f} "
            f"(in-process /healthz) | < {TARGET_REPORT_SECONDS:.0f} s | "
            f"{met(report['median'] < TARGET_REPORT_SECONDS)} |"
        )
        if "stored" in report:
            lines.append(
                f"| the same report asked again (read from storage, not laid out) | "
                f"{report['stored'] * 1000:.0f} ms | "
                f"{report['stored'] / report['healthz']:.0f} (in-process /healthz) | | |"
            )
    return lines


def comparison(small, city):
    lines = [
        "### city / small",
        "",
        "| page | who | small p50 ms | city p50 ms | city ÷ small | target | |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    city_rows = {(r["name"].split(" (")[0], r["who"]): r for r in city["pages"]}
    for row in small["pages"]:
        other = city_rows.get((row["name"].split(" (")[0], row["who"]))
        if not other or "p50" not in row or "p50" not in other:
            continue
        ratio = other["p50"] / row["p50"]
        lines.append(
            f"| {row['name'].split(' (')[0]} | {row['who']} | {row['p50'] * 1000:.1f} | "
            f"{other['p50'] * 1000:.1f} | {ratio:.2f} | ≤ {TARGET_CITY_OVER_SMALL} | "
            f"{met(ratio <= TARGET_CITY_OVER_SMALL)} |"
        )
    return lines


def write_results(results, machine_info):
    RESULTS.mkdir(exist_ok=True)
    day = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    store = RESULTS / f"{day}.json"
    saved = json.loads(store.read_text()) if store.exists() else {}
    saved.update(results)
    store.write_text(json.dumps(saved, indent=1, ensure_ascii=False))
    lines = [
        f"# Benchmark {day}",
        "",
        "`make bench` (bench/run.py; bench/README.md says what each figure is). gunicorn, 2 sync "
        "workers, production settings, PostgreSQL, Redis cache; load from wrk on the same machine. "
        "Throughput targets are page req/s ÷ /healthz req/s of the same run.",
        "",
        "| machine | |",
        "|---|---|",
        *(f"| {key} | {value} |" for key, value in machine_info.items()),
        "",
    ]
    for scale in ("small", "city"):
        if scale in saved:
            lines += scale_table(saved[scale]) + [""]
    if "small" in saved and "city" in saved:
        lines += comparison(saved["small"], saved["city"]) + [""]
    # What the figures mean and the profiles behind the targets not met: written by hand.
    findings = RESULTS / f"{day}-findings.md"
    if findings.exists():
        lines += [findings.read_text()]
    path = RESULTS / f"{day}.md"
    path.write_text("\n".join(lines))
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default=os.environ.get("BENCH_SCALES", "small,city"))
    parser.add_argument("--duration", type=int, default=5, help="seconds of each wrk run")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--votes", type=int, default=200, help="residents who vote")
    parser.add_argument("--renders", type=int, default=3, help="project reports to render")
    parser.add_argument("--regenerate", action="store_true", help="fill the databases anew")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: sudo apt-get install wrk")
    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    print("collecting static files", flush=True)
    manage(django_env("postgres"), "collectstatic", "--no-input")
    results = {scale: bench_scale(scale, args) for scale in scales}
    path = write_results(results, machine())
    print(path.read_text())
    print(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
