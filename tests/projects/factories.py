"""Funding rounds and applications for tests: a round is a page under the site's home page."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from wagtail.models import Locale, Page, Site

from home.models import HomePage
from projects.models import Application, ApplicationState, BudgetLine, Indicator
from projects.pages import FundingRoundPage, ScoringCriterion
from tests.factories import StreetFactory

CRITERIA = (("需求的迫切性", 30), ("方案的可行性", 30), ("预算的合理性", 20), ("居民参与度", 20))


def home_page():
    home = HomePage.objects.first()
    if home is None:
        # A transactional test's flush also removes the tree root Wagtail's migration made.
        Locale.objects.get_or_create(language_code="zh-hans")
        root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
        home = HomePage(title="议事", slug="yishi-home")
        root.add_child(instance=home)
        home.save_revision().publish()
        Site.objects.update_or_create(
            is_default_site=True, defaults={"root_page": home, "hostname": "localhost"}
        )
    return home


def funding_round(street=None, *, criteria=CRITERIA, open_now=True, **fields):
    """A published round of `street`; open for applications now unless told otherwise."""
    now = timezone.now()
    values = {
        "title": "2026年和平街道社区公益创投",
        "slug": f"round-{FundingRoundPage.objects.count() + 1}",
        "street": street or StreetFactory(),
        "intro": "支持社区社会组织为居民提供服务。",
        "total_budget": Decimal("300000.00"),
        "grant_ceiling": Decimal("50000.00"),
        "opens_at": now - timedelta(days=10) if open_now else now - timedelta(days=40),
        "closes_at": now + timedelta(days=20) if open_now else now - timedelta(days=10),
        "review_ends_on": (now + timedelta(days=40)).date(),
        "announced_on": (now + timedelta(days=45)).date(),
        **fields,
    }
    page = FundingRoundPage(**values)
    for position, (name, weight) in enumerate(criteria):
        page.criteria.add(ScoringCriterion(name=name, weight=weight, sort_order=position))
    home_page().add_child(instance=page)
    page.save_revision().publish()
    return FundingRoundPage.objects.get(pk=page.pk)


def application(round, organisation, *, lines=(("活动材料", "500.00", 20, "8000.00", "2000.00"),),
                status=ApplicationState.DRAFT, **fields):  # fmt: skip
    values = {
        "title": "老年人书法进社区",
        "need": "社区老年人多，缺少文化活动。",
        "goals": "每月开展四次书法活动。",
        "beneficiaries": "社区60岁以上老人",
        "beneficiary_count": 120,
        "activity_plan": "每周二下午在活动室教学。",
        "status": status,
        **fields,
    }
    app = Application.objects.create(round=round, organisation=organisation, **values)
    app.communities.set(organisation.communities.all())
    for position, (item, unit_cost, quantity, requested, cofunded) in enumerate(lines):
        BudgetLine.objects.create(
            application=app,
            item=item,
            unit_cost=Decimal(unit_cost),
            quantity=quantity,
            requested=Decimal(requested),
            cofunded=Decimal(cofunded),
            position=position,
        )
    Indicator.objects.create(application=app, name="开展活动", unit="次", target=Decimal("48"))
    return app
