"""Importing a community's household register (户籍登记) from an .xlsx spreadsheet.

One row per person. Rows with the same address form one household. The file is checked as a
whole first: a single bad row rejects the file with every problem listed by row number, and
nothing is written; a good file is written in one transaction.

A register of 20,000 rows takes longer than a web request may, so the upload is only checked for
shape while the staff member waits (`check_workbook`: it opens, its header is right) and is then
imported by a task (`queue_register_import`, `run_register_import`) whose page they follow.
Reading the file, and everything that can be wrong with it, is `register_files`.
"""

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy
from simple_history.utils import (
    bulk_create_with_history,
    bulk_update_with_history,
    get_history_manager_for_model,
)

from .history_reasons import history_reason, register_reason
from .models import Community, Grid, Household, RegisteredMember, RegisterImport
from .page_cache import pages_changed
from .register_files import (  # noqa: F401  (TEMPLATE_HEADERS, register_template: the import's API)
    REQUIRED,
    TEMPLATE_HEADERS,
    RegisterImportError,
    check_container,
    check_workbook,
    problem,
    read_records,
    refuse,
    register_template,
    render_problem,
)

MAX_ROWS = 20_000
PROGRESS_EVERY = 1_000
PHONE_RE = re.compile(r"^1\d{10}$")
LENGTH_LIMITS = (("address", 200), ("name", 60), ("relation", 30), ("register_number", 40))

register_reason("household.imported", gettext_lazy("Imported from the household register"))


@dataclass
class ImportSummary:
    households_created: int = 0
    households_updated: int = 0
    members: int = 0


@dataclass
class _HouseholdRows:
    address: str
    register_number: str = ""
    grid: Grid | None = None
    members: list = field(default_factory=list)
    first_row: int = 0


def _read_rows(data, progress=None):
    data_rows = []
    for count, (number, record) in enumerate(read_records(data), start=1):
        if count > MAX_ROWS:
            raise refuse("too_many_rows", max=MAX_ROWS)
        data_rows.append((number, record))
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
    if not data_rows:
        raise refuse("no_rows")
    return data_rows


def _check(community, data):
    grids = {grid.name: grid for grid in Grid.objects.filter(community=community)}
    households = {}
    problems = []
    register_numbers = {}
    for number, record in data:
        row_problems = [
            problem("empty_cell", row=number, column=key) for key in REQUIRED if not record.get(key)
        ]
        row_problems += [
            problem("too_long", row=number, column=key, limit=limit)
            for key, limit in LENGTH_LIMITS
            if len(record.get(key, "")) > limit
        ]
        phone = record.get("phone", "")
        if phone and not PHONE_RE.match(phone):
            row_problems.append(problem("bad_phone", row=number, phone=phone))
        grid_name = record.get("grid", "")
        if grid_name and grid_name not in grids:
            row_problems.append(
                problem(
                    "unknown_grid",
                    row=number,
                    community=community.name,
                    grid=grid_name,
                    known="、".join(grids) or "—",
                )
            )
        problems.extend(row_problems)
        if row_problems:
            continue

        address = record["address"]
        household = households.setdefault(address, _HouseholdRows(address, first_row=number))
        register_number = record.get("register_number", "")
        if register_number:
            if household.register_number and household.register_number != register_number:
                problems.append(
                    problem(
                        "second_register_number",
                        row=number,
                        address=address,
                        first=household.register_number,
                        first_row=household.first_row,
                    )
                )
                continue
            other = register_numbers.setdefault(register_number, address)
            if other != address:
                problems.append(
                    problem(
                        "register_number_reused", row=number, number=register_number, address=other
                    )
                )
                continue
            household.register_number = register_number
        if grid_name:
            household.grid = grids[grid_name]
        if any(name == record["name"] for name, _r, _p in household.members):
            problems.append(
                problem("listed_twice", row=number, name=record["name"], address=address)
            )
            continue
        household.members.append((record["name"], record.get("relation", ""), phone))
    if problems:
        raise RegisterImportError(problems)
    return households


def _delete_with_history(objects, *, by, reason, date):
    """Delete `objects` and record their deletion in their history, in a few statements.

    `QuerySet.delete()` would send a signal per object, and simple-history would write each
    deletion with its own INSERT: thousands of round trips for one register.
    """
    if not objects:
        return
    model = type(objects[0])
    history = get_history_manager_for_model(model).model
    history.objects.bulk_create(
        [
            history(
                history_date=date,
                history_user=by,
                history_change_reason=reason,
                history_type="-",
                **{f.attname: getattr(obj, f.attname) for f in history.tracked_fields},
            )
            for obj in objects
        ]
    )
    pks = [obj.pk for obj in objects]
    for start in range(0, len(pks), 500):
        # _raw_delete skips the per-object signals; nothing refers to these rows.
        queryset = model._default_manager.filter(pk__in=pks[start : start + 500])
        queryset._raw_delete(queryset.db)


def import_household_register(community, upload, *, by=None, progress=None):
    """Create or update the households listed in the file; their registered members are replaced.

    Households the file does not mention are left as they are. `upload` is a file or its bytes;
    `progress(rows_read)` is called as rows are read.
    """
    data = upload if isinstance(upload, bytes) else upload.read()
    check_container(data)
    households = _check(community, _read_rows(data, progress))
    summary = ImportSummary()
    reason = history_reason("household.imported")
    now = timezone.now()

    with transaction.atomic():
        # Two imports into one community at once would both add the same addresses.
        Community.objects.select_for_update().only("pk").get(pk=community.pk)
        existing = {h.address: h for h in Household.objects.filter(community=community)}
        taken_numbers = {
            h.register_number: h.address for h in existing.values() if h.register_number
        }
        conflicts = [
            problem(
                "register_number_taken",
                number=rows.register_number,
                address=taken_numbers[rows.register_number],
                community=community.name,
            )
            for rows in households.values()
            if rows.register_number
            and taken_numbers.get(rows.register_number, rows.address) != rows.address
        ]
        if conflicts:
            raise RegisterImportError(conflicts)

        created, updated, changed = [], [], []
        for rows in households.values():
            household = existing.get(rows.address)
            if household is None:
                household = Household(community=community, address=rows.address)
                created.append(household)
            else:
                updated.append(household)
            grid_id = rows.grid.pk if rows.grid else household.grid_id
            register_number = rows.register_number or household.register_number
            if household.pk and (grid_id, register_number) != (
                household.grid_id,
                household.register_number,
            ):
                changed.append(household)
            household.grid_id, household.register_number = grid_id, register_number
        history = {"default_user": by, "default_change_reason": reason, "default_date": now}
        bulk_create_with_history(created, Household, **history)
        # History records what changed: a household the file repeats as it was gets no entry.
        bulk_update_with_history(changed, Household, ["grid", "register_number"], **history)

        # A household's members are replaced only when its list differs from the file, in
        # order: the monthly refresh of an unchanged register writes next to nothing.
        listed = {}
        for member in RegisteredMember.objects.filter(household__community=community).order_by(
            "household_id", "id"
        ):
            listed.setdefault(member.household_id, []).append(member)
        replaced, members = [], []
        for household in (*created, *updated):
            wanted = households[household.address].members
            current = listed.get(household.pk, [])
            if [(m.name, m.relation, m.phone) for m in current] == wanted:
                continue
            replaced.extend(current)
            members.extend(
                RegisteredMember(household=household, name=name, relation=relation, phone=phone)
                for name, relation, phone in wanted
            )
        _delete_with_history(replaced, by=by, reason=reason, date=now)
        bulk_create_with_history(members, RegisteredMember, **history)
        # Bulk writes send no signals; the households counted on the public pages changed.
        transaction.on_commit(pages_changed)

    summary.households_created = len(created)
    summary.households_updated = len(updated)
    summary.members = sum(len(rows.members) for rows in households.values())
    return summary


def queue_register_import(community, upload, *, by):
    """Check the upload's shape now, store it and queue its import; returns the import.

    Raises RegisterImportError (nothing stored) when the file cannot be a register.
    """
    from .tasks import import_register

    data = upload.read()
    rows = check_workbook(data)
    record = RegisterImport.objects.create(
        community=community,
        file_name=upload.name[:255],
        workbook=data,
        rows_total=rows,
        created_by=by,
    )

    def enqueue():
        result = import_register.enqueue(record.pk)
        RegisterImport.objects.filter(pk=record.pk).update(task_id=result.id)

    # The worker must find the import stored when it picks the task up.
    transaction.on_commit(enqueue)
    return record


def run_register_import(import_id):
    """The task's work: import a queued register and record how it ended."""
    claimed = RegisterImport.objects.filter(
        pk=import_id, status=RegisterImport.Status.QUEUED
    ).update(status=RegisterImport.Status.RUNNING, started_at=timezone.now())
    if not claimed:
        return  # already run (a task delivered twice) or gone
    record = RegisterImport.objects.select_related("community", "created_by").get(pk=import_id)

    def progress(rows_read):
        RegisterImport.objects.filter(pk=import_id).update(rows_done=rows_read)

    outcome = {"workbook": b"", "finished_at": None}
    try:
        summary = import_household_register(
            record.community, bytes(record.workbook), by=record.created_by, progress=progress
        )
    except RegisterImportError as error:
        outcome.update(status=RegisterImport.Status.FAILED, problems=error.problems)
    except Exception:
        outcome.update(status=RegisterImport.Status.FAILED, problems=[problem("server_error")])
        raise
    else:
        outcome.update(
            status=RegisterImport.Status.DONE,
            households_created=summary.households_created,
            households_updated=summary.households_updated,
            members=summary.members,
            rows_done=summary.members,
            rows_total=summary.members,
        )
    finally:
        outcome["finished_at"] = timezone.now()
        RegisterImport.objects.filter(pk=import_id).update(**outcome)
