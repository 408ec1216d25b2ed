"""Every page says what the browser may run and use: Content-Security-Policy, Permissions-Policy.

Issue #7: there was no Content-Security-Policy, so one script slipped into a page would run
with the reader's session. The admin runs Wagtail's own scripts only from files, like the public
site; it alone may add <style> elements (its editor does), never inline scripts.
"""

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse

from tests.consultation.factories import DeliberatingTopicFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FEATURES_SWITCHED_OFF = ["camera=()", "microphone=()", "geolocation=()", "payment=()"]


def policy(response):
    """The Content-Security-Policy as {directive: [sources]}."""
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.request['PATH_INFO']} has no Content-Security-Policy"
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def inline_scripts(html):
    """Scripts written into the page rather than loaded from a file (JSON data is not run)."""
    return [
        body.strip()
        for attributes, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
        if "src=" not in attributes and "application/json" not in attributes and body.strip()
    ]


@pytest.fixture
def staff_client(client, staff_with_totp):
    client.force_login(staff_with_totp)
    return client


@pytest.fixture
def superuser_client(client):
    user = UserFactory(username="root", is_superuser=True, is_staff=True)
    TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    client.force_login(user)
    return client


def test_public_pages_run_only_our_own_scripts_and_styles(client, community_page):
    for url in ["/", community_page.url, "/accounts/login/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        csp = policy(response)

        assert csp["script-src"] == ["'self'"], url
        assert csp["style-src"] == ["'self'"], url
        assert csp["object-src"] == ["'none'"]
        assert csp["base-uri"] == ["'self'"]
        assert csp["frame-ancestors"] == ["'self'"]
        assert csp["form-action"] == ["'self'"]
        assert inline_scripts(response.text) == [], url


def test_public_page_has_a_permissions_policy(client, home_page):
    header = client.get("/").headers["Permissions-Policy"]

    for feature in FEATURES_SWITCHED_OFF:
        assert feature in header


def test_the_admin_allows_style_elements_but_never_inline_scripts(staff_client):
    response = staff_client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    csp = policy(response)

    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"]
    assert csp["object-src"] == ["'none'"]
    for feature in FEATURES_SWITCHED_OFF:
        assert feature in response.headers["Permissions-Policy"]


def test_admin_forms_with_date_pickers_carry_no_inline_script(staff_client, community):
    DeliberatingTopicFactory(community=community)

    response = staff_client.get(reverse("meetings:add"))

    assert response.status_code == 200
    assert 'data-init="datetime"' in response.text  # the picker is still started, from a file
    assert inline_scripts(response.text) == []


def test_the_page_editor_and_explorer_carry_no_inline_script(superuser_client, community_page):
    for url in [
        reverse("wagtailadmin_explore", args=[community_page.get_parent().pk]),
        reverse("wagtailadmin_pages:edit", args=[community_page.get_parent().pk]),
        reverse("wagtailadmin_pages:edit", args=[community_page.pk]),
        reverse("wagtailusers_users:index"),
    ]:
        response = superuser_client.get(url)
        assert response.status_code == 200, url
        assert inline_scripts(response.text) == [], url
        assert policy(response)["script-src"] == ["'self'"], url
