"""The generated city's funding and projects (`manage.py generate_city`, see
communities/generate.py): per street, last year's round decided (its awards on an ended public
notice, each award a project under way) and this year's round open with submitted applications;
the projects' activity log with residents' sign-ins and feedback.

The first project has at least 100 activities (the benchmark's project page and report)."""

import uuid
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from communities.generate import insert_notices
from consultation.generate import _share

from .demo import CRITERIA_DECIDED, CRITERIA_OPEN, _local, _round
from .demo_delivery import COMMENTS, _evaluation_sheet
from .models import (
    Activity,
    Application,
    ApplicationState,
    BudgetLine,
    Feedback,
    Indicator,
    Measure,
    Milestone,
    Project,
    SignIn,
)

BENCH_ACTIVITIES = 150
TOPICS = [
    (
        "老年书法课堂",
        "社区60岁以上老人占三成，退休后文化活动少。",
        "书法课：楷书基本笔画",
        "活动室",
    ),
    (
        "高龄独居老人探访",
        "社区高龄独居老人多，子女不在身边，日常代办无人照应。",
        "结对探访：上门看望独居老人",
        "各楼栋",
    ),
    ("四点半课堂", "双职工家庭多，小学生放学后无人看管。", "四点半课堂：作业辅导和阅读", "图书角"),
    ("社区花圃共建", "公共绿地有居民种菜，邻里矛盾多。", "花圃养护：居民认领和培训", "中心绿地"),
    (
        "垃圾分类督导",
        "垃圾分类投放准确率低，投放点环境差。",
        "垃圾分类督导：定时定点值守",
        "投放点",
    ),
    (
        "邻里互助服务",
        "新老住户互不相识，有困难不知找谁。",
        "邻里互助：代办和陪同就医",
        "党群服务中心",
    ),
]


def generate_funding(city):
    rng, bulk, now, v = city.rng, city.bulk, city.now, city.volumes
    today = timezone.localdate(now)
    year = today.year
    n_streets = len(city.streets)
    per = [v["projects"] // n_streets + (1 if i < v["projects"] % n_streets else 0)
           for i in range(n_streets)]  # fmt: skip
    round_ct = None
    applications, lines, indicators, links, notices = [], [], [], [], []
    awarded = []  # (application id, organisation tuple, indicator ids, street index)
    app_ids = iter(bulk.ids(Application, sum(per) + 3 * v["organisations"]))
    indicator_ids = iter(bulk.ids(Indicator, 2 * (sum(per) + 3 * v["organisations"])))
    rounds = 0
    for s, (street, officer_id) in enumerate(city.streets):
        orgs = [o for o in city.organisations if o[1].pk == street.pk]
        officer = get_user_model().objects.get(pk=officer_id)
        decided = _round(
            city.home,
            officer,
            street,
            slug=f"gongyi-{street.slug}-{year - 1}",
            title=f"{year - 1}年{street.name}社区公益创投",
            intro="以项目代替台账，资助社会组织开展为老、儿童和社区共建服务。",
            criteria=CRITERIA_DECIDED,
            total_budget=Decimal(40000 * max(1, per[s])),
            grant_ceiling=Decimal("50000.00"),
            opens_at=_local(today - timedelta(days=500)),
            closes_at=_local(today - timedelta(days=440), hour=17),
            review_ends_on=today - timedelta(days=410),
            announced_on=today - timedelta(days=400),
            residents_say_weight=0,
        )
        _evaluation_sheet(decided)
        opened = _round(
            city.home,
            officer,
            street,
            slug=f"gongyi-{street.slug}-{year}",
            title=f"{year}年{street.name}社区公益创投",
            intro="支持社会组织为社区居民提供为老、助残、儿童和社区共建服务，单个项目最高资助5万元。",
            criteria=CRITERIA_OPEN,
            total_budget=Decimal("300000.00"),
            grant_ceiling=Decimal("50000.00"),
            opens_at=_local(today - timedelta(days=14)),
            closes_at=_local(today + timedelta(days=60), hour=17),
            review_ends_on=today + timedelta(days=90),
            announced_on=today + timedelta(days=100),
            residents_say_weight=0,
        )
        rounds += 2
        round_ct = round_ct or ContentType.objects.get_for_model(decided).pk
        decided_at = _local(decided.review_ends_on, hour=15)
        lines_on_notice, total = [], Decimal("0.00")
        # Last year: the awards (one per organisation while they last), then two declined.
        for n in range(per[s] + min(2, len(orgs))):
            org = orgs[n % len(orgs)]
            status = ApplicationState.AWARDED if n < per[s] else ApplicationState.DECLINED
            amount = Decimal(rng.randrange(20, 50) * 1000) if n < per[s] else None
            aid = next(app_ids)
            ind = [next(indicator_ids), next(indicator_ids)]
            applications.append(
                _application(
                    rng,
                    aid,
                    decided,
                    org,
                    status,
                    amount,
                    decided_at,
                    decided.opens_at + timedelta(days=20 + n % 30),
                )
            )
            lines.extend(_lines(aid, amount or Decimal("30000")))
            indicators += [
                (ind[0], aid, "开展活动", "次", Decimal(60), Measure.SESSIONS, 0),
                (ind[1], aid, "服务居民", "人次", Decimal(1500), Measure.PARTICIPANTS, 1),
            ]
            links += [(aid, data.community.pk) for data in org[2]]
            if status == ApplicationState.AWARDED:
                awarded.append((aid, org, ind, s, officer_id))
                total += amount
            lines_on_notice.append(
                {
                    "application": aid,
                    "organisation": org[4],
                    "title": applications[-1][3],
                    "status": status,
                    "amount": f"{amount or Decimal('0.00'):.2f}",
                    "score": None,
                }
            )
        announced = _local(decided.announced_on)
        notices.append(
            (
                round_ct,
                decided.pk,
                street.pk,
                {"lines": lines_on_notice, "total": f"{total:.2f}"},
                announced,
                announced + timedelta(days=7),
                announced + timedelta(days=7),
                officer_id,
            )
        )
        # This year: submitted applications waiting for the deadline.
        for n in range(max(2, len(orgs) // 2)):
            org = orgs[n % len(orgs)]
            aid = next(app_ids)
            applications.append(
                _application(
                    rng,
                    aid,
                    opened,
                    org,
                    ApplicationState.SUBMITTED,
                    None,
                    None,
                    now - timedelta(days=n % 10 + 1),
                )
            )
            lines.extend(_lines(aid, Decimal(rng.randrange(20, 50) * 1000)))
            links += [(aid, data.community.pk) for data in org[2]]
    n = rounds
    n += bulk.insert(
        Application,
        [
            "id",
            "round_id",
            "organisation_id",
            "title",
            "need",
            "goals",
            "beneficiaries",
            "beneficiary_count",
            "activity_plan",
            "status",
            "created_by_id",
            "created_at",
            "submitted_at",
            "decision_reason",
            "awarded_amount",
            "decided_at",
        ],
        applications,
    )
    n += bulk.insert(Application.communities.through, ["application_id", "community_id"], links)
    n += bulk.insert(
        BudgetLine,
        ["application_id", "item", "unit_cost", "quantity", "requested", "cofunded", "position"],
        lines,
    )
    n += bulk.insert(
        Indicator,
        ["id", "application_id", "name", "unit", "target", "measure", "position"],
        indicators,
    )
    n += insert_notices(bulk, "street", notices)
    city.progress.done("funding rounds, applications", n)
    _projects(city, awarded, today)


def _application(rng, aid, round, org, status, amount, decided_at, submitted_at):
    title, need, _activity, _place = TOPICS[aid % len(TOPICS)]
    title = f"{org[4][:4]}·{title}"
    return (
        aid,
        round.pk,
        org[0],
        title,
        need,
        "一年内开展活动60次，服务居民1500人次。",
        "社区居民",
        rng.randint(50, 900),
        "每周开展一次活动，每月一次集中活动，年底总结展示。",
        status,
        org[3],
        submitted_at - timedelta(days=3),
        submitted_at,
        "评审得分靠前，按申请金额资助。" if amount else ("与已有项目重复。" if decided_at else ""),
        amount,
        decided_at,
    )


def _lines(aid, requested):
    half = (requested / 2).quantize(Decimal("0.01"))
    return [
        (aid, "活动材料", Decimal("50.00"), int(half / 50), half, Decimal("0.00"), 0),
        (aid, "志愿者补贴", Decimal("30.00"), 1, requested - half, Decimal("0.00"), 1),
    ]


def _projects(city, awarded, today):
    rng, bulk, v = city.rng, city.bulk, city.volumes
    project_ids = bulk.ids(Project, len(awarded))
    starts = today - timedelta(days=360)
    ends = today + timedelta(days=180)
    projects, milestones = [], []
    for pid, (aid, _org, _ind, _s, officer_id) in zip(project_ids, awarded, strict=True):
        projects.append((pid, aid, starts, ends, "active", "", officer_id, _local(starts, hour=10)))
        milestones += [(pid, "签订协议，拨付首期", starts, Decimal("10000.00"),
                        starts + timedelta(days=6), 0),
                       (pid, "结项评估后拨付尾款", ends, Decimal("10000.00"), None, 1)]  # fmt: skip
    n = bulk.insert(
        Project,
        [
            "id",
            "application_id",
            "starts_on",
            "ends_on",
            "status",
            "grade",
            "created_by_id",
            "created_at",
        ],
        projects,
    )
    n += bulk.insert(
        Milestone, ["project_id", "title", "due_on", "tranche", "paid_on", "position"], milestones
    )
    city.progress.done("projects", n)

    first = max(BENCH_ACTIVITIES, v["activities"] // max(1, len(awarded)))
    first = min(first, v["activities"])
    caps = [10**9] * len(awarded)
    counts = _share(rng, v["activities"], caps, fixed={0: first})
    activity_ids = iter(bulk.ids(Activity, v["activities"]))
    activities, through, made = [], [], []
    days = (today - timedelta(days=1) - starts).days
    for pid, (_aid, org, ind, _s, _officer), count in zip(
        project_ids, awarded, counts, strict=True
    ):
        title, _need, activity, place = TOPICS[_aid % len(TOPICS)]
        data = org[2][0]
        for k in range(count):
            act = next(activity_ids)
            held = starts + timedelta(days=days * (k + 1) // (count + 1))
            activities.append(
                (
                    act,
                    pid,
                    data.community.pk,
                    held,
                    activity,
                    f"{data.community.name}{place}",
                    rng.randint(5, 40),
                    rng.randint(1, 8),
                    Decimal(rng.randint(2, 30)),
                    "",
                    uuid.UUID(int=rng.getrandbits(128), version=4),
                    org[3],
                    _local(held, hour=16),
                )
            )
            through += [(act, ind[0]), (act, ind[1])]
            made.append((act, data, held))
    n = bulk.insert(
        Activity,
        [
            "id",
            "project_id",
            "community_id",
            "held_on",
            "title",
            "place",
            "participants_offline",
            "volunteers",
            "volunteer_hours",
            "notes",
            "code",
            "recorded_by_id",
            "recorded_at",
        ],
        activities,
    )
    n += bulk.insert(Activity.indicators.through, ["activity_id", "indicator_id"], through)
    city.progress.done("activities", n)

    # Feedback (and the sign-in it comes with): verified residents, one in ten a guest device.
    caps = [len(data.verified) + 3 for _act, data, _held in made]
    counts = _share(rng, v["feedback"], caps)
    feedback, sign_ins = [], []
    ratings = list(COMMENTS)
    for (act, data, held), count in zip(made, counts, strict=True):
        moment = _local(held, hour=18)
        guests = min(3, count // 10)
        people = rng.sample(data.verified, count - guests)
        for _rid, uid, _hid in people:
            rating = rng.choices(ratings, weights=(80, 17, 3))[0]
            feedback.append((act, uid, "", True, rating, rng.choice(COMMENTS[rating]), moment))
            sign_ins.append((act, uid, "", True, moment - timedelta(hours=2)))
        for g in range(guests):
            rating = rng.choices(ratings, weights=(70, 25, 5))[0]
            feedback.append((act, None, f"g-{act}-{g}", False, rating, "", moment))
            sign_ins.append((act, None, f"g-{act}-{g}", False, moment - timedelta(hours=2)))
    n = bulk.insert(
        Feedback,
        ["activity_id", "user_id", "device", "verified", "rating", "comment", "created_at"],
        feedback,
    )
    bulk.insert(SignIn, ["activity_id", "user_id", "device", "verified", "created_at"], sign_ins)
    city.progress.done("feedback (+ as many sign-ins)", n)
    city.bench_project_id = project_ids[0] if project_ids else None
