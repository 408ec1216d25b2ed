"""Filing with the street office: who decides, what needs a reason, what history and
notifications say."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from communities.history_reasons import render_reason
from communities.models import Notification, Role
from communities.roles import grant_role
from organisations import workflow
from organisations.models import OrganisationState
from tests.factories import CommunityFactory, StreetFactory, UserFactory

from .factories import OrganisationFactory, representative_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(organisation):
    user = UserFactory()
    grant_role(user, Role.STREET_OFFICER, street=organisation.street)
    return user


@pytest.fixture
def organisation():
    return OrganisationFactory(status=OrganisationState.APPLIED)


def test_officer_of_the_street_files_an_organisation_and_its_representative_is_told(
    organisation, officer
):
    filed = workflow.perform(organisation, "file", officer)
    assert filed.status == OrganisationState.FILED
    assert filed.filed_at is not None
    step = filed.history.first()
    assert step.history_user == officer
    notice = Notification.objects.get(recipient=representative_of(organisation))
    assert notice.event == "organisation.file"


def test_officer_of_another_street_cannot_decide(organisation):
    stranger = UserFactory()
    grant_role(stranger, Role.STREET_OFFICER, street=StreetFactory())
    with pytest.raises(PermissionDenied):
        workflow.perform(organisation, "file", stranger)
    organisation.refresh_from_db()
    assert organisation.status == OrganisationState.APPLIED


def test_representative_cannot_file_their_own_organisation(organisation):
    with pytest.raises(PermissionDenied):
        workflow.perform(organisation, "file", representative_of(organisation))


@pytest.mark.parametrize("action", ["return_for_changes", "reject"])
def test_returning_or_rejecting_needs_a_reason(organisation, officer, action):
    with pytest.raises(ValidationError):
        workflow.perform(organisation, action, officer, reason="  ")
    organisation.refresh_from_db()
    assert organisation.status == OrganisationState.APPLIED
    assert organisation.history.count() == 1


def test_returned_filing_is_resubmitted_and_the_street_office_is_told(organisation, officer):
    workflow.perform(organisation, "return_for_changes", officer, reason="请补充成员名单。")
    organisation.refresh_from_db()
    assert organisation.decision_reason == "请补充成员名单。"
    resubmitted = workflow.perform(organisation, "resubmit", representative_of(organisation))
    assert resubmitted.status == OrganisationState.APPLIED
    assert resubmitted.decision_reason == ""
    assert Notification.objects.filter(recipient=officer, event="organisation.resubmit").exists()


def test_suspended_and_reinstated_then_dissolved_by_its_representative(organisation, officer):
    workflow.perform(organisation, "file", officer)
    workflow.perform(organisation, "suspend", officer, reason="年度检查未参加。")
    workflow.perform(organisation, "reinstate", officer)
    dissolved = workflow.perform(
        organisation, "dissolve", representative_of(organisation), reason="成员搬离社区。"
    )
    assert dissolved.status == OrganisationState.DISSOLVED
    states = list(dissolved.history.order_by("history_date").values_list("status", flat=True))
    assert states == ["applied", "filed", "suspended", "filed", "dissolved"]


def test_a_step_that_does_not_leave_from_the_current_state_is_refused(organisation, officer):
    with pytest.raises(ValidationError):
        workflow.perform(organisation, "reinstate", officer)


def test_history_stores_keys_rendered_in_the_readers_language(officer):
    street = StreetFactory()
    grant_role(officer, Role.STREET_OFFICER, street=street)
    community = CommunityFactory(street=street)
    organisation = OrganisationFactory.build(street=street, status=OrganisationState.APPLIED)
    workflow.apply_to_file(organisation, [community], UserFactory())
    workflow.perform(organisation, "file", officer)
    stored = organisation.history.order_by("history_date").values_list(
        "history_change_reason", flat=True
    )
    with translation.override("en"):
        english = [render_reason(reason) for reason in stored]
    with translation.override("zh-hans"):
        chinese = [render_reason(reason) for reason in stored]
    assert english == ["Filing applied for", "Accept the filing"]
    assert chinese != english


def test_typed_reason_is_the_steps_note(organisation, officer):
    workflow.perform(organisation, "reject", officer, reason="不属于本街道。")
    stored = organisation.history.first().history_change_reason
    assert render_reason(stored) == "不属于本街道。"
