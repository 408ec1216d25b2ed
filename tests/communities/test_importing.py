"""Importing a household register: a good file lands whole, a bad one not at all."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import override
from openpyxl import load_workbook

from communities.importing import (
    TEMPLATE_HEADERS,
    RegisterImportError,
    import_household_register,
    register_template,
)
from communities.models import Household, RegisteredMember
from tests.factories import CommunityFactory, GridFactory, HouseholdFactory

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
        register_file([["0001", A, grid.name, "张建国", "户主", "13800000001"],
                       ["0001", A, grid.name, "张小雨", "子女", ""]]),
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

    assert errors == [
        "The file is not an Excel workbook (.xlsx). Save it as .xlsx and try again."
    ]
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
    workbook = load_workbook(
        SimpleUploadedFile("t.xlsx", register_template()).file, read_only=True
    )
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == TEMPLATE_HEADERS

    upload = SimpleUploadedFile("t.xlsx", register_template())
    summary = import_household_register(community, upload)

    assert (summary.households_created, summary.members) == (1, 1)
