"""签到 and 评价 by an activity's printed QR code: who may sign in to an activity or rate it,
and when.

Sign-in is for the day the activity is held (a code photographed and passed round afterwards
must not add participants); feedback opens that day and stays open for a month, so a resident
can say how it went once they have seen what came of it. A verified resident counts once; a
signed-in resident not yet verified, and a guest on a phone without an account, are recorded
as unverified, a guest once per device (a long random cookie), so that the figures keep them
apart (projects/figures.py). The database's unique constraints settle a double tap: a second
row is refused there, and here becomes "you have already…".
"""

from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from communities.models import Resident

from .models import Feedback, SignIn

FEEDBACK_DAYS = 30
# A guest's phone may rate many activities of a busy community in a day, but not flood them:
# more than this from one device cookie in a day is someone scripting, not a neighbour.
GUEST_FEEDBACK_PER_DAY = 20
ALREADY = "already"


def is_verified_resident(user):
    """A resident whose address staff verified, in any community: the projects serve streets,
    and residents of a neighbouring community take part too."""
    if not user.is_authenticated:
        return False
    return Resident.objects.filter(user=user, verified_at__isnull=False).exists()


def feedback_ends_on(activity):
    return activity.held_on + timedelta(days=FEEDBACK_DAYS)


def sign_in_refusal(activity, today):
    """Why signing in is not possible today, or None."""
    if today < activity.held_on:
        return _("Sign-in opens on %(date)s, the day of the activity.") % {
            "date": formats.date_format(activity.held_on, "Y-m-d")
        }
    if today > activity.held_on:
        return _("Sign-in is closed: it was only open on the day of the activity.")
    return None


def feedback_refusal(activity, today):
    """Why rating the activity is not possible today, or None."""
    if today < activity.held_on:
        return _("Feedback opens on %(date)s, the day of the activity.") % {
            "date": formats.date_format(activity.held_on, "Y-m-d")
        }
    if today > feedback_ends_on(activity):
        return _("Feedback closed on %(date)s, %(days)s days after the activity.") % {
            "date": formats.date_format(feedback_ends_on(activity), "Y-m-d"),
            "days": FEEDBACK_DAYS,
        }
    return None


def own_rows(model, activity, user, device):
    """The signed-in person's row, else the guest device's row, else None."""
    if user.is_authenticated:
        return model.objects.filter(activity=activity, user=user).first()
    if device:
        return model.objects.filter(activity=activity, user__isnull=True, device=device).first()
    return None


def _already(message):
    return ValidationError(message, code=ALREADY)


def sign_in(activity, user, device, today=None):
    """Record `user` (or, anonymous, the guest `device`) as present; ValidationError when the
    day is wrong or they have signed in already (code "already")."""
    today = today or timezone.localdate()
    refusal = sign_in_refusal(activity, today)
    if refusal:
        raise ValidationError(refusal)
    if own_rows(SignIn, activity, user, device):
        raise _already(_("You have signed in already."))
    if user.is_authenticated:
        record = SignIn(activity=activity, user=user, verified=is_verified_resident(user))
    else:
        record = SignIn(activity=activity, device=device)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:  # the same phone tapped twice at once
        raise _already(_("You have signed in already.")) from None
    return record


def guest_feedback_today(device, today):
    start = timezone.make_aware(datetime.combine(today, time.min))
    return Feedback.objects.filter(user__isnull=True, device=device, created_at__gte=start).count()


def give_feedback(activity, user, device, rating, comment="", today=None):
    """Record a rating of the activity; ValidationError when it is not open, the guest device
    rated too many activities today, or this person or device rated it already ("already")."""
    today = today or timezone.localdate()
    refusal = feedback_refusal(activity, today)
    if refusal:
        raise ValidationError(refusal)
    if own_rows(Feedback, activity, user, device):
        raise _already(_("You have rated this activity already."))
    record = Feedback(activity=activity, rating=rating, comment=comment.strip())
    if user.is_authenticated:
        record.user, record.verified = user, is_verified_resident(user)
    else:
        if guest_feedback_today(device, today) >= GUEST_FEEDBACK_PER_DAY:
            raise ValidationError(
                _("This phone has rated %(n)s activities today, as many as a guest may. "
                  "Log in as a resident, or rate it tomorrow.") % {"n": GUEST_FEEDBACK_PER_DAY}
            )  # fmt: skip
        record.device = device
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise _already(_("You have rated this activity already.")) from None
    return record
