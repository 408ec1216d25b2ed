"""Every URL the resolver knows, tried as every role, the way an attacker would.

The URLs are discovered, not listed: the resolver is walked (Wagtail's admin included), each
URL's object ids are filled from the world (tests/access/world.py) with a record of community
甲, and each role GETs it — and, for URLs naming an object, POSTs the record's own fields back,
as an attacker editing or copying it would. What each role should get follows from what kind
of URL it is:

- anonymous: every admin screen sends them to sign in;
- people without a role (unverified, residents of 甲 and 乙, a former staff member whose
  membership was deleted, the representative of another organisation, reviewers of the round
  not assigned to 甲's application or conflicted on it): no admin screen opens (never a 200),
  nothing changes; the two reviewers get 404 on every reviewer page of 甲's application;
- staff of 乙 and the officer of street 二: every scoped screen naming a record of 甲, and every
  Wagtail screen that is not for staff, answers 404; nothing changes;
- staff of 甲 and the officer of street 一: their screens open (not 404), Wagtail's
  superuser screens answer 404;
- superusers: nothing is hidden from them;
- everyone: never a server error, and never a page showing a record of 甲 they may not see
  (a resident's name, phone and address; an unpublished outcome; a resident's draft topic).
"""

from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db.models.fields.files import FieldFile
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch
from django.utils import timezone

from communities.scoping import STAFF_WAGTAIL_URLS, admin_view_is_scoped

from .world import (
    INSIDERS,
    LOCKED_OUT_REVIEWERS,
    NO_ROLE,
    OUTSIDERS,
    ROLES,
    build_world,
    end_former_staff_role,
)

pytestmark = pytest.mark.django_db

MISSING = 987654
PAGE_KEYS = {"page_id", "parent_page_id", "page_to_move_id", "pk"}
# Rows a first visit creates for the visitor (their profile, preferences, the site's settings).
CREATED_ON_FIRST_VISIT = {
    "communities.Resident",
    "communities.HistoricalResident",
    "communities.NotificationPreference",
    "home.SiteSettings",
}
ASSETS = {"wagtailadmin_javascript_catalog", "wagtailadmin_sprite"}
# Doors to allauth: sign-in, password reset and the account page lead there, for everyone.
SIGN_IN_DOORS = {
    "wagtailadmin_login",
    "wagtailadmin_password_reset",
    "wagtailcore_login",
    "wagtailadmin_account",
}
ROUTABLE = "routable:"
OUR_APPS = ("communities", "consultation", "home", "organisations", "projects")
# Wagtail's development-only error pages, not served with DEBUG off.
SKIPPED = {"wagtailadmin_error_test"}


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    callback: object
    keys: tuple
    positional: int = 0

    @property
    def is_admin(self):
        return self.pattern.startswith("admin/")

    @property
    def model(self):
        view_class = getattr(self.callback, "view_class", None)
        initkwargs = getattr(self.callback, "view_initkwargs", {}) or {}
        model = initkwargs.get("model") or getattr(view_class, "model", None)
        return model if isinstance(model, type) else None

    @property
    def kind(self):
        if not self.is_admin:
            return "public"
        if self.name in ASSETS:
            return "asset"
        if self.name in SIGN_IN_DOORS or self.pattern.startswith("admin/password_reset/"):
            return "door"
        if admin_view_is_scoped(self.callback):
            return "scoped"
        if self.name in STAFF_WAGTAIL_URLS:
            return "wagtail_staff"
        return "superuser_only"


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            regex = entry.pattern.regex
            keys = tuple(regex.groupindex) if regex.groupindex else ()
            positional = regex.groups - len(keys)
            yield Route(name, prefix + str(entry.pattern), entry.callback, keys, positional)


def _routable_page_routes():
    """The routes pages serve below their own address (a community's topics, agenda, PDF…):
    the resolver hands those to Wagtail, so they are found on the page types instead."""
    from wagtail.contrib.routable_page.models import RoutablePageMixin
    from wagtail.models import get_page_models

    for page_model in get_page_models():
        if not issubclass(page_model, RoutablePageMixin):
            continue
        for entry in _walk(page_model.get_subpage_urls()):
            name = f"{ROUTABLE}{page_model._meta.label}:{entry.name}"
            yield Route(name, entry.pattern, entry.callback, entry.keys, entry.positional)


def discover_routes():
    seen, routes = set(), []
    for route in [*_walk(get_resolver().url_patterns), *_routable_page_routes()]:
        # i18n_patterns repeats the public URLs under /en/: one language is enough here.
        if route.name in seen or route.name in SKIPPED:
            continue
        seen.add(route.name)
        routes.append(route)
    # Signing out ends the session the other URLs are tried with: those go last.
    return sorted(routes, key=lambda route: "logout" in route.name)


def _object_for(world, route):
    model = route.model
    if model is None:
        return None
    for candidate, obj in world.objects.items():
        if issubclass(candidate, model) or issubclass(model, candidate):
            return obj
    return None


def fill(world, route):
    """The route's URL with ids of 甲's records (or a missing id where the world has none)."""
    page = world.pages["outcome_draft"]
    obj = _object_for(world, route)
    values = {
        "pk": obj.pk if obj is not None else (page.pk if "page" in route.pattern else MISSING),
        "page_id": page.pk,
        "parent_page_id": world.pages["a"].pk,
        "page_to_move_id": page.pk,
        "destination_id": world.pages["b"].pk,
        "page_pk": page.pk,
        "revision_id": page.latest_revision.pk,
        "revision_id_a": "earliest",
        "revision_id_b": "latest",
        "object_id": str(page.pk),
        "app_label": "home",
        "app_name": "home",
        "model_name": "communitypage",
        "content_type_app_name": "home",
        "content_type_model_name": "communitypage",
        "action": "withdraw",
        "action_name": "approve",
        "comment_pk": world.objects[apps.get_model("consultation", "Comment")].pk,
        "ballot_pk": world.objects[apps.get_model("consultation", "Ballot")].pk,
        "filter_spec": "original",
        "uidb64": "MQ",
        "uidb36": "1",
        "token": "set-password",
        "key": "nokey",
        "year": timezone.localdate().year,
        **world.url_values,
    }
    namespace = route.name.split(":", 1)[0] if ":" in route.name else None
    if namespace in world.url_objects and "pk" in route.keys:
        values["pk"] = world.objects[world.url_objects[namespace]].pk
    if route.name in world.route_objects and "pk" in route.keys:
        values["pk"] = world.objects[world.route_objects[route.name]].pk
    kwargs = {key: values.get(key, MISSING) for key in route.keys}
    if route.name == "wagtail_serve":
        return None
    if route.name.startswith(ROUTABLE):
        label, name = route.name.removeprefix(ROUTABLE).rsplit(":", 1)
        page = next(p for p in world.pages.values() if p.specific_class._meta.label == label)
        return page.url + page.reverse_subpage(name, kwargs=kwargs)
    try:
        return reverse(route.name, kwargs=kwargs)
    except NoReverseMatch:
        if kwargs:
            return reverse(route.name, kwargs={key: str(value) for key, value in kwargs.items()})
        # Unnamed groups, like a served document's id and file name.
        return reverse(route.name, args=[MISSING, "x"][: route.positional])


def attack_data(world, route):
    """What an attacker posts: the record's own fields (as a copy or edit form would)."""
    obj = _object_for(world, route)
    if obj is None:
        return {}
    data = {}
    for key, value in model_to_dict(obj).items():
        if value is None or isinstance(value, (FieldFile, list, tuple)):
            continue
        data[key] = value.pk if hasattr(value, "pk") else value
    if "community" in data and "b" in world.places:
        data["community"] = world.places["b"].pk  # …moved to the attacker's community
    return data


def snapshot():
    """Every row of our apps' tables, to see that nothing changed."""
    rows = {}
    for app in OUR_APPS:
        for model in apps.get_app_config(app).get_models():
            rows[model._meta.label] = sorted(map(repr, model._default_manager.values()))
    return rows


def client_for(world, role):
    client = Client(raise_request_exception=False)
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return client


def expectation_failures(world, role, route, url, method, response):
    """What is wrong with `response`, by the rules in the module's docstring."""
    status = response.status_code
    problems = []
    if status >= 500:
        return [f"server error {status}"]
    body = response.content.decode("utf-8", "replace") if status == 200 else ""
    if role != "superuser":
        leaked = [s for s in world.secret if s in body]
        if role not in INSIDERS:
            leaked += [s for s in world.private if s in body]
        if leaked:
            problems.append(f"shows {leaked}")
    if role in LOCKED_OUT_REVIEWERS and route.name in world.reviewer_routes and status != 404:
        problems.append(f"{status} instead of 404 (not theirs to review)")
    kind = route.kind
    if kind in ("asset", "public"):
        return problems
    if kind == "door":
        if not (status == 302 and response["Location"].startswith(("/accounts/", "/profile/"))):
            problems.append(f"{status} instead of a redirect to allauth")
        return problems
    names_object = bool(route.keys)
    if role == "anonymous":
        location = response.get("Location", "")
        if not (status == 302 and ("/accounts/login/" in location or "/admin/login/" in location)):
            problems.append(f"{status} instead of a redirect to sign in")
    elif role in NO_ROLE:
        if status == 200:
            problems.append("200 without a role")
    elif role in OUTSIDERS:
        if kind == "superuser_only" or (kind == "scoped" and names_object):
            if status != 404:
                problems.append(f"{status} instead of 404")
        elif kind == "wagtail_staff" and set(route.keys) & PAGE_KEYS and status != 404:
            problems.append(f"{status} instead of 404 on another community's page")
    elif role in INSIDERS and kind == "superuser_only" and status != 404:
        problems.append(f"{status} instead of 404 (superusers only)")
    return problems


def run_matrix(world, role):
    routes = discover_routes()
    client = client_for(world, role)
    if role == "former_staff":
        end_former_staff_role(world)  # after sign-in: the open session must lose access too
    failures, tried = [], 0
    before = snapshot() if role != "superuser" else None
    for route in routes:
        url = fill(world, route)
        if url is None:
            continue
        methods = ["get"]
        if route.is_admin and route.keys and role not in INSIDERS | {"superuser"}:
            methods.append("post")
        for method in methods:
            if method == "get":
                response = client.get(url)
            else:
                response = client.post(url, attack_data(world, route))
            tried += 1
            for problem in expectation_failures(world, role, route, url, method, response):
                failures.append(f"{method.upper()} {url} [{route.name}, {route.kind}]: {problem}")
    if before is not None and role not in INSIDERS:
        after = snapshot()
        changed = [label for label in before if not set(before[label]) <= set(after[label])]
        created = [
            label
            for label in before
            if set(after[label]) - set(before[label]) and label not in CREATED_ON_FIRST_VISIT
        ]
        if changed or created:
            failures.append(f"{role}'s requests changed {changed} and created {created}")
    return tried, failures


@pytest.mark.parametrize("role", ROLES)
def test_every_url_as_every_role(role, _fast_passwords):
    world = build_world()
    tried, failures = run_matrix(world, role)
    assert tried > 250, "the resolver walk found too few URLs"
    assert not failures, f"{len(failures)} of {tried} requests as {role}:\n" + "\n".join(failures)


def test_every_scoped_view_that_names_an_object_says_which_model(_fast_passwords):
    """The matrix fills a scoped view's id from its model; a view without one is not tried."""
    unnamed = [
        route.name
        for route in discover_routes()
        if route.kind == "scoped" and "pk" in route.keys and route.model is None
    ]
    assert unnamed == []


def test_the_world_has_a_record_for_every_scoped_model(_fast_passwords):
    """A new app's viewset joins the matrix only once its records are in the world."""
    world = build_world()
    missing = sorted(
        {
            route.model.__name__
            for route in discover_routes()
            if route.kind == "scoped"
            and route.model is not None
            and _object_for(world, route) is None
        }
    )
    assert missing == []


@pytest.fixture
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class FakeResponse(dict):
    def __init__(self, status_code, content=b"", location=""):
        super().__init__({"Location": location} if location else {})
        self.status_code = status_code
        self.content = content


def test_the_rules_are_not_vacuous(_fast_passwords):
    """An unscoped edit screen (200 with 甲's address for staff of 乙) breaks two rules."""
    world = build_world()
    route = next(r for r in discover_routes() if r.name == "households:edit")
    url = fill(world, route)
    leak = FakeResponse(200, "甲秘密路9号".encode())
    problems = expectation_failures(world, "staff_b", route, url, "get", leak)
    assert any("instead of 404" in p for p in problems)
    assert any("shows" in p for p in problems)
    assert expectation_failures(world, "staff_a", route, url, "get", leak) == []
    assert expectation_failures(world, "resident_a", route, url, "get", FakeResponse(200))


def test_a_reviewer_page_opening_for_a_locked_out_reviewer_is_a_failure(_fast_passwords):
    """The conflicted reviewer's own assignment: a 200 (or a 403) there breaks the rule."""
    world = build_world()
    route = next(r for r in discover_routes() if r.name == "projects:review")
    url = fill(world, route)
    review = world.objects[world.route_objects[route.name]]
    assert url == reverse("projects:review", args=[review.pk]) and review.conflict_of_interest
    for role in LOCKED_OUT_REVIEWERS:
        assert expectation_failures(world, role, route, url, "get", FakeResponse(200))
        assert expectation_failures(world, role, route, url, "get", FakeResponse(403))
        assert expectation_failures(world, role, route, url, "get", FakeResponse(404)) == []


def test_a_staff_viewset_without_a_scope_cannot_be_built():
    from django.core.exceptions import ImproperlyConfigured

    from communities.models import Grid
    from communities.scoping import ScopedViewSet

    class Forgetful(ScopedViewSet):
        model = Grid

    with pytest.raises(ImproperlyConfigured):
        Forgetful("forgetful")


def test_every_viewset_of_ours_is_scoped():
    """Viewsets registered by our apps derive from the one scoped base."""
    from wagtail import hooks
    from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup

    from communities.scoping import ScopedViewSet

    ours = ("communities", "consultation", "organisations", "projects", "home")
    viewsets = []
    for hook in hooks.get_hooks("register_admin_viewset"):
        if not hook.__module__.startswith(ours):
            continue
        registered = hook()
        items = registered.items if isinstance(registered, ViewSetGroup) else [registered]
        viewsets += [item for item in items if isinstance(item, ViewSet)]
    assert viewsets
    assert [v.name for v in viewsets if not isinstance(v, ScopedViewSet)] == []
