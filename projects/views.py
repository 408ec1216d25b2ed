"""Applicant pages: applying to a round, writing the draft, the application's page and its
steps, and "my applications".

Representatives use these plain pages; the street office screens in the Wagtail admin. An
application exists only for its organisation's representatives, the officers of the round's
street once it is submitted, and its assigned reviewers: 404 for everyone else. The round's
public page is the FundingRoundPage itself (projects/pages.py).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities.uploads import download_response, extension_of
from organisations.permissions import represented_by

from . import workflow
from .forms import ReasonForm, application_forms
from .models import ZERO, Application, ApplicationAttachment
from .pages import FundingRoundPage
from .permissions import (
    applications_for_staff,
    applications_of_representative,
    refusal_to_apply,
    screens_applications,
    visible_applications,
)


def _forms_valid(forms):
    return all([form.is_valid() for form in forms])  # a list: every form shows its errors


def _after_saving(request, application):
    if "more" in request.POST:
        messages.success(request, _("Saved. Two more empty lines are below."))
        return redirect("projects:edit", application.pk)
    messages.success(
        request, _("Your draft is saved. Check it below, then submit it to the street office.")
    )
    return redirect(application)


@login_required
def apply(request, round_id):
    """Start an application to `round` for one of my organisations (chosen if several)."""
    round = get_object_or_404(FundingRoundPage.objects.live().select_related("street"), pk=round_id)
    organisations = list(represented_by(request.user).prefetch_related("communities"))
    if not organisations:
        messages.error(
            request,
            _("Only representatives of an organisation filed with the street office can "
              "apply. File your organisation first."),
        )  # fmt: skip
        return redirect(round.get_url(request))
    chosen = request.POST.get("organisation") or request.GET.get("organisation")
    if chosen:
        organisation = next((o for o in organisations if str(o.pk) == chosen), None)
        if organisation is None:
            raise Http404
    elif len(organisations) == 1:
        organisation = organisations[0]
    else:
        choices = [(o, refusal_to_apply(o, round)) for o in organisations]
        return render(
            request, "projects/choose_organisation.html", {"round": round, "choices": choices}
        )
    now = timezone.now()
    refusal = refusal_to_apply(organisation, round) or workflow.closed_refusal(round, now)
    if refusal:
        messages.error(request, refusal)
        return redirect(round.get_url(request))
    forms = application_forms(
        request.POST or None, request.FILES or None, round=round, organisation=organisation
    )
    if request.method == "POST" and _forms_valid(forms):
        application = workflow.save_draft(forms[0].instance, forms[0], forms[1:], request.user)
        return _after_saving(request, application)
    return _form_page(request, round, organisation, forms)


@login_required
def edit(request, pk):
    application = get_object_or_404(
        applications_of_representative(request.user).select_related(
            "round__street", "organisation"
        ),
        pk=pk,
    )
    if application.status not in workflow.EDITABLE:
        messages.error(
            request,
            _("This application is “%(state)s”: it can no longer be changed.")
            % {"state": application.get_status_display()},
        )
        return redirect(application)
    round, organisation = application.round, application.organisation
    forms = application_forms(
        request.POST or None,
        request.FILES or None,
        round=round,
        organisation=organisation,
        instance=application,
    )
    if request.method == "POST" and _forms_valid(forms):
        try:
            application = workflow.save_draft(application, forms[0], forms[1:], request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(application)
        return _after_saving(request, application)
    return _form_page(request, round, organisation, forms, application)


def _form_page(request, round, organisation, forms, application=None):
    form, lines, indicators, attachments = forms
    requested, cofunded, cost = lines.totals()
    return render(
        request,
        "projects/application_form.html",
        {
            "round": round,
            "organisation": organisation,
            "application": application,
            "form": form,
            "lines": lines,
            "indicators": indicators,
            "attachments": attachments,
            "requested_total": requested,
            "cofunded_total": cofunded,
            "cost_total": cost,
            "has_errors": request.method == "POST",
        },
    )


def detail(request, pk):
    application = get_object_or_404(
        visible_applications(request.user)
        .select_related("round__street", "organisation")
        .prefetch_related(
            "communities", "budget_lines", "indicators", "attachments",
            "organisation__representatives",
        ),
        pk=pk,
    )  # fmt: skip
    lines = list(application.budget_lines.all())
    roles = set()
    if any(r.user_id == request.user.pk for r in application.organisation.representatives.all()):
        roles.add(workflow.REPRESENTATIVE)
    if application.submitted_at and screens_applications(request.user, application):
        roles.add(workflow.OFFICER)
    representing = workflow.REPRESENTATIVE in roles
    actions = [
        t for t in workflow.TRANSITIONS.available(application.status, roles)
        if t.action in workflow.REPRESENTATIVE_ACTIONS
    ]  # fmt: skip
    return render(
        request,
        "projects/application_detail.html",
        {
            "application": application,
            "round": application.round,
            "lines": lines,
            "requested_total": sum((line.requested for line in lines), start=ZERO),
            "cofunded_total": sum((line.cofunded for line in lines), start=ZERO),
            "cost_total": sum((line.cost for line in lines), start=ZERO),
            "representing": representing,
            "can_edit": representing and application.status in workflow.EDITABLE,
            "screening": workflow.OFFICER in roles,
            "actions": actions,
            "timeline": application.history.order_by("history_date").only(
                "history_date", "status", "history_change_reason"
            ),
        },
    )


@require_POST
@login_required
def act(request, pk, action):
    application = get_object_or_404(applications_of_representative(request.user), pk=pk)
    if action not in workflow.REPRESENTATIVE_ACTIONS:
        raise Http404
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        workflow.perform(application, action, request.user, reason=reason)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(
            request,
            _("“%(title)s”: %(step)s.")
            % {"title": application.title, "step": workflow.TRANSITIONS[action].label},
        )
    return redirect(application)


@login_required
def mine(request):
    applications = (
        applications_of_representative(request.user)
        .with_totals()
        .select_related("round", "organisation")
        .order_by("-created_at")
    )
    return render(request, "projects/my_applications.html", {"applications": applications})


def attachment(request, pk, attachment_pk):
    """An attachment, as a download, to whoever may see its application (staff who reach it
    in the admin too)."""
    file = get_object_or_404(ApplicationAttachment, pk=attachment_pk, application_id=pk)
    reachable = Application.objects.filter(pk=pk)
    if not (
        visible_applications(request.user).filter(pk=pk).exists()
        or applications_for_staff(reachable, request.user).exists()
    ):
        raise Http404
    if not file.file.storage.exists(file.file.name):
        raise Http404
    extension = extension_of(file.file.name)
    name = file.title.replace("/", "-").replace("\\", "-")
    if extension and not name.lower().endswith(f".{extension}"):
        name = f"{name}.{extension}"
    return download_response(file.file, filename=name)


urlpatterns = [
    path("rounds/<int:round_id>/apply/", apply, name="apply"),
    path("applications/mine/", mine, name="my_applications"),
    path("applications/<int:pk>/", detail, name="application"),
    path("applications/<int:pk>/edit/", edit, name="edit"),
    path("applications/<int:pk>/act/<slug:action>/", act, name="act"),
    path(
        "applications/<int:pk>/attachments/<int:attachment_pk>/",
        attachment,
        name="attachment",
    ),
]
