"""Applications in the admin: the street office screens what organisations submitted.

Officers of a round's street see its submitted applications and screen them (start screening,
pass into review, decline or return for changes, with a reason the organisation reads);
community staff see the applications serving their community, read-only, to know what is
planned there. Drafts are the organisation's own and appear to nobody here. A screening step
is a form whose data goes to projects.workflow; whatever it refuses is shown on the form,
with nothing changed.
"""

from decimal import Decimal

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.permissions import register_permission_policy

from communities.models import Street
from communities.permissions import managed_communities, managed_streets
from communities.scoping import ScopedAdminView, ScopedViewSet, StaffRolePolicy

from .. import workflow
from ..awards import decisions_reopened
from ..models import ZERO, Application, ApplicationState
from ..pages import FundingRoundPage
from ..permissions import applications_for_staff

# Applications change status only through the workflow and are never deleted here; their
# content is the organisation's, written on its own pages.
register_permission_policy(Application, StaffRolePolicy(Application, {"view"}))

# Steps that carry no words to the organisation.
WITHOUT_REASON = {"start_screening"}


def rounds_for_staff(request):
    """Rounds to filter by: those of the user's streets, or serving their communities."""
    if request is None or not request.user.is_authenticated:
        return FundingRoundPage.objects.none()
    user = request.user
    if user.is_superuser:
        return FundingRoundPage.objects.order_by("-opens_at")
    streets = Street.objects.filter(
        Q(pk__in=managed_streets(user).values("pk"))
        | Q(pk__in=managed_communities(user).values("street_id"))
    )
    return FundingRoundPage.objects.filter(street__in=streets).order_by("-opens_at")


class ApplicationFilterSet(WagtailFilterSet):
    round = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Funding round"), queryset=rounds_for_staff
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"),
        choices=[c for c in ApplicationState.choices if c[0] != ApplicationState.DRAFT],
    )

    class Meta:
        model = Application
        fields = ["round", "status"]


class MoneyColumn(Column):
    """Yuan to the fen: a sum from the database may come back without its decimals."""

    def get_value(self, instance):
        value = super().get_value(instance)
        return "—" if value is None else f"{Decimal(value):.2f}"


class ScreeningForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
        help_text=gettext_lazy("The organisation's representatives read it as written."),
    )


class ApplicationIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("round", "organisation").with_totals()


class ApplicationInspectView(generic.InspectView):
    template_name = "projects/admin/application_inspect.html"

    def get_context_data(self, **kwargs):
        application = self.object
        steps = [
            {
                "label": transition.label,
                "url": reverse("applications_screen", args=[application.pk, transition.action]),
            }
            for transition in workflow.available_actions(application, self.request.user)
            if transition.action in workflow.SCREENING_ACTIONS
            and (transition.action != "decide_again" or decisions_reopened(application.round))
        ]
        if workflow.OFFICER in workflow.roles_of(self.request.user, application) and (
            application.status in workflow.DECIDABLE
        ):
            steps.append(
                {
                    "label": _("Decide on funding"),
                    "url": reverse("projects_decide", args=[application.pk]),
                }
            )
        from .projects import start_step  # a final award is started as a project there

        if start := start_step(application, self.request.user):
            steps.append(start)
        lines = list(application.budget_lines.all())
        return super().get_context_data(
            steps=steps,
            lines=lines,
            round=application.round,
            requested_total=sum((line.requested for line in lines), start=ZERO),
            cofunded_total=sum((line.cofunded for line in lines), start=ZERO),
            cost_total=sum((line.cost for line in lines), start=ZERO),
            timeline=application.history.select_related("history_user").order_by("history_date"),
            **kwargs,
        )

    def get_object(self, queryset=None):
        return get_object_or_404(
            Application.objects.select_related("round__street", "organisation").prefetch_related(
                "communities", "indicators", "attachments", "organisation__representatives__user"
            ),
            pk=self.pk,
        )


class ApplicationViewSet(ScopedViewSet):
    model = Application
    scope = staticmethod(applications_for_staff)
    icon = "doc-full"
    menu_label = gettext_lazy("Funding applications")
    menu_order = 170
    add_to_admin_menu = True
    form_fields = []
    index_view_class = ApplicationIndexView
    inspect_view_class = ApplicationInspectView
    inspect_view_enabled = True
    filterset_class = ApplicationFilterSet
    search_fields = ["title", "organisation__name"]
    list_export = ["title", "organisation", "round", "status", "requested_total",
                   "cofunded_total", "beneficiary_count", "submitted_at"]  # fmt: skip
    export_headings = {
        "requested_total": gettext_lazy("Requested (yuan)"),
        "cofunded_total": gettext_lazy("Co-funded (yuan)"),
    }
    list_display = [
        TitleColumn("title", label=gettext_lazy("Title"), url_name="applications_admin:inspect"),
        Column("organisation", label=gettext_lazy("Organisation")),
        Column("round", label=gettext_lazy("Funding round")),
        StatusTagColumn("get_status_display", label=gettext_lazy("Status"), sort_key="status"),
        MoneyColumn("requested_total", label=gettext_lazy("Requested (yuan)")),
        DateColumn("submitted_at", label=gettext_lazy("Submitted"), sort_key="submitted_at"),
    ]


class ScreenView(ScopedAdminView, WagtailAdminTemplateMixin, FormView):
    """One screening step of the street office on one application of its rounds (404
    otherwise)."""

    model = Application
    header_icon = "doc-full"
    template_name = "projects/admin/screen.html"
    form_class = ScreeningForm

    def dispatch(self, request, pk, action):
        self.application = get_object_or_404(
            applications_for_staff(Application.objects.select_related("round"), request.user),
            pk=pk,
        )
        if action not in workflow.SCREENING_ACTIONS:
            raise Http404
        self.transition = workflow.TRANSITIONS[action]
        roles = workflow.roles_of(request.user, self.application)
        if workflow.OFFICER not in roles:
            raise Http404
        if not workflow.TRANSITIONS.allows(self.application.status, roles, action):
            messages.error(
                request,
                _("This is “%(state)s”; “%(action)s” is not possible now.")
                % {
                    "state": self.application.get_status_display(),
                    "action": self.transition.label,
                },
            )
            return redirect("applications_admin:inspect", self.application.pk)
        return super().dispatch(request, pk, action)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if self.transition.action in WITHOUT_REASON:
            del form.fields["reason"]
        elif workflow.needs_reason(self.transition):
            form.fields["reason"].required = True
        return form

    def get_page_title(self):
        return capfirst(str(self.transition.label))

    def get_page_subtitle(self):
        return self.application.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse("applications_admin:index"),
                "label": capfirst(Application._meta.verbose_name_plural),
            },
            {
                "url": reverse("applications_admin:inspect", args=[self.application.pk]),
                "label": self.application.title,
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            application=self.application, submit_label=self.get_page_title(), **kwargs
        )

    def form_valid(self, form):
        try:
            workflow.perform(
                self.application, self.transition.action, self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            if "reason" in form.fields:
                form.add_error("reason", error)
            else:
                form.add_error(None, error)
            return self.form_invalid(form)
        except PermissionDenied:
            raise Http404 from None
        messages.success(
            self.request,
            _("“%(title)s”: %(step)s.")
            % {"title": self.application.title, "step": self.transition.label},
        )
        return redirect("applications_admin:inspect", self.application.pk)


application_viewset = ApplicationViewSet("applications_admin", url_prefix="applications")


@hooks.register("register_admin_viewset")
def register_applications():
    return application_viewset


@hooks.register("register_admin_urls")
def register_application_urls():
    return [
        path(
            "applications/<int:pk>/screen/<slug:action>/",
            ScreenView.as_view(),
            name="applications_screen",
        )
    ]
