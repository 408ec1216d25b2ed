"""Demo topics for the demo city: at least one topic in every state of consultation part 1."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from communities.models import Community, PublicNotice
from consultation import voting, workflow
from consultation.models import (
    Ballot,
    Category,
    ConsultationSettings,
    Franchise,
    Source,
    Topic,
    TopicState,
    Voter,
)


def load_topics(community_slug, staff_username, resident_usernames):
    community = Community.objects.get(slug=community_slug)
    if Topic.objects.filter(community=community).exists():
        return
    settings = ConsultationSettings.for_community(community)
    settings.support_threshold = 5
    settings.screening_days = 7
    settings.save()
    User = get_user_model()
    staff = User.objects.get(username=staff_username)
    people = [User.objects.get(username=name) for name in resident_usernames]
    grids = list(community.grids.order_by("name"))
    a, b, c, d, e, f = people

    def draft(author, title, description, category, **extra):
        return workflow.create_draft(
            author=author,
            community=community,
            title=title,
            description=description,
            category=category,
            **extra,
        )

    def submitted(author, *args, supporters=(), **kwargs):
        topic = workflow.perform(draft(author, *args, **kwargs), "submit", author)
        for person in supporters:
            topic = workflow.support(topic, person)
        return topic

    draft(
        a,
        "小区门口增设快递柜",
        "快递都堆在门卫室，老人取件要排队，丢件也时有发生。建议在小区东门内侧增设智能快递柜。",
        Category.FACILITIES,
        place="东门",
    )
    submitted(
        b,
        "幸福路12号楼道灯坏了三个月",
        "12号1栋2单元三楼到六楼的楼道灯坏了三个月，晚上上下楼很危险，报修多次没有结果。",
        Category.FACILITIES,
        supporters=[c, d],
        grid=grids[0],
        place="12号1栋2单元",
    )
    overdue = submitted(
        c,
        "小区停车位重新划线并规范收费",
        "小区车位不够，乱停乱放堵住消防通道。建议重新划线，按户分配，临时停车收费用于公共维修。",
        Category.PARKING,
        supporters=[a, b, d, e, f],
        grid=grids[1],
    )
    Topic.objects.filter(pk=overdue.pk).update(
        screening_started_at=timezone.now() - timedelta(days=10),
        screening_deadline=timezone.now() - timedelta(days=3),
    )
    submitted(
        d,
        "在滨江步道入口设置夜间照明",
        "步道入口一段没有路灯，晚上散步的老人和孩子多，建议增设照明并修补破损路面。",
        Category.SAFETY,
        supporters=[a, b, c, e, f],
    )
    elevator = submitted(
        e,
        "幸福路14号老楼加装电梯试点",
        "14号三个单元都是七层老楼，住户中七十岁以上老人有二十多位。建议以2单元为试点加装电梯，"
        "费用按楼层分摊，并申请政府补贴。",
        Category.FACILITIES,
        supporters=[a, b, c, d, f],
        grid=grids[2],
        place="幸福路14号2单元",
    )
    today = timezone.localdate()
    elevator = workflow.perform(
        elevator,
        "accept",
        staff,
        deliberation_starts=today - timedelta(days=3),
        deliberation_ends=today + timedelta(days=11),
        invited_households=list(community.households.order_by("pk")[:4]),
        invited_parties="幸福里物业服务中心\n区住建委加装电梯办公室\n2单元全体住户",
    )
    for author, stance, body in (
        (a, "for", "家里老人腿脚不便，一年下不了几次楼，非常支持加装电梯。"),
        (b, "against", "一楼住户采光会受影响，也没有用电梯的需要，费用分摊要考虑一楼。"),
        (c, "other", "建议先请有资质的单位做可行性评估，把补贴政策和维护费用讲清楚再表决。"),
        (f, "for", "支持，四楼以上都应该多承担一些，按楼层递增比较公平。"),
    ):
        comment = workflow.post_comment(elevator, author, body=body, stance=stance)
        if stance == "against":
            workflow.post_comment(
                elevator,
                d,
                body="一楼可以不分摊费用，另外可以考虑给一楼做些补偿，比如优先安排车位。",
                parent=comment,
            )
    workflow.record_meeting(
        elevator,
        staff,
        held_at=timezone.now() - timedelta(days=1),
        place="幸福里社区党群服务中心二楼会议室",
        attendees="社区居委会 周敏\n物业服务中心 王经理\n2单元住户代表 12户\n区住建委 李工",
        minutes="一、介绍加装电梯补贴政策：每台补贴20万元。\n"
        "二、住户代表发言：多数支持，一楼住户担心采光和噪音。\n"
        "三、议定：委托设计单位出具可行性方案，下次会议讨论费用分摊。",
    )
    workflow.record_meeting(
        elevator,
        staff,
        held_at=timezone.now() + timedelta(days=6),
        place="幸福里社区党群服务中心二楼会议室",
        attendees="社区居委会\n物业服务中心\n2单元全体住户",
        minutes="",
    )
    declined = submitted(
        f,
        "要求拆除隔壁小区的围墙",
        "隔壁小区围墙挡住了近路，希望拆除围墙方便通行。",
        Category.NEIGHBOURS,
    )
    workflow.perform(
        declined,
        "decline",
        staff,
        reason="围墙属于相邻小区业主共有，不属于本社区协商范围。社区已将诉求转给街道，"
        "协调两个小区在白天开放侧门。",
    )
    duplicate = submitted(a, "楼道灯修一下", "12号楼道灯一直不亮。", Category.FACILITIES)
    workflow.perform(
        duplicate,
        "mark_duplicate",
        staff,
        duplicate_of=Topic.objects.get(community=community, title="幸福路12号楼道灯坏了三个月"),
    )
    withdrawn = submitted(
        b, "周末在广场组织二手市集", "想在周末组织居民二手物品交换。", Category.ACTIVITIES
    )
    workflow.perform(withdrawn, "withdraw", b)
    workflow.enter_on_behalf(
        staff=staff,
        community=community,
        source=Source.HOTLINE,
        raised_by="居民刘阿姨（12号3栋）",
        title="菜市场门口早高峰拥堵",
        description="早上七点到八点半，菜市场门口三轮车和私家车混停，学生上学经过很危险。",
        category=Category.PARKING,
        place="幸福路菜市场",
    )
    _ballots(community, staff, people, submitted)
    _outcomes(community, staff, people, submitted)
    _spread_over_past_weeks(community)
    assert Topic.objects.filter(community=community).values("status").distinct().count() == len(
        TopicState
    )


def _spread_over_past_weeks(community):
    """Everything above happened just now; spread each topic's steps over the past weeks so the
    timelines read like a real community's (two days between steps, the last one yesterday)."""
    now = timezone.now()
    for topic in Topic.objects.filter(community=community):
        records = list(topic.history.order_by("history_date", "history_id"))
        for index, record in enumerate(records):
            record.history_date = now - timedelta(days=2 * (len(records) - index), hours=3)
            record.save(update_fields=["history_date"])
        submitted = records[1].history_date if topic.submitted_at and len(records) > 1 else None
        Topic.objects.filter(pk=topic.pk).update(
            created_at=records[0].history_date, submitted_at=submitted
        )
        for comment in topic.comments.all():
            comment.created_at = now - timedelta(days=2, hours=comment.pk % 20)
            comment.save(update_fields=["created_at"])


def _ballots(community, staff, people, submitted):
    """One topic voting now (secret, one vote per resident) and one whose vote is counted
    (每户一票, closed at its time)."""
    a, b, c, d, e, f = people
    today = timezone.localdate()
    now = timezone.now()

    def deliberated(author, title, description, category, supporters):
        topic = submitted(author, title, description, category, supporters=supporters)
        return workflow.perform(
            topic,
            "accept",
            staff,
            deliberation_starts=today - timedelta(days=12),
            deliberation_ends=today - timedelta(days=2),
            invited_parties="幸福里物业服务中心",
        )

    charging = deliberated(
        f,
        "在小区增设电动自行车集中充电棚",
        "楼道里飞线充电屡禁不止，去年隔壁小区发生过火灾。建议在3号楼东侧空地建集中充电棚，"
        "按次收费，由物业管理。",
        Category.SAFETY,
        [a, b, c, d, e],
    )
    workflow.perform(
        charging,
        "open_ballot",
        staff,
        question="是否同意在3号楼东侧空地建设电动自行车集中充电棚？",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=5),
        options=["同意", "反对", "弃权"],
        franchise=Franchise.RESIDENT,
        quorum_percent=50,
        secret=True,
    )
    ballot = Ballot.objects.get(topic=charging)
    for person, position in ((a, 1), (b, 1), (c, 2)):
        voting.cast_vote(ballot, person, [position])

    dancing = deliberated(
        a,
        "广场舞活动时间调整为晚上七点到九点",
        "广场舞音乐声音大、结束晚，临街住户反映影响休息。建议活动时间调整为19:00–21:00，"
        "音量由舞蹈队自行控制。",
        Category.NEIGHBOURS,
        [b, c, d, e, f],
    )
    workflow.perform(
        dancing,
        "open_ballot",
        staff,
        question="是否同意广场舞活动时间调整为每晚19:00–21:00？",
        opens_at=now - timedelta(days=8),
        closes_at=now + timedelta(hours=1),
        options=["同意", "反对", "弃权"],
        franchise=Franchise.HOUSEHOLD,
        quorum_percent=50,
        secret=True,
    )
    ballot = Ballot.objects.get(topic=dancing)
    for person, position in ((a, 1), (b, 1), (c, 1), (d, 2), (e, 3), (f, 1)):
        voting.cast_vote(ballot, person, [position])
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=now - timedelta(days=1))
    Voter.objects.filter(ballot=ballot).update(voted_at=now - timedelta(days=3))
    voting.close_ballot(ballot)


def _publish(topic, staff, *, decision, plan, responsible, deadline_days):
    """Write and publish the outcome page as staff would in the page editor."""
    from consultation.outcomes import prefilled_outcome
    from consultation.pages import OutcomePage

    prefill = prefilled_outcome(topic)
    page = OutcomePage(
        title=topic.title,
        slug=f"outcome-{topic.pk}",
        topic=topic,
        decision=decision,
        tally=prefill["tally"],
        plan=plan,
        responsible=responsible,
        deadline=timezone.localdate() + timedelta(days=deadline_days),
        notice_days=7,
    )
    topic.community.page.add_child(instance=page)
    # The demo loader publishes on staff's behalf (their page rights come with the admin).
    page.save_revision(user=staff).publish()
    return Topic.objects.get(pk=topic.pk)


def _outcomes(community, staff, people, submitted):
    """Outcomes in notice (with an answered objection), being carried out (with progress,
    one overdue), under evaluation and closed with a published satisfaction rate."""
    from consultation import outcomes

    a, b, c, d, e, f = people
    now = timezone.now()
    today = timezone.localdate()

    dancing = Topic.objects.get(community=community, title__startswith="广场舞")
    dancing = _publish(
        dancing,
        staff,
        decision="经每户一票表决通过：广场舞活动时间调整为每晚19:00–21:00，音量不超过55分贝。",
        plan="一、社区与舞蹈队签订文明活动公约；\n二、物业在广场设置噪音显示屏；\n"
        "三、网格员第一个月每晚巡查并记录。",
        responsible="幸福里社区居委会、幸福里物业服务中心",
        deadline_days=30,
    )
    objection = outcomes.file_objection(
        dancing, b, "周末能否放宽到21:30？很多上班族只有周末有时间参加。"
    )
    outcomes.answer_objection(
        objection,
        staff,
        answer="周末延长会影响临街住户休息，表决事项已明确时间。可在下次协商时作为新议题提出。",
        upheld=False,
    )

    def through_notice(author, title, description, category, supporters, **publish):
        topic = submitted(author, title, description, category, supporters=supporters)
        topic = workflow.perform(
            topic,
            "accept",
            staff,
            deliberation_starts=today - timedelta(days=40),
            deliberation_ends=today - timedelta(days=30),
        )
        topic = _publish(topic, staff, **publish)
        PublicNotice.objects.filter(pk=topic.current_notice.pk).update(
            starts_at=now - timedelta(days=8), ends_at=now - timedelta(days=1)
        )
        return workflow.perform(topic, "end_notice", None)

    bins = through_notice(
        b,
        "垃圾分类投放点加装洗手池和雨棚",
        "投放点没有洗手的地方，下雨天扔垃圾很不方便，建议加装洗手池和雨棚。",
        Category.ENVIRONMENT,
        [a, c, d, e, f],
        decision="协商一致：在小区三个垃圾分类投放点加装洗手池和雨棚。",
        plan="物业负责采购安装，社区协调排水接口，费用从公共收益中列支。",
        responsible="幸福里物业服务中心",
        deadline_days=20,
    )
    outcomes.record_progress(
        bins, staff, date=today - timedelta(days=3), percent=40,
        text="1号、2号投放点雨棚已安装完成。",
    )  # fmt: skip
    outcomes.record_progress(
        bins, staff, date=today, percent=70, text="1号投放点洗手池已通水，2号正在施工。"
    )

    lights = through_notice(
        c,
        "更换2号楼前损坏的路灯",
        "2号楼前三盏路灯坏了半年，晚上回家很黑。",
        Category.FACILITIES,
        [a, b, d, e, f],
        decision="协商一致：由物业更换2号楼前损坏的三盏路灯。",
        plan="物业一周内完成更换。",
        responsible="幸福里物业服务中心",
        deadline_days=7,
    )
    Topic.objects.filter(pk=lights.pk).update(implementation_deadline=today - timedelta(days=2))

    def carried_out(author, title, description, category, supporters, ratings, **publish):
        topic = through_notice(author, title, description, category, supporters, **publish)
        outcomes.record_progress(topic, staff, date=today - timedelta(days=5), percent=100,
                                 text="已全部完成。")  # fmt: skip
        topic = workflow.perform(topic, "complete_implementation", staff, evaluation_days=14)
        for person, rating, comment in ratings:
            outcomes.rate(topic, person, rating=rating, comment=comment)
        return topic

    carried_out(
        d,
        "单元门禁系统维修",
        "4号楼两个单元的门禁坏了，陌生人随意进出。",
        Category.SAFETY,
        [a, b, c, e, f],
        [(a, "satisfied", "修得很快。"), (b, "basic", ""), (e, "satisfied", "")],
        decision="协商一致：物业维修4号楼1、2单元门禁系统。",
        plan="物业联系厂家维修，维修期间安排保安值守。",
        responsible="幸福里物业服务中心",
        deadline_days=10,
    )
    benches = carried_out(
        e,
        "小区花园增设休息座椅",
        "花园里没有座椅，老人散步走累了没地方坐。",
        Category.FACILITIES,
        [a, b, c, d, f],
        [
            (a, "satisfied", "老人们都说好。"),
            (b, "satisfied", ""),
            (c, "basic", "座椅少了点。"),
            (d, "dissatisfied", "有两张放在了太阳底下。"),
            (f, "satisfied", ""),
        ],
        decision="协商一致：在花园步道旁增设8张休息座椅。",
        plan="社区申请微更新资金，物业负责安装。",
        responsible="幸福里社区居委会",
        deadline_days=15,
    )
    Topic.objects.filter(pk=benches.pk).update(evaluation_ends_at=now - timedelta(hours=1))
    workflow.perform(Topic.objects.get(pk=benches.pk), "close_evaluation", None)
