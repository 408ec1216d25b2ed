"""Staff screens for importing a community's household register, inside the Wagtail admin.

The upload is checked for shape while the staff member waits, then imported in the background;
they land on that import's page, which refreshes itself (no JavaScript) until it has ended.
Registered from `wagtail_hooks` (Wagtail only loads modules of that name).
"""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View
from wagtail import hooks
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .forms import RegisterImportForm
from .importing import RegisterImportError, queue_register_import, register_template, render_problem
from .models import Household, RegisterImport
from .permissions import managed_communities
from .scoping import ScopedAdminView

# Seconds between two looks at a queued or running import: a 20,000-row register takes well
# under a minute, so staff see it move without the page hammering the server.
REFRESH_SECONDS = 3


def imports_visible_to(user):
    """Imports into the communities the user manages; the stored workbook is never loaded."""
    return (
        RegisterImport.objects.filter(community__in=managed_communities(user))
        .select_related("community", "created_by")
        .defer("workbook")
    )


class ImportScreen(ScopedAdminView, WagtailAdminTemplateMixin):
    """A staff screen of the import: it finds what it shows through `managed_communities`."""

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse("households:index"),
                "label": capfirst(Household._meta.verbose_name_plural),
            },
            {"url": "", "label": self.get_page_title()},
        ]


class ImportRegisterView(ImportScreen, FormView):
    page_title = gettext_lazy("Import household register")
    header_icon = "upload"
    template_name = "communities/admin/import_register.html"
    form_class = RegisterImportForm

    def dispatch(self, request):
        self.communities = managed_communities(request.user).order_by("name")
        if not self.communities.exists():
            raise Http404
        return super().dispatch(request)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "communities": self.communities}

    def form_valid(self, form):
        try:
            record = queue_register_import(
                form.cleaned_data["community"], form.cleaned_data["file"], by=self.request.user
            )
        except RegisterImportError as error:
            for message in error.errors:
                form.add_error("file", message)
            return self.form_invalid(form)
        return redirect("communities_register_import", record.pk)


class RegisterImportView(ImportScreen, TemplateView):
    """One import: waiting, how far it got, and how it ended."""

    model = RegisterImport  # the record its URL names

    page_title = gettext_lazy("Household register import")
    header_icon = "upload"
    template_name = "communities/admin/import_register_progress.html"

    def dispatch(self, request, pk):
        self.record = get_object_or_404(imports_visible_to(request.user), pk=pk)
        return super().dispatch(request, pk)

    def get_page_subtitle(self):
        return self.record.file_name

    def get_context_data(self, **kwargs):
        record = self.record
        percent = None
        if record.rows_total and record.status == RegisterImport.Status.RUNNING:
            percent = min(100, record.rows_done * 100 // record.rows_total)
        return super().get_context_data(
            record=record,
            problems=[render_problem(stored) for stored in record.problems],
            percent=percent,
            refresh_seconds=REFRESH_SECONDS if record.is_pending else None,
            **kwargs,
        )


class RegisterImportListView(ImportScreen, TemplateView):
    page_title = gettext_lazy("Household register imports")
    header_icon = "upload"
    template_name = "communities/admin/import_register_list.html"

    def dispatch(self, request):
        if not managed_communities(request.user).exists():
            raise Http404
        return super().dispatch(request)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            imports=imports_visible_to(self.request.user)[:50], **kwargs
        )


class RegisterTemplateView(ScopedAdminView, View):
    def get(self, request):
        if not managed_communities(request.user).exists():
            raise Http404
        response = HttpResponse(
            register_template(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="household-register-template.xlsx"'
        return response


@hooks.register("register_admin_urls")
def register_import_urls():
    return [
        path(
            "households/import/", ImportRegisterView.as_view(), name="communities_import_register"
        ),
        path(
            "households/import/template.xlsx",
            RegisterTemplateView.as_view(),
            name="communities_register_template",
        ),
        path(
            "households/import/history/",
            RegisterImportListView.as_view(),
            name="communities_register_imports",
        ),
        path(
            "households/import/<int:pk>/",
            RegisterImportView.as_view(),
            name="communities_register_import",
        ),
    ]
