"""The one clock also moves funding on: once a round closes, its submitted applications go
into screening without anyone running a command by hand."""

from io import StringIO

import pytest
from django.core.management import call_command

from projects.models import ApplicationState
from tests.organisations.factories import OrganisationFactory

from .factories import application, funding_round

pytestmark = pytest.mark.django_db


def test_run_clock_moves_submitted_applications_of_a_closed_round_into_screening():
    organisation = OrganisationFactory()
    closed = funding_round(organisation.street, open_now=False)
    still_open = funding_round(organisation.street)
    late = application(closed, organisation, status=ApplicationState.SUBMITTED)
    early = application(
        still_open, organisation, title="另一个项目", status=ApplicationState.SUBMITTED
    )

    out = StringIO()
    call_command("run_clock", "--once", stdout=out)

    late.refresh_from_db()
    early.refresh_from_db()
    assert late.status == ApplicationState.SCREENING
    assert early.status == ApplicationState.SUBMITTED
    assert "applications moved into screening: 1" in out.getvalue()
