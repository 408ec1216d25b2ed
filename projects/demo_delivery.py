"""The demo city's funded projects: last year's three awards, carried out.

Each award became a project when its notice ended, with two tranches (half at signing, half at
the end). The projects then kept their record the way the platform asks: activities logged on
the day, residents signing in and rating by scanning the activity's code, expenses with
receipts, a reading for the indicators counted by hand. All through the real services with the
demo's people as actors, then dated back to the day each thing happened.

- 银发结对·高龄独居老人探访 (幸福里): a full year, mid-term and final evaluation, graded, closed.
- 翰墨幸福里·老年书法课堂 (幸福里): mid-term evaluated, still under way.
- 滨河四点半课堂 (滨河): under way since September.

And this year's ledger of 幸福里, generated from all of it and the community's consultations.

Deterministic (a seeded random), idempotent (an award already a project is left as it is).
"""

import io
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from communities.models import Resident
from consultation.models import Satisfaction

from . import evaluation
from .models import (
    Activity,
    Application,
    ApplicationState,
    Evaluation,
    EvaluationStage,
    Expense,
    Feedback,
    GeneratedReport,
    IndicatorReading,
    Measure,
    SignIn,
)
from .pages import EvaluationCriterion
from .workflow import delivery

# name, weight, guidance (the evaluators' sheet of last year's round)
EVALUATION_CRITERIA = [
    ("目标和指标的完成", 40, "对照申报书的指标，看活动记录计算出的完成情况。"),
    ("服务质量和居民评价", 30, "结合居民扫码评价的满意度和现场走访。"),
    ("经费使用的规范", 20, "支出是否对应预算科目、票据是否齐全。"),
    ("活动记录的完整", 10, "活动是否随做随记，照片和签到是否真实。"),
]

# Award title: (start, end, what happens), activities by a plan below.
PLANS = {
    "银发结对·高龄独居老人探访": {"months": 12, "start_month": 7, "evaluated": "final"},
    "翰墨幸福里·老年书法课堂": {"months": 18, "start_month": 7, "evaluated": "midterm"},
    "滨河四点半课堂": {"months": 16, "start_month": 9, "evaluated": None},
}
COMMENTS = {
    Satisfaction.SATISFIED: [
        "老师很耐心，下次还来。",
        "志愿者每周都来看我，很暖心。",
        "孩子很喜欢。",
        "",
    ],
    Satisfaction.BASIC: ["时间能再长一点就好了。", "场地有点挤。", ""],
    Satisfaction.DISSATISFIED: ["通知得太晚，没赶上。"],
}
PHOTO_COLOURS = [(185, 28, 28), (21, 128, 61), (180, 83, 9), (55, 65, 81)]


def load_projects(street, officer, experts, now=None):
    """Last year's awards of `street` as projects with their record (see the module's word)."""
    now = now or timezone.now()
    rng = random.Random(2025)
    awards = Application.objects.filter(
        round__street=street, status=ApplicationState.AWARDED, project__isnull=True
    ).select_related("round", "organisation")
    for award in awards:
        plan = PLANS.get(award.title)
        if plan is None:
            continue
        _evaluation_sheet(award.round)
        project = _start(award, officer, plan)
        representative = award.organisation.representatives.first().user
        _log(project, representative, rng, today=timezone.localdate(now))
        _spend(project, representative, rng, today=timezone.localdate(now))
        _read(project, representative)
        if plan["evaluated"]:
            _evaluate(project, officer, experts, plan["evaluated"], rng)
    _ledger(street, officer, timezone.localdate(now).year)


def _ledger(street, officer, year):
    """This year's ledger (台账) of 幸福里, as the street office generates it for an inspection:
    built from the records above and the community's consultations, nothing typed."""
    from .ledger import CATEGORY_KEYS
    from .tasks import queue_ledger, run_report

    community = street.communities.filter(slug="xingfuli").first()
    start, end = date(year, 1, 1), date(year, 12, 31)
    if (
        community is None
        or GeneratedReport.objects.filter(
            community=community, period_start=start, period_end=end
        ).exists()
    ):
        return
    report = queue_ledger(community, start, end, CATEGORY_KEYS, by=officer)
    run_report(report.pk)  # at once: the demo's ledger is there when the site opens


def _evaluation_sheet(round):
    if round.evaluation_criteria.exists():
        return
    for position, (name, weight, guidance) in enumerate(EVALUATION_CRITERIA):
        EvaluationCriterion.objects.create(
            round=round, name=name, weight=weight, guidance=guidance, sort_order=position
        )


def _add_months(day, months):
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def _start(award, officer, plan):
    year = award.round.announced_on.year
    starts_on = date(year, plan["start_month"], 1)
    ends_on = _add_months(starts_on, plan["months"]) - timedelta(days=1)
    half = (award.awarded_amount / 2).quantize(Decimal("0.01"))
    project = delivery.start_project(
        award,
        officer,
        starts_on,
        ends_on,
        [
            ("签订协议，拨付首期", starts_on, half),
            ("结项评估后拨付尾款", ends_on, award.awarded_amount - half),
        ],
    )
    first = project.milestones.order_by("due_on").first()
    delivery.pay_tranche(first, officer, starts_on + timedelta(days=6))
    return project


def _weekly(project, today, weekday):
    """Every other `weekday` of the project's period up to yesterday: the demo logs one
    session a fortnight of each series, enough for months of record and a quick load."""
    day = project.starts_on + timedelta(days=(weekday - project.starts_on.weekday()) % 7)
    last = min(project.ends_on, today - timedelta(days=1))
    while day <= last:
        yield day
        day += timedelta(days=14)


def _monthly(project, today, day_of_month=15):
    day = project.starts_on.replace(day=day_of_month)
    last = min(project.ends_on, today - timedelta(days=1))
    while day <= last:
        yield day
        day = _add_months(day, 1).replace(day=day_of_month)


def _sessions(project, today):
    """(day, title, place, typed-in, sign-ins, volunteers, hours, indicator names)."""
    title = project.title
    if title.startswith("银发结对"):
        for day in _weekly(project, today, weekday=2):
            yield (day, "结对探访：上门看望独居老人", "幸福里各楼栋", 38, 4, 30, "45.0",
                   ["上门探访", "志愿服务"])  # fmt: skip
        for n, day in enumerate(_monthly(project, today)):
            name = "健康讲座和集体生日会" if n % 2 else "健康讲座：冬季防跌倒"
            yield (day, name, "党群服务中心多功能厅", 12, 26, 8, "16.0",
                   ["上门探访", "健康讲座", "志愿服务"])  # fmt: skip
    elif title.startswith("翰墨"):
        for day in _weekly(project, today, weekday=1):
            yield (
                day,
                "书法课：楷书基本笔画",
                "党群服务中心活动室",
                5,
                14,
                2,
                "4.0",
                ["开展书法课"],
            )
    else:
        for day in _weekly(project, today, weekday=3):
            if day.month in (7, 8, 2):  # school holidays: the classroom rests
                continue
            yield (day, "四点半课堂：作业辅导和阅读", "滨河社区图书角", 24, 3, 4, "6.0",
                   ["课堂开放", "服务学生"])  # fmt: skip
        for day in _monthly(project, today, day_of_month=20):
            yield (day, "亲子共读：绘本分享会", "滨河社区图书角", 6, 22, 3, "6.0", ["服务学生"])


def _photo(colour, label):
    image = Image.new("RGB", (640, 420), colour)
    draw = ImageDraw.Draw(image)
    for n in range(6):
        draw.ellipse((60 + 90 * n, 250 - 20 * (n % 3), 130 + 90 * n, 320), fill=(255, 255, 255))
    draw.rectangle((40, 40, 600, 120), fill=(255, 255, 255))
    draw.text((60, 70), label, fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return ContentFile(buffer.getvalue(), name="photo.jpg")


def _log(project, representative, rng, today):
    """The activity log, with sign-ins and feedback from the community's verified residents."""
    community = project.application.communities.first()
    residents = list(
        Resident.objects.filter(community=community, verified_at__isnull=False)
        .exclude(user=representative)
        .select_related("user")
    )
    indicators = {i.name: i for i in project.application.indicators.all()}
    for n, (day, title, place, typed, signed, volunteers, hours, serves) in enumerate(
        _sessions(project, today)
    ):
        record = Activity(
            community=community,
            held_on=day,
            title=title,
            place=place,
            participants_offline=typed + rng.randint(-3, 3) if typed > 3 else typed,
            volunteers=volunteers,
            volunteer_hours=Decimal(hours),
            notes="",
        )
        photos = [_photo(PHOTO_COLOURS[n % 4], f"{day:%Y-%m-%d}")] if n % 4 == 0 else []
        delivery.record_activity(
            project, representative, record, [indicators[name] for name in serves], photos
        )
        moment = timezone.make_aware(datetime.combine(day, time(16)))
        Activity.objects.filter(pk=record.pk).update(recorded_at=moment)
        _sign_ins_and_feedback(record, residents, signed + rng.randint(-2, 2), rng, moment)


def _sign_ins_and_feedback(record, residents, count, rng, moment):
    people = rng.sample(residents, min(len(residents), max(0, count // 3)))
    guests = max(0, count - len(people))
    SignIn.objects.bulk_create(
        [SignIn(activity=record, user=r.user, verified=True) for r in people]
        + [SignIn(activity=record, device=f"demo-{record.pk}-{g}") for g in range(guests)]
    )
    SignIn.objects.filter(activity=record).update(created_at=moment)
    ratings = []
    for resident in people[: max(1, len(people) // 2)]:
        rating = rng.choices(list(COMMENTS), weights=(80, 17, 3))[0]
        comment = rng.choice(COMMENTS[rating])
        ratings.append(
            Feedback(
                activity=record, user=resident.user, verified=True, rating=rating, comment=comment
            )
        )
    if guests:
        ratings.append(
            Feedback(
                activity=record,
                device=f"demo-{record.pk}-0",
                verified=False,
                rating=rng.choices(list(COMMENTS), weights=(70, 25, 5))[0],
            )
        )
    Feedback.objects.bulk_create(ratings)
    Feedback.objects.filter(activity=record).update(created_at=moment + timedelta(hours=2))


def _receipt(label):
    image = Image.new("RGB", (400, 560), (255, 255, 255))
    ImageDraw.Draw(image).text((30, 30), label, fill=(0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="receipt.png")


def _spend(project, representative, rng, today):
    """Most of each line spent, month by month, each expense with its receipt."""
    last = min(project.ends_on, today - timedelta(days=1))
    months = max(
        1, (last.year - project.starts_on.year) * 12 + last.month - project.starts_on.month
    )
    share = Decimal(min(months, 12)) / Decimal(12)
    for line in project.application.budget_lines.all():
        spend = (line.requested * share * Decimal("0.9")).quantize(Decimal("0.01"))
        parts = 3
        for n in range(parts):
            amount = (spend / parts).quantize(Decimal("0.01"))
            if amount <= 0:
                continue
            day = project.starts_on + timedelta(
                days=int((last - project.starts_on).days * (n + 1) / (parts + 1))
            )
            delivery.record_expense(
                project,
                representative,
                Expense(
                    budget_line=line,
                    spent_on=day,
                    amount=amount,
                    description=f"{line.item}（第{n + 1}批）",
                    receipt=_receipt(f"{line.item} {amount}"),
                ),
            )


def _read(project, representative):
    """A reading with evidence for each indicator counted by hand."""
    for indicator in project.application.indicators.filter(measure=Measure.MANUAL):
        value = (indicator.target * Decimal("0.85")).quantize(Decimal("1"))
        delivery.record_reading(
            project,
            representative,
            IndicatorReading(
                indicator=indicator,
                value=value,
                note="按活动签到表和骨干名册统计",
                evidence=_receipt(f"{indicator.name} {value}"),
            ),
        )


def _evaluate(project, officer, experts, up_to, rng):
    stages = [EvaluationStage.MIDTERM] + ([EvaluationStage.FINAL] if up_to == "final" else [])
    criteria = list(project.round.evaluation_criteria.all())
    for stage in stages:
        for expert in experts:
            sheet = evaluation.assign_evaluator(project, stage, expert, officer)
            scores = {c.pk: (rng.choice((8, 9, 9, 10)), "") for c in criteria}
            evaluation.submit_evaluation(sheet, scores, "记录完整，居民评价好，建议继续开展。")
        middle = project.starts_on + (project.ends_on - project.starts_on) / 2
        when = middle if stage == EvaluationStage.MIDTERM else project.ends_on + timedelta(days=10)
        Evaluation.objects.filter(project=project, stage=stage).update(
            submitted_at=timezone.make_aware(datetime.combine(when, time(10)))
        )
        action = "complete_midterm" if stage == EvaluationStage.MIDTERM else "complete_final"
        project = delivery.perform(project, action, officer)
    if up_to == "final":
        last = project.milestones.filter(paid_on__isnull=True).first()
        delivery.pay_tranche(last, officer, project.ends_on + timedelta(days=20))
        delivery.perform(project, "close", officer)
