"""What `communities` holds about a person, for their own download (see accounts.py)."""

from allauth.account.models import EmailAddress

from .accounts import personal_data
from .models import NotificationPreference, Objection, Resident, UserPhone
from .notices import rules_for


def moment(value):
    return value.isoformat() if value else None


@personal_data("account")
def account(user):
    return {
        "username": user.get_username(),
        "email": user.email,
        "joined_at": moment(user.date_joined),
        "last_login": moment(user.last_login),
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "mobile_number": UserPhone.objects.filter(user=user).values("number", "verified").first(),
        "email_preference": NotificationPreference.objects.filter(user=user)
        .values_list("frequency", flat=True)
        .first(),
    }


def _resident(user):
    return (
        Resident.objects.select_related(
            "community__street", "household__grid", "household__community"
        )
        .filter(user=user)
        .first()
    )


@personal_data("profile")
def profile(user):
    resident = _resident(user)
    if resident is None:
        return None
    return {
        "real_name": resident.real_name,
        "phone": resident.phone,
        "stated_address": resident.stated_address,
        "community": resident.community.name if resident.community else None,
        "street": resident.community.street.name if resident.community else None,
        "verified_at": moment(resident.verified_at),
        "verification_method": resident.verification_method or None,
    }


@personal_data("household")
def household(user):
    """Their own household as the community office records it; not the other members."""
    resident = _resident(user)
    if resident is None or resident.household is None:
        return None
    home = resident.household
    return {
        "address": home.address,
        "register_number": home.register_number,
        "community": home.community.name,
        "grid": home.grid.name if home.grid else None,
    }


@personal_data("roles")
def roles(user):
    return [
        {
            "role": m.role,
            "community": m.community.name if m.community else None,
            "street": m.street.name if m.street else None,
            "job_title": m.title,
        }
        for m in user.memberships.select_related("community", "street")
    ]


@personal_data("notifications")
def notifications(user):
    return [
        {
            "message": n.message,
            "link": n.url,
            "created_at": moment(n.created_at),
            "read_at": moment(n.read_at),
        }
        for n in user.notifications.all()
    ]


@personal_data("objections")
def objections(user):
    """My objections to whatever was on public notice (a topic's outcome, a round's awards)."""
    return [
        {
            "on": {
                "title": str(objection.notice.subject),
                "link": rules_for(objection.notice.subject).get_absolute_url(),
            },
            "objection": objection.body,
            "filed_at": moment(objection.created_at),
            "answer": objection.answer,
            "answered_at": moment(objection.answered_at),
            "upheld": objection.upheld,
        }
        for objection in Objection.objects.filter(author=user).prefetch_related("notice__subject")
    ]
