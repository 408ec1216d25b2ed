"""Importing a household register: a good file lands whole, a bad one not at all."""

import io
import zipfile

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.tasks import TaskResultStatus
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import override
from openpyxl import Workbook, load_workbook

from communities import importing, register_files
from communities.importing import (
    TEMPLATE_HEADERS,
    RegisterImportError,
    import_household_register,
    problem,
    register_template,
    render_problem,
    run_register_import,
)
from communities.models import Household, RegisteredMember, RegisterImport, Role
from communities.roles import grant_role
from communities.tasks import import_register
from tests.factories import CommunityFactory, GridFactory, HouseholdFactory, UserFactory

from .registers import HEADER, register_file

pytestmark = pytest.mark.django_db

A = "幸福路12号1栋2单元301室"
B = "幸福路12号1栋2单元302室"


@pytest.fixture
def good_rows(grid):
    return [
        ["0001", A, grid.name, "张建国", "户主", "13800000001"],
        ["0002", B, "", "王秀英", "户主", "13800000003"],
        ["0001", A, grid.name, "李桂兰", "配偶", ""],
    ]


def members_of(community, address):
    return list(
        RegisteredMember.objects.filter(household__community=community, household__address=address)
        .order_by("id")
        .values_list("name", "relation", "phone")
    )


def import_errors(community, upload, language="en"):
    with override(language), pytest.raises(RegisterImportError) as error:
        import_household_register(community, upload)
    return error.value.errors


def test_good_file_creates_households_with_their_members(community, grid, good_rows):
    summary = import_household_register(community, register_file(good_rows))

    assert (summary.households_created, summary.households_updated, summary.members) == (2, 0, 3)
    first = Household.objects.get(community=community, address=A)
    assert first.register_number == "0001"
    assert first.grid == grid
    assert members_of(community, A) == [
        ("张建国", "户主", "13800000001"),
        ("李桂兰", "配偶", ""),
    ]
    second = Household.objects.get(community=community, address=B)
    assert second.grid is None
    assert members_of(community, B) == [("王秀英", "户主", "13800000003")]


def test_second_import_updates_households_and_replaces_members(community, grid, good_rows):
    import_household_register(community, register_file(good_rows))

    summary = import_household_register(
        community,
        register_file(
            [
                ["0001", A, grid.name, "张建国", "户主", "13800000001"],
                ["0001", A, grid.name, "张小雨", "子女", ""],
            ]
        ),
    )

    assert (summary.households_created, summary.households_updated, summary.members) == (0, 1, 2)
    assert Household.objects.filter(community=community).count() == 2
    assert members_of(community, A) == [
        ("张建国", "户主", "13800000001"),
        ("张小雨", "子女", ""),
    ]
    # B is not in the second file: it is left as it was.
    assert members_of(community, B) == [("王秀英", "户主", "13800000003")]


def test_import_fills_in_an_existing_household_of_the_community(community, grid):
    existing = HouseholdFactory(community=community, address=A, grid=None, register_number="")

    import_household_register(
        community, register_file([["0007", A, grid.name, "张建国", "户主", "13800000001"]])
    )

    existing.refresh_from_db()
    assert (existing.register_number, existing.grid) == ("0007", grid)
    assert Household.objects.filter(community=community).count() == 1


def test_import_touches_only_the_chosen_community(community, grid, good_rows):
    other = CommunityFactory()
    HouseholdFactory(community=other, address=A)

    import_household_register(community, register_file(good_rows))

    assert Household.objects.filter(community=other).count() == 1
    assert not RegisteredMember.objects.filter(household__community=other).exists()


def test_numbers_typed_as_numbers_in_excel_are_read_as_text(community):
    rows = [[12, A, None, "张建国", "户主", 13800000001]]
    import_household_register(community, register_file(rows))

    household = Household.objects.get(community=community, address=A)
    assert household.register_number == "12"
    assert members_of(community, A) == [("张建国", "户主", "13800000001")]


def test_english_headers_from_the_template_are_accepted(community):
    header = ["register number", "Address", "grid", "Name", "relation", "phone"]
    import_household_register(
        community, register_file([["", A, "", "张建国", "", ""]], header=header)
    )
    assert members_of(community, A) == [("张建国", "", "")]


def test_blank_rows_are_skipped(community):
    rows = [["", A, "", "张建国", "户主", ""], [None] * 6, ["", B, "", "王秀英", "户主", ""]]
    summary = import_household_register(community, register_file(rows))
    assert summary.households_created == 2


BAD_THIRD_ROWS = {
    "empty name": ["0001", A, "", "", "配偶", ""],
    "empty address": ["0002", "", "", "李桂兰", "配偶", ""],
    "bad phone": ["0001", A, "", "李桂兰", "配偶", "1380000"],
    "unknown grid": ["0001", A, "第九十九网格", "李桂兰", "配偶", ""],
    "second register number for one address": ["0009", A, "", "李桂兰", "配偶", ""],
    "one register number for two addresses": ["0001", B, "", "王秀英", "户主", ""],
    "same person twice": ["0001", A, "", "张建国", "户主", "13800000001"],
    "name too long": ["0001", A, "", "张" * 61, "配偶", ""],
}


@pytest.mark.parametrize("bad_row", BAD_THIRD_ROWS.values(), ids=BAD_THIRD_ROWS.keys())
def test_one_bad_row_rejects_the_file_naming_its_row_and_imports_nothing(community, grid, bad_row):
    rows = [
        ["0001", A, "", "张建国", "户主", "13800000001"],
        bad_row,
        ["0003", "滨河路210号", "", "赵国强", "户主", "13800000004"],
    ]

    errors = import_errors(community, register_file(rows))

    assert len(errors) == 1
    assert errors[0].startswith("Row 3:")
    assert not Household.objects.filter(community=community).exists()
    assert not RegisteredMember.objects.exists()


def test_row_numbers_are_reported_in_chinese_by_default(community):
    rows = [["", A, "", "张建国", "户主", "1380000"]]
    errors = import_errors(community, register_file(rows), language="zh-hans")
    assert errors == ["第2行：“1380000”不是11位手机号码。"]


def test_every_bad_row_is_listed(community, grid):
    rows = [
        ["", A, "", "", "户主", ""],
        ["", A, "", "张建国", "户主", ""],
        ["", B, "不存在的网格", "王秀英", "户主", "12345"],
    ]
    errors = import_errors(community, register_file(rows))
    assert [error.split(":")[0] for error in errors] == ["Row 2", "Row 4", "Row 4"]
    assert not Household.objects.exists()


def test_second_import_of_bad_file_leaves_the_first_import_as_it_was(community, grid, good_rows):
    import_household_register(community, register_file(good_rows))
    bad = [["0001", A, "", "张建国", "户主", "13800000001"], ["0001", A, "", "", "", ""]]

    import_errors(community, register_file(bad))

    assert Household.objects.filter(community=community).count() == 2
    assert members_of(community, A) == [
        ("张建国", "户主", "13800000001"),
        ("李桂兰", "配偶", ""),
    ]


def test_register_number_of_another_household_in_the_database_is_refused(community):
    HouseholdFactory(community=community, address="长青街5号", register_number="0001")

    errors = import_errors(community, register_file([["0001", A, "", "张建国", "户主", ""]]))

    assert "0001" in errors[0] and "长青街5号" in errors[0]
    assert not Household.objects.filter(address=A).exists()


def test_a_file_that_is_not_an_excel_workbook_is_refused_clearly(community):
    upload = SimpleUploadedFile("户籍登记.xlsx", "户号,地址,姓名\n1,幸福路,张三\n".encode())

    errors = import_errors(community, upload)

    assert errors == ["The file is not an Excel workbook (.xlsx). Save it as .xlsx and try again."]
    assert not Household.objects.exists()


def test_a_header_without_the_address_column_is_refused(community):
    header = [title for title in HEADER if title != "地址"]

    upload = register_file([["0001", "", "张建国", "户主", ""]], header=header)

    errors = import_errors(community, upload)

    assert len(errors) == 1
    assert errors[0].startswith("Row 1:")
    assert "地址" in errors[0]
    assert not Household.objects.exists()


def test_a_file_with_only_a_header_is_refused(community):
    errors = import_errors(community, register_file([]))
    assert errors == ["The spreadsheet has a header but no rows."]


def test_imported_households_and_members_carry_the_importing_user(community, staff, good_rows):
    import_household_register(community, register_file(good_rows), by=staff)

    household_history = Household.history.filter(community=community)
    assert household_history.count() == 2
    assert {entry.history_user for entry in household_history} == {staff}
    assert {entry.history_user for entry in RegisteredMember.history.all()} == {staff}


def test_template_has_the_expected_header_and_imports_once_its_grid_exists(community):
    GridFactory(community=community, name="第一网格")
    workbook = load_workbook(SimpleUploadedFile("t.xlsx", register_template()).file, read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == TEMPLATE_HEADERS

    upload = SimpleUploadedFile("t.xlsx", register_template())
    summary = import_household_register(community, upload)

    assert (summary.households_created, summary.members) == (1, 1)


# --- Broken workbooks: a clear message, never a 500 -------------------------------------------


def xlsx_bytes(rows=(("0001", A, "", "张建国", "户主", "13800000001"),), header=HEADER):
    return register_file([list(row) for row in rows], header=header).read()


def rezipped(data, change):
    """The workbook `data` with each part passed through change(name, bytes) -> bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info)))
    return buffer.getvalue()


def truncated_sheet_xml(name, part):
    return part[: len(part) // 2] if name == "xl/worksheets/sheet1.xml" else part


def macro_enabled(name, part):
    if name != "[Content_Types].xml":
        return part
    return part.replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )


def plain_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("户籍登记.csv", "户号,地址,姓名\n1,幸福路,张三\n")
    return buffer.getvalue()


def as_word_document(name, part):
    if name != "[Content_Types].xml":
        return part
    return part.replace(b"spreadsheetml.sheet.main", b"wordprocessingml.document.main")


def empty_workbook():
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)

BROKEN_FILES = {
    # What Excel's "Encrypt with password" writes: an OLE2 container with an EncryptionInfo stream.
    "encrypted": (
        lambda: OLE2 + "EncryptionInfo".encode("utf-16-le") + bytes(1000),
        "The workbook is protected by a password.",
    ),
    "old .xls": (
        lambda: OLE2 + "Workbook".encode("utf-16-le") + bytes(1000),
        "old Excel 97–2003 workbook (.xls)",
    ),
    "truncated upload": (
        lambda: xlsx_bytes()[: len(xlsx_bytes()) * 2 // 3],
        "The workbook is damaged or incomplete",
    ),
    "not a zip": (lambda: b"\x89PNG\r\n\x1a\n" + bytes(100), "The file is not an Excel workbook"),
    "a zip that is not a workbook": (plain_zip, "The file is not an Excel workbook"),
    "a Word document": (
        lambda: rezipped(xlsx_bytes(), as_word_document),
        "The file is not an Excel workbook",
    ),
    "bad XML in the sheet": (
        lambda: rezipped(xlsx_bytes(), truncated_sheet_xml),
        "The workbook is damaged or incomplete",
    ),
    "macro workbook": (
        lambda: rezipped(xlsx_bytes(), macro_enabled),
        "The file is a macro-enabled workbook.",
    ),
    "empty sheet": (empty_workbook, "The spreadsheet is empty."),
}


@pytest.mark.parametrize("make, message", BROKEN_FILES.values(), ids=BROKEN_FILES.keys())
def test_a_broken_workbook_is_refused_with_a_clear_message(community, make, message):
    errors = import_errors(community, SimpleUploadedFile("户籍登记.xlsx", make()))

    assert len(errors) == 1
    assert message in errors[0]
    assert not Household.objects.exists()


@pytest.mark.parametrize(
    "make", [make for make, _m in BROKEN_FILES.values()], ids=BROKEN_FILES.keys()
)
def test_a_broken_workbook_is_refused_on_the_form_and_nothing_is_queued(
    staff_client, community, make
):
    upload = SimpleUploadedFile("户籍登记.xlsx", make())

    response = staff_client.post(
        reverse("communities_import_register"), {"community": community.pk, "file": upload}
    )

    assert response.status_code == 200
    expected = import_errors(community, SimpleUploadedFile("户籍登记.xlsx", make()), "zh-hans")
    assert response.context["form"].errors["file"] == expected
    assert not RegisterImport.objects.exists()


def test_a_workbook_cut_or_scrambled_anywhere_is_refused_not_crashed(community):
    data = xlsx_bytes(
        [(f"{n:04d}", f"幸福路{n}号", "", f"居民{n}", "户主", "") for n in range(1, 40)]
    )
    damaged = [data[:cut] for cut in range(1, len(data), max(1, len(data) // 40))]
    damaged += [
        data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]
        for at in range(0, len(data), max(1, len(data) // 40))
    ]

    for content in damaged:
        try:
            import_household_register(community, SimpleUploadedFile("r.xlsx", content))
        except RegisterImportError as error:
            assert error.errors
    # A flipped byte in a cell's text may still be a good file; nothing else may get through.


def test_a_workbook_that_unpacks_to_far_more_than_a_register_is_refused(community, monkeypatch):
    monkeypatch.setattr(register_files, "MAX_UNPACKED_BYTES", 1000)

    errors = import_errors(community, register_file([["0001", A, "", "张建国", "户主", ""]]))

    assert errors[0].startswith("The workbook unpacks to more than")


# --- Import in the background, followed on its own page -----------------------------------------


@pytest.fixture
def staff_client(client, staff_with_totp):
    client.force_login(staff_with_totp)
    return client


def upload_through_the_form(client, community, upload, capture):
    with capture(execute=True):
        response = client.post(
            reverse("communities_import_register"), {"community": community.pk, "file": upload}
        )
    assert response.status_code == 302, response.context["form"].errors
    return RegisterImport.objects.get(), response["Location"]


def test_an_upload_is_imported_by_the_task_and_its_page_shows_the_result(
    staff_client, staff, community, grid, good_rows, django_capture_on_commit_callbacks
):
    record, location = upload_through_the_form(
        staff_client, community, register_file(good_rows), django_capture_on_commit_callbacks
    )

    assert location == reverse("communities_register_import", args=[record.pk])
    record.refresh_from_db()
    assert record.status == RegisterImport.Status.DONE
    assert (record.households_created, record.households_updated, record.members) == (2, 0, 3)
    assert record.created_by == staff and record.task_id
    assert bytes(record.workbook) == b""  # names and phones are not kept once imported
    assert members_of(community, A) == [("张建国", "户主", "13800000001"), ("李桂兰", "配偶", "")]

    response = staff_client.get(location)
    assert response.status_code == 200
    assert response.context["record"] == record
    assert 'http-equiv="refresh"' not in response.text
    assert reverse("households:index") in response.text


def test_a_bad_last_row_fails_the_whole_import_and_its_page_lists_the_row(
    staff_client, community, django_capture_on_commit_callbacks
):
    rows = [[f"{n:04d}", f"幸福路{n}号", "", f"居民{n}", "户主", ""] for n in range(1, 301)]
    rows.append(["0301", "幸福路301号", "", "", "户主", ""])

    record, location = upload_through_the_form(
        staff_client, community, register_file(rows), django_capture_on_commit_callbacks
    )

    record.refresh_from_db()
    assert record.status == RegisterImport.Status.FAILED
    assert record.problems == [{"key": "empty_cell", "params": {"row": 302, "column": "name"}}]
    assert not Household.objects.exists()
    assert not RegisteredMember.objects.exists()
    response = staff_client.get(location)
    assert "第302行" in response.text
    assert 'http-equiv="refresh"' not in response.text


def test_stored_problems_render_in_the_language_of_the_reader(community):
    record = RegisterImport.objects.create(
        community=community,
        file_name="r.xlsx",
        status=RegisterImport.Status.FAILED,
        problems=[problem("empty_cell", row=7, column="name")],
    )

    with override("en"):
        english = render_problem(record.problems[0])
    with override("zh-hans"):
        chinese = render_problem(record.problems[0])

    assert english == "Row 7: name is empty."
    assert chinese.startswith("第7行")


@pytest.mark.parametrize(
    "status, refreshes",
    [("queued", True), ("running", True), ("done", False), ("failed", False)],
)
def test_the_import_page_refreshes_itself_only_while_the_import_is_pending(
    staff_client, community, status, refreshes
):
    record = RegisterImport.objects.create(
        community=community, file_name="r.xlsx", status=status, rows_total=2000, rows_done=500
    )

    response = staff_client.get(reverse("communities_register_import", args=[record.pk]))

    assert response.status_code == 200
    assert ('http-equiv="refresh"' in response.text) is refreshes


def test_the_import_page_shows_how_far_a_running_import_got(staff_client, community):
    record = RegisterImport.objects.create(
        community=community, file_name="r.xlsx", status="running", rows_total=2000, rows_done=500
    )

    response = staff_client.get(reverse("communities_register_import", args=[record.pk]))

    assert '<progress max="100" value="25">' in response.text


def test_staff_of_another_community_do_not_find_the_import(client, community):
    record = RegisterImport.objects.create(community=community, file_name="幸福里户籍.xlsx")
    outsider = UserFactory()
    grant_role(outsider, Role.COMMUNITY_STAFF, community=CommunityFactory())
    TOTP.activate(outsider, "JBSWY3DPEHPK3PXP")
    client.force_login(outsider)

    page = client.get(reverse("communities_register_import", args=[record.pk]))
    listing = client.get(reverse("communities_register_imports"))

    assert page.status_code == 404
    assert listing.status_code == 200
    assert "幸福里户籍.xlsx" not in listing.text


def test_recent_imports_list_the_users_communities(staff_client, community):
    RegisterImport.objects.create(community=community, file_name="三月户籍.xlsx", status="done")

    response = staff_client.get(reverse("communities_register_imports"))

    assert "三月户籍.xlsx" in response.text


def test_a_task_delivered_twice_imports_once(community, good_rows):
    record = RegisterImport.objects.create(
        community=community, file_name="r.xlsx", workbook=register_file(good_rows).read()
    )

    run_register_import(record.pk)
    run_register_import(record.pk)

    record.refresh_from_db()
    assert record.status == RegisterImport.Status.DONE
    assert RegisteredMember.objects.count() == 3
    assert Household.history.count() == 2


def test_an_unexpected_error_ends_the_import_as_failed_not_running(community, monkeypatch):
    record = RegisterImport.objects.create(
        community=community, file_name="r.xlsx", workbook=xlsx_bytes()
    )

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(importing, "import_household_register", broken)
    result = import_register.enqueue(record.pk)

    record.refresh_from_db()
    assert result.status == TaskResultStatus.FAILED
    assert record.status == RegisterImport.Status.FAILED
    assert record.problems == [{"key": "server_error", "params": {}}]
    assert bytes(record.workbook) == b""


# --- Speed: the number of queries does not grow with the register -------------------------------


def queries_to_import(community, households):
    rows = [
        [f"{n:05d}", f"幸福路{n}号", "", name, relation, ""]
        for n in range(1, households + 1)
        for name, relation in ((f"户主{n}", "户主"), (f"配偶{n}", "配偶"))
    ]
    with CaptureQueriesContext(connection) as queries:
        import_household_register(community, register_file(rows))
    return len(queries)


def test_importing_ten_times_more_rows_takes_no_more_queries(community, grid):
    small_first, small_again = queries_to_import(community, 10), queries_to_import(community, 10)
    other = CommunityFactory()
    large_first, large_again = queries_to_import(other, 100), queries_to_import(other, 100)

    assert large_first == small_first
    assert large_again == small_again
