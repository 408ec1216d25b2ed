"""The figures' spreadsheets: what a staff member downloads is what their Figures page shows,
never a neighbour street's project, never a resident's name, and no cell a spreadsheet would run
as a formula."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from communities.exports import CSV, XLSX, spreadsheet_response
from consultation.models import Satisfaction

from .delivery import activity, feedback
from .reviewing import officer_of
from .test_dashboard import YEAR, known_data, staff_of

pytestmark = pytest.mark.django_db

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def read_back(response, export_format):
    """The rows of a downloaded spreadsheet, as a spreadsheet program reads them."""
    if export_format == XLSX:
        sheet = load_workbook(io.BytesIO(response.content)).active
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def download(client, kind, export_format, **query):
    response = client.get(reverse("projects_figures_export", args=[kind, export_format]), query)
    assert response.status_code == 200
    return read_back(response, export_format)


@pytest.mark.parametrize("export_format", [XLSX, CSV])
@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_a_text_starting_like_a_formula_is_written_as_text(client, start, export_format):
    street, community, project = known_data()
    typed = f'{start}HYPERLINK("http://evil.example")'
    activity(project, held_on=date(YEAR, 6, 1), title=typed[:100], place=typed[:100])
    client.force_login(officer_of(street))

    rows = download(client, "activities", export_format)

    titles = [row[2] for row in rows[1:]]
    written = "'" + typed
    if export_format == XLSX:
        written = written.replace("\r", "\n")  # XML keeps line ends as line feeds
    assert written in titles
    assert typed not in titles
    assert typed.replace("\r", "\n") not in titles


def test_numbers_stay_numbers_in_xlsx_and_a_negative_one_is_not_taken_for_a_formula():
    headers = ["text", "amount", "count"]
    rows = [["-5", Decimal("-12.50"), -3], ["@home", Decimal("30000.00"), 7]]

    xlsx = read_back(spreadsheet_response("t", headers, rows, XLSX), XLSX)
    text = read_back(spreadsheet_response("t", headers, rows, CSV), CSV)

    assert xlsx[1] == ["'-5", -12.5, -3]
    assert xlsx[2] == ["'@home", 30000, 7]
    assert text[1] == ["'-5", "-12.50", "-3"]


def test_the_projects_export_holds_the_figures_of_the_page(client):
    street, community, project = known_data()
    client.force_login(officer_of(street))

    rows = download(client, "projects", XLSX, year=YEAR)

    assert len(rows) == 2
    line = dict(zip(rows[0], rows[1], strict=True))
    values = list(line.values())
    assert values[0] == "长者智能手机课堂"
    assert values[3] == "幸福社区"
    assert values[7] == 30000  # awarded, a number
    assert values[8] == 2000.5  # spent
    assert values[9] == 10  # participants
    assert values[10] == 66.7  # satisfaction


@pytest.mark.parametrize("kind", ["projects", "activities", "feedback", "consultation"])
def test_an_export_holds_only_the_users_street(client, kind):
    street, community, project = known_data()
    client.force_login(officer_of(street))

    rows = download(client, kind, CSV)

    cells = " ".join(" ".join(row) for row in rows)
    assert "远方" not in cells
    assert "77777" not in cells
    assert len(rows) > 1


def test_community_staff_export_only_their_community(client):
    street, community, project = known_data()
    from tests.factories import CommunityFactory

    from .test_dashboard import project_in

    neighbour = CommunityFactory(street=street, name="邻居社区")
    project_in(neighbour, title="邻居的项目")
    client.force_login(staff_of(community))

    rows = download(client, "projects", CSV)

    assert [row[0] for row in rows[1:]] == ["长者智能手机课堂"]


def test_feedback_is_exported_without_names_or_devices(client):
    street, community, project = known_data()
    guest = activity(project, held_on=date(YEAR, 7, 1), title="夏日手工")
    feedback(guest, Satisfaction.SATISFIED, verified=False, device="device-secret-123")
    client.force_login(officer_of(street))

    rows = download(client, "feedback", CSV)
    cells = " ".join(" ".join(row) for row in rows)

    assert len(rows) == 1 + 5
    assert "device-secret-123" not in cells
    for user in (item.user for item in project.activities.first().feedback.all()):
        if user is not None:
            assert user.username not in cells and user.email not in cells


def test_the_consultation_export_gives_turnout_and_results(client):
    street, community, project = known_data()
    client.force_login(officer_of(street))

    rows = download(client, "consultation", XLSX)

    turnouts = [row[6] for row in rows[1:]]
    assert 25.0 in turnouts
    assert any(row[8] == 66.7 for row in rows[1:])


def test_an_unknown_kind_or_format_is_not_found(client):
    street, community, project = known_data()
    client.force_login(officer_of(street))

    for kind, export_format in (("people", "csv"), ("projects", "pdf")):
        url = reverse("projects_figures_export", args=[kind, export_format])
        assert client.get(url).status_code == 404
