"""Money adds up: a total shown is the sum of its lines, to the fen."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from projects.models import Application, BudgetLine
from tests.organisations.factories import OrganisationFactory

from .factories import application, funding_round

pytestmark = pytest.mark.django_db


def test_requested_total_is_the_sum_of_the_lines_to_the_fen():
    organisation = OrganisationFactory()
    app = application(
        funding_round(organisation.street),
        organisation,
        lines=[
            ("场地布置", "0.10", 3, "0.30", "0.00"),
            ("书法用纸", "12.35", 7, "60.45", "26.00"),
            ("讲师课时费", "300.00", 12, "3600.00", "0.00"),
        ],
    )
    requested, cofunded = app.totals()
    assert requested == Decimal("3660.75")
    assert cofunded == Decimal("26.00")
    annotated = Application.objects.with_totals().get(pk=app.pk)
    assert annotated.requested_total == requested
    assert annotated.cofunded_total == cofunded


def test_a_line_whose_parts_do_not_add_up_to_its_cost_is_refused():
    line = BudgetLine(
        item="书法用纸",
        unit_cost=Decimal("12.35"),
        quantity=7,
        requested=Decimal("60.00"),
        cofunded=Decimal("26.00"),
    )
    with pytest.raises(ValidationError) as refused:
        line.clean()
    assert "86.45" in refused.value.messages[0]


def test_weights_and_dates_of_a_round_are_checked():
    round = funding_round()
    round.grant_ceiling = round.total_budget + 1
    round.closes_at = round.opens_at
    with pytest.raises(ValidationError) as refused:
        round.clean()
    assert {"grant_ceiling", "closes_at"} <= set(refused.value.message_dict)
