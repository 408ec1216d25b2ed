"""Importing a community's household register (户籍登记) from an .xlsx spreadsheet.

One row per person. Rows with the same address form one household. The file is checked as a
whole first: a single bad row rejects the file with every problem listed by row number, and
nothing is written; a good file is written in one transaction.

A register of 20,000 rows takes longer than a web request may, so the upload is only checked for
shape while the staff member waits (`check_workbook`: it opens, its header is right) and is then
imported by a task (`queue_register_import`, `run_register_import`) whose page they follow.

Problems are kept as keys with parameters (`problem`) and rendered when shown, so a problem
stored with an import reads in the language of whoever looks at it.
"""

import logging
import re
import zlib
from dataclasses import dataclass, field
from io import BytesIO
from xml.etree.ElementTree import ParseError
from xml.parsers import expat
from zipfile import BadZipFile, ZipFile

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from simple_history.utils import (
    bulk_create_with_history,
    bulk_update_with_history,
    get_history_manager_for_model,
)

from .models import Community, Grid, Household, RegisteredMember, RegisterImport

logger = logging.getLogger(__name__)

MAX_ROWS = 20_000
# A 20,000-row register unpacks to a few MB; far more is a damaged file or a zip bomb.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
PROGRESS_EVERY = 1_000
PHONE_RE = re.compile(r"^1\d{10}$")

# Column key → accepted headers (Chinese as printed on the register, English for the template).
COLUMNS = {
    "register_number": ("户号", "register number"),
    "address": ("地址", "address"),
    "grid": ("网格", "grid"),
    "name": ("姓名", "name"),
    "relation": ("与户主关系", "relation"),
    "phone": ("手机号", "phone"),
}
REQUIRED = ("address", "name")
TEMPLATE_HEADERS = [headers[0] for headers in COLUMNS.values()]
COLUMN_LABELS = {
    "register_number": gettext_lazy("register number"),
    "address": gettext_lazy("address"),
    "grid": gettext_lazy("grid"),
    "name": gettext_lazy("name"),
    "relation": gettext_lazy("relation"),
    "phone": gettext_lazy("phone"),
}
LENGTH_LIMITS = (("address", 200), ("name", 60), ("relation", 30), ("register_number", 40))

PROBLEMS = {
    "not_xlsx": gettext_lazy(
        "The file is not an Excel workbook (.xlsx). Save it as .xlsx and try again."
    ),
    "old_xls": gettext_lazy(
        "The file is an old Excel 97–2003 workbook (.xls). Open it in Excel, save it as "
        "“Excel Workbook (.xlsx)” and try again."
    ),
    "encrypted": gettext_lazy(
        "The workbook is protected by a password. Remove the password in Excel, save it and "
        "try again."
    ),
    "macro": gettext_lazy(
        "The file is a macro-enabled workbook. Save it as “Excel Workbook (.xlsx)”, without "
        "macros, and try again."
    ),
    "damaged": gettext_lazy(
        "The workbook is damaged or incomplete (perhaps it was not copied or uploaded whole). "
        "Open it in Excel, save it again and try again."
    ),
    "too_big_unpacked": gettext_lazy(
        "The workbook unpacks to more than %(max)d MB, far more than a register needs. Copy the "
        "register into a new workbook and try again."
    ),
    "empty": gettext_lazy("The spreadsheet is empty."),
    "no_rows": gettext_lazy("The spreadsheet has a header but no rows."),
    "too_many_rows": gettext_lazy("The file has more than %(max)d rows; split it."),
    "missing_columns": gettext_lazy("Row 1: the header lacks the column(s) %(columns)s."),
    "empty_cell": gettext_lazy("Row %(row)d: %(column)s is empty."),
    "too_long": gettext_lazy("Row %(row)d: %(column)s is longer than %(limit)d characters."),
    "bad_phone": gettext_lazy("Row %(row)d: “%(phone)s” is not an 11-digit mobile number."),
    "unknown_grid": gettext_lazy(
        "Row %(row)d: %(community)s has no grid “%(grid)s” (it has: %(known)s)."
    ),
    "second_register_number": gettext_lazy(
        "Row %(row)d: %(address)s already has register number %(first)s (row %(first_row)d)."
    ),
    "register_number_reused": gettext_lazy(
        "Row %(row)d: register number %(number)s is also used for %(address)s."
    ),
    "listed_twice": gettext_lazy("Row %(row)d: %(name)s is listed twice for %(address)s."),
    "register_number_taken": gettext_lazy(
        "Register number %(number)s already belongs to %(address)s in %(community)s."
    ),
    "server_error": gettext_lazy(
        "The import stopped because of an error on the server; nothing was imported. Try again, "
        "and if it happens again tell the site's administrator."
    ),
}

# What openpyxl may raise on a file that passed the container checks yet is not a register it
# can read (a missing part, a value of the wrong type in the XML…). Caught only around reading.
UNREADABLE = (
    BadZipFile,
    EOFError,
    IndexError,
    InvalidFileException,
    KeyError,
    OSError,
    ParseError,
    TypeError,
    ValueError,
    zlib.error,
)
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
XLSX_CONTENT_TYPES = (
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)


def problem(key, **params):
    """A problem as stored: its key and what to fill in, never the sentence itself."""
    return {"key": key, "params": params}


def render_problem(stored):
    template = PROBLEMS.get(stored.get("key"))
    if template is None:
        return str(PROBLEMS["server_error"])
    params = dict(stored.get("params") or {})
    if "column" in params:
        params["column"] = COLUMN_LABELS.get(params["column"], params["column"])
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


class RegisterImportError(Exception):
    """`problems` as stored (keys and parameters); `errors` as sentences in the language that
    was active when the file was refused."""

    def __init__(self, problems):
        self.problems = problems
        self.errors = [render_problem(stored) for stored in problems]
        super().__init__("\n".join(self.errors))


def _refuse(key, **params):
    return RegisterImportError([problem(key, **params)])


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


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _refuse_doctype(*args):
    raise expat.ExpatError("DOCTYPE")


def _check_well_formed(xml):
    # Expat reads a sheet in milliseconds where openpyxl takes seconds, so a damaged part is
    # found while the staff member waits. No spreadsheet part has a DOCTYPE: refusing one also
    # refuses entity expansion tricks.
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.Parse(xml, True)


def _check_container(data):
    """Refuse, with the reason a staff member can act on, what is not a whole .xlsx."""
    if data.startswith(OLE2_SIGNATURE):
        # Excel wraps a password-protected .xlsx in the same container as an old .xls; only the
        # encrypted one has an EncryptionInfo stream.
        raise _refuse("encrypted" if "EncryptionInfo".encode("utf-16-le") in data else "old_xls")
    if not data.startswith(b"PK\x03\x04"):
        raise _refuse("not_xlsx")
    try:
        with ZipFile(BytesIO(data)) as archive:
            parts = archive.infolist()
            if sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
                raise _refuse("too_big_unpacked", max=MAX_UNPACKED_BYTES // (1024 * 1024))
            names = {part.filename for part in parts}
            if "[Content_Types].xml" not in names:
                raise _refuse("not_xlsx")
            content_types = archive.read("[Content_Types].xml")
            if b"macroEnabled" in content_types:
                raise _refuse("macro")
            if not any(kind in content_types for kind in XLSX_CONTENT_TYPES):
                raise _refuse("not_xlsx")
            for part in parts:
                if part.filename.endswith((".xml", ".rels")):
                    # Reading checks each part's CRC: a truncated or altered part fails here.
                    _check_well_formed(archive.read(part))
    except (
        BadZipFile,
        EOFError,
        KeyError,
        NotImplementedError,
        OSError,
        RuntimeError,
        ValueError,
        expat.ExpatError,
        zlib.error,
    ):
        raise _refuse("damaged") from None


def _records(data, on_open=None):
    """Yield (row number, {column key: text}) for each non-blank row; the header is row 1.

    `on_open(rows)` learns how many rows the sheet says it has (None if it does not say).
    """
    try:
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
        try:
            if not workbook.worksheets:
                raise _refuse("empty")
            sheet = workbook.worksheets[0]
            if on_open:
                on_open(sheet.max_row)
            header = next(sheet.iter_rows(max_row=1, values_only=True), None)
            if header is None or not any(_cell_text(title) for title in header):
                raise _refuse("empty")
            positions = {}
            for index, title in enumerate(header):
                text = _cell_text(title).lower()
                for key, accepted in COLUMNS.items():
                    if text in accepted:
                        positions[key] = index
            missing = [f"“{COLUMNS[key][0]}”" for key in REQUIRED if key not in positions]
            if missing:
                raise _refuse("missing_columns", columns="、".join(missing))
            # Reading only up to the last known column keeps a sheet formatted out to column
            # XFD as fast as a plain one.
            width = max(positions.values()) + 1
            rows = sheet.iter_rows(min_row=2, max_col=width, values_only=True)
            for number, values in enumerate(rows, start=2):
                record = {
                    key: _cell_text(values[index]) if index < len(values) else ""
                    for key, index in positions.items()
                }
                if any(record.values()):
                    yield number, record
        finally:
            workbook.close()
    except UNREADABLE:
        logger.info("Unreadable household register", exc_info=True)
        raise _refuse("damaged") from None


def check_workbook(data):
    """What the staff member waits for: the file opens, its header is right, a row follows.

    Returns the number of rows the sheet says it has (None if it does not say), for progress.
    """
    _check_container(data)
    size = []
    records = _records(data, on_open=size.append)
    if next(records, None) is None:
        raise _refuse("no_rows")
    records.close()
    return size[0] - 1 if size and size[0] else None


def _read_rows(data, progress=None):
    data_rows = []
    for count, (number, record) in enumerate(_records(data), start=1):
        if count > MAX_ROWS:
            raise _refuse("too_many_rows", max=MAX_ROWS)
        data_rows.append((number, record))
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
    if not data_rows:
        raise _refuse("no_rows")
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
    _check_container(data)
    households = _check(community, _read_rows(data, progress))
    summary = ImportSummary()
    reason = _("Imported from the household register")
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


def register_template():
    """An empty register with the expected header and one example row, as .xlsx bytes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "户籍登记"
    sheet.append(TEMPLATE_HEADERS)
    sheet.append(["0001", "幸福路12号1栋2单元301室", "第一网格", "张建国", "户主", "13800000000"])
    for column in "ABCDEF":
        sheet.column_dimensions[column].width = 22
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
