"""A small city for the access matrix: two streets, one community on each, every kind of record
in both, and a user for each role.

Community 甲 (street 一) is the one whose records every URL is tried on; 乙 (street 二) is the
outsiders'. Each app adds its own records in `tests/<app>/access.py` (a function
`add_to_world(world)`); the matrix finds the URLs by itself, so a new app joins by writing that
function, not by listing its URLs.
"""

import importlib
from dataclasses import dataclass, field
from pathlib import Path

from allauth.mfa.totp.internal.auth import TOTP
from wagtail.models import Page, Site

from communities.models import Role
from communities.roles import grant_role
from home.models import CommunityPage, HomePage
from tests.factories import (
    CommunityFactory,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    StreetFactory,
    UserFactory,
    VerifiedResidentFactory,
)

TOTP_SECRET = "JBSWY3DPEHPK3PXP"

# Roles, in the order the matrix reports them. "Insiders" manage 甲; "outsiders" manage 乙.
ROLES = (
    "anonymous",
    "unverified",
    "resident_a",
    "resident_b",
    "staff_a",
    "staff_b",
    "officer_1",
    "officer_2",
    "former_staff",
    "representative_other",
    "reviewer_unassigned",
    "reviewer_conflicted",
    "superuser",
)
INSIDERS = {"staff_a", "officer_1"}
OUTSIDERS = {"staff_b", "officer_2"}
# Reviewers of 一's round who may not open 甲's application: not assigned to it, or assigned
# and conflicted. With the representative of another organisation of 甲 (tests/projects/
# access.py makes the three), people without a staff role.
LOCKED_OUT_REVIEWERS = {"reviewer_unassigned", "reviewer_conflicted"}
NO_ROLE = {"unverified", "resident_a", "resident_b", "former_staff", "representative_other"}
NO_ROLE |= LOCKED_OUT_REVIEWERS


@dataclass
class World:
    users: dict = field(default_factory=dict)
    places: dict = field(default_factory=dict)
    # model -> one record of 甲, used wherever a URL names an object of that model
    objects: dict = field(default_factory=dict)
    # model -> one record of 乙 (for pickers that accept another place)
    others: dict = field(default_factory=dict)
    pages: dict = field(default_factory=dict)
    # Strings of 甲's records that no one without a role in 甲 may ever be shown…
    private: set = field(default_factory=set)
    # …and strings no one but a superuser may be shown (a resident's unpublished draft).
    secret: set = field(default_factory=set)
    # URL namespace -> the model whose record a public URL's `pk` names (topics/<pk>/…)
    url_objects: dict = field(default_factory=dict)
    # URL name -> the model whose record its `pk` names, where it differs from its namespace's
    route_objects: dict = field(default_factory=dict)
    # URL names of reviewers' pages: reviewers locked out of the record get 404 there
    reviewer_routes: set = field(default_factory=set)
    # URL keyword -> its value, for keywords that are not a record's pk (an activity's code)
    url_values: dict = field(default_factory=dict)

    def add(self, obj, other=None):
        self.objects.setdefault(type(obj), obj)
        if other is not None:
            self.others.setdefault(type(other), other)
        return obj


def _staff(username, role, **place):
    user = UserFactory(username=username)
    grant_role(user, role, **place)
    TOTP.activate(user, TOTP_SECRET)
    return user


def build_world():
    world = World()
    street_1 = StreetFactory(name="一街道", slug="street-one")
    street_2 = StreetFactory(name="二街道", slug="street-two")
    a = CommunityFactory(street=street_1, name="甲社区", slug="jia")
    b = CommunityFactory(street=street_2, name="乙社区", slug="yi")
    world.places = {"street_1": street_1, "street_2": street_2, "a": a, "b": b}

    grid_a = GridFactory(community=a, name="甲秘网格")
    household_a = HouseholdFactory(community=a, grid=grid_a, address="甲秘密路9号")
    secret_resident = VerifiedResidentFactory(
        community=a, household=household_a, real_name="甲秘密居民", phone="13911112222"
    )
    world.add(street_1, street_2)
    world.add(a, b)
    world.add(grid_a, GridFactory(community=b))
    world.add(household_a, HouseholdFactory(community=b))
    world.add(secret_resident, VerifiedResidentFactory(community=b))
    world.private |= {"甲秘密路9号", "甲秘密居民", "13911112222"}
    world.secret_author = secret_resident.user

    users = world.users
    users["anonymous"] = None
    users["unverified"] = ResidentFactory(community=a, real_name="未核验").user
    users["resident_a"] = VerifiedResidentFactory(community=a).user
    users["resident_b"] = VerifiedResidentFactory(community=b).user
    users["staff_a"] = _staff("staff-a", Role.COMMUNITY_STAFF, community=a)
    users["staff_b"] = _staff("staff-b", Role.COMMUNITY_STAFF, community=b)
    users["officer_1"] = _staff("officer-1", Role.STREET_OFFICER, street=street_1)
    users["officer_2"] = _staff("officer-2", Role.STREET_OFFICER, street=street_2)
    users["former_staff"] = _staff("former-staff", Role.COMMUNITY_STAFF, community=a)
    users["superuser"] = UserFactory(username="root", is_superuser=True, is_staff=True)
    TOTP.activate(users["superuser"], TOTP_SECRET)
    world.add(users["staff_a"].memberships.get(), users["staff_b"].memberships.get())

    root = Page.get_first_root_node()
    home = HomePage(title="议事", slug="yishi-home")
    root.add_child(instance=home)
    home.save_revision().publish()
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()
    for key, community in (("a", a), ("b", b)):
        page = CommunityPage(title=community.name, slug=community.slug, community=community)
        home.add_child(instance=page)
        page.save_revision().publish()
        world.pages[key] = page
    world.pages["home"] = home

    for module in sorted(Path(__file__).resolve().parent.parent.glob("*/access.py")):
        app = module.parent.name
        importlib.import_module(f"tests.{app}.access").add_to_world(world)
    return world


def end_former_staff_role(world):
    """The role ends the way it ends in the admin: the membership row is deleted."""
    world.users["former_staff"].memberships.get().delete()
