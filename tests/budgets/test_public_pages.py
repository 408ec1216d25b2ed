"""Query budgets for the public pages other than a topic's: the city's front page, a community's
page, a rules page, an outcome, a funding round, the organisation directory and an organisation,
the funded projects and a project. Each is read with a long list behind it, anonymously and
signed in where the page differs; the count must stay within the budget and not grow with rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Page, Site

from communities import notices
from consultation import outcomes
from consultation.models import Rating, Satisfaction, Topic, TopicState
from consultation.pages import OutcomePage
from home.models import CommunityPage, HomePage, StandardPage
from organisations.models import Representative
from tests.consultation.factories import DeliberatingTopicFactory, SupportFactory, TopicFactory
from tests.factories import (
    CommunityFactory,
    GridFactory,
    HouseholdFactory,
    UserFactory,
    VerifiedResidentFactory,
)
from tests.organisations.factories import OrganisationFactory
from tests.projects.delivery import activity, feedback, funded_project
from tests.projects.factories import funding_round

pytestmark = pytest.mark.django_db

BUDGET = 15
# Pages over 15, and why (each stays constant however long its lists): a community's page shows
# ten sections after Wagtail's five routing queries; signed in, the site header's context
# processors add four (session, user, unread notifications, memberships). An outcome reads its
# notice with every objection, its ballot, ratings, progress and their photos. A project's page
# adds the figures the report shares (projects/figures.py). Signed in, an outcome also reads
# the visitor's residence, rating and objections.
COMMUNITY_PAGE_BUDGET = 17
COMMUNITY_PAGE_SIGNED_IN_BUDGET = 21
OUTCOME_BUDGET = 16
OUTCOME_SIGNED_IN_BUDGET = 23
FUNDING_ROUND_SIGNED_IN_BUDGET = 18
PROJECT_PAGE_BUDGET = 16
PROJECT_PAGE_SIGNED_IN_BUDGET = 20


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def home_page(db):
    root = Page.get_first_root_node()
    home = HomePage(title="议事", slug="yishi-home")
    root.add_child(instance=home)
    home.save_revision().publish()
    Site.objects.filter(is_default_site=True).update(root_page=home)
    return home


def add_community_page(home, community):
    page = CommunityPage(title=community.name, slug=community.slug, community=community)
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def community_page(home_page, community):
    return add_community_page(home_page, community)


def queries_of(client, url):
    """The number of queries of a warm request (site root and settings cached, as a running
    server has them), and the response."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


def within_budget(client, url, budget=BUDGET):
    count, response = queries_of(client, url)
    print(f"BUDGET {url} {count}")
    assert count <= budget, f"{url}: {count} queries"
    return count, response


def populate_community(community, n):
    grid = GridFactory(community=community)
    for _ in range(n):
        household = HouseholdFactory(community=community, grid=grid)
        VerifiedResidentFactory(community=community, household=household)


# The city's front page: every community with its figures.


def test_home_page_costs_the_same_with_thirty_communities_as_with_three(client, home_page):
    for _ in range(3):
        community = CommunityFactory()
        populate_community(community, 2)
        add_community_page(home_page, community)
    few, _response = within_budget(client, home_page.url)

    for _ in range(27):
        community = CommunityFactory()
        populate_community(community, 2)
        add_community_page(home_page, community)
    many, response = within_budget(client, home_page.url)

    assert many == few
    assert len(response.context["community_pages"]) == 30
    first = response.context["community_pages"][0]
    assert (first.grid_count, first.household_count, first.verified_count) == (1, 2, 2)


# A community's page.


def fill_community_page(community, community_page, staff):
    populate_community(community, 3)
    for i in range(60):
        topic = TopicFactory(community=community, status="collecting" if i % 2 else "screening")
        if i % 3 == 0:
            SupportFactory(topic=topic)
    for _ in range(8):
        DeliberatingTopicFactory(community=community)
    for _ in range(8):
        OrganisationFactory(communities=[community], street=community.street)
    for i in range(4):
        rules = StandardPage(title=f"议事规则{i}", slug=f"rules-{i}")
        community_page.add_child(instance=rules)
        rules.save_revision().publish()


def test_community_page_stays_within_budget_with_long_lists(
    client, community, community_page, staff
):
    fill_community_page(community, community_page, staff)

    count, response = within_budget(client, community_page.url, COMMUNITY_PAGE_BUDGET)

    assert len(response.context["open_topics"]) == 5
    shown = response.context["open_topics"]
    assert [t.support_count for t in shown] == [t.supports.count() for t in shown]
    assert response.context["household_count"] == community.households.count()
    assert response.context["verified_count"] == community.residents.count()


def test_community_page_stays_within_budget_signed_in(client, community, community_page, staff):
    fill_community_page(community, community_page, staff)
    client.force_login(VerifiedResidentFactory(community=community).user)

    within_budget(client, community_page.url, COMMUNITY_PAGE_SIGNED_IN_BUDGET)


def test_rules_page_stays_within_budget(client, community_page):
    rules = StandardPage(title="议事规则", slug="rules", intro="怎样提出议题")
    community_page.add_child(instance=rules)
    rules.save_revision().publish()

    within_budget(client, rules.url)


# An outcome (结果公示) with its objections, progress and ratings.


@pytest.fixture
def outcome(community, community_page, staff):
    topic = DeliberatingTopicFactory(community=community)
    page = OutcomePage(
        title=topic.title,
        slug=f"outcome-{topic.pk}",
        topic=topic,
        decision="同意加装充电桩。",
        plan="物业负责采购安装。",
        responsible="物业服务中心",
        deadline=timezone.localdate() + timedelta(days=30),
        live=False,
    )
    community_page.add_child(instance=page)
    page.save_revision(user=staff).publish()
    topic.refresh_from_db()
    notice = notices.current_notice(topic)
    for _ in range(30):
        notices.file_objection(notice, VerifiedResidentFactory(community=community).user, "异议")
    # Progress is recorded while the outcome is carried out; the notice's end is not this test's.
    Topic.objects.filter(pk=topic.pk).update(status=TopicState.IMPLEMENTING)
    topic.refresh_from_db()
    for day in range(20):
        outcomes.record_progress(
            topic, staff, date=timezone.localdate() - timedelta(days=day), percent=day, text="进展"
        )
    return OutcomePage.objects.get(pk=page.pk)


def test_outcome_page_stays_within_budget(client, outcome, community):
    _count, response = within_budget(client, outcome.url, OUTCOME_BUDGET)
    assert response.text.count("异议") >= 30
    client.force_login(VerifiedResidentFactory(community=community).user)
    within_budget(client, outcome.url, OUTCOME_SIGNED_IN_BUDGET)


def test_outcome_page_being_evaluated_stays_within_budget(client, outcome, community, staff):
    topic = outcome.topic
    topic.refresh_from_db()
    topic.status = TopicState.EVALUATING
    topic.implemented_at = timezone.now()
    topic.evaluation_ends_at = timezone.now() + timedelta(days=14)
    topic.save()
    for _ in range(60):
        resident = VerifiedResidentFactory(community=community)
        Rating.objects.create(topic=topic, resident=resident, rating=Satisfaction.SATISFIED)

    within_budget(client, outcome.url, OUTCOME_BUDGET)
    client.force_login(VerifiedResidentFactory(community=community).user)
    _count, response = within_budget(client, outcome.url, OUTCOME_SIGNED_IN_BUDGET)
    assert response.context["rating_form"] is not None


# A funding round, for a visitor and for a representative of many organisations.


def test_funding_round_page_stays_within_budget(client, home_page):
    round = funding_round()
    within_budget(client, round.url)

    representative = UserFactory()
    for _ in range(12):
        organisation = OrganisationFactory(street=round.street, representative=False)
        Representative.objects.create(organisation=organisation, user=representative)
    client.force_login(representative)
    _count, response = within_budget(client, round.url, FUNDING_ROUND_SIGNED_IN_BUDGET)
    assert len(response.context["organisations"]) == 12


# Organisations.


def test_organisation_directory_stays_within_budget(client, community, community_page):
    for _ in range(60):
        OrganisationFactory(communities=[community, CommunityFactory()], street=community.street)

    _count, response = within_budget(client, "/organisations/")
    assert len(response.context["organisations"]) == 20
    _count, response = within_budget(client, f"{community_page.url}organisations/?page=3")
    assert len(response.context["organisations"]) == 20
    client.force_login(VerifiedResidentFactory(community=community).user)
    within_budget(client, "/organisations/")


def test_organisation_page_stays_within_budget(client, community):
    organisation = OrganisationFactory(
        communities=[CommunityFactory() for _ in range(12)], street=community.street
    )
    within_budget(client, organisation.get_absolute_url())
    client.force_login(organisation.representatives.first().user)
    within_budget(client, organisation.get_absolute_url())


# Funded projects.


def test_project_list_stays_within_budget(client, home_page):
    for i in range(24):
        project = funded_project(title=f"项目{i}")
        for _ in range(3):
            feedback(activity(project), Satisfaction.SATISFIED)

    _count, response = within_budget(client, "/projects/")
    assert len(response.context["projects"]) == 20
    assert response.context["projects"][0].satisfaction_rate == 100.0
    _count, response = within_budget(client, "/projects/?page=2")
    assert len(response.context["projects"]) == 4


def test_project_page_stays_within_budget_with_sixty_activities(client, home_page):
    project = funded_project()
    for day in range(60):
        record = activity(project, held_on=project.starts_on + timedelta(days=day), signed_in=2)
        feedback(record, Satisfaction.SATISFIED)

    _count, response = within_budget(client, project.get_absolute_url(), PROJECT_PAGE_BUDGET)
    assert response.context["activities"].paginator.num_pages == 3
    _count, response = within_budget(
        client, project.get_absolute_url() + "?page=3", PROJECT_PAGE_BUDGET
    )
    assert len(response.context["activities"]) == 20
    client.force_login(VerifiedResidentFactory().user)
    within_budget(client, project.get_absolute_url(), PROJECT_PAGE_SIGNED_IN_BUDGET)
