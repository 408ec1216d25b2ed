"""Organisation pages: the public directory, an organisation's page, filing and its changes.

Representatives use these plain pages; the street office decides in the Wagtail admin. An
organisation that is not filed exists only for its representatives and the street office
(404 for everyone else).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities.history_reasons import history_reason

from . import workflow
from .forms import OrganisationForm, ReasonForm
from .models import Category, Organisation, OrganisationState
from .permissions import is_representative, represented_by, visible_organisations

PER_PAGE = 20
EDITABLE = (OrganisationState.APPLIED, OrganisationState.RETURNED)
REPRESENTATIVE_ACTIONS = {"resubmit", "dissolve"}


def directory(request, community=None, page=None):
    """Filed organisations of the city, or of one community, by category."""
    organisations = Organisation.objects.filed().prefetch_related("communities")
    if community is not None:
        organisations = organisations.filter(communities=community)
    category = request.GET.get("category", "")
    if category in Category.values:
        organisations = organisations.filter(category=category)
    else:
        category = ""
    return render(
        request,
        "organisations/directory.html",
        {
            "community": community,
            "page": page,
            "organisations": Paginator(organisations.order_by("name"), PER_PAGE).get_page(
                request.GET.get("page")
            ),
            "categories": Category.choices,
            "category": category,
        },
    )


def detail(request, pk):
    organisation = get_object_or_404(
        visible_organisations(request.user)
        .select_related("street")
        .prefetch_related("communities"),
        pk=pk,
    )
    representing = is_representative(request.user, organisation)
    actions = []
    if representing:
        actions = [
            t for t in workflow.available_actions(organisation, request.user)
            if t.action in REPRESENTATIVE_ACTIONS
        ]  # fmt: skip
    return render(
        request,
        "organisations/detail.html",
        {
            "organisation": organisation,
            "representing": representing,
            "can_edit": representing and organisation.status in EDITABLE,
            "actions": actions,
            "reason_form": ReasonForm(),
        },
    )


@login_required
def file_organisation(request):
    form = OrganisationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            organisation = form.save(commit=False)
            workflow.apply_to_file(organisation, form.cleaned_data["communities"], request.user)
        messages.success(
            request,
            _("Your filing is sent to %(street)s. You will be told when they decide.")
            % {"street": organisation.street.name},
        )
        return redirect(organisation)
    return render(request, "organisations/form.html", {"form": form})


@login_required
def edit(request, pk):
    organisation = get_object_or_404(represented_by(request.user), pk=pk)
    if organisation.status not in EDITABLE:
        messages.error(
            request,
            _("A filed organisation's details are changed by the street office; ask them."),
        )
        return redirect(organisation)
    form = OrganisationForm(request.POST or None, request.FILES or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            organisation = form.save(commit=False)
            organisation._history_user = request.user
            organisation._change_reason = history_reason("organisation.edited")
            organisation.save()
            form.save_m2m()
        messages.success(request, _("Your changes are saved."))
        return redirect(organisation)
    return render(request, "organisations/form.html", {"form": form, "organisation": organisation})


@require_POST
@login_required
def act(request, pk, action):
    organisation = get_object_or_404(represented_by(request.user), pk=pk)
    if action not in REPRESENTATIVE_ACTIONS:
        raise Http404
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        workflow.perform(organisation, action, request.user, reason=reason)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(
            request,
            _("“%(name)s”: %(step)s.")
            % {"name": organisation.name, "step": workflow.TRANSITIONS[action].label},
        )
    return redirect(organisation)


@login_required
def mine(request):
    return render(
        request,
        "organisations/mine.html",
        {"organisations": represented_by(request.user).select_related("street")},
    )
