"""Staff screens for importing a community's household register, inside the Wagtail admin.

Registered from `wagtail_hooks` (Wagtail only loads modules of that name).
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .forms import RegisterImportForm
from .importing import RegisterImportError, import_household_register, register_template
from .models import Household
from .permissions import managed_communities


class ImportRegisterView(WagtailAdminTemplateMixin, FormView):
    page_title = gettext_lazy("Import household register")
    header_icon = "upload"
    template_name = "communities/admin/import_register.html"
    form_class = RegisterImportForm

    def dispatch(self, request):
        self.communities = managed_communities(request.user).order_by("name")
        if not self.communities.exists():
            raise Http404
        return super().dispatch(request)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse("households:index"),
                "label": capfirst(Household._meta.verbose_name_plural),
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "communities": self.communities}

    def form_valid(self, form):
        try:
            summary = import_household_register(
                form.cleaned_data["community"], form.cleaned_data["file"], by=self.request.user
            )
        except RegisterImportError as error:
            return self.render_to_response(self.get_context_data(form=form, errors=error.errors))
        messages.success(
            self.request,
            _(
                "Register imported: %(created)d households added, %(updated)d updated, "
                "%(members)d people listed."
            )
            % {
                "created": summary.households_created,
                "updated": summary.households_updated,
                "members": summary.members,
            },
        )
        return redirect("households:index")


def register_template_view(request):
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
            register_template_view,
            name="communities_register_template",
        ),
    ]
