"""The one scoped base of every staff screen: what a staff member reaches is what their
memberships name, and a view that is not scoped does not exist.

- `ScopedViewSet` scopes *every* view Wagtail generates for it (list, create, edit, copy,
  delete, inspect, history, usage, reorder…): each generated view class gets `ScopeMixin`
  mixed in front, whatever class a subclass configures, so forgetting to scope one is not
  possible. Copying is off: no record staff keep is a template for another.
- Custom staff views (a form on one topic, an import) derive from `ScopedAdminView` and find
  their object through a scope function themselves.
- `admin_view_is_scoped()` tells whether a resolved admin URL leads to one of those; the
  middleware answers 404 to anyone but a superuser for every other admin URL, except the
  Wagtail screens listed in `STAFF_WAGTAIL_URLS` (page editing, which Wagtail's page
  permissions narrow to the community's own pages, and the admin's own plumbing).

Each app registers the scope of its models with the viewset (`scope = …`); form choices of a
model with a registered scope are narrowed by it, so a staff member cannot pick (or post) a
place that is not theirs.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy

from .permissions import managed_communities, managed_streets

# model -> scope(queryset, user): the part of the queryset the user's memberships reach.
_SCOPES = {}


def register_scope(model, scope):
    _SCOPES[model] = scope


def scope_of(model):
    return _SCOPES.get(model)


class ScopedAdminView:
    """Marks a staff view that finds everything it shows through a scope function.

    The access-matrix test checks the claim for every URL of such a view.
    """

    admin_scoped = True


class ScopeMixin(ScopedAdminView):
    """Mixed in front of every view a `ScopedViewSet` generates."""

    scope = None

    def setup(self, request, *args, **kwargs):
        if self.scope is None:
            raise ImproperlyConfigured(f"{type(self).__name__} has no scope function.")
        # Out of reach first, before Wagtail loads the object (some views do in setup) or
        # checks permissions: another community's record is not there, whatever the user may
        # do with records of their own.
        if "pk" in kwargs:
            reachable = self.scope(
                self.model._default_manager.filter(pk=kwargs["pk"]), request.user
            )
            if not reachable.exists():
                raise Http404
        super().setup(request, *args, **kwargs)

    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        if queryset.model is not self.model:
            return queryset  # a history's log entries: its object was checked in setup
        return self.scope(queryset, self.request.user)

    def get_form(self, *args, **kwargs):
        form = super().get_form(*args, **kwargs)
        for field in form.fields.values():
            queryset = getattr(field, "queryset", None)
            scope = scope_of(queryset.model) if queryset is not None else None
            if scope is not None:
                field.queryset = scope(queryset, self.request.user)
        return form


class RefuseProtectedDeletionMixin:
    """A record others depend on (counted supports, households on a grid…) is not deleted:
    the delete screen says why and what to do instead (deactivate, close the account)."""

    def dispatch(self, request, *args, **kwargs):
        from .accounts import refuse_protected_deletion

        refused = refuse_protected_deletion(request, self.object, reverse(self.index_url_name))
        return refused or super().dispatch(request, *args, **kwargs)


# Who may open a staff screen at all: roles are memberships, so no Django model permission is
# involved; which records a screen reaches is its viewset's scope.


def manages_any_community(user):
    """Staff of a community, or an officer of a street (who manages its communities)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if not hasattr(user, "_manages_any_community"):
        user._manages_any_community = managed_communities(user).exists()
    return user._manages_any_community


def manages_any_street(user):
    if not (user.is_authenticated and user.is_active):
        return False
    if not hasattr(user, "_manages_any_street"):
        user._manages_any_street = managed_streets(user).exists()
    return user._manages_any_street


class StaffRolePolicy(BasePermissionPolicy):
    """Allows `actions` on the model to people `holds_role(user)` says hold a staff role."""

    def __init__(self, model, actions, holds_role=manages_any_community):
        super().__init__(model)
        self.actions = frozenset(actions)
        self.holds_role = holds_role

    def user_has_permission(self, user, action):
        return action in self.actions and self.holds_role(user)

    def user_has_any_permission(self, user, actions):
        return bool(self.actions & set(actions)) and self.holds_role(user)

    def users_with_any_permission(self, actions):
        from django.contrib.auth import get_user_model

        if not self.actions & set(actions):
            return get_user_model().objects.none()
        return (
            get_user_model()
            .objects.filter(Q(is_superuser=True) | Q(memberships__isnull=False), is_active=True)
            .distinct()
        )


_scoped_classes = {}


def scoped_view_class(view_class):
    """`view_class` with `ScopeMixin` in front (made once per class)."""
    if issubclass(view_class, ScopeMixin):
        return view_class
    if view_class not in _scoped_classes:
        bases = (ScopeMixin, view_class)
        if issubclass(view_class, generic.DeleteView):
            bases = (ScopeMixin, RefuseProtectedDeletionMixin, view_class)
        _scoped_classes[view_class] = type(f"Scoped{view_class.__name__}", bases, {})
    return _scoped_classes[view_class]


class ScopedViewSet(ModelViewSet):
    """The base of every staff viewset. Set `scope` to a function (queryset, user) -> queryset."""

    scope = None
    copy_view_enabled = False
    add_to_admin_menu = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.scope is None:
            raise ImproperlyConfigured(f"{type(self).__name__} must set `scope`.")
        register_scope(self.model, type(self).scope)

    def construct_view(self, view_class, **kwargs):
        return super().construct_view(
            scoped_view_class(view_class), scope=type(self).scope, **kwargs
        )


def admin_view_is_scoped(view_func):
    view_class = getattr(view_func, "view_class", None)
    return bool(view_class and getattr(view_class, "admin_scoped", False))


# Wagtail's own admin screens a staff member may open. Page screens check Wagtail's page
# permissions, which each community's page group grants on that community's pages only; the
# rest is the admin's plumbing. Every other Wagtail screen (reports, users, groups, sites,
# settings, images, documents, collections, workflows, redirects, forms, snippets, bulk
# actions, the admin API) is for superusers.
STAFF_WAGTAIL_URLS = frozenset(
    {
        "wagtailadmin_home",
        # doors that lead to allauth (config/urls.py)
        "wagtailadmin_login",
        "wagtailadmin_password_reset",
        "wagtailadmin_account",
        "wagtailadmin_logout",
        "wagtailadmin_javascript_catalog",
        "wagtailadmin_sprite",
        "wagtailadmin_dismissibles",
        "wagtailadmin_editing_sessions:ping",
        "wagtailadmin_editing_sessions:release",
        "wagtailadmin_block_preview",
        "wagtailadmin_explore",
        "wagtailadmin_explore_results",
        "wagtailadmin_choose_page",
        "wagtailadmin_choose_page_child",
        "wagtailadmin_choose_page_search",
        "wagtailadmin_choose_page_chosen_multiple",
        "wagtailadmin_choose_page_external_link",
        "wagtailadmin_choose_page_email_link",
        "wagtailadmin_choose_page_phone_link",
        "wagtailadmin_choose_page_anchor_link",
        "wagtailadmin_pages:add",
        "wagtailadmin_pages:preview_on_add",
        "wagtailadmin_pages:edit",
        "wagtailadmin_pages:preview_on_edit",
        "wagtailadmin_pages:view_draft",
        "wagtailadmin_pages:add_subpage",
        "wagtailadmin_pages:unpublish",
        "wagtailadmin_pages:workflow_action",
        "wagtailadmin_pages:collect_workflow_action_data",
        "wagtailadmin_pages:confirm_workflow_cancellation",
        "wagtailadmin_pages:workflow_preview",
        "wagtailadmin_pages:lock",
        "wagtailadmin_pages:unlock",
        "wagtailadmin_pages:revisions_index",
        "wagtailadmin_pages:revisions_view",
        "wagtailadmin_pages:revisions_revert",
        "wagtailadmin_pages:revisions_unschedule",
        "wagtailadmin_pages:revisions_compare",
        "wagtailadmin_pages:workflow_history",
        "wagtailadmin_pages:workflow_history_detail",
        "wagtailadmin_pages:history",
        "wagtailadmin_pages:history_results",
    }
)
