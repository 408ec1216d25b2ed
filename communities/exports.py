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
