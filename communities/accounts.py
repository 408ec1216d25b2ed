"""Residents' rights over their data (PIPL 个人信息保护法): a copy of it, and closing the account.

Closing anonymises, it never deletes: a resident's supports, ratings, votes and comments are
part of decisions the community already took and published (a support counted towards a
threshold, a rating towards a published satisfaction rate). So the records stay and keep
counting; what identifies the person (name, phone, address, email, the sign-in itself) goes,
in the live tables and in their history.

Every app says what it holds about a person in its own `personal_data.py`, with
`@personal_data("section")` on a function `(user) -> JSON-serialisable`; this module finds those
modules by name, so `communities` never imports the apps that build on it.
"""

import uuid
from collections import Counter
from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import router, transaction
from django.db.models import ProtectedError, RestrictedError
from django.db.models.deletion import Collector
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.users.models import UserProfile

from .models import Membership, NotificationPreference, Resident, UserPhone

_SECTIONS = {}
CHANGE_REASON = "account closed"


def personal_data(section):
    """Register `function(user)` as the exporter of one section of a person's data."""

    def register(function):
        _SECTIONS[section] = function
        return function

    return register


def export_personal_data(user):
    """Everything registered about `user`, by section: theirs only, never anyone else's."""
    autodiscover_modules("personal_data")
    data = {"exported_at": timezone.now().isoformat()}
    for section, exporter in _SECTIONS.items():
        data[section] = exporter(user)
    return data


def _erase_personal_fields(resident):
    resident.real_name = ""
    resident.phone = ""
    resident.stated_address = ""


def close_account(user, by):
    """Close `user`'s account at their request (`by` is who acted: themselves, or staff).

    The account can never sign in again and names no one; everything it did still counts.
    """
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        resident, _created = Resident.objects.select_for_update().get_or_create(user=user)
        if resident.closed_at is not None:
            return resident

        # History first: the rows written before today still carry the name and phone.
        resident.history.all().update(real_name="", phone="", stated_address="")
        _erase_personal_fields(resident)
        resident.closed_at = timezone.now()
        resident._history_user = by
        resident._change_reason = CHANGE_REASON
        resident.save()

        user.username = f"closed-{uuid.uuid4().hex}"
        user.email = ""
        user.first_name = ""
        user.last_name = ""
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.set_unusable_password()
        user.save()

        EmailAddress.objects.filter(user=user).delete()
        UserPhone.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        UserProfile.objects.filter(user=user).delete()
        NotificationPreference.objects.filter(user=user).delete()
        user.notifications.all().delete()
        user.groups.clear()
        user.user_permissions.clear()
        for membership in Membership.objects.filter(user=user):
            membership._history_user = by
            membership._change_reason = CHANGE_REASON
            membership.delete()
        _end_sessions(user)
    return resident


def _end_sessions(user):
    """Sign the account out everywhere it is signed in.

    A changed password already invalidates other sessions at their next request; deleting
    them also drops what they hold. Only database-backed sessions can be listed by user.
    """
    if settings.SESSION_ENGINE not in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    ):
        return
    from django.contrib.sessions.models import Session

    store = import_module(settings.SESSION_ENGINE).SessionStore
    user_id = str(user.pk)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == user_id:
            store(session.session_key).delete()


def protected_records(obj):
    """The counted records that keep `obj` from being deleted, as {verbose plural: count}.

    Empty when nothing depends on it. Uses Django's own deletion collector, so it follows every
    PROTECT and RESTRICT foreign key, through cascades (a user → their resident → supports).
    """
    collector = Collector(using=router.db_for_write(type(obj)))
    try:
        collector.collect([obj])
    except ProtectedError as error:
        blocking = error.protected_objects
    except RestrictedError as error:
        blocking = error.restricted_objects
    else:
        return {}
    return dict(Counter(str(capfirst(o._meta.verbose_name_plural)) for o in blocking))


def refuse_protected_deletion(request, obj, back_to):
    """A redirect to `back_to` with a message saying why `obj` stays, or None if it may go.

    For the admin's delete views: records that counted in published results are never
    deleted; an account is closed (anonymised) and a place is deactivated instead.
    """
    blocking = protected_records(obj)
    if not blocking:
        return None
    records = ", ".join(f"{name} ({count})" for name, count in sorted(blocking.items()))
    messages.error(
        request,
        _("“%(object)s” cannot be deleted: %(records)s depend on it. Close the account or "
          "mark the place inactive instead.") % {"object": obj, "records": records},
    )  # fmt: skip
    return redirect(back_to)


@hooks.register("before_delete_user")
def refuse_deleting_an_account_with_records(request, user):
    # Registered here, beside close_account, because it is the same rule: an account that
    # took part is closed, never deleted. This module is loaded with the URLconf.
    return refuse_protected_deletion(request, user, "wagtailusers_users:index")
