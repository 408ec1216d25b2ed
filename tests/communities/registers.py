"""Household registers built in memory, the way a community office saves them from Excel."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

HEADER = ["户号", "地址", "网格", "姓名", "与户主关系", "手机号"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def register_file(rows, *, header=HEADER, name="户籍登记.xlsx"):
    """An uploaded .xlsx with `header` in row 1 and `rows` from row 2 on."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)
