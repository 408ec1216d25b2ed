"""An organisation's filing with the street office, as data: the table below is the only place an
organisation's status changes.

applied → filed, returned for changes (with a reason) or rejected (with a reason); returned →
applied again when the representative resubmits; filed ⇄ suspended; filed or suspended →
dissolved. Street officers of the street decide; representatives resubmit and may dissolve
their own organisation. Every step is in history with its actor and a reason key, and the
organisation's representatives (and, for filings, the street's officers) are notified.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.history_reasons import history_reason, register_reason, typed_reason_or
from communities.models import Membership, Role
from communities.notifications import notify, register_event
from communities.transitions import SYSTEM, Table, row

from .models import Organisation
from .models import OrganisationState as S
from .permissions import decides_filing, is_representative

REPRESENTATIVE = "representative"
OFFICER = "officer"


def _reason_given(organisation, data):
    if not data.get("reason", "").strip():
        return _("Give a reason the organisation can read.")
    return None


TRANSITIONS = Table(
    row("file", {S.APPLIED}, S.FILED, {OFFICER}, gettext_lazy("Accept the filing")),
    row("return_for_changes", {S.APPLIED}, S.RETURNED, {OFFICER},
        gettext_lazy("Return for changes"), _reason_given),
    row("reject", {S.APPLIED}, S.REJECTED, {OFFICER}, gettext_lazy("Reject"), _reason_given),
    row("resubmit", {S.RETURNED}, S.APPLIED, {REPRESENTATIVE}, gettext_lazy("Resubmit")),
    row("suspend", {S.FILED}, S.SUSPENDED, {OFFICER}, gettext_lazy("Suspend"), _reason_given),
    row("reinstate", {S.SUSPENDED}, S.FILED, {OFFICER}, gettext_lazy("Reinstate")),
    row("dissolve", {S.FILED, S.SUSPENDED}, S.DISSOLVED, {OFFICER, REPRESENTATIVE},
        gettext_lazy("Dissolve"), _reason_given),
)  # fmt: skip

EVENT_TEXTS = {
    "applied": gettext_lazy("“%(name)s” applied to file with the street office."),
    "file": gettext_lazy("“%(name)s” is filed with the street office."),
    "return_for_changes": gettext_lazy("“%(name)s” was returned for changes: %(reason)s"),
    "reject": gettext_lazy("The filing of “%(name)s” was rejected: %(reason)s"),
    "resubmit": gettext_lazy("“%(name)s” resubmitted its filing."),
    "suspend": gettext_lazy("“%(name)s” is suspended: %(reason)s"),
    "reinstate": gettext_lazy("“%(name)s” is reinstated."),
    "dissolve": gettext_lazy("“%(name)s” is dissolved: %(reason)s"),
}
for _action, _text in EVENT_TEXTS.items():
    register_event(f"organisation.{_action}", _text)

register_reason("organisation.applied", gettext_lazy("Filing applied for"))
register_reason("organisation.edited", gettext_lazy("Details changed"))


for _transition in TRANSITIONS:
    register_reason(f"organisation.{_transition.action}", typed_reason_or(_transition.label))


def roles_of(user, organisation):
    if user is None:
        return {SYSTEM}
    roles = set()
    if is_representative(user, organisation):
        roles.add(REPRESENTATIVE)
    if decides_filing(user, organisation):
        roles.add(OFFICER)
    return roles


def available_actions(organisation, user):
    return TRANSITIONS.available(organisation.status, roles_of(user, organisation))


def street_officers(street):
    return [m.user for m in Membership.objects.filter(role=Role.STREET_OFFICER, street=street)]


@transaction.atomic
def apply_to_file(organisation, communities, representative):
    """A group files with the street office; whoever filed it represents it."""
    organisation.status = S.APPLIED
    organisation._history_user = representative
    organisation._change_reason = history_reason("organisation.applied")
    organisation.save()
    organisation.communities.set(communities)
    organisation.representatives.create(user=representative)
    notify(
        "organisation.applied",
        organisation,
        representative,
        recipients=street_officers(organisation.street),
    )
    return organisation


@transaction.atomic
def perform(organisation, action, actor, **data):
    """Take `action` on `organisation` as `actor` (None: the system). Returns it updated."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    transition = TRANSITIONS.check(
        action,
        organisation,
        roles_of(actor, organisation),
        data,
        organisation.get_status_display(),
    )
    reason = data.get("reason", "").strip()
    if transition.target == S.FILED and organisation.filed_at is None:
        organisation.filed_at = timezone.now()
    if _reason_given in transition.guards:
        organisation.decision_reason = reason
    elif action == "resubmit":
        organisation.decision_reason = ""
    organisation.status = transition.target
    organisation._history_user = actor
    organisation._change_reason = history_reason(
        f"organisation.{action}", **({"reason": reason} if reason else {})
    )
    organisation.save()
    recipients = None
    if action == "resubmit":
        recipients = street_officers(organisation.street)
    notify(
        f"organisation.{action}",
        organisation,
        actor,
        recipients=recipients,
        params={"reason": reason} if reason else None,
    )
    return organisation
