import json

from allauth.core import ratelimit
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from .accounts import close_account, export_personal_data
from .forms import CloseAccountForm, NotificationPreferenceForm, ProfileForm
from .models import Notification, NotificationPreference, Resident, UserPhone
from .phones import COUNTRY_CODE


def resident_for(user):
    resident, _created = Resident.objects.select_related(
        "community__street", "household__grid", "verified_by"
    ).get_or_create(user=user)
    return resident


@login_required
def profile(request):
    """My community, household and verification status; unverified residents complete it here."""
    resident = resident_for(request.user)
    form = None
    login_phone = UserPhone.objects.filter(user=request.user, verified=True).first()
    if not resident.is_verified:
        # A resident who signed up by phone has typed their number once already; the register
        # keeps numbers as 11 digits, which is what verification compares.
        initial = None
        if login_phone and not resident.phone:
            initial = {"phone": login_phone.number.removeprefix(COUNTRY_CODE)}
        form = ProfileForm(request.POST or None, instance=resident, initial=initial)
        if request.method == "POST" and form.is_valid():
            form.save()
            messages.success(
                request,
                _("Saved. Bring your identity card to the community office to be verified."),
            )
            return redirect("communities:profile")
    context = {
        "resident": resident,
        "login_phone": login_phone,
        "form": form,
        "memberships": request.user.memberships.select_related("community", "street"),
        "has_totp": Authenticator.objects.filter(
            user=request.user, type=Authenticator.Type.TOTP
        ).exists(),
    }
    return render(request, "communities/profile.html", context)


@login_required
def notifications(request):
    """My notifications, newest first; opening the page marks them read."""
    items = list(request.user.notifications.all()[:100])
    unread = [n.pk for n in items if n.read_at is None]
    preference, _created = NotificationPreference.objects.get_or_create(user=request.user)
    form = NotificationPreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your email preference is saved."))
        return redirect("communities:notifications")
    if unread:
        Notification.objects.filter(pk__in=unread).update(read_at=timezone.now())
    return render(
        request,
        "communities/notifications.html",
        {"notifications": items, "unread": set(unread), "form": form},
    )


@never_cache
@login_required
def my_data(request):
    """A copy of everything the site holds about me (PIPL), as a JSON file to keep."""
    data = export_personal_data(request.user)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"yishi-my-data-{timezone.localdate():%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def close_my_account(request):
    """Close my account: explained first, confirmed with my password, then signed out."""
    if request.method == "POST":
        # A password is checked here: throttled like allauth's own re-authentication.
        throttled = ratelimit.consume_or_429(request, action="reauthenticate", user=request.user)
        if throttled:
            return throttled
    form = CloseAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        close_account(request.user, by=request.user)
        logout(request)
        messages.success(
            request,
            _("Your account is closed. Your name, phone number and address have been erased."),
        )
        return redirect("/")
    return render(request, "communities/close_account.html", {"form": form})
