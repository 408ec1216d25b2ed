"""The generated city's consultation (`manage.py generate_city`, see communities/generate.py):
topics in every state, supports, comments, meetings, ballots with their voters and counters,
published outcomes with their public notices, progress and ratings.

Kept as the services keep them: a ballot's counters add up to its voters (every counter's
`papers` is the number of voters, `chosen` the papers that ticked it); a closed ballot's stored
result (eligible, voters, papers, quorum, each option's final count) is what `close_ballot`
would have counted; an outcome page's topic has the notice `publish_outcome` would have opened.

Guaranteed for the benchmark, in the first community: a topic under deliberation with exactly
200 comments (no other topic has 200), and a topic whose ballot is open until two months from
now with at least `bench_unvoted` verified residents who have not voted.
"""

import math
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from communities.generate import add_pages, insert_notices, person_name

from .models import (
    Ballot,
    BallotCounter,
    BallotOption,
    Category,
    Comment,
    ConsultationSettings,
    Franchise,
    Meeting,
    ProgressUpdate,
    Rating,
    Source,
    Support,
    Topic,
    Voter,
)
from .models import (
    TopicState as S,
)
from .pages import OutcomePage

# One community's topics go through these states in turn (the first eleven: every state).
PATTERN = [
    S.CLOSED,
    S.COLLECTING,
    S.DELIBERATING,
    S.IMPLEMENTING,
    S.VOTING,
    S.NOTICE,
    S.EVALUATING,
    S.DRAFT,
    S.SCREENING,
    S.DECLINED,
    S.WITHDRAWN,
    S.CLOSED,
    S.COLLECTING,
    S.IMPLEMENTING,
    S.CLOSED,
    S.DELIBERATING,
    S.CLOSED,
    S.COLLECTING,
    S.NOTICE,
    S.CLOSED,
]
DELIBERATED = {S.DELIBERATING, S.VOTING, S.NOTICE, S.IMPLEMENTING, S.EVALUATING, S.CLOSED}
PUBLISHED = {S.NOTICE, S.IMPLEMENTING, S.EVALUATING, S.CLOSED}
# Days since a topic in this state was created (at least).
AGE = {S.DRAFT: 2, S.COLLECTING: 8, S.SCREENING: 14, S.DELIBERATING: 20, S.VOTING: 35,
       S.NOTICE: 50, S.IMPLEMENTING: 70, S.EVALUATING: 110, S.CLOSED: 140, S.DECLINED: 30,
       S.WITHDRAWN: 20}  # fmt: skip
HOT_COMMENTS = 200
OTHER_COMMENTS_MAX = 150

# (category, what, where) — titles are built "where + what".
SUBJECTS = [
    (Category.FACILITIES, "加装电梯", ["老楼", "3号楼", "7号楼2单元"]),
    (Category.FACILITIES, "楼道灯长期不亮", ["12号楼", "5号楼1单元", "东区"]),
    (Category.FACILITIES, "增设休息座椅", ["小区花园", "滨河步道", "健身广场"]),
    (Category.FACILITIES, "增设智能快递柜", ["东门", "北门", "物业中心旁"]),
    (Category.PARKING, "停车位重新划线", ["地下车库", "小区主干道", "南门"]),
    (Category.PARKING, "早高峰车辆拥堵", ["菜市场门口", "小学门口", "西门"]),
    (Category.SAFETY, "建设电动自行车充电棚", ["3号楼东侧", "车棚", "北区空地"]),
    (Category.SAFETY, "增设夜间照明", ["步道入口", "小区后门", "地下通道"]),
    (Category.SAFETY, "门禁系统维修", ["4号楼", "8号楼", "西区"]),
    (Category.ENVIRONMENT, "垃圾分类投放点加装雨棚", ["1号投放点", "东区", "南区"]),
    (Category.ENVIRONMENT, "绿地被占用种菜", ["中心绿地", "6号楼前", "围墙边"]),
    (Category.ENVIRONMENT, "污水井反味", ["9号楼", "小区入口", "菜市场旁"]),
    (Category.PROPERTY, "物业费公示不透明", ["全小区", "新区", "老区"]),
    (Category.PROPERTY, "公共收益使用公开", ["全小区", "商铺", "广告位"]),
    (Category.NEIGHBOURS, "广场舞音量过大", ["中心广场", "健身广场", "篮球场"]),
    (Category.NEIGHBOURS, "宠物粪便无人清理", ["草坪", "步道", "儿童乐园"]),
    (Category.ACTIVITIES, "周末组织二手市集", ["中心广场", "党群服务中心", "篮球场"]),
    (Category.ACTIVITIES, "开设老年书法课堂", ["活动室", "党群服务中心", "图书角"]),
    (Category.OTHER, "增设便民服务点", ["东门", "物业中心", "党群服务中心"]),
]
DESCRIPTIONS = [
    "{where}{what}的问题已经反映很久了，居民意见比较大，希望社区牵头协调物业和相关单位解决。",
    "{where}一带老人和孩子多，{what}影响大家的日常生活，建议尽快商量一个可行的办法。",
    "多位居民在楼栋群里提到{where}{what}，希望通过协商议事把费用、责任和时间定下来。",
]
COMMENTS = {
    "for": ["非常支持，家里老人盼了好几年了。", "支持，早该解决了。", "同意，费用可以按户分摊。",
            "支持，建议先做一个试点。", "赞成，希望物业尽快落实。"],
    "against": ["一楼住户受影响最大，费用分摊要考虑一楼。", "不同意，这笔钱应该由开发商出。",
                "反对，会占用本来就不多的公共空间。", "现在施工噪音太大，建议缓一缓。"],
    "other": ["建议先请专业单位做评估，再拿方案出来表决。", "能不能把补贴政策讲清楚？",
              "希望会议记录能在群里公开。", "可以分两期做，先解决最急的。"],
    "reply": ["同意楼上的意见。", "这个问题上次会议已经提过了。", "补充一点：周末施工要提前通知。",
              "一楼可以少分摊一些，比较公平。", "物业已经答应出一部分费用。"],
}  # fmt: skip
OPTIONS = ["同意", "反对", "弃权"]
RATING_COMMENTS = {"satisfied": ["落实得很快。", "效果很好。", ""], "basic": ["还可以再改进。", ""],
                   "dissatisfied": ["拖得太久了。"]}  # fmt: skip


def _share(rng, total, caps, fixed=None):
    """`total` spread at random over slots capped by `caps`; `fixed` {slot: count} first."""
    counts = [0] * len(caps)
    fixed = fixed or {}
    for slot, count in fixed.items():
        counts[slot] = count
    free = [i for i in range(len(caps)) if i not in fixed]
    left = total - sum(fixed.values())
    weights = {i: rng.uniform(0.2, 1.8) for i in free}
    scale = sum(weights.values()) or 1
    for i in free:
        counts[i] = min(caps[i], int(left * weights[i] / scale))
    left = total - sum(counts)
    while left > 0:
        open_slots = [i for i in free if counts[i] < caps[i]]
        if not open_slots:
            break
        step = max(1, math.ceil(left / len(open_slots)))
        for i in open_slots:
            add = min(step, caps[i] - counts[i], left)
            counts[i] += add
            left -= add
            if not left:
                break
    return counts


def generate_consultation(city):
    rng, bulk, now, v = city.rng, city.bulk, city.now, city.volumes
    today = timezone.localdate(now)
    topic_ct = ContentType.objects.get_for_model(Topic).pk
    ConsultationSettings.objects.bulk_create(
        ConsultationSettings(community=data.community) for data in city.communities
    )
    threshold = ConsultationSettings._meta.get_field("support_threshold").default

    # Topics: every community's go through PATTERN; the first community's first three are
    # the benchmark's (deliberating with 200 comments, voting, on notice).
    n_communities = len(city.communities)
    per = [v["topics"] // n_communities + (1 if i < v["topics"] % n_communities else 0)
           for i in range(n_communities)]  # fmt: skip
    topic_ids = bulk.ids(Topic, v["topics"])
    topics = []  # dicts, written below
    t = 0
    for c, data in enumerate(city.communities):
        for k in range(per[c]):
            state = PATTERN[(k + c) % len(PATTERN)]
            if c == 0 and k < 3:
                state = (S.DELIBERATING, S.VOTING, S.NOTICE)[k]
            topics.append(_topic(rng, data, topic_ids[t], state, now, today, threshold))
            t += 1
    hot = topics[0]
    bench_vote = topics[1]
    columns = ["id", "community_id", "title", "description", "category", "grid_id", "place",
               "author_id", "source", "raised_by", "entered_by_id", "status", "created_at",
               "submitted_at", "screening_started_at", "screening_deadline", "decided_at",
               "decline_reason", "deliberation_starts", "deliberation_ends",
               "implementation_deadline", "implemented_at", "evaluation_ends_at", "closed_at",
               "invited_parties"]  # fmt: skip
    rows = bulk.insert(Topic, columns, ([row[c] for c in columns] for row in topics))
    city.progress.done("topics", rows)

    # Supports (附议): under the threshold while collecting, above it once past screening.
    supports = []
    for topic in topics:
        data = topic["data"]
        if topic["status"] in (S.DRAFT,) or topic["source"] != Source.ONLINE:
            continue
        if topic["status"] == S.COLLECTING:
            count = rng.randint(0, threshold - 1)
        else:
            count = threshold + rng.randint(0, 15)
        count = min(count, len(data.verified))
        moment = topic["submitted_at"]
        for rid, _uid, _hid in rng.sample(data.verified, count):
            supports.append((topic["id"], rid, moment + timedelta(hours=rng.randint(1, 72))))
    rows = bulk.insert(Support, ["topic_id", "resident_id", "created_at"], supports)
    city.progress.done("supports", rows)

    # Comments: on every deliberated topic, the hot one exactly 200, none other 200.
    deliberated = [topic for topic in topics if topic["status"] in DELIBERATED]
    caps = [OTHER_COMMENTS_MAX for _ in deliberated]
    counts = _share(rng, v["comments"], caps, fixed={deliberated.index(hot): HOT_COMMENTS})
    comment_ids = iter(bulk.ids(Comment, sum(counts)))

    def comment_rows():
        for topic, count in zip(deliberated, counts, strict=True):
            data = topic["data"]
            start = topic["deliberation_started_at"]
            span = max(3600, int((topic["deliberation_ended_at"] - start).total_seconds()))
            top_level = []
            for n in range(count):
                cid = next(comment_ids)
                author = data.verified[rng.randrange(len(data.verified))][1]
                at = start + timedelta(seconds=span * (n + 1) // (count + 1))
                if top_level and rng.random() < 0.25:
                    parent, stance, body = rng.choice(top_level), "", rng.choice(COMMENTS["reply"])
                else:
                    parent = None
                    stance = rng.choices(("for", "against", "other"), weights=(5, 3, 2))[0]
                    body = rng.choice(COMMENTS[stance])
                    top_level.append(cid)
                hidden = rng.random() < 0.005
                yield (
                    cid,
                    topic["id"],
                    author,
                    parent,
                    stance,
                    body,
                    at,
                    at + timedelta(hours=2) if hidden else None,
                    data.staff_id if hidden else None,
                    "含有对他人的人身攻击" if hidden else "",
                )

    rows = bulk.insert(
        Comment,
        [
            "id",
            "topic_id",
            "author_id",
            "parent_id",
            "stance",
            "body",
            "created_at",
            "hidden_at",
            "hidden_by_id",
            "hidden_reason",
        ],
        comment_rows(),
    )
    city.progress.done("comments", rows)

    meetings = [
        (topic["id"], topic["deliberation_started_at"] + timedelta(days=2, hours=10),
         f"{topic['data'].community.name}党群服务中心会议室",
         f"社区居委会\n物业服务中心\n居民代表 {rng.randint(8, 30)}人",
         "一、通报议题和居民意见。\n二、各方发言。\n三、议定：形成方案后提交表决或公示。",
         topic["data"].staff_id, topic["deliberation_started_at"] + timedelta(days=2, hours=12))
        for topic in deliberated
    ]  # fmt: skip
    rows = bulk.insert(
        Meeting,
        ["topic_id", "held_at", "place", "attendees", "minutes", "recorded_by_id", "created_at"],
        meetings,
    )
    city.progress.done("meetings", rows)

    _ballots(city, topics, bench_vote)
    _outcomes(city, topics, topic_ct, today)
    city.hot_topic_id = hot["id"]
    city.bench_topic_id = bench_vote["id"]


def _topic(rng, data, tid, state, now, today, threshold):
    category, what, places = rng.choice(SUBJECTS)
    where = rng.choice(places)
    age = AGE[state] + (rng.randint(0, 500) if state == S.CLOSED else rng.randint(0, 10))
    created = now - timedelta(days=age, hours=rng.randint(0, 12))
    on_behalf = rng.random() < 0.1 and state != S.DRAFT
    author = None if on_behalf else data.verified[rng.randrange(len(data.verified))][1]
    row = {
        "id": tid, "data": data, "community_id": data.community.pk,
        "title": f"{where}{what}"[:80],
        "description": rng.choice(DESCRIPTIONS).format(where=where, what=what),
        "category": category, "grid_id": rng.choice(data.grid_ids + [None]), "place": where,
        "author_id": author,
        "source": rng.choice((Source.HOTLINE, Source.HOME_VISIT, Source.GRID_WORKER))
        if on_behalf else Source.ONLINE,
        "raised_by": f"居民{person_name(rng)}" if on_behalf else "",
        "entered_by_id": data.staff_id if on_behalf else None,
        "status": state, "created_at": created, "submitted_at": None,
        "screening_started_at": None, "screening_deadline": None, "decided_at": None,
        "decline_reason": "", "deliberation_starts": None, "deliberation_ends": None,
        "implementation_deadline": None, "implemented_at": None, "evaluation_ends_at": None,
        "closed_at": None, "invited_parties": "",
    }  # fmt: skip
    if state == S.DRAFT:
        return row
    row["submitted_at"] = created + timedelta(hours=1)
    if state in (S.COLLECTING, S.WITHDRAWN):
        return row
    screening = created + timedelta(days=3)
    row["screening_started_at"] = screening
    row["screening_deadline"] = screening + timedelta(days=7)
    if state == S.SCREENING:
        return row
    row["decided_at"] = screening + timedelta(days=2)
    if state == S.DECLINED:
        row["decline_reason"] = "该事项不属于本社区协商范围，已转交街道相关科室办理。"
        return row
    starts = row["decided_at"] + timedelta(days=1)
    ends = starts + timedelta(days=10)
    if state == S.DELIBERATING:
        starts, ends = now - timedelta(days=5), now + timedelta(days=9)
    row["deliberation_starts"], row["deliberation_ends"] = starts.date(), ends.date()
    row["deliberation_started_at"] = starts
    row["deliberation_ended_at"] = min(ends, now - timedelta(hours=1))
    row["invited_parties"] = f"{data.community.name[:2]}物业服务中心"
    if state in (S.DELIBERATING, S.VOTING):
        return row
    # Published: notice 7 days from `published`, then carried out, evaluated, closed.
    published = ends + timedelta(days=8)
    if state == S.NOTICE:
        published = now - timedelta(days=2)
    row["published_at"] = published
    row["implementation_deadline"] = (published + timedelta(days=40)).date()
    if state in (S.NOTICE, S.IMPLEMENTING):
        return row
    row["implemented_at"] = published + timedelta(days=30)
    if state == S.EVALUATING:
        row["implemented_at"] = now - timedelta(days=3)
        row["evaluation_ends_at"] = now + timedelta(days=11)
        return row
    row["evaluation_ends_at"] = row["implemented_at"] + timedelta(days=14)
    row["closed_at"] = row["evaluation_ends_at"] + timedelta(hours=1)
    return row


def _ballots(city, topics, bench):
    """A ballot for every topic voting now (open) and for most published ones (closed,
    counted); voters drawn from the verified residents (每户一票: one per household)."""
    rng, bulk, now, v = city.rng, city.bulk, city.now, city.volumes
    ballots = []
    for topic in topics:
        if topic["status"] == S.VOTING or (topic["status"] in PUBLISHED and rng.random() < 0.85):
            data = topic["data"]
            household = topic is not bench and rng.random() < 0.1
            if household:
                seen, pool = set(), []
                for rid, uid, hid in data.verified:
                    if hid not in seen:
                        seen.add(hid)
                        pool.append((rid, uid, hid))
            else:
                pool = data.verified
            ballots.append(
                {
                    "topic": topic,
                    "pool": pool,
                    "household": household,
                    "open": topic["status"] == S.VOTING,
                }
            )
    bench_index = next(i for i, b in enumerate(ballots) if b["topic"] is bench)
    pool = len(ballots[bench_index]["pool"])
    bench_votes = max(0, min(pool // 10, pool - v["bench_unvoted"]))
    counts = _share(rng, v["votes"], [len(b["pool"]) for b in ballots], {bench_index: bench_votes})
    ballot_ids = bulk.ids(Ballot, len(ballots))
    rows, options, counters = [], [], []
    voter_rows = []
    receipt = 0
    for bid, ballot, count in zip(ballot_ids, ballots, counts, strict=True):
        topic = ballot["topic"]
        data = topic["data"]
        if ballot["open"]:
            opens, closes = now - timedelta(days=2), now + timedelta(days=60)
        else:
            opens = topic["deliberation_ended_at"] + timedelta(days=1)
            closes = opens + timedelta(days=5)
        voters = rng.sample(ballot["pool"], count)
        chosen = [0, 0, 0]
        span = max(60, int((min(closes, now) - opens).total_seconds()))
        for n, (rid, _uid, hid) in enumerate(voters):
            position = rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
            chosen[position - 1] += 1
            receipt += 1
            voter_rows.append(
                (
                    bid,
                    rid,
                    hid if ballot["household"] else None,
                    f"{(receipt * 0x9E3779B97) & 0xFFFFFFFFFF:010X}",
                    opens + timedelta(seconds=span * (n + 1) // (count + 2)),
                )
            )
        eligible = len(ballot["pool"])
        closed = not ballot["open"]
        quorum = 10
        rows.append(
            (
                bid,
                data.community.pk,
                topic["id"],
                f"是否同意{topic['title']}的方案？",
                1,
                opens,
                closes,
                Franchise.HOUSEHOLD if ballot["household"] else Franchise.RESIDENT,
                quorum,
                True,
                "closed" if closed else "open",
                data.staff_id,
                closes if closed else None,
                eligible if closed else None,
                count if closed else None,
                count if closed else None,
                count >= math.ceil(eligible * quorum / 100) if closed else None,
            )
        )
        for position, label in enumerate(OPTIONS, start=1):
            options.append((bid, label, position, chosen[position - 1] if closed else None))
            counters.append((bid, position, chosen[position - 1], count))
        ballot["id"], ballot["chosen"], ballot["count"], ballot["eligible"] = (
            bid,
            chosen,
            count,
            eligible,
        )
        topic["ballot"] = ballot if closed else None
    n = bulk.insert(
        Ballot,
        [
            "id",
            "community_id",
            "topic_id",
            "question",
            "max_choices",
            "opens_at",
            "closes_at",
            "franchise",
            "quorum_percent",
            "secret",
            "status",
            "opened_by_id",
            "closed_at",
            "eligible_count",
            "voter_count",
            "paper_count",
            "quorum_met",
        ],
        rows,
    )
    n += bulk.insert(BallotOption, ["ballot_id", "label", "position", "final_count"], options)
    n += bulk.insert(BallotCounter, ["ballot_id", "position", "chosen", "papers"], counters)
    city.progress.done("ballots, options, counters", n)
    n = bulk.insert(
        Voter, ["ballot_id", "resident_id", "household_id", "receipt", "voted_at"], voter_rows
    )
    city.progress.done("votes (voters)", n)
    city.bench_ballot_id = ballot_ids[bench_index]


def _outcomes(city, topics, topic_ct, today):
    """Published topics: the outcome page under the community's page, its public notice
    (running while on notice, ended after), progress while carried out, residents' ratings."""
    rng, bulk, now = city.rng, city.bulk, city.now
    published = [topic for topic in topics if topic["status"] in PUBLISHED]
    by_community = {}
    for topic in published:
        by_community.setdefault(topic["data"].community.pk, []).append(topic)
    pages = 0
    for data in city.communities:
        mine = by_community.get(data.community.pk, [])
        specs = []
        for topic in mine:
            ballot = topic.get("ballot")
            if ballot:
                c = ballot["chosen"]
                turnout = round(100 * ballot["count"] / ballot["eligible"], 1)
                tally = (
                    f"{topic['title']} — 同意 {c[0]} · 反对 {c[1]} · 弃权 {c[2]}；"
                    f"{ballot['eligible']}人中{ballot['count']}人投票（{turnout}%）。"
                )
                decision = (
                    "经表决通过：按方案实施。" if c[0] >= c[1] else "经表决未通过，维持现状。"
                )
            else:
                tally, decision = "", "经协商一致：按方案实施。"
            specs.append(
                (
                    topic["title"],
                    f"outcome-{topic['id']}",
                    {
                        "topic": topic["id"],
                        "decision": decision,
                        "tally": tally,
                        "plan": "一、物业提出施工方案并公示；\n二、社区协调费用和时间；\n"
                        "三、网格员跟进落实。",
                        "responsible": f"{data.community.name}居委会、物业服务中心",
                        "deadline": topic["implementation_deadline"],
                        "notice_days": 7,
                    },
                )
            )
        pages += len(add_pages(city, data.page, OutcomePage, specs))
    notices = [
        (topic_ct, topic["id"], topic["data"].community.pk, {}, topic["published_at"],
         topic["published_at"] + timedelta(days=7),
         None if topic["status"] == S.NOTICE else topic["published_at"] + timedelta(days=7),
         topic["data"].staff_id)
        for topic in published
    ]  # fmt: skip
    n = insert_notices(bulk, "community", notices)
    city.progress.done("outcome pages, notices", pages + n)

    progress, ratings = [], []
    for topic in published:
        if topic["status"] == S.NOTICE:
            continue
        data = topic["data"]
        start = topic["published_at"] + timedelta(days=8)
        done = topic["status"] != S.IMPLEMENTING
        steps = [(start + timedelta(days=5), 40), (start + timedelta(days=15), 100 if done else 70)]
        for moment, percent in steps:
            moment = min(moment, now - timedelta(hours=1))
            progress.append(
                (
                    topic["id"],
                    moment.date(),
                    percent,
                    "已全部完成。" if percent == 100 else "施工已完成大部分。",
                    data.staff_id,
                    moment,
                )
            )
        if done:
            count = min(len(data.verified), rng.randint(5, 30))
            moment = topic["implemented_at"] + timedelta(days=1)
            for rid, _uid, _hid in rng.sample(data.verified, count):
                rating = rng.choices(("satisfied", "basic", "dissatisfied"), (7, 2, 1))[0]
                ratings.append(
                    (
                        topic["id"],
                        rid,
                        rating,
                        rng.choice(RATING_COMMENTS[rating]),
                        min(moment, now - timedelta(hours=1)),
                    )
                )
    n = bulk.insert(
        ProgressUpdate, ["topic_id", "date", "percent", "text", "author_id", "created_at"], progress
    )
    n += bulk.insert(
        Rating, ["topic_id", "resident_id", "rating", "comment", "created_at"], ratings
    )
    city.progress.done("progress, ratings", n)
