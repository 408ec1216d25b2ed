"""Spreadsheets the site hands out open in Excel or WPS on a staff member's computer.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is read there as a formula
(CSV injection): a resident who names a topic `=HYPERLINK(…)` would run it on the office's
machine. Every such cell is written with a leading apostrophe, which the spreadsheet shows as
text. Wagtail's own exports (listings and reports) go through `SpreadsheetExportMixin`, which is
neutralised here once, for every view that uses it.
"""

from wagtail.admin.views.mixins import SpreadsheetExportMixin

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_wagtail_exports():
    if getattr(SpreadsheetExportMixin, "_yishi_neutralised", False):
        return
    preprocess = SpreadsheetExportMixin.preprocess_field_value

    def preprocess_field_value(self, field, value, export_format):
        value = preprocess(self, field, value, export_format)
        # Wagtail already writes xlsx formulas back as text cells; CSV has no cell types.
        return neutralise(value) if export_format == self.FORMAT_CSV else value

    SpreadsheetExportMixin.preprocess_field_value = preprocess_field_value
    SpreadsheetExportMixin._yishi_neutralised = True


# The site's own spreadsheets (the figures dashboard's exports) are written here, neutralised the
# same way in both formats; numbers and dates stay numbers and dates in xlsx.

XLSX = "xlsx"
CSV = "csv"
CONTENT_TYPES = {
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    CSV: "text/csv; charset=utf-8",
}


def spreadsheet_response(filename, headers, rows, export_format):
    """A download of `rows` (sequences of values, in the order of `headers`) as
    `filename`.xlsx or .csv."""
    from django.http import HttpResponse

    if export_format not in CONTENT_TYPES:
        raise ValueError(export_format)
    response = HttpResponse(content_type=CONTENT_TYPES[export_format])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{export_format}"'
    lines = ([neutralise(_cell(value)) for value in row] for row in rows)
    if export_format == CSV:
        _write_csv(response, [str(header) for header in headers], lines)
    else:
        _write_xlsx(response, [str(header) for header in headers], lines)
    return response


def _cell(value):
    if value is None:
        return ""
    if getattr(value, "tzinfo", None) is not None:
        from django.utils import timezone

        # Spreadsheets have no time zones: the local time, as the office reads it.
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, (str, int, float)) or hasattr(value, "as_tuple") or hasattr(value, "year"):
        return value if not isinstance(value, str) else _printable(value)
    return _printable(str(value))  # lazy translations, choices' labels


def _printable(text):
    # xlsx refuses control characters other than tab, line feed and carriage return.
    return "".join(char for char in text if char >= " " or char in "\t\n\r")


def _write_csv(response, headers, lines):
    import csv

    # A byte-order mark, or Excel opens UTF-8 Chinese as mojibake.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(headers)
    writer.writerows(lines)


def _write_xlsx(response, headers, lines):
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(headers)
    for line in lines:
        sheet.append(line)
    book.save(response)
