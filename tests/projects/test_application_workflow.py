"""An application from draft to screening: every guard on submission, who may take each step,
what history and notifications say."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from communities.history_reasons import render_reason
from communities.models import Notification, Role
from communities.roles import grant_role
from organisations.models import Category, OrganisationState
from projects import workflow
from projects.models import ApplicationState as S
from projects.models import BudgetLine
from tests.factories import CommunityFactory, StreetFactory, UserFactory
from tests.organisations.factories import OrganisationFactory, representative_of

from .factories import application, funding_round

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    """The refusals are read in English here; the pages show them in the reader's language."""
    with translation.override("en"):
        yield


@pytest.fixture
def organisation():
    return OrganisationFactory()


@pytest.fixture
def round(organisation):
    return funding_round(organisation.street)


@pytest.fixture
def draft(round, organisation):
    return application(round, organisation)


@pytest.fixture
def representative(organisation):
    return representative_of(organisation)


@pytest.fixture
def officer(organisation):
    user = UserFactory()
    grant_role(user, Role.STREET_OFFICER, street=organisation.street)
    return user


def refused(application, action, actor, **data):
    with pytest.raises(ValidationError) as error:
        workflow.perform(application, action, actor, **data)
    application.refresh_from_db()
    return " ".join(error.value.messages)


def test_a_representative_submits_and_the_street_office_is_told(draft, representative, officer):
    submitted = workflow.perform(draft, "submit", representative)
    assert submitted.status == S.SUBMITTED
    assert submitted.submitted_at is not None
    step = submitted.history.first()
    assert step.history_user == representative
    assert Notification.objects.filter(recipient=officer, event="application.submit").exists()
    # the actor is not told of their own step
    assert not Notification.objects.filter(recipient=representative).exists()


def test_another_representative_of_the_organisation_is_told(draft, representative, organisation):
    colleague = UserFactory()
    organisation.representatives.create(user=colleague)
    workflow.perform(draft, "submit", representative)
    notice = Notification.objects.get(recipient=colleague)
    assert notice.event == "application.submit"
    assert draft.title in notice.message


def test_submission_after_the_closing_time_is_refused(draft, representative, round):
    late = round.closes_at + timedelta(seconds=1)
    message = refused(draft, "submit", representative, now=late)
    assert "closed at" in message
    assert draft.status == S.DRAFT
    assert draft.submitted_at is None


def test_submission_at_the_closing_second_is_refused_and_just_before_accepted(
    draft, representative, round
):
    assert "closed" in refused(draft, "submit", representative, now=round.closes_at)
    workflow.perform(draft, "submit", representative, now=round.closes_at - timedelta(seconds=1))
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED


def test_submission_before_the_round_opens_is_refused(organisation, representative):
    now = timezone.now()
    later = funding_round(
        organisation.street, opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=9)
    )
    message = refused(application(later, organisation), "submit", representative)
    assert "open at" in message


def test_an_unpublished_round_takes_no_submission(draft, representative, round):
    round.unpublish()
    assert "closed" in refused(draft, "submit", representative)


def test_a_suspended_organisation_cannot_submit(draft, representative, organisation):
    organisation.status = OrganisationState.SUSPENDED
    organisation.save()
    assert "suspended" in refused(draft, "submit", representative)
    assert draft.status == S.DRAFT


def test_an_organisation_not_filed_cannot_submit(draft, representative, organisation):
    organisation.status = OrganisationState.APPLIED
    organisation.save()
    assert "not filed" in refused(draft, "submit", representative)


def test_an_ineligible_category_cannot_submit(organisation, representative):
    round = funding_round(organisation.street, eligible_categories=[Category.ELDERLY_CARE])
    message = refused(application(round, organisation), "submit", representative)
    assert "cannot apply" in message


def test_an_eligible_category_may_submit(organisation, representative):
    round = funding_round(organisation.street, eligible_categories=[Category.CULTURE])
    workflow.perform(application(round, organisation), "submit", representative)


def test_an_organisation_of_another_street_cannot_submit(organisation, representative):
    round = funding_round(StreetFactory())
    message = refused(application(round, organisation), "submit", representative)
    assert "serves no community" in message


def test_communities_must_be_the_organisations_in_the_rounds_street(draft, representative):
    draft.communities.set([CommunityFactory(street=draft.round.street)])
    assert "Choose the communities" in refused(draft, "submit", representative)
    draft.communities.clear()
    assert "Choose the communities" in refused(draft, "submit", representative)


def test_an_application_over_the_ceiling_is_refused(round, organisation, representative):
    over = application(round, organisation, lines=[("场地租金", "25000.01", 2, "50000.02", "0.00")])
    message = refused(over, "submit", representative)
    assert "50000.02" in message and "50000.00" in message
    assert over.status == S.DRAFT


def test_an_application_at_the_ceiling_exactly_is_accepted(round, organisation, representative):
    exact = application(round, organisation, lines=[("场地租金", "25000.00", 2, "50000.00", "0")])
    assert workflow.perform(exact, "submit", representative).status == S.SUBMITTED


def test_a_line_that_does_not_add_up_is_refused(draft, representative):
    BudgetLine.objects.create(
        application=draft,
        item="书法用纸",
        unit_cost=Decimal("12.35"),
        quantity=7,
        requested=Decimal("60.00"),
        cofunded=Decimal("26.00"),
    )
    message = refused(draft, "submit", representative)
    assert "书法用纸" in message and "86.45" in message


def test_an_application_without_lines_or_indicators_is_refused(round, organisation, representative):
    bare = application(round, organisation, lines=[])
    assert "budget line" in refused(bare, "submit", representative)
    line_only = application(round, organisation)
    line_only.indicators.all().delete()
    assert "indicator" in refused(line_only, "submit", representative)


def test_a_budget_asking_for_nothing_is_refused(round, organisation, representative):
    nothing = application(round, organisation, lines=[("志愿者", "100.00", 2, "0.00", "200.00")])
    assert "asks the grant for nothing" in refused(nothing, "submit", representative)


def test_only_representatives_submit(draft, officer):
    with pytest.raises(PermissionDenied):
        workflow.perform(draft, "submit", officer)
    with pytest.raises(PermissionDenied):
        workflow.perform(draft, "submit", UserFactory())
    other = representative_of(OrganisationFactory(street=draft.round.street))
    with pytest.raises(PermissionDenied):
        workflow.perform(draft, "submit", other)


def test_officers_do_not_act_on_a_draft(draft, officer):
    """A draft is the organisation's own: the street office has no role on it yet."""
    assert workflow.roles_of(officer, draft) == set()
    with pytest.raises(PermissionDenied):
        workflow.perform(draft, "start_screening", officer)


@pytest.fixture
def submitted(draft, representative):
    return workflow.perform(draft, "submit", representative)


def test_screening_into_review_by_the_street_office(submitted, officer, representative):
    screening = workflow.perform(submitted, "start_screening", officer)
    assert screening.status == S.SCREENING
    in_review = workflow.perform(screening, "pass_screening", officer)
    assert in_review.status == S.IN_REVIEW
    events = set(
        Notification.objects.filter(recipient=representative).values_list("event", flat=True)
    )
    assert events == {"application.start_screening", "application.pass_screening"}
    assert in_review.history.first().history_user == officer


def test_an_officer_of_another_street_cannot_screen(submitted):
    stranger = UserFactory()
    grant_role(stranger, Role.STREET_OFFICER, street=StreetFactory())
    with pytest.raises(PermissionDenied):
        workflow.perform(submitted, "start_screening", stranger)
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_community_staff_cannot_screen(submitted):
    staff = UserFactory()
    grant_role(staff, Role.COMMUNITY_STAFF, community=submitted.communities.get())
    with pytest.raises(PermissionDenied):
        workflow.perform(submitted, "start_screening", staff)


@pytest.mark.parametrize("action", ["decline_at_screening", "return_for_changes"])
def test_declining_or_returning_needs_a_reason(submitted, officer, action):
    workflow.perform(submitted, "start_screening", officer)
    assert "reason" in refused(submitted, action, officer, reason="   ")
    assert submitted.status == S.SCREENING


def test_declined_at_screening_with_its_reason_in_history_and_notice(
    submitted, officer, representative
):
    workflow.perform(submitted, "start_screening", officer)
    declined = workflow.perform(
        submitted, "decline_at_screening", officer, reason="项目不在本街道服务范围内。"
    )
    assert declined.status == S.DECLINED
    assert declined.decision_reason == "项目不在本街道服务范围内。"
    assert render_reason(declined.history.first().history_change_reason) == (
        "项目不在本街道服务范围内。"
    )
    notice = Notification.objects.get(
        recipient=representative, event="application.decline_at_screening"
    )
    assert "项目不在本街道服务范围内。" in notice.message


def test_screening_steps_without_a_reason_read_in_the_readers_language(submitted, officer):
    workflow.perform(submitted, "start_screening", officer)
    stored = submitted.history.first().history_change_reason
    with translation.override("en"):
        assert render_reason(stored) == "Start screening"


def test_returned_is_changed_and_resubmitted_after_the_closing_time(
    submitted, officer, representative, round
):
    workflow.perform(submitted, "start_screening", officer)
    workflow.perform(submitted, "return_for_changes", officer, reason="请补充场地证明。")
    submitted.refresh_from_db()
    assert submitted.status == S.RETURNED
    assert submitted.decision_reason == "请补充场地证明。"
    after_closing = round.closes_at + timedelta(days=1)
    Notification.objects.all().delete()
    resubmitted = workflow.perform(submitted, "resubmit", representative, now=after_closing)
    assert resubmitted.status == S.SUBMITTED
    assert resubmitted.decision_reason == ""
    assert Notification.objects.filter(recipient=officer, event="application.resubmit").exists()


def test_resubmission_after_the_review_ends_is_refused(submitted, officer, representative, round):
    workflow.perform(submitted, "start_screening", officer)
    workflow.perform(submitted, "return_for_changes", officer, reason="请补充场地证明。")
    day_after = round.review_ends_on + timedelta(days=1)
    too_late = timezone.make_aware(datetime.combine(day_after, time.min))
    assert "review" in refused(submitted, "resubmit", representative, now=too_late)
    assert submitted.status == S.RETURNED


def test_resubmission_checks_the_budget_again(submitted, officer, representative):
    workflow.perform(submitted, "start_screening", officer)
    workflow.perform(submitted, "return_for_changes", officer, reason="预算需调整。")
    submitted.budget_lines.update(requested=Decimal("1000.00"))
    assert "add up" in refused(submitted, "resubmit", representative)


@pytest.mark.parametrize("status", [S.DRAFT, S.SUBMITTED, S.SCREENING, S.RETURNED])
def test_a_representative_withdraws_until_the_review(round, organisation, representative, status):
    app = application(round, organisation, status=status)
    assert workflow.perform(app, "withdraw", representative).status == S.WITHDRAWN


@pytest.mark.parametrize("status", [S.IN_REVIEW, S.DECLINED, S.WITHDRAWN])
def test_no_withdrawal_once_in_review_or_decided(round, organisation, representative, status):
    app = application(round, organisation, status=status)
    assert "not possible now" in refused(app, "withdraw", representative)


def test_withdrawing_a_submitted_application_tells_the_street_office(submitted, officer):
    Notification.objects.all().delete()
    workflow.perform(submitted, "withdraw", representative_of(submitted.organisation))
    assert Notification.objects.filter(recipient=officer, event="application.withdraw").exists()


def test_the_clock_moves_submitted_applications_of_closed_rounds_into_screening(
    submitted, round, representative
):
    assert workflow.close_rounds_for_screening(now=round.closes_at - timedelta(minutes=1)) == 0
    assert workflow.close_rounds_for_screening(now=round.closes_at) == 1
    submitted.refresh_from_db()
    assert submitted.status == S.SCREENING
    step = submitted.history.first()
    assert step.history_user is None
    assert Notification.objects.filter(
        recipient=representative, event="application.close_for_screening"
    ).exists()
    assert workflow.close_rounds_for_screening(now=round.closes_at) == 0


def test_the_table_offers_people_only_their_own_steps():
    rep, officer = {workflow.REPRESENTATIVE}, {workflow.OFFICER}
    offered = {
        state: (
            {t.action for t in workflow.TRANSITIONS.available(state, rep)},
            {t.action for t in workflow.TRANSITIONS.available(state, officer)},
        )
        for state in S.values
    }
    assert offered[S.DRAFT] == ({"submit", "withdraw"}, set())
    assert offered[S.SUBMITTED] == ({"withdraw"}, {"start_screening"})
    assert offered[S.SCREENING] == (
        {"withdraw"},
        {"pass_screening", "decline_at_screening", "return_for_changes"},
    )
    assert offered[S.RETURNED] == ({"resubmit", "withdraw"}, set())
    # From review on, the decisions are the street office's (their rows are the decision
    # work's); nothing of screening is offered again, and representatives have no step.
    screening = {"start_screening", "pass_screening", "decline_at_screening", "return_for_changes"}
    for state in (S.IN_REVIEW, S.DECLINED, S.WITHDRAWN, S.AWARDED, S.WAITLISTED):
        assert offered[state][0] == set()
        assert not offered[state][1] & screening
