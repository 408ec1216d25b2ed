"""The figures dashboard: a street's or a community's funded projects and consultations added
up per community and per round, as charts and tables, in a number of queries that does not grow
with the data; nobody sees another street's numbers."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse
from django.utils import timezone

from communities.models import Role
from communities.roles import grant_role
from consultation.models import BallotStatus, Rating, Satisfaction, TopicState
from projects import dashboard
from projects.models import Expense
from tests.consultation.ballot_factories import BallotFactory
from tests.consultation.factories import TopicFactory, put_on_notice
from tests.factories import CommunityFactory, StreetFactory, UserFactory, VerifiedResidentFactory
from tests.organisations.factories import OrganisationFactory

from .delivery import activity, feedback, funded_project
from .reviewing import TOTP_SECRET, officer_of

pytestmark = pytest.mark.django_db

YEAR = 2026


def staff_of(community):
    user = UserFactory()
    grant_role(user, Role.COMMUNITY_STAFF, community=community)
    TOTP.activate(user, TOTP_SECRET)
    return user


def moment(day):
    return timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=10)))


def expense(project, amount, spent_on):
    return Expense.objects.create(
        project=project,
        budget_line=project.application.budget_lines.first(),
        spent_on=spent_on,
        amount=Decimal(amount),
        description="购买材料",
        receipt="receipts/r.pdf",
    )


def project_in(community, *, title="长者智能手机课堂", awarded="30000.00"):
    organisation = OrganisationFactory(street=community.street, communities=[community])
    project = funded_project(
        community.street, organisation, starts_on=date(YEAR, 1, 5), months=12, title=title
    )
    project.application.awarded_amount = Decimal(awarded)
    project.application.save(update_fields=["awarded_amount"])
    return project


def known_data():
    """One community of one street with one project and three topics, whose figures are counted
    by hand in the tests below; and another street's project and topic."""
    street = StreetFactory(name="和平街道")
    community = CommunityFactory(street=street, name="幸福社区")
    project = project_in(community)
    first = activity(project, held_on=date(YEAR, 1, 10), signed_in=3, offline=2)
    activity(project, held_on=date(YEAR, 1, 20), signed_in=1)
    activity(project, held_on=date(YEAR, 3, 5), offline=4)
    expense(project, "1200.50", date(YEAR, 2, 1))
    expense(project, "800.00", date(YEAR, 3, 1))
    feedback(first, Satisfaction.SATISFIED)
    feedback(first, Satisfaction.BASIC)
    feedback(first, Satisfaction.DISSATISFIED)
    feedback(first, Satisfaction.DISSATISFIED, verified=False)  # a guest: counted apart

    for created, days, status in (
        (date(YEAR, 3, 1), 10, TopicState.NOTICE),
        (date(YEAR, 4, 1), 20, TopicState.IMPLEMENTING),
        (date(YEAR, 5, 1), 30, TopicState.EVALUATING),
    ):
        topic = TopicFactory(community=community, status=status, created_at=moment(created))
        put_on_notice(topic, starts=moment(created + timedelta(days=days)))
    evaluated = topic
    TopicFactory(community=community, status=TopicState.SCREENING)
    ballot = BallotFactory(topic=TopicFactory(community=community, status=TopicState.NOTICE))
    ballot.__class__.objects.filter(pk=ballot.pk).update(
        status=BallotStatus.CLOSED, voter_count=30, eligible_count=120
    )
    for rating in (Satisfaction.SATISFIED, Satisfaction.SATISFIED, Satisfaction.DISSATISFIED):
        Rating.objects.create(
            topic=evaluated, resident=VerifiedResidentFactory(community=community), rating=rating
        )

    other_street = StreetFactory(name="远方街道")
    elsewhere = CommunityFactory(street=other_street, name="远方社区")
    theirs = project_in(elsewhere, title="远方的舞蹈班", awarded="77777.00")
    activity(theirs, held_on=date(YEAR, 2, 2), signed_in=55, title="远方的排练")
    TopicFactory(community=elsewhere, title="远方的议题", status=TopicState.SCREENING)
    return street, community, project


def test_figures_are_counted_right_on_a_known_record():
    street, community, project = known_data()

    figures = dashboard.compute(officer_of(street), dashboard.Filters(year=YEAR))

    assert [c.name for c in figures.communities] == ["幸福社区"]
    tally = figures.by_community[community.pk]
    assert tally.awarded == Decimal("30000.00")
    assert tally.spent == Decimal("2000.50")
    assert tally.sessions == 3
    assert tally.participants == 10  # 4 sign-ins and 6 typed in
    assert tally.typed == 6
    assert tally.satisfaction["rate"] == 66.7  # 2 of 3 verified; the guest apart
    assert tally.satisfaction["guest_count"] == 1
    assert figures.by_round[project.application.round_id].awarded == Decimal("30000.00")
    assert figures.total.spent == Decimal("2000.50")
    assert [(month, sum(n.values())) for month, n in figures.per_month] == [
        ("2026-01", 2),
        ("2026-03", 1),
    ]
    consultation = figures.consultation[community.pk]
    assert consultation.median_days == 20
    assert consultation.turnout == 25.0
    assert consultation.satisfaction == 66.7
    assert consultation.states[TopicState.SCREENING] == 1
    assert consultation.topics == 5


def test_indicator_completion_is_the_mean_of_the_projects_completion():
    street, community, project = known_data()
    other = project_in(community, title="第二个项目")
    activity(other, held_on=date(YEAR, 6, 1), offline=200)

    figures = dashboard.compute(officer_of(street), dashboard.Filters())

    # The first: participants 10/200 = 5%, sessions 3/12 = 25%, hours 12/100 = 12%, manual 0:
    # 10.5%. The second: 100%, 8.3%, 4%, 0: 28.1%.
    assert figures.by_project[project.pk].completion == Decimal("10.5")
    assert figures.by_project[other.pk].completion == Decimal("28.1")
    assert figures.by_community[community.pk].completion == Decimal("19.3")


def test_the_year_and_the_round_narrow_the_figures():
    street, community, project = known_data()
    officer = officer_of(street)

    last_year = dashboard.compute(officer, dashboard.Filters(year=YEAR - 1))
    other_round = project_in(community, title="另一轮的项目").application.round
    in_other_round = dashboard.compute(officer, dashboard.Filters(round=other_round))

    assert last_year.total.projects == 0
    assert last_year.total.sessions == 0
    assert in_other_round.total.projects == 1
    assert in_other_round.total.awarded == Decimal("30000.00")
    assert in_other_round.total.sessions == 0


def test_the_page_draws_charts_and_tables_of_the_officers_street_only(client):
    street, community, project = known_data()
    client.force_login(officer_of(street))

    response = client.get(reverse("projects_figures"), {"year": YEAR})

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<svg") >= 5
    assert "幸福社区" in page
    assert "30000.00" in page
    assert "2000.50" in page
    assert "66.7%" in page
    assert "远方" not in page
    assert "77777" not in page
    assert reverse("projects_figures_export", args=["projects", "xlsx"]) + "?year=2026" in page


def test_community_staff_see_their_community_and_not_the_neighbours():
    street, community, project = known_data()
    neighbour = CommunityFactory(street=street, name="邻居社区")
    project_in(neighbour, title="邻居的项目", awarded="12345.00")

    mine = dashboard.compute(staff_of(community), dashboard.Filters())
    officer = dashboard.compute(officer_of(street), dashboard.Filters())

    assert [c.name for c in mine.communities] == ["幸福社区"]
    assert mine.total.awarded == Decimal("30000.00")
    assert officer.total.awarded == Decimal("42345.00")


def test_a_community_out_of_reach_cannot_be_chosen_in_the_filter(client):
    street, community, project = known_data()
    elsewhere = CommunityFactory(name="别处社区")
    project_in(elsewhere, title="别处的项目")
    client.force_login(staff_of(community))

    response = client.get(reverse("projects_figures"), {"community": elsewhere.pk})

    assert response.status_code == 200
    page = response.content.decode()
    assert "别处的项目" not in page
    assert "别处社区" not in page
    assert "幸福社区" in page


def test_people_without_a_staff_role_never_reach_the_figures(client):
    known_data()
    client.force_login(UserFactory())

    for url in (
        reverse("projects_figures"),
        reverse("projects_figures_export", args=["projects", "csv"]),
    ):
        response = client.get(url)
        assert response.status_code in (302, 404)
        assert "幸福社区".encode() not in response.content


def test_the_admin_home_shows_the_years_figures_to_staff(client):
    street, community, project = known_data()
    client.force_login(officer_of(street))
    this_year = date.today().year

    response = client.get(reverse("wagtailadmin_home"))

    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("projects_figures") + f"?year={this_year}" in page
    if this_year == YEAR:
        assert "30000.00" in page
    assert "77777" not in page


def community_with_projects(street, projects=5, activities=10):
    community = CommunityFactory(street=street)
    for number in range(projects):
        project = project_in(community, title=f"项目{community.pk}-{number}")
        expense(project, "100.00", date(YEAR, 2, 1))
        for day in range(activities):
            record = activity(project, held_on=date(YEAR, 1 + day % 12, 1), signed_in=1)
            feedback(record, Satisfaction.SATISFIED, verified=False)
    TopicFactory(community=community, status=TopicState.SCREENING)
    return community


def test_the_page_takes_as_many_queries_with_twice_the_communities(
    client, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    street = StreetFactory()
    for _ in range(3):
        community_with_projects(street)
    client.force_login(officer_of(street))
    url = reverse("projects_figures")

    with django_assert_max_num_queries(30), CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for _ in range(3):
        community_with_projects(street)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)

    assert response.status_code == 200
    assert response.content.decode().count("<svg") >= 5
    assert len(large) == len(small)


def test_another_streets_officer_never_sees_our_numbers(client):
    known_data()
    from communities.models import Street

    client.force_login(officer_of(Street.objects.get(name="远方街道")))

    page = client.get(reverse("projects_figures")).content.decode()
    panel = client.get(reverse("wagtailadmin_home")).content.decode()

    assert "远方社区" in page
    assert "77777.00" in page
    for shown in (page, panel):
        assert "幸福社区" not in shown
        assert "长者智能手机课堂" not in shown
        assert "30000.00" not in shown
        assert "2000.50" not in shown
