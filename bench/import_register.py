"""Household-register import benchmark: the largest register allowed (20,000 rows), imported the
way the background task imports it: into an empty community; the same file again (a monthly
refresh with nothing new); and a register in which every household's members changed (the worst
refresh: every member replaced).

Generates the register with openpyxl, then times the part the staff member waits for (the shape
check of the upload) and the task's run. Prints seconds and rows/s against the 60-second target.
SQLite by default (a fresh file in a temporary folder); PostgreSQL when DATABASE_URL names one (a
fresh database is created beside it and dropped afterwards; the named one is not touched).
Usage: `make bench` or `.venv/bin/python bench/import_register.py --rows 20000`.
"""

import argparse
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 60
GRIDS = 10
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "建国秀英桂兰志强海燕小雨文华玉梅国强丽娟明"
RELATIONS = ("配偶", "子女", "父母", "孙子女")


def generate_register(rows, seed=7):
    """`rows` people in households of one to five, as an office saves them from Excel."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["户号", "地址", "网格", "姓名", "与户主关系", "手机号"])
    written, household = 0, 0
    while written < rows:
        household += 1
        building, unit, room = household // 120 + 1, household % 6 + 1, household % 120 + 101
        address = f"幸福路{building}号{unit}单元{room}室"
        grid = f"第{household % GRIDS + 1}网格"
        for person in range(min(rng.randint(1, 5), rows - written)):
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN) + str(person)
            relation = "户主" if person == 0 else rng.choice(RELATIONS)
            phone = f"13{rng.randint(0, 999_999_999):09d}" if rng.random() < 0.7 else ""
            sheet.append([f"{household:06d}", address, grid, name, relation, phone])
            written += 1
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), household


def configure(workdir):
    """Production settings (DEBUG off) on a database of the benchmark's own."""
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        DEBUG="",
        YISHI_TESTING="0",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        SMS_ALLOW_CONSOLE="1",  # no sign-in codes are sent during a benchmark
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        os.environ["TEST_DATABASE_NAME"] = "yishi_bench_import_register"
        engine = "PostgreSQL"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'unused.sqlite3'}"
        os.environ["TEST_DATABASE_NAME"] = str(workdir / "bench.sqlite3")
        engine = "SQLite (file)"
    import django

    django.setup()
    return engine


def import_once(community, data, staff):
    from communities.importing import check_workbook, run_register_import
    from communities.models import RegisterImport

    start = time.perf_counter()
    rows_total = check_workbook(data)
    checked = time.perf_counter()
    record = RegisterImport.objects.create(
        community=community,
        file_name="bench.xlsx",
        workbook=data,
        rows_total=rows_total,
        created_by=staff,
    )
    run_register_import(record.pk)  # what the worker runs for the queued task
    done = time.perf_counter()
    record.refresh_from_db()
    if record.status != RegisterImport.Status.DONE:
        raise SystemExit(f"import failed: {record.problems[:5]}")
    return checked - start, done - checked, record


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="yishi-bench-import-"))
    try:
        engine = configure(workdir)
        from django.db import connection

        start = time.perf_counter()
        data, households = generate_register(args.rows)
        print(
            f"register: {args.rows} rows, {households} households, {len(data) / 1024:.0f} KiB "
            f"(generated in {time.perf_counter() - start:.1f} s)"
        )
        changed, _households = generate_register(args.rows, seed=8)
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            lines = run(args.rows, data, changed, engine)
        finally:
            connection.creation.destroy_test_db(os.environ["TEST_DATABASE_NAME"], verbosity=0)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    text = "\n".join(lines)
    print(text)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "import_register.txt").write_text(text + "\n")


def run(rows, data, changed, engine):
    from django.contrib.auth import get_user_model

    from communities.models import Community, Grid, Role, Street
    from communities.roles import grant_role

    street = Street.objects.create(name="幸福街道", slug="bench-street")
    community = Community.objects.create(street=street, name="幸福里社区", slug="bench-community")
    Grid.objects.bulk_create(
        Grid(community=community, name=f"第{n}网格") for n in range(1, GRIDS + 1)
    )
    staff = get_user_model().objects.create_user("bench-staff", "staff@bench.invalid")
    grant_role(staff, Role.COMMUNITY_STAFF, community=community)

    lines = [f"household register import, {engine}, {rows} rows"]
    for label, register in (
        ("first import", data),
        ("same again", data),
        ("all changed", changed),
    ):
        check, task, record = import_once(community, register, staff)
        total = check + task
        verdict = "under" if total < TARGET_SECONDS else "OVER"
        lines.append(
            f"{label:<12} upload check {check:5.1f} s, task {task:5.1f} s, total {total:5.1f} s "
            f"({verdict} {TARGET_SECONDS} s), {rows / total:,.0f} rows/s "
            f"({record.households_created} households added, "
            f"{record.households_updated} updated, {record.members} people)"
        )
    return lines


if __name__ == "__main__":
    main()
