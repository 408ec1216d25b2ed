"""The printable notice (公示 PDF) benchmark: its render time as a ratio to /healthz, in one run.

Serves a fresh copy of the demo city with gunicorn (production settings, DEBUG off), like
run.py, and times sequential GETs of /healthz and of the notice PDF of the demo's outcome in
its notice period (weasyprint lays out the A4 page and draws the QR code each time). Prints the
median in ms and the ratio; the absolute median is printed too because the target is "well under
a second" on a phone-sized budget. Usage: `make bench` or
`.venv/bin/python bench/notice_pdf.py --requests 30`.
"""

import argparse
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from run import ROOT, _children, free_port, rss_kib, time_requests, wait_for

TARGET_SECONDS = 1.0
FIND_TOPIC = (
    "from consultation.pages import OutcomePage; "
    "page = OutcomePage.objects.live().filter(topic__status='notice').order_by('pk').first(); "
    "print(page.topic_id)"
)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30, help="PDFs to render (after warm-up)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="yishi-bench-pdf-"))
    env = {
        **os.environ,
        "DEBUG": "",
        "YISHI_TESTING": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "SECURE_SSL_REDIRECT": "0",
    }
    python = sys.executable
    run = dict(cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([python, "manage.py", "migrate", "--no-input"], **run)
    subprocess.run([python, "manage.py", "load_demo"], **run)
    subprocess.run([python, "manage.py", "collectstatic", "--no-input"], **run)
    # The demo's outcome in notice (topic 11 in a fresh demo city), looked up, not assumed.
    topic_id = subprocess.run(
        [python, "manage.py", "shell", "-c", FIND_TOPIC],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    pdf = f"/topics/{topic_id}/notice.pdf"

    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(python).parent / "gunicorn"),
            "config.wsgi",
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port)
        time_requests(port, "/healthz", 10)
        time_requests(port, pdf, 3)  # warm up: fonts, templates
        results = {
            "/healthz": statistics.median(time_requests(port, "/healthz", 200)),
            pdf: statistics.median(time_requests(port, pdf, args.requests)),
        }
        worker_rss = max(
            (rss_kib(int(pid)) for pid in _children(server.pid)), default=rss_kib(server.pid)
        )
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(workdir, ignore_errors=True)

    base = results["/healthz"]
    lines = [f"{'page':<26}{'median ms':>10}{'× healthz':>11}"]
    for path, median in results.items():
        lines.append(f"{path:<26}{median * 1000:>10.2f}{median / base:>11.1f}")
    verdict = "under" if results[pdf] < TARGET_SECONDS else "OVER"
    lines.append(
        f"notice PDF median: {results[pdf] * 1000:.0f} ms ({verdict} {TARGET_SECONDS:.0f} s), "
        f"{args.requests} renders"
    )
    lines.append(f"worker RSS after the run: {worker_rss / 1024:.0f} MiB")
    report = "\n".join(lines)
    print(report)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "notice_pdf.txt").write_text(report + "\n")


if __name__ == "__main__":
    main()
