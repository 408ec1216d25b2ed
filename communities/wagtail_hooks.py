"""Staff screens for people and places, inside the Wagtail admin.

Every listing and every object view is narrowed to the places the user's memberships name;
anything else answers 404, as if it did not exist.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.menus import MenuItem as ButtonMenuItem
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton

from . import admin_import  # noqa: F401  (registers the household-register import screens)
from .forms import RevokeVerificationForm, VerifyResidentForm
from .models import Community, Grid, Household, Membership, Resident, Street
from .permissions import (
    can_verify,
    managed_communities,
    managed_streets,
    residents_visible_to,
)
from .scoping import ScopedAdminView, ScopedViewSet
from .workflow import revoke_verification, verify_resident


def managed_places(queryset, user):
    """Grids, households and residents of the communities the user manages."""
    return queryset.filter(community__in=managed_communities(user))


def managed_street_records(queryset, user):
    return queryset.filter(pk__in=managed_streets(user))


def managed_community_records(queryset, user):
    return queryset.filter(pk__in=managed_communities(user))


def visible_memberships(queryset, user):
    """Street officers see the roles held in their communities; only superusers see all."""
    if user.is_superuser:
        return queryset
    return queryset.filter(community__in=managed_communities(user))


class StreetViewSet(ScopedViewSet):
    model = Street
    scope = staticmethod(managed_street_records)
    icon = "site"
    form_fields = ["name", "slug", "address", "phone"]
    list_display = ["name", "address", "phone"]


class CommunityViewSet(ScopedViewSet):
    model = Community
    scope = staticmethod(managed_community_records)
    url_namespace = "community_records"
    icon = "home"
    form_fields = ["street", "name", "slug", "address", "phone", "office_hours"]
    list_display = ["name", "street", "address", "phone"]
    list_filter = ["street"]
    search_fields = ["name"]


class GridViewSet(ScopedViewSet):
    model = Grid
    scope = staticmethod(managed_places)
    icon = "table"
    form_fields = ["community", "name", "worker_name", "worker_phone"]
    list_display = ["name", "community", "worker_name", "worker_phone"]
    list_filter = ["community"]


class HouseholdIndexView(generic.IndexView):
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
    scope = staticmethod(managed_places)
    icon = "group"
    index_view_class = HouseholdIndexView
    form_fields = ["community", "grid", "address", "register_number"]
    list_display = ["address", "register_number", "grid", "community"]
    list_filter = ["community", "grid"]
    search_fields = ["address", "register_number"]
    inspect_view_enabled = True
    inspect_view_fields = ["community", "grid", "address", "register_number"]
    list_per_page = 50


class ResidentIndexView(generic.IndexView):
    def get_base_queryset(self):
        # Those waiting to be verified come first: they are the staff member's work queue.
        return (
            super()
            .get_base_queryset()
            .select_related("user", "community", "household")
            .order_by(F("verified_at").asc(nulls_first=True), "community__name", "real_name")
        )

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
    scope = staticmethod(managed_places)
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
    scope = staticmethod(visible_memberships)
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


class ResidentActionView(ScopedAdminView, WagtailAdminTemplateMixin, FormView):
    """A staff action on one resident of the staff member's community (404 for anyone else's)."""

    model = Resident  # the record its URL names

    header_icon = "user"

    def dispatch(self, request, pk):
        self.resident = get_object_or_404(
            residents_visible_to(request.user).select_related("user", "community"), pk=pk
        )
        if not can_verify(request.user, self.resident):
            raise Http404
        return super().dispatch(request, pk)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse("residents:index"),
                "label": capfirst(Resident._meta.verbose_name_plural),
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_page_subtitle(self):
        return str(self.resident)

    def get_context_data(self, **kwargs):
        return super().get_context_data(resident=self.resident, **kwargs)

    def form_valid(self, form):
        try:
            self.act(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        except PermissionDenied:
            raise Http404 from None
        messages.success(self.request, self.success_message % {"name": self.resident})
        return redirect("residents:index")


class VerifyResidentView(ResidentActionView):
    page_title = gettext_lazy("Verify a resident")
    template_name = "communities/admin/verify_resident.html"
    form_class = VerifyResidentForm
    success_message = gettext_lazy("%(name)s is verified.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "resident": self.resident}

    def act(self, data):
        verify_resident(
            self.resident, by=self.request.user, method=data["method"], household=data["household"]
        )


class RevokeVerificationView(ResidentActionView):
    page_title = gettext_lazy("Revoke a verification")
    template_name = "communities/admin/revoke_resident.html"
    form_class = RevokeVerificationForm
    success_message = gettext_lazy("The verification of %(name)s is revoked.")

    def act(self, data):
        revoke_verification(self.resident, by=self.request.user, reason=data["reason"])


class AwaitingVerificationPanel(Component):
    """The dashboard shows staff who is waiting to be verified: the job they came to do."""

    order = 50
    template_name = "communities/admin/awaiting_verification_panel.html"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        communities = managed_communities(self.user).annotate(
            awaiting=Count(
                "residents",
                filter=Q(residents__verified_at__isnull=True) & ~Q(residents__real_name=""),
            ),
            verified=Count("residents", filter=Q(residents__verified_at__isnull=False)),
        )
        return {"communities": communities.order_by("name")[:20]}


@hooks.register("construct_homepage_panels")
def add_awaiting_verification_panel(request, panels):
    if managed_communities(request.user).exists():
        panels.append(AwaitingVerificationPanel(request.user))


@hooks.register("register_admin_urls")
def register_people_urls():
    return [
        path(
            "residents/<int:pk>/verify/",
            VerifyResidentView.as_view(),
            name="communities_verify_resident",
        ),
        path(
            "residents/<int:pk>/revoke/",
            RevokeVerificationView.as_view(),
            name="communities_revoke_resident",
        ),
    ]
