"""The demo city's funding (公益创投): this year's round of 和平街道, open for applications, and
last year's, decided.

Everything goes through the real services — the application's workflow, the reviewers' steps,
the decision — with the demo's people as actors, so each record's history reads as if the
street office had done it by hand. Idempotent: a round already there is left as it is.

Figures are the scale of a real district programme: Nanhu district (Jiaxing) funded 271
projects of social organisations with 9.4566 million yuan in three years, about 35,000 yuan a
project.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from communities import notices
from communities.history_reasons import history_reason
from communities.models import Membership, Role, Street
from organisations.models import Category, Organisation

from . import awards, decisions, reviews, workflow
from .demo_delivery import load_projects
from .models import Application, BudgetLine, Indicator, Measure, Recommendation, Review
from .pages import FundingRoundPage, ScoringCriterion

# username, full name, what they do (the accounts reviewers sign in with)
EXPERTS = [
    ("expert01", "林慧", "区社会工作协会 督导"),
    ("expert02", "郑国平", "高校社会工作系 副教授"),
]
# The organisation representative the README names (made by organisations/demo.py).
REPRESENTATIVE = "org05"

RULES = (
    "<p>一、申报主体：在和平街道备案或登记、服务本街道社区居民的社会组织。</p>"
    "<p>二、资助方向：为老服务、儿童青少年、社区文化、志愿服务和社区环境共建。</p>"
    "<p>三、资助标准：单个项目资助不超过5万元，鼓励社会组织自筹或链接辖区单位配套资金。</p>"
    "<p>四、评审：街道对申报材料进行资格审查，通过的项目由评审专家按评分标准打分；"
    "居民投票结果按规定权重计入总分。评审结果经街道党工委会议研究确定，并在本平台公示。</p>"
    "<p>五、项目实施：获得资助的项目按计划开展活动、随做随记，活动记录即为项目台账，"
    "不再另行制作纸质台账。</p>"
)

# name, weight, guidance
CRITERIA_OPEN = [
    ("需求的迫切性", 25, "项目回应的是否是社区居民反映集中、迫切需要解决的问题。"),
    ("方案的可行性", 25, "活动安排是否具体，人员、场地、时间是否落实。"),
    ("预算的合理性", 15, "各项支出是否必要、单价是否合理，是否有自筹或配套资金。"),
    ("组织的执行能力", 15, "组织以往开展活动的情况、骨干队伍是否稳定。"),
]
CRITERIA_DECIDED = [
    ("需求的迫切性", 30, "项目回应的是否是社区居民反映集中、迫切需要解决的问题。"),
    ("方案的可行性", 30, "活动安排是否具体，人员、场地、时间是否落实。"),
    ("预算的合理性", 20, "各项支出是否必要、单价是否合理，是否有自筹或配套资金。"),
    ("居民参与度", 20, "居民是否参与项目的设计和实施，受益面是否广。"),
]


def _project(organisation, title, need, goals, beneficiaries, count, plan, lines, indicators):
    return {
        "organisation": organisation,
        "title": title,
        "need": need,
        "goals": goals,
        "beneficiaries": beneficiaries,
        "beneficiary_count": count,
        "activity_plan": plan,
        "lines": lines,
        "indicators": indicators,
    }


# Last year's applications: (project, decision, amount or None, reason, two reviewers' scores)
DECIDED_PROJECTS = [
    (
        _project(
            "幸福里书法社", "翰墨幸福里·老年书法课堂",
            "幸福里社区60岁以上老人占三成，退休后文化活动少，活动室常年空置。",
            "开设一年期书法课堂，培养20名能独立授课的老年书法骨干，春节为居民义写春联。",
            "社区60岁以上老人", 150,
            "每周二、周四下午在党群服务中心活动室授课；每季度举办一次作品展；腊月义写春联两场。",
            [("笔墨纸砚等材料", "60.00", 150, "9000.00", "0.00"),
             ("授课老师课时补贴", "200.00", 96, "19200.00", "0.00"),
             ("作品装裱与展览", "3800.00", 1, "2800.00", "1000.00")],
            [("开展书法课", "次", "96", Measure.SESSIONS), ("培养书法骨干", "人", "20"),
             ("义写春联", "副", "600")],
        ),
        "award", "31000.00", "评审平均得分第二，预算合理，按申请金额全额资助。",
        [(9, 8, 8, 9), (8, 8, 7, 8)],
    ),
    (
        _project(
            "幸福里银发互助队", "银发结对·高龄独居老人探访",
            "社区有高龄独居老人47人，子女不在身边，突发疾病和日常代办无人照应。",
            "低龄老人与高龄独居老人一对一结对，每周上门探访，建立探访记录和紧急联系名单。",
            "社区80岁以上独居老人", 47,
            "招募并培训30名低龄老人志愿者；每周上门探访一次；每月集中开展一次健康讲座和生日会。",
            [("志愿者培训", "1500.00", 4, "6000.00", "0.00"),
             ("探访慰问物资", "100.00", 240, "20000.00", "4000.00"),
             ("健康讲座与生日会", "1500.00", 12, "12000.00", "6000.00")],
            [("上门探访", "人次", "2000", Measure.PARTICIPANTS),
             ("健康讲座", "场", "12", Measure.SESSIONS), ("结对志愿者", "人", "30"),
             ("志愿服务", "小时", "3000", Measure.VOLUNTEER_HOURS)],
        ),
        "award", "38000.00", "评审平均得分第一，回应高龄独居老人照护的迫切需要，全额资助。",
        [(10, 9, 8, 9), (9, 9, 8, 8)],
    ),
    (
        _project(
            "滨河亲子读书会", "滨河四点半课堂",
            "滨河社区双职工家庭多，小学生放学后到家长下班前无人看管。",
            "在社区图书角开设四点半课堂，由志愿者辅导作业、组织阅读，学期中每个工作日开放。",
            "社区小学生", 60,
            "学期中周一至周五16:30—18:00开放；招募大学生和退休教师志愿者；每月一次亲子共读。",
            [("图书和学习用品", "20.00", 500, "10000.00", "0.00"),
             ("志愿者交通餐费补贴", "30.00", 600, "15000.00", "3000.00"),
             ("亲子共读活动", "500.00", 10, "5000.00", "0.00")],
            [("课堂开放", "天", "160", Measure.SESSIONS),
             ("服务学生", "人次", "6000", Measure.PARTICIPANTS), ("亲子共读", "场", "10")],
        ),
        "award", "30000.00", "需求迫切，方案具体，全额资助；请与社区协调好图书角的开放时间。",
        [(9, 8, 8, 8), (8, 8, 8, 9)],
    ),
    (
        _project(
            "和平街道社会工作服务中心", "社区花圃共建·除菜植绿",
            "三个社区的公共绿地有居民种菜，邻里之间多有矛盾，绿地面貌差。",
            "与居民协商把菜地改建为样板花圃，由居民认领养护，形成长效管理公约。",
            "三个社区的居民", 900,
            "召开居民协商会议三场；改建样板花圃两块；组建花圃认领养护小组，制定养护公约。",
            [("花苗和土壤", "20.00", 1500, "25000.00", "5000.00"),
             ("协商会议组织", "1000.00", 3, "3000.00", "0.00"),
             ("养护工具", "200.00", 60, "12000.00", "0.00")],
            [("改建花圃", "块", "2"), ("协商会议", "场", "3"), ("认领养护居民", "户", "60")],
        ),
        "waitlist", None, "评审得分位列第四；本轮预算剩余不足以全额资助，列入候补，"
        "如有获资助项目放弃将依次递补。",
        [(8, 7, 7, 8), (7, 8, 7, 7)],
    ),
    (
        _project(
            "长青社区志愿服务队", "垃圾分类督导员培训",
            "长青社区临街商铺多，垃圾混投现象普遍。",
            "培训50名垃圾分类督导员，在早晚投放时段值守。",
            "长青社区居民和商户", 3000,
            "分两期集中培训督导员；早晚投放时段在6个投放点值守。",
            [("督导员培训", "200.00", 50, "10000.00", "0.00"),
             ("值守补贴", "20.00", 1000, "20000.00", "0.00")],
            [("培训督导员", "人", "50"), ("值守", "班次", "1000")],
        ),
        "decline", None, "值守补贴已由街道垃圾分类专项经费安排，项目内容与之重复，不予资助。",
        [(6, 6, 5, 5), (5, 6, 5, 6)],
    ),
]  # fmt: skip

# This year's applications: (project, submitted?)
OPEN_PROJECTS = [
    (
        _project(
            "滨河亲子读书会", "亲子养蚕·自然观察",
            "滨河社区年轻家庭多，孩子接触自然的机会少，亲子活动形式单一。",
            "组织亲子家庭饲养蚕宝宝、观察记录蚕的一生，结营时举办观察日记展。",
            "社区小学生及其家长", 80,
            "春季招募40组亲子家庭，发放蚕种和饲养盒；每两周一次观察分享会；六月举办展览。",
            [("蚕种和饲养盒", "60.00", 40, "2400.00", "0.00"),
             ("桑叶采购", "300.00", 8, "2400.00", "0.00"),
             ("分享会和展览", "800.00", 6, "4000.00", "800.00")],
            [("参与亲子家庭", "组", "40"), ("观察分享会", "场", "6")],
        ),
        False,
    ),
    (
        _project(
            "幸福里银发互助队", "银发助餐·老年食堂送餐到户",
            "社区老年食堂开在幸福路口，行动不便的老人去不了，午饭常常凑合。",
            "由互助队志愿者把老年食堂的午餐送到行动不便的老人家中，并顺带探访。",
            "行动不便的社区老人", 35,
            "工作日每天11:00—12:00送餐；建立送餐名单和探访记录；每季度回访老人满意度。",
            [("保温送餐箱", "150.00", 20, "3000.00", "0.00"),
             ("送餐志愿者补贴", "15.00", 2000, "25000.00", "5000.00"),
             ("志愿者意外保险", "100.00", 30, "3000.00", "0.00")],
            [("送餐", "人次", "7000"), ("回访", "次", "4")],
        ),
        True,
    ),
]  # fmt: skip


def _local(day, hour=9):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _round(home, officer, street, *, slug, title, intro, criteria, **fields):
    page = FundingRoundPage(
        slug=slug, title=title, street=street, intro=intro, rules=RULES, **fields
    )
    for position, (name, weight, guidance) in enumerate(criteria):
        page.criteria.add(
            ScoringCriterion(name=name, weight=weight, guidance=guidance, sort_order=position)
        )
    page.owner = officer
    home.add_child(instance=page)
    page.save_revision(user=officer).publish(user=officer)
    return FundingRoundPage.objects.get(pk=page.pk)


def _draft(round, project, author):
    """A draft as the application form writes it: the record, its lines and indicators."""
    organisation = Organisation.objects.get(street=round.street, name=project["organisation"])
    application = Application(
        round=round,
        organisation=organisation,
        created_by=author,
        **{
            key: value
            for key, value in project.items()
            if key not in {"organisation", "lines", "indicators"}
        },
    )
    application._history_user = author
    application._change_reason = history_reason("application.drafted")
    application.save()
    application.communities.set(organisation.communities.filter(street=round.street))
    for position, (item, unit_cost, quantity, requested, cofunded) in enumerate(project["lines"]):
        BudgetLine.objects.create(
            application=application,
            item=item,
            unit_cost=Decimal(unit_cost),
            quantity=quantity,
            requested=Decimal(requested),
            cofunded=Decimal(cofunded),
            position=position,
        )
    for position, (name, unit, target, *measure) in enumerate(project["indicators"]):
        Indicator.objects.create(
            application=application,
            name=name,
            unit=unit,
            target=Decimal(target),
            measure=measure[0] if measure else Measure.MANUAL,
            position=position,
        )
    return application


def _representative(organisation_name, street):
    return (
        get_user_model()
        .objects.filter(
            representations__organisation__street=street,
            representations__organisation__name=organisation_name,
        )
        .first()
    )


def _officer(street):
    return (
        Membership.objects.filter(role=Role.STREET_OFFICER, street=street)
        .select_related("user")
        .first()
        .user
    )


def open_round(home, street, officer, experts, now):
    """This year's round, open for three more weeks: one draft, one submitted application;
    the experts are its reviewers (nothing to review until screening)."""
    year = timezone.localdate(now).year
    slug = f"gongyi-chuangtou-{year}"
    if FundingRoundPage.objects.filter(slug=slug).exists():
        return FundingRoundPage.objects.get(slug=slug)
    today = timezone.localdate(now)
    closes = _local(today + timedelta(days=21), hour=17)  # rounds open and close at whole hours
    round = _round(
        home,
        officer,
        street,
        slug=slug,
        title=f"{year}年{street.name}社区公益创投",
        intro="支持社会组织为社区居民提供为老、助残、儿童和社区共建服务，单个项目最高资助5万元。",
        criteria=CRITERIA_OPEN,
        total_budget=Decimal("300000.00"),
        grant_ceiling=Decimal("50000.00"),
        opens_at=_local(today - timedelta(days=14)),
        closes_at=closes,
        review_ends_on=timezone.localdate(closes) + timedelta(days=30),
        announced_on=timezone.localdate(closes) + timedelta(days=40),
        eligible_categories=[
            Category.ELDERLY_CARE,
            Category.CHILDREN,
            Category.CULTURE,
            Category.VOLUNTEERING,
            Category.ENVIRONMENT,
            Category.MUTUAL_AID,
            Category.OTHER,
        ],
        residents_say_weight=20,
    )
    for project, submit in OPEN_PROJECTS:
        author = _representative(project["organisation"], street)
        application = _draft(round, project, author)
        if submit:
            workflow.perform(application, "submit", author)
    for expert in experts:
        reviews.add_reviewer(round, expert, by=officer)
    return round


def decided_round(home, street, officer, experts, now):
    """Last year's round, decided: five applications screened, reviewed by both experts and
    decided — three awards within the budget, one on the waiting list, one declined.

    Each step is taken at its moment of last year (submitted in March, screened in May,
    decided at the end of the review); the awards then went on public notice for a week and
    became final."""
    year = timezone.localdate(now).year - 1
    slug = f"gongyi-chuangtou-{year}"
    if FundingRoundPage.objects.filter(slug=slug).exists():
        return FundingRoundPage.objects.get(slug=slug)
    opens = _local(datetime(year, 3, 1).date())
    closes = _local(datetime(year, 4, 30).date(), hour=17)
    review_ends = datetime(year, 5, 31).date()
    round = _round(
        home,
        officer,
        street,
        slug=slug,
        title=f"{year}年{street.name}社区公益创投",
        intro="首届社区公益创投：以项目代替台账，资助社会组织开展为老、儿童和社区共建服务。",
        criteria=CRITERIA_DECIDED,
        total_budget=Decimal("120000.00"),
        grant_ceiling=Decimal("50000.00"),
        opens_at=opens,
        closes_at=closes,
        review_ends_on=review_ends,
        announced_on=datetime(year, 6, 10).date(),
        residents_say_weight=0,
    )
    criteria = list(round.criteria.all())
    for expert in experts:
        reviews.add_reviewer(round, expert, by=officer)
    decided = []
    for index, (project, action, amount, reason, marks) in enumerate(DECIDED_PROJECTS):
        author = _representative(project["organisation"], street)
        application = _draft(round, project, author)
        workflow.perform(application, "submit", author, now=opens + timedelta(days=20 + index))
        workflow.perform(application, "start_screening", officer, now=closes + timedelta(days=1))
        workflow.perform(application, "pass_screening", officer, now=closes + timedelta(days=3))
        for expert, scores in zip(experts, marks, strict=True):
            review = reviews.assign(application, expert, by=officer)
            recommendation = (
                Recommendation.FUND if sum(scores) >= 30 else Recommendation.DO_NOT_FUND
            )
            reviews.submit_review(
                review,
                {c.pk: (score, "") for c, score in zip(criteria, scores, strict=True)},
                recommendation,
                comment="方案具体，建议按计划实施。" if sum(scores) >= 30 else "与已有经费重复。",
            )
            Review.objects.filter(pk=review.pk).update(
                submitted_at=_local(review_ends - timedelta(days=10 - index))
            )
        decided.append((application, action, amount, reason))
    # The meeting decides the waiting list last: it is what the awards leave of the budget.
    order = {"award": 0, "decline": 1, "waitlist": 2}
    for application, action, amount, reason in sorted(decided, key=lambda d: order[d[1]]):
        decisions.decide(
            application,
            action,
            officer,
            reason=reason,
            amount=Decimal(amount) if amount else None,
            now=_local(review_ends, hour=15),
        )
    # The decided list went on public notice (公示) for a week on the announcement day and
    # became final when the week ended.
    announced = _local(round.announced_on)
    awards.publish_awards(round, officer, days=7, now=announced)
    notices.end_due_notices(now=announced + timedelta(days=7, hours=1))
    return round


def load_funding(accounts, street_slug="heping"):
    """The experts' accounts, and both rounds of the street under the site's home page.
    `accounts` is the demo's DemoAccounts (its list is what `load_demo` prints)."""
    from home.models import HomePage

    street = Street.objects.get(slug=street_slug)
    home = HomePage.objects.first()
    officer = _officer(street)
    experts = [accounts.user(username, name) for username, name, _title in EXPERTS]
    now = timezone.now()
    decided_round(home, street, officer, experts, now)
    load_projects(street, officer, experts, now)
    open_round(home, street, officer, experts, now)
    representative = get_user_model().objects.filter(username=REPRESENTATIVE).first()
    organisation = (
        Organisation.objects.filter(representatives__user=representative).first()
        if representative
        else None
    )
    accounts.listed += [
        (username, f"reviewer / 评审专家 · {title}") for username, _name, title in EXPERTS
    ]
    if organisation is not None:
        accounts.listed.append(
            (REPRESENTATIVE, f"organisation representative / 社会组织负责人 · {organisation.name}")
        )
