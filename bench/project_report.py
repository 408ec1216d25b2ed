"""Project report (项目报告 PDF) benchmark: a project of 100 activities, a photo on every fifth,
rendered the way the background task renders it, as a ratio to /healthz, in one run.

Builds the project in a database of its own (a fresh SQLite file in a temporary folder, like
import_register.py; PostgreSQL when DATABASE_URL names one: a fresh database beside it, dropped
afterwards) with the test suite's fixtures, and photos of phone-camera size in a temporary
media folder. Times `build_project_report` (every query, the charts, weasyprint's layout and
the font subsetting) and, for the ratio, the /healthz view through the whole middleware stack
in the same process. Prints the median in ms against the one-second target, and the ratio.
Usage: `make bench` or `.venv/bin/python bench/project_report.py --renders 10`.
"""

import argparse
import io
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 1.0
ACTIVITIES = 100
PHOTO_EVERY = 5


def configure(workdir):
    """Production settings (DEBUG off) on a database and media folder of the benchmark's own."""
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        DEBUG="",
        YISHI_TESTING="0",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        SMS_ALLOW_CONSOLE="1",  # no sign-in codes are sent during a benchmark
        ALLOWED_HOSTS="localhost,127.0.0.1,testserver",
        SECURE_SSL_REDIRECT="0",
        MEDIA_ROOT=str(workdir / "media"),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        os.environ["TEST_DATABASE_NAME"] = "yishi_bench_project_report"
        engine = "PostgreSQL"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'unused.sqlite3'}"
        os.environ["TEST_DATABASE_NAME"] = str(workdir / "bench.sqlite3")
        engine = "SQLite (file)"
    import django

    django.setup()
    return engine


def phone_photo(seed):
    """A 1600×1200 JPEG of noise: about the weight of a phone photo once the upload shrank it."""
    from PIL import Image

    image = Image.effect_noise((1600, 1200), 40 + seed % 30).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def build_project():
    from datetime import timedelta

    from django.core.files.uploadedfile import SimpleUploadedFile

    from consultation.models import Satisfaction
    from projects.models import ActivityPhoto
    from tests.projects.delivery import activity, feedback, funded_project

    project = funded_project()
    for n in range(ACTIVITIES):
        record = activity(
            project,
            held_on=project.starts_on + timedelta(days=n // 2),
            title=f"长者手机课堂第{n + 1}课：视频通话与防诈骗",
            signed_in=n % 12,
            offline=n % 4,
        )
        if n % PHOTO_EVERY == 0:
            ActivityPhoto.objects.create(
                activity=record, image=SimpleUploadedFile(f"{n}.jpg", phone_photo(n))
            )
        if n % 10 == 0:
            feedback(record, Satisfaction.SATISFIED)
    return project


def time_healthz(count):
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get("/healthz", secure=True)
        samples.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise SystemExit(f"/healthz answered {response.status_code}")
    return statistics.median(samples)


def time_report(project, count, *, stored=False):
    """Median wall and CPU time of `count` reports and the PDF's size. Each report is laid out
    by weasyprint (the stored copies are removed first) unless `stored`: then, as every request
    after the first for the same content, it is read back from storage."""
    from projects.reports import build_project_report, project_for_report

    samples, cpu, size = [], [], 0
    for _ in range(count):
        if not stored:
            forget_stored_pdfs()
        start, start_cpu = time.perf_counter(), time.process_time()
        pdf = build_project_report(project_for_report(project.pk))
        samples.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        size = len(pdf)
    return statistics.median(samples), statistics.median(cpu), size


def forget_stored_pdfs():
    from django.conf import settings

    from consultation.reports import GENERATED_PDFS

    shutil.rmtree(Path(settings.MEDIA_ROOT) / GENERATED_PDFS, ignore_errors=True)


def run(renders, engine):
    from django.utils import translation

    with translation.override("zh-hans"):
        start = time.perf_counter()
        project = build_project()
        built = time.perf_counter() - start
        time_healthz(10)  # warm up
        time_report(project, 2)  # warm up: fonts, templates
        healthz = time_healthz(200)
        report, cpu, size = time_report(project, renders)
        stored, _cpu, _size = time_report(project, renders, stored=True)
    verdict = "under" if report < TARGET_SECONDS else "OVER"
    name = f"report ({ACTIVITIES} activities)"
    return [
        f"project report PDF, {engine}, {ACTIVITIES} activities, "
        f"{ACTIVITIES // PHOTO_EVERY} photos (project built in {built:.1f} s)",
        f"{'page':<26}{'median ms':>10}{'× healthz':>11}",
        f"{'/healthz':<26}{healthz * 1000:>10.2f}{1:>11.1f}",
        f"{name:<26}{report * 1000:>10.2f}{report / healthz:>11.1f}",
        f"{'same, from storage':<26}{stored * 1000:>10.2f}{stored / healthz:>11.1f}",
        f"project report median: {report * 1000:.0f} ms ({verdict} {TARGET_SECONDS:.0f} s), "
        f"{renders} renders, {size / 1024:.0f} KiB",
        # On a busy machine the wall time includes waiting for a CPU; this is the work itself.
        f"CPU time of one render (median): {cpu * 1000:.0f} ms",
    ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--renders", type=int, default=10, help="reports to render (after warm-up)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="yishi-bench-report-"))
    try:
        engine = configure(workdir)
        from django.db import connection

        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            lines = run(args.renders, engine)
        finally:
            connection.creation.destroy_test_db(os.environ["TEST_DATABASE_NAME"], verbosity=0)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    text = "\n".join(lines)
    print(text)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "project_report.txt").write_text(text + "\n")


if __name__ == "__main__":
    main()
