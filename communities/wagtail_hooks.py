"""Staff screens for people and places, inside the Wagtail admin.

Every listing and every object view is narrowed to the places the user's memberships name;
anything else answers 404, as if it did not exist.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.ui.menus import MenuItem as ButtonMenuItem
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton

from .forms import RegisterImportForm, RevokeVerificationForm, VerifyResidentForm
from .importing import RegisterImportError, import_household_register, register_template
from .models import Community, Grid, Household, Membership, Resident, Street
from .permissions import (
    can_verify,
    managed_communities,
    managed_streets,
    residents_visible_to,
)
from .workflow import revoke_verification, verify_resident


def scoped(queryset, user):
    """The part of `queryset` the user's memberships reach."""
    model = queryset.model
    if model is Street:
        return queryset.filter(pk__in=managed_streets(user))
    if model is Community:
        return queryset.filter(pk__in=managed_communities(user))
    if model is Membership:
        return (
            queryset
            if user.is_superuser
            else queryset.filter(community__in=managed_communities(user))
        )
    return queryset.filter(community__in=managed_communities(user))


class ScopedViewMixin:
    def get_base_queryset(self):
        return scoped(super().get_base_queryset(), self.request.user)

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not scoped(type(obj)._default_manager.filter(pk=obj.pk), self.request.user).exists():
            raise Http404
        return obj


class ScopedIndexView(ScopedViewMixin, generic.IndexView):
    pass


class ScopedEditView(ScopedViewMixin, generic.EditView):
    pass


class ScopedInspectView(ScopedViewMixin, generic.InspectView):
    pass


class ScopedDeleteView(ScopedViewMixin, generic.DeleteView):
    pass


class ScopedViewSet(ModelViewSet):
    index_view_class = ScopedIndexView
    edit_view_class = ScopedEditView
    inspect_view_class = ScopedInspectView
    delete_view_class = ScopedDeleteView
    add_to_admin_menu = False


class StreetViewSet(ScopedViewSet):
    model = Street
    icon = "site"
    form_fields = ["name", "slug", "address", "phone"]
    list_display = ["name", "address", "phone"]


class CommunityViewSet(ScopedViewSet):
    model = Community
    url_namespace = "community_records"
    icon = "home"
    form_fields = ["street", "name", "slug", "address", "phone", "office_hours"]
    list_display = ["name", "street", "address", "phone"]
    list_filter = ["street"]
    search_fields = ["name"]


class GridViewSet(ScopedViewSet):
    model = Grid
    icon = "table"
    form_fields = ["community", "name", "worker_name", "worker_phone"]
    list_display = ["name", "community", "worker_name", "worker_phone"]
    list_filter = ["community"]


class HouseholdIndexView(ScopedIndexView):
    @property
    def header_buttons(self):
        return [
            *super().header_buttons,
            HeaderButton(
                _("Import household register"),
                url=reverse("communities_import_register"),
                icon_name="upload",
            ),
        ]

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("community", "grid")


class HouseholdViewSet(ScopedViewSet):
    model = Household
    icon = "group"
    index_view_class = HouseholdIndexView
    form_fields = ["community", "grid", "address", "register_number"]
    list_display = ["address", "register_number", "grid", "community"]
    list_filter = ["community", "grid"]
    search_fields = ["address", "register_number"]
    inspect_view_enabled = True
    inspect_view_fields = ["community", "grid", "address", "register_number"]
    list_per_page = 50


class ResidentIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user", "community", "household")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.is_verified:
            buttons.append(
                ButtonMenuItem(
                    _("Revoke verification"),
                    url=reverse("communities_revoke_resident", args=[instance.pk]),
                    icon_name="cross",
                    priority=5,
                )
            )
        else:
            buttons.append(
                ButtonMenuItem(
                    _("Verify"),
                    url=reverse("communities_verify_resident", args=[instance.pk]),
                    icon_name="check",
                    priority=5,
                )
            )
        return buttons


class ResidentViewSet(ScopedViewSet):
    model = Resident
    icon = "user"
    index_view_class = ResidentIndexView
    add_view_enabled = False
    form_fields = ["real_name", "phone", "stated_address"]
    list_display = [
        "real_name",
        Column("email", label=gettext_lazy("email"), accessor="user.email"),
        "community",
        "household",
        BooleanColumn("is_verified", label=gettext_lazy("verified")),
        "verification_method",
    ]
    list_filter = ["community", "verification_method"]
    search_fields = ["real_name", "phone", "stated_address"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "real_name",
        "phone",
        "community",
        "stated_address",
        "household",
        "verified_at",
        "verified_by",
        "verification_method",
    ]
    list_per_page = 50


class MembershipViewSet(ScopedViewSet):
    model = Membership
    icon = "key"
    form_fields = ["user", "role", "community", "street", "title"]
    list_display = ["user", "role", "community", "street", "title"]
    list_filter = ["role"]


class PeopleAndPlacesGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("People and places")
    menu_icon = "group"
    menu_order = 200
    items = (
        ResidentViewSet("residents"),
        HouseholdViewSet("households"),
        GridViewSet("grids"),
        CommunityViewSet("communities"),
        StreetViewSet("streets"),
        MembershipViewSet("memberships"),
    )


@hooks.register("register_admin_viewset")
def register_people_and_places():
    return PeopleAndPlacesGroup()


def _resident_for_staff(request, pk):
    resident = get_object_or_404(residents_visible_to(request.user).select_related("user"), pk=pk)
    if not can_verify(request.user, resident):
        raise Http404
    return resident


def verify_resident_view(request, pk):
    resident = _resident_for_staff(request, pk)
    form = VerifyResidentForm(request.POST or None, resident=resident)
    if request.method == "POST" and form.is_valid():
        try:
            verify_resident(
                resident,
                by=request.user,
                method=form.cleaned_data["method"],
                household=form.cleaned_data["household"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("%(name)s is verified.") % {"name": resident})
            return redirect("residents:index")
    return TemplateResponse(
        request,
        "communities/admin/verify_resident.html",
        {"resident": resident, "form": form, "page_title": _("Verify a resident")},
    )


def revoke_resident_view(request, pk):
    resident = _resident_for_staff(request, pk)
    form = RevokeVerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revoke_verification(resident, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The verification of %(name)s is revoked.") % {"name": resident}
            )
            return redirect("residents:index")
    return TemplateResponse(
        request,
        "communities/admin/revoke_resident.html",
        {"resident": resident, "form": form, "page_title": _("Revoke a verification")},
    )


def import_register_view(request):
    communities = managed_communities(request.user).order_by("name")
    if not communities.exists():
        raise Http404
    form = RegisterImportForm(request.POST or None, request.FILES or None, communities=communities)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            summary = import_household_register(
                form.cleaned_data["community"], form.cleaned_data["file"], by=request.user
            )
        except RegisterImportError as error:
            errors = error.errors
        else:
            messages.success(
                request,
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
    return TemplateResponse(
        request,
        "communities/admin/import_register.html",
        {"form": form, "errors": errors, "page_title": _("Import household register")},
    )


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
def register_people_urls():
    return [
        path(
            "residents/<int:pk>/verify/", verify_resident_view, name="communities_verify_resident"
        ),
        path(
            "residents/<int:pk>/revoke/", revoke_resident_view, name="communities_revoke_resident"
        ),
        path("households/import/", import_register_view, name="communities_import_register"),
        path(
            "households/import/template.xlsx",
            register_template_view,
            name="communities_register_template",
        ),
    ]
