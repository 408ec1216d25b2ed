"""Funded projects for tests: an award made into a project directly (the awards' notice and the
start screen are other tests'), with two budget lines and one indicator of each measure."""

from datetime import date, timedelta
from decimal import Decimal

from communities.models import Role
from communities.roles import grant_role
from projects.models import (
    Activity,
    ApplicationState,
    Feedback,
    Indicator,
    Measure,
    Milestone,
    Project,
    SignIn,
)
from projects.pages import EvaluationCriterion
from tests.factories import UserFactory
from tests.organisations.factories import OrganisationFactory, representative_of

from .factories import application, funding_round

EVALUATION_CRITERIA = (("目标和指标的完成", 50), ("服务质量和居民评价", 30), ("经费使用的规范", 20))
INDICATORS = (
    ("服务居民", "人次", "200", Measure.PARTICIPANTS),
    ("开展活动", "次", "12", Measure.SESSIONS),
    ("志愿服务", "小时", "100", Measure.VOLUNTEER_HOURS),
    ("居民满意度调查覆盖户数", "户", "50", Measure.MANUAL),
)


def funded_project(street=None, organisation=None, *, starts_on=None, months=12, **fields):
    """A project under way since `starts_on` (default: 60 days ago) for `months` months, of an
    award of 30,000 yuan in two lines (20,000 + 10,000), paid in two tranches."""
    round = funding_round(street, title="2026年和平街道社区公益创投")
    for position, (name, weight) in enumerate(EVALUATION_CRITERIA):
        EvaluationCriterion.objects.create(
            round=round, name=name, weight=weight, sort_order=position
        )
    organisation = organisation or OrganisationFactory(street=round.street)
    award = application(
        round,
        organisation,
        lines=(
            ("活动材料", "100.00", 200, "20000.00", "0.00"),
            ("志愿者补贴", "50.00", 200, "10000.00", "0.00"),
        ),
        status=ApplicationState.AWARDED,
        awarded_amount=Decimal("30000.00"),
        title=fields.pop("title", "长者智能手机课堂"),
    )
    award.indicators.all().delete()
    for position, (name, unit, target, measure) in enumerate(INDICATORS):
        Indicator.objects.create(
            application=award,
            name=name,
            unit=unit,
            target=Decimal(target),
            measure=measure,
            position=position,
        )
    starts_on = starts_on or date.today() - timedelta(days=60)
    project = Project.objects.create(
        application=award,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=30 * months),
        **fields,
    )
    Milestone.objects.create(
        project=project, title="签约拨付", due_on=starts_on, tranche=Decimal("15000.00")
    )
    Milestone.objects.create(
        project=project,
        title="结项拨付",
        due_on=project.ends_on,
        tranche=Decimal("15000.00"),
        position=1,
    )
    return project


def representative(project):
    return representative_of(project.application.organisation)


def community_staff(project):
    user = UserFactory()
    grant_role(user, Role.COMMUNITY_STAFF, community=project.application.communities.first())
    return user


def activity(project, *, held_on=None, indicators=None, signed_in=0, offline=0, **fields):
    """An activity of `project` serving `indicators` (default: all the counted ones), with
    `signed_in` guests' sign-ins and `offline` people typed in."""
    values = {
        "community": project.application.communities.first(),
        "held_on": held_on or project.starts_on + timedelta(days=7),
        "title": "手机课堂：学会视频通话",
        "place": "社区活动室",
        "participants_offline": offline,
        "volunteers": 2,
        "volunteer_hours": Decimal("4.0"),
        **fields,
    }
    record = Activity.objects.create(project=project, **values)
    if indicators is None:
        indicators = project.application.indicators.exclude(measure=Measure.MANUAL)
    record.indicators.set(indicators)
    SignIn.objects.bulk_create(
        SignIn(activity=record, device=f"device-{record.pk}-{n}") for n in range(signed_in)
    )
    return record


def feedback(record, rating, *, verified=True, user=None, device=""):
    return Feedback.objects.create(
        activity=record,
        rating=rating,
        verified=verified,
        user=user or (UserFactory() if verified else None),
        device=device or ("" if verified else f"guest-{Feedback.objects.count()}"),
    )
