"""Importing a community's household register (户籍登记) from an .xlsx spreadsheet.

One row per person. Rows with the same address form one household. The file is checked as a
whole first: a single bad row rejects the file with every problem listed by row number, and
nothing is written; a good file is written in one transaction.
"""

import re
from dataclasses import dataclass, field
from io import BytesIO
from zipfile import BadZipFile

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from simple_history.utils import bulk_create_with_history

from .models import Grid, Household, RegisteredMember

MAX_ROWS = 20_000
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


class RegisterImportError(Exception):
    def __init__(self, errors):
        self.errors = errors
        super().__init__("\n".join(errors))


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


def _read_rows(upload):
    try:
        workbook = load_workbook(BytesIO(upload.read()), read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise RegisterImportError(
            [_("The file is not an Excel workbook (.xlsx). Save it as .xlsx and try again.")]
        ) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise RegisterImportError([_("The spreadsheet is empty.")])
    positions = {}
    for index, title in enumerate(header):
        text = _cell_text(title).lower()
        for key, accepted in COLUMNS.items():
            if text in accepted:
                positions[key] = index
    missing = [f"“{COLUMNS[key][0]}”" for key in REQUIRED if key not in positions]
    if missing:
        raise RegisterImportError(
            [
                _("Row 1: the header lacks the column(s) %(columns)s.")
                % {"columns": "、".join(missing)}
            ]
        )
    data = []
    for number, values in enumerate(rows, start=2):
        record = {
            key: _cell_text(values[index]) if index < len(values) else ""
            for key, index in positions.items()
        }
        if any(record.values()):
            data.append((number, record))
        if len(data) > MAX_ROWS:
            raise RegisterImportError(
                [_("The file has more than %(max)d rows; split it.") % {"max": MAX_ROWS}]
            )
    workbook.close()
    if not data:
        raise RegisterImportError([_("The spreadsheet has a header but no rows.")])
    return data


def _check(community, data):
    grids = {grid.name: grid for grid in Grid.objects.filter(community=community)}
    households = {}
    errors = []
    register_numbers = {}
    for number, record in data:
        row_errors = []
        for key in REQUIRED:
            if not record.get(key):
                row_errors.append(
                    _("Row %(row)d: %(column)s is empty.")
                    % {"row": number, "column": COLUMN_LABELS[key]}
                )
        for key, limit in (
            ("address", 200),
            ("name", 60),
            ("relation", 30),
            ("register_number", 40),
        ):
            if len(record.get(key, "")) > limit:
                row_errors.append(
                    _("Row %(row)d: %(column)s is longer than %(limit)d characters.")
                    % {"row": number, "column": COLUMN_LABELS[key], "limit": limit}
                )
        phone = record.get("phone", "")
        if phone and not PHONE_RE.match(phone):
            row_errors.append(
                _("Row %(row)d: “%(phone)s” is not an 11-digit mobile number.")
                % {"row": number, "phone": phone}
            )
        grid_name = record.get("grid", "")
        if grid_name and grid_name not in grids:
            row_errors.append(
                _("Row %(row)d: %(community)s has no grid “%(grid)s” (it has: %(known)s).")
                % {
                    "row": number,
                    "community": community.name,
                    "grid": grid_name,
                    "known": "、".join(grids) or "—",
                }
            )
        errors.extend(row_errors)
        if row_errors:
            continue

        address = record["address"]
        household = households.setdefault(address, _HouseholdRows(address, first_row=number))
        register_number = record.get("register_number", "")
        if register_number:
            if household.register_number and household.register_number != register_number:
                errors.append(
                    _(
                        "Row %(row)d: %(address)s already has register number %(first)s "
                        "(row %(first_row)d)."
                    )
                    % {
                        "row": number,
                        "address": address,
                        "first": household.register_number,
                        "first_row": household.first_row,
                    }
                )
                continue
            other = register_numbers.setdefault(register_number, address)
            if other != address:
                errors.append(
                    _("Row %(row)d: register number %(number)s is also used for %(address)s.")
                    % {"row": number, "number": register_number, "address": other}
                )
                continue
            household.register_number = register_number
        if grid_name:
            household.grid = grids[grid_name]
        if any(name == record["name"] for name, _r, _p in household.members):
            errors.append(
                _("Row %(row)d: %(name)s is listed twice for %(address)s.")
                % {"row": number, "name": record["name"], "address": address}
            )
            continue
        household.members.append((record["name"], record.get("relation", ""), phone))
    if errors:
        raise RegisterImportError(errors)
    return households


def import_household_register(community, upload, *, by=None):
    """Create or update the households listed in the file; their registered members are replaced.

    Households the file does not mention are left as they are.
    """
    households = _check(community, _read_rows(upload))
    summary = ImportSummary()
    existing = {h.address: h for h in Household.objects.filter(community=community)}
    taken_numbers = {h.register_number: h.address for h in existing.values() if h.register_number}
    conflicts = [
        _("Register number %(number)s already belongs to %(address)s in %(community)s.")
        % {
            "number": rows.register_number,
            "address": taken_numbers[rows.register_number],
            "community": community.name,
        }
        for rows in households.values()
        if rows.register_number
        and taken_numbers.get(rows.register_number, rows.address) != rows.address
    ]
    if conflicts:
        raise RegisterImportError(conflicts)

    with transaction.atomic():
        for rows in households.values():
            household = existing.get(rows.address)
            if household is None:
                household = Household(community=community, address=rows.address)
                summary.households_created += 1
            else:
                summary.households_updated += 1
            household.grid = rows.grid or household.grid
            household.register_number = rows.register_number or household.register_number
            household._history_user = by
            household._change_reason = _("Imported from the household register")
            household.save()
            household.members.all().delete()
            members = [
                RegisteredMember(household=household, name=name, relation=relation, phone=phone)
                for name, relation, phone in rows.members
            ]
            bulk_create_with_history(members, RegisteredMember, default_user=by)
            summary.members += len(members)
    return summary


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
