"""A household register as a file: its columns, what can be wrong with it, and reading it.

Every way an upload can fail to be a register (not a workbook, an old .xls, password-protected,
macro-enabled, damaged, empty, a wrong header) is told apart here, at the one place the workbook
is opened, so staff get a sentence they can act on and never a server error.

Problems are kept as keys with parameters (`problem`) and rendered when shown, so a problem
stored with an import reads in the language of whoever looks at it.
"""

import logging
import zlib
from io import BytesIO
from xml.etree.ElementTree import ParseError
from xml.parsers import expat
from zipfile import BadZipFile, ZipFile

from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

logger = logging.getLogger(__name__)

# A 20,000-row register unpacks to a few MB; far more is a damaged file or a zip bomb.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024

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


def refuse(key, **params):
    return RegisterImportError([problem(key, **params)])


def cell_text(value):
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


def check_container(data):
    """Refuse, with the reason a staff member can act on, what is not a whole .xlsx."""
    if data.startswith(OLE2_SIGNATURE):
        # Excel wraps a password-protected .xlsx in the same container as an old .xls; only the
        # encrypted one has an EncryptionInfo stream.
        raise refuse("encrypted" if "EncryptionInfo".encode("utf-16-le") in data else "old_xls")
    if not data.startswith(b"PK\x03\x04"):
        raise refuse("not_xlsx")
    try:
        with ZipFile(BytesIO(data)) as archive:
            parts = archive.infolist()
            if sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
                raise refuse("too_big_unpacked", max=MAX_UNPACKED_BYTES // (1024 * 1024))
            names = {part.filename for part in parts}
            if "[Content_Types].xml" not in names:
                raise refuse("not_xlsx")
            content_types = archive.read("[Content_Types].xml")
            if b"macroEnabled" in content_types:
                raise refuse("macro")
            if not any(kind in content_types for kind in XLSX_CONTENT_TYPES):
                raise refuse("not_xlsx")
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
        raise refuse("damaged") from None


def read_records(data, on_open=None):
    """Yield (row number, {column key: text}) for each non-blank row; the header is row 1.

    `on_open(rows)` learns how many rows the sheet says it has (None if it does not say).
    """
    try:
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
        try:
            if not workbook.worksheets:
                raise refuse("empty")
            sheet = workbook.worksheets[0]
            if on_open:
                on_open(sheet.max_row)
            header = next(sheet.iter_rows(max_row=1, values_only=True), None)
            if header is None or not any(cell_text(title) for title in header):
                raise refuse("empty")
            positions = {}
            for index, title in enumerate(header):
                text = cell_text(title).lower()
                for key, accepted in COLUMNS.items():
                    if text in accepted:
                        positions[key] = index
            missing = [f"“{COLUMNS[key][0]}”" for key in REQUIRED if key not in positions]
            if missing:
                raise refuse("missing_columns", columns="、".join(missing))
            # Reading only up to the last known column keeps a sheet formatted out to column
            # XFD as fast as a plain one.
            width = max(positions.values()) + 1
            rows = sheet.iter_rows(min_row=2, max_col=width, values_only=True)
            for number, values in enumerate(rows, start=2):
                record = {
                    key: cell_text(values[index]) if index < len(values) else ""
                    for key, index in positions.items()
                }
                if any(record.values()):
                    yield number, record
        finally:
            workbook.close()
    except UNREADABLE:
        logger.info("Unreadable household register", exc_info=True)
        raise refuse("damaged") from None


def check_workbook(data):
    """What the staff member waits for: the file opens, its header is right, a row follows.

    Returns the number of rows the sheet says it has (None if it does not say), for progress.
    """
    check_container(data)
    size = []
    records = read_records(data, on_open=size.append)
    if next(records, None) is None:
        raise refuse("no_rows")
    records.close()
    return size[0] - 1 if size and size[0] else None


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
