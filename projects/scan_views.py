"""What a printed QR code opens: one phone page per activity, to sign in (签到) on the day and
to rate the activity (评价) afterwards. The rules are in projects/attendance.py.

Residents scan with whatever phone they have, often without an account: a guest is known by a
long random cookie on the device, set on the first visit, so that one phone signs in and rates
once. Whoever holds the code may use it (that is what a printed code is); an unknown code is 404.
"""

import re
import secrets

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from communities.account_adapter import client_ip
from consultation.models import Satisfaction

from . import attendance
from .models import Feedback, SignIn
from .workflow.delivery import activity_for_scan

DEVICE_COOKIE = "yishi_device"
DEVICE_COOKIE_AGE = 365 * 24 * 60 * 60
DEVICE_PATTERN = re.compile(r"[A-Za-z0-9_-]{32,64}")
# A script can throw its cookie away after every rating, so guests' ratings are also counted per
# network and day. A community hall's wifi puts a whole activity behind one address: the
# network's share is ten times a phone's (attendance.GUEST_FEEDBACK_PER_DAY).
GUEST_FEEDBACK_PER_NETWORK = 10 * attendance.GUEST_FEEDBACK_PER_DAY


class FeedbackForm(forms.Form):
    rating = forms.ChoiceField(
        label=gettext_lazy("How was the activity?"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
    )


def _activity(code):
    activity = activity_for_scan(code)
    if activity is None:
        raise Http404
    return activity


def _device(request):
    """The guest device's cookie, or a new one when it is missing or not one of ours."""
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    return value if DEVICE_PATTERN.fullmatch(value) else secrets.token_urlsafe(32)


def _keep_device(request, response, device):
    if request.COOKIES.get(DEVICE_COOKIE) != device:
        response.set_cookie(
            DEVICE_COOKIE,
            device,
            max_age=DEVICE_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


def scan(request, code):
    activity = _activity(code)
    device = _device(request)
    today = timezone.localdate()
    user = request.user
    feedback = attendance.own_rows(Feedback, activity, user, device)
    sign_in_refusal = attendance.sign_in_refusal(activity, today)
    feedback_refusal = attendance.feedback_refusal(activity, today)
    context = {
        "activity": activity,
        "project": activity.project,
        "sign_in_open": sign_in_refusal is None,
        "sign_in_refusal": sign_in_refusal,
        "signed_in": attendance.own_rows(SignIn, activity, user, device),
        "feedback_open": feedback_refusal is None,
        "feedback_refusal": feedback_refusal,
        "feedback_ends_on": attendance.feedback_ends_on(activity),
        "my_feedback": feedback,
        "form": FeedbackForm() if feedback_refusal is None and feedback is None else None,
        "verified": attendance.is_verified_resident(user),
    }
    return _keep_device(request, render(request, "projects/scan.html", context), device)


@require_POST
def scan_sign_in(request, code):
    activity = _activity(code)
    device = _device(request)
    try:
        record = attendance.sign_in(activity, request.user, device)
    except ValidationError as error:
        _refused(request, error)
    else:
        if record.verified:
            messages.success(request, _("You are signed in. Thank you for coming!"))
        else:
            messages.success(
                request,
                _("You are signed in as a guest. Thank you for coming! A guest counts as an "
                  "unverified participant."),
            )  # fmt: skip
    return _keep_device(request, redirect("projects:scan", code), device)


@require_POST
def scan_feedback(request, code):
    activity = _activity(code)
    device = _device(request)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        if "comment" in form.errors:
            messages.error(request, _("A comment may have at most 500 characters."))
        else:
            messages.error(request, _("Choose satisfied, basically satisfied or dissatisfied."))
        return _keep_device(request, redirect("projects:scan", code), device)
    network = _network_key(request)
    if network and cache.get(network, 0) >= GUEST_FEEDBACK_PER_NETWORK:
        messages.error(
            request,
            _("Too many guests' ratings have come from your network today. Log in as a "
              "resident, or rate it tomorrow."),
        )  # fmt: skip
        return _keep_device(request, redirect("projects:scan", code), device)
    try:
        record = attendance.give_feedback(
            activity,
            request.user,
            device,
            form.cleaned_data["rating"],
            form.cleaned_data["comment"],
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        if network:
            cache.add(network, 0, timeout=24 * 60 * 60)
            cache.incr(network)
        if record.verified:
            messages.success(request, _("Thank you for your feedback."))
        else:
            messages.success(
                request,
                _("Thank you for your feedback. It counts as unverified, apart from verified "
                  "residents' ratings."),
            )  # fmt: skip
    return _keep_device(request, redirect("projects:scan", code), device)


def _network_key(request):
    """The cache key counting today's guest ratings from the visitor's network; None for a
    signed-in visitor, who is counted once per activity by the database."""
    if request.user.is_authenticated:
        return None
    address = client_ip(request)
    return address and f"scan:guest-feedback:{address}:{timezone.localdate():%Y%m%d}"


def _refused(request, error):
    """ "Already" is news, not a mistake; anything else is the reason it was refused."""
    text = " ".join(error.messages)
    if error.code == attendance.ALREADY:
        messages.info(request, text)
    else:
        messages.error(request, text)


urlpatterns = [
    path("a/<uuid:code>/", scan, name="scan"),
    path("a/<uuid:code>/sign-in/", scan_sign_in, name="scan_sign_in"),
    path("a/<uuid:code>/feedback/", scan_feedback, name="scan_feedback"),
]
