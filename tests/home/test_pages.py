"""The public pages: the front page lists every community, each community shows its figures."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    CommunityFactory,
    GridFactory,
    HouseholdFactory,
    ResidentFactory,
    VerifiedResidentFactory,
)

pytestmark = pytest.mark.django_db


def populate(community, *, grids, households, verified, unverified=1):
    grid_list = [GridFactory(community=community) for _ in range(grids)]
    homes = [
        HouseholdFactory(community=community, grid=grid_list[i % grids] if grids else None)
        for i in range(households)
    ]
    for i in range(verified):
        VerifiedResidentFactory(community=community, household=homes[i % len(homes)])
    for _ in range(unverified):
        ResidentFactory(community=community)
    return grid_list


def html_lang(response):
    return re.search(r'<html lang="([^"]+)"', response.text).group(1)


def test_home_page_lists_each_community_with_its_figures(client, add_community_page):
    small = CommunityFactory(name="长青社区")
    large = CommunityFactory(name="幸福里社区")
    populate(small, grids=1, households=2, verified=1)
    populate(large, grids=3, households=5, verified=4, unverified=2)
    add_community_page(small)
    add_community_page(large)

    response = client.get("/")

    assert response.status_code == 200
    assert "长青社区" in response.text and "幸福里社区" in response.text
    figures = {
        page.community.name: (page.grid_count, page.household_count, page.verified_count)
        for page in response.context["community_pages"]
    }
    assert figures == {"长青社区": (1, 2, 1), "幸福里社区": (3, 5, 4)}


def test_home_page_leaves_out_unpublished_community_pages(client, add_community_page):
    add_community_page(CommunityFactory(name="长青社区"))
    draft = add_community_page(CommunityFactory(name="滨河社区"))
    draft.unpublish()

    response = client.get("/")

    assert "长青社区" in response.text
    assert "滨河社区" not in response.text


def test_home_page_without_communities_says_so(client, home_page):
    response = client.get("/")
    assert response.status_code == 200
    assert list(response.context["community_pages"]) == []


def test_community_page_shows_grids_households_and_verified_residents(
    client, add_community_page, community
):
    grids = populate(community, grids=2, households=3, verified=2, unverified=3)
    grids[0].name = "第一网格"
    grids[0].worker_name = "陈晓红"
    grids[0].save()
    page = add_community_page(community)

    response = client.get(page.url)

    assert response.status_code == 200
    assert "第一网格" in response.text and "陈晓红" in response.text
    assert response.context["household_count"] == 3
    assert response.context["verified_count"] == 2
    assert sorted(g.household_count for g in response.context["grids"]) == [1, 2]


def test_community_page_figures_ignore_other_communities(client, add_community_page, community):
    populate(community, grids=1, households=1, verified=1)
    populate(CommunityFactory(), grids=2, households=4, verified=3)
    page = add_community_page(community)

    response = client.get(page.url)

    assert response.context["household_count"] == 1
    assert response.context["verified_count"] == 1
    assert len(response.context["grids"]) == 1


def test_english_lives_under_en(client, add_community_page, community):
    page = add_community_page(community)

    for url in ("/en/", f"/en/{page.slug}/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert html_lang(response) == "en"


def test_chinese_is_the_default_even_for_an_english_browser(client, add_community_page, community):
    page = add_community_page(community)

    for url in ("/", f"/{page.slug}/"):
        response = client.get(url, headers={"accept-language": "en-US,en;q=0.9"})
        assert response.status_code == 200, url
        assert html_lang(response) == "zh-CN"


def test_chinese_address_has_no_language_prefix(client, home_page):
    assert client.get("/zh-hans/").status_code == 404


def home_page_queries(client):
    client.get("/")  # warm per-process caches (site root paths, settings) first
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return len(queries), len(response.context["community_pages"])


def test_home_page_queries_do_not_grow_with_communities(
    client, add_community_page, django_assert_max_num_queries
):
    for _ in range(3):
        community = CommunityFactory()
        populate(community, grids=2, households=2, verified=1)
        add_community_page(community)
    with_three, shown = home_page_queries(client)
    assert shown == 3

    for _ in range(7):
        community = CommunityFactory()
        populate(community, grids=2, households=2, verified=1)
        add_community_page(community)
    with_ten, shown = home_page_queries(client)
    assert shown == 10

    assert with_ten == with_three
    with django_assert_max_num_queries(25):
        client.get("/")
