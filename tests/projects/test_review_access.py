"""Every review URL, tried as every role around one assignment.

The URLs are found by walking the review pages' urlpatterns and the admin URLs the reviews
hook registers, so a new review URL fails the test until its row of expectations is written.
Each role GETs each URL; those refused also POST what the owner would post (scores, a conflict,
a reviewer to add or remove, reviewers to assign), and the database must be as it was.
"""

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from projects import review_views, reviews
from projects.models import ApplicationAttachment, Reviewer
from projects.pages import FundingRoundPage
from projects.wagtail_hooks.reviews import register_review_urls
from tests.factories import UserFactory, VerifiedResidentFactory
from tests.organisations.factories import OrganisationFactory, representative_of

from .factories import funding_round
from .reviewing import in_review, officer_of, reviewer_of

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "resident",
    "other_representative",
    "unassigned_reviewer",
    "conflicted_reviewer",
    "other_officer",
    "assigned_reviewer",
    "officer",
)
SIGN_IN = "sign in"  # a redirect to the sign-in page
# Signed in without a staff role: Wagtail sends them to sign in (as someone who may enter).
NO_ADMIN = SIGN_IN

_PUBLIC = {role: 404 for role in ROLES} | {"anonymous": SIGN_IN, "assigned_reviewer": 200}
_ROUND_ADMIN = {role: NO_ADMIN for role in ROLES} | {
    "anonymous": SIGN_IN,
    "other_officer": 404,
    "officer": 200,
}
EXPECTED = {
    "projects:my_reviews": {role: 200 for role in ROLES} | {"anonymous": SIGN_IN},
    "projects:review": _PUBLIC,
    "projects:review_conflict": _PUBLIC,
    "projects:review_attachment": _PUBLIC,
    "projects_review_rounds": _ROUND_ADMIN | {"other_officer": 200},
    "projects_review_round": _ROUND_ADMIN,
    "projects_review_remove_reviewer": _ROUND_ADMIN,
    "projects_review_assign": _ROUND_ADMIN,
    "projects_ranking": _ROUND_ADMIN,
    "projects_ranking_export": _ROUND_ADMIN,
}
APPLICATION_TITLE = "甲社区秘密评审项目"


@pytest.fixture(autouse=True)
def _fast_passwords_and_own_media(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world():
    round = funding_round(title="一街道公益创投秘密轮次")
    officer = officer_of(round.street)
    application = in_review(round, title=APPLICATION_TITLE)
    attachment = ApplicationAttachment(application=application, title="预算说明")
    attachment.file.save("budget.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    assigned = reviewer_of(round)
    review = reviews.assign(application, assigned, officer)
    conflicted = reviewer_of(round)
    conflicted_review = reviews.assign(application, conflicted, officer)
    reviews.declare_conflict(conflicted_review, "我是顾问")
    users = {
        "anonymous": None,
        "resident": VerifiedResidentFactory().user,
        "other_representative": representative_of(OrganisationFactory(street=round.street)),
        "unassigned_reviewer": reviewer_of(round),
        "conflicted_reviewer": conflicted,
        "other_officer": officer_of(OrganisationFactory().street),
        "assigned_reviewer": assigned,
        "officer": officer,
    }
    return {
        "round": round,
        "application": application,
        "review": review,
        "conflicted_review": conflicted_review,
        "attachment": attachment,
        "reviewer": Reviewer.objects.get(round=round, user=assigned),
        "users": users,
        "newcomer": UserFactory(email="newcomer@example.cn"),
    }


def review_routes():
    """(URL name, its path pattern, the view's model) of every review URL."""
    for pattern in review_views.urlpatterns:
        yield f"projects:{pattern.name}", pattern, None
    for pattern in register_review_urls():
        yield pattern.name, pattern, getattr(pattern.callback.view_class, "model", None)


def url_of(world, name, pattern, model, review="review"):
    ids = {
        "pk": world[review].pk,
        "attachment_pk": world["attachment"].pk,
        "reviewer_pk": world["reviewer"].pk,
    }
    if model is FundingRoundPage:
        ids["pk"] = world["round"].pk
    elif model is not None:
        ids["pk"] = world["application"].pk
    keys = pattern.pattern.regex.groupindex
    with translation.override("en"):
        return reverse(name, kwargs={key: ids[key] for key in keys})


def attack(world, name):
    """What the owner of the URL would post there."""
    criteria = world["round"].criteria.all()
    return {
        "projects:review": {
            "recommendation": "fund",
            "submit": "1",
            **{f"score_{c.pk}": 10 for c in criteria},
        },
        "projects:review_conflict": {"note": "冒充声明利益冲突"},
        "projects_review_round": {"person": world["newcomer"].email},
        "projects_review_assign": {
            "reviewers": list(Reviewer.objects.values_list("pk", flat=True))
        },
    }.get(name, {})


def snapshot():
    rows = {}
    for model in [*apps.get_app_config("projects").get_models(), apps.get_model(
        "communities", "Notification"
    )]:  # fmt: skip
        rows[model._meta.label] = sorted(map(repr, model._default_manager.values()))
    return rows


def outcome(response):
    if response.status_code == 302:
        location = response["Location"]
        if "/accounts/login/" in location or "/admin/login/" in location:
            return SIGN_IN
    return response.status_code


def test_every_review_url_has_its_expectations():
    assert {name for name, _pattern, _model in review_routes()} == set(EXPECTED)


@pytest.mark.parametrize("role", ROLES)
def test_every_review_url_as_every_role(world, role):
    client = Client(raise_request_exception=False)
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    failures = []
    before = snapshot()
    for name, pattern, model in review_routes():
        url = url_of(world, name, pattern, model)
        expected = EXPECTED[name][role]
        response = client.get(url)
        got = outcome(response)
        if got != expected:
            failures.append(f"GET {url}: {got} instead of {expected}")
        # The conflicted reviewer saw the application before declaring: "my reviews" still
        # names it (without a link), and nothing more.
        if got == 200 and role not in ("assigned_reviewer", "officer", "conflicted_reviewer"):
            body = response.content.decode()
            if APPLICATION_TITLE in body or world["round"].title in body:
                failures.append(f"GET {url} shows the assignment to {role}")
        if expected != 200:
            posted = outcome(client.post(url, attack(world, name)))
            if posted == 200 or (isinstance(posted, int) and posted >= 500):
                failures.append(f"POST {url}: {posted}")
        if model is None and "pk" in pattern.pattern.regex.groupindex:
            # The conflicted assignment: nobody opens, scores or re-declares it, its reviewer
            # included.
            url = url_of(world, name, pattern, model, review="conflicted_review")
            expected = SIGN_IN if role == "anonymous" else 404
            for method, data in (("get", {}), ("post", attack(world, name))):
                got = outcome(getattr(client, method)(url, data))
                if got != expected:
                    failures.append(f"{method.upper()} {url}: {got} instead of {expected}")
    assert snapshot() == before, f"{role}'s requests changed the database"
    assert not failures, "\n".join(failures)


def test_the_expectations_are_not_vacuous(world):
    """The assigned reviewer's POST does change things; the refused ones above did not."""
    client = Client()
    client.force_login(world["users"]["assigned_reviewer"])
    name = "projects:review_conflict"
    pattern = next(p for n, p, _m in review_routes() if n == name)
    before = snapshot()
    response = client.post(url_of(world, name, pattern, None), attack(world, name))
    assert response.status_code == 302
    assert snapshot() != before


def test_ending_the_reviewer_membership_ends_the_access_at_once(world):
    client = Client()
    client.force_login(world["users"]["assigned_reviewer"])
    url = reverse("projects:review", args=[world["review"].pk])
    assert client.get(url).status_code == 200
    world["reviewer"].delete()
    assert client.get(url).status_code == 404
