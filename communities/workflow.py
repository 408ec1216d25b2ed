"""A resident's verification, the only status people and places have.

Unverified → verified (by staff, in person or against the household register) → revoked back
to unverified. Both steps land in the resident's history with the acting user and a reason.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .history_reasons import history_reason, register_reason
from .models import Household, RegisteredMember, Resident, VerificationMethod
from .permissions import can_verify

register_reason(
    "resident.verified",
    gettext_lazy("Verified: %(method)s"),
    choices={"method": VerificationMethod},
)
register_reason("resident.revoked", gettext_lazy("Verification revoked: %(reason)s"))


def find_register_match(resident):
    """The register entry of the resident's community with the same name and phone, if any."""
    if not (resident.community_id and resident.real_name and resident.phone):
        return None
    return (
        RegisteredMember.objects.filter(
            household__community_id=resident.community_id,
            name=resident.real_name.strip(),
            phone=resident.phone.strip(),
        )
        .select_related("household")
        .first()
    )


@transaction.atomic
def verify_resident(resident, *, by, method, household=None):
    """Confirm that a resident lives where they say: staff of their community sign it off.

    In person, staff choose the household; against the register, the household is the one the
    register lists for the resident's name and phone.
    """
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    if not can_verify(by, resident):
        raise PermissionDenied
    if resident.is_verified:
        raise ValidationError(_("This resident is already verified."))
    if not resident.real_name.strip():
        raise ValidationError(_("The resident has not given their real name yet."))
    if method == VerificationMethod.HOUSEHOLD_REGISTER:
        member = find_register_match(resident)
        if member is None:
            raise ValidationError(
                _(
                    "No one named %(name)s with phone %(phone)s is in this community's "
                    "household register. Verify in person instead."
                )
                % {"name": resident.real_name, "phone": resident.phone or "—"}
            )
        household = member.household
    elif method == VerificationMethod.IN_PERSON:
        if household is None:
            raise ValidationError(_("Choose the household the resident lives in."))
    else:
        raise ValidationError(_("Choose how the resident was verified."))
    if not isinstance(household, Household) or household.community_id != resident.community_id:
        raise ValidationError(_("The household must belong to the resident's community."))

    resident.household = household
    resident.verified_at = timezone.now()
    resident.verified_by = by
    resident.verification_method = method
    resident._history_user = by
    resident._change_reason = history_reason("resident.verified", method=method)
    resident.save()
    return resident


@transaction.atomic
def revoke_verification(resident, *, by, reason):
    """Withdraw a verification (moved away, verified by mistake); the reason is kept in history."""
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    if not can_verify(by, resident):
        raise PermissionDenied
    if not resident.is_verified:
        raise ValidationError(_("This resident is not verified."))
    if not reason.strip():
        raise ValidationError(_("Give a reason for revoking the verification."))
    resident.verified_at = None
    resident.verified_by = None
    resident.verification_method = ""
    resident._history_user = by
    resident._change_reason = history_reason("resident.revoked", reason=reason.strip())
    resident.save()
    return resident
