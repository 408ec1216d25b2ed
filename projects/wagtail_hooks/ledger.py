"""台账 on request: a community's staff and its street's officers choose a community of their
own, a period and the parts, and land on the report's page while it is built
(projects/tasks.py). The screen lists the ledgers they asked for lately."""

from datetime import date

from django import forms
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateInput

from communities.permissions import managed_communities
from communities.scoping import ScopedAdminView, manages_any_community

from ..ledger import CATEGORIES, CATEGORY_KEYS
from ..models import GeneratedReport, ReportKind
from ..tasks import queue_ledger

# A ledger covers at most a few years: longer periods are several ledgers.
LONGEST_DAYS = 3 * 366


class LedgerForm(forms.Form):
    community = forms.ModelChoiceField(label=gettext_lazy("Community"), queryset=None)
    period_start = forms.DateField(label=gettext_lazy("From"), widget=AdminDateInput)
    period_end = forms.DateField(label=gettext_lazy("To"), widget=AdminDateInput)
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("What it covers"),
        choices=CATEGORIES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Tick at least one part of the ledger.")},
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["community"].error_messages["invalid_choice"] = _(
            "Choose one of the communities you manage."
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end:
            if end < start:
                self.add_error("period_end", _("The period must end on or after its first day."))
            elif (end - start).days > LONGEST_DAYS:
                self.add_error("period_end", _("A ledger covers at most three years."))
        return cleaned


class LedgerView(ScopedAdminView, WagtailAdminTemplateMixin, FormView):
    """Finds the communities it offers through `managed_communities`; 404 for anyone with none."""

    model = GeneratedReport
    page_title = gettext_lazy("Generate a ledger")
    header_icon = "doc-full"
    template_name = "projects/admin/ledger_form.html"
    form_class = LedgerForm

    def dispatch(self, request):
        self.communities = managed_communities(request.user).order_by("name")
        if not self.communities.exists():
            raise Http404
        return super().dispatch(request)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "communities": self.communities}

    def get_initial(self):
        today = timezone.localdate()
        communities = list(self.communities[:2])
        return {
            "community": communities[0] if len(communities) == 1 else None,
            "period_start": date(today.year, 1, 1),
            "period_end": date(today.year, 12, 31),
            "categories": CATEGORY_KEYS,
        }

    def form_valid(self, form):
        data = form.cleaned_data
        report = queue_ledger(
            data["community"],
            data["period_start"],
            data["period_end"],
            data["categories"],
            by=self.request.user,
        )
        return redirect("projects:report_status", report.pk)

    def get_context_data(self, **kwargs):
        recent = (
            GeneratedReport.objects.filter(requested_by=self.request.user, kind=ReportKind.LEDGER)
            .select_related("community")
            .defer("pdf")[:10]
        )
        return super().get_context_data(recent=recent, **kwargs)


class LedgerMenuItem(MenuItem):
    def is_shown(self, request):
        return manages_any_community(request.user)


@hooks.register("register_admin_menu_item")
def register_ledger_menu_item():
    return LedgerMenuItem(
        gettext_lazy("Generate a ledger"),
        reverse("projects_ledger"),
        name="community-ledger",
        icon_name="doc-full",
        order=185,
    )


@hooks.register("register_admin_urls")
def register_ledger_urls():
    return [path("ledger/", LedgerView.as_view(), name="projects_ledger")]
