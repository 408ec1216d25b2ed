"""The street office's screens for social organisations, inside the Wagtail admin.

Street officers see the organisations filed with their street and decide on filings; community
staff see those serving their community (to know who works there), without deciding. Anything
else answers 404. A decision is a form whose data goes to organisations.workflow; whatever the
workflow refuses is shown on the form, with nothing changed.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.permissions import register_permission_policy

from communities.admin_ui import LocalTimeInspectView
from communities.scoping import ScopedAdminView, ScopedViewSet, StaffRolePolicy

from . import workflow
from .models import Organisation
from .permissions import organisations_for_staff

# Organisations change status only through the workflow, and nothing is deleted: filings are
# kept. Their details are corrected by the representatives while the filing is open.
register_permission_policy(Organisation, StaffRolePolicy(Organisation, {"view"}))


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
        help_text=gettext_lazy("The organisation's representatives read it as written."),
    )


class OrganisationInspectView(LocalTimeInspectView):
    template_name = "organisations/admin/inspect.html"

    def get_context_data(self, **kwargs):
        organisation = self.object
        steps = [
            {
                "label": transition.label,
                "url": reverse("organisations_decide", args=[organisation.pk, transition.action]),
            }
            for transition in workflow.TRANSITIONS.available(
                organisation.status, workflow.roles_of(self.request.user, organisation)
            )
            if workflow.OFFICER in transition.roles
        ]
        return super().get_context_data(
            steps=steps,
            representatives=organisation.representatives.select_related("user"),
            timeline=organisation.history.select_related("history_user").order_by("history_date"),
            **kwargs,
        )


class OrganisationIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("street")


class OrganisationViewSet(ScopedViewSet):
    model = Organisation
    scope = staticmethod(organisations_for_staff)
    icon = "group"
    menu_label = gettext_lazy("Social organisations")
    menu_order = 160
    add_to_admin_menu = True
    form_fields = []
    index_view_class = OrganisationIndexView
    inspect_view_class = OrganisationInspectView
    inspect_view_enabled = True
    list_filter = ["status", "category", "kind"]
    search_fields = ["name", "credit_code", "contact_name"]
    list_export = ["name", "kind", "credit_code", "category", "status", "member_count",
                   "contact_name", "contact_phone", "applied_at", "filed_at"]  # fmt: skip
    list_display = [
        TitleColumn("name", label=gettext_lazy("Name"), url_name="organisations_admin:inspect"),
        StatusTagColumn("get_status_display", label=gettext_lazy("Status"), sort_key="status"),
        Column("get_category_display", label=gettext_lazy("Category"), sort_key="category"),
        Column("street", label=gettext_lazy("Street")),
        DateColumn("applied_at", label=gettext_lazy("Applied"), sort_key="applied_at"),
    ]
    inspect_view_fields = [
        "street",
        "kind",
        "credit_code",
        "category",
        "description",
        "member_count",
        "contact_name",
        "contact_phone",
        "contact_email",
        "applied_at",
        "filed_at",
        "decision_reason",
    ]


class DecideView(ScopedAdminView, WagtailAdminTemplateMixin, FormView):
    """One decision of the street office on one organisation of its street (404 otherwise)."""

    model = Organisation
    header_icon = "group"
    template_name = "organisations/admin/decide.html"
    form_class = DecisionForm

    def dispatch(self, request, pk, action):
        self.organisation = get_object_or_404(
            organisations_for_staff(Organisation.objects.all(), request.user), pk=pk
        )
        if action not in workflow.TRANSITIONS.actions:
            raise Http404
        self.transition = workflow.TRANSITIONS[action]
        roles = workflow.roles_of(request.user, self.organisation)
        if workflow.OFFICER not in roles or workflow.OFFICER not in self.transition.roles:
            raise Http404
        if not workflow.TRANSITIONS.allows(self.organisation.status, roles, action):
            messages.error(
                request,
                _("This is “%(state)s”; “%(action)s” is not possible now.")
                % {
                    "state": self.organisation.get_status_display(),
                    "action": self.transition.label,
                },
            )
            return redirect("organisations_admin:inspect", self.organisation.pk)
        return super().dispatch(request, pk, action)

    def get_page_title(self):
        return capfirst(str(self.transition.label))

    def get_page_subtitle(self):
        return self.organisation.name

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse("organisations_admin:index"),
                "label": capfirst(Organisation._meta.verbose_name_plural),
            },
            {
                "url": reverse("organisations_admin:inspect", args=[self.organisation.pk]),
                "label": self.organisation.name,
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            organisation=self.organisation, submit_label=self.get_page_title(), **kwargs
        )

    def form_valid(self, form):
        try:
            workflow.perform(
                self.organisation, self.transition.action, self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error("reason", error)
            return self.form_invalid(form)
        except PermissionDenied:
            raise Http404 from None
        messages.success(
            self.request,
            _("“%(name)s”: %(step)s.")
            % {"name": self.organisation.name, "step": self.transition.label},
        )
        return redirect("organisations_admin:inspect", self.organisation.pk)


organisation_viewset = OrganisationViewSet("organisations_admin", url_prefix="organisations")


@hooks.register("register_admin_viewset")
def register_organisations():
    return organisation_viewset


@hooks.register("register_admin_urls")
def register_organisation_urls():
    return [
        path(
            "organisations/<int:pk>/decide/<slug:action>/",
            DecideView.as_view(),
            name="organisations_decide",
        )
    ]
