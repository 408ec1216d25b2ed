"""A generated city for benchmarks (`manage.py generate_city`): the bulk writer every app's
`generate.py` shares, and this app's part — streets, communities with their grids and staff,
households with their register, residents with their accounts.

Nothing here goes through the services: rows are written in bulk (PostgreSQL's COPY, batched
INSERTs on SQLite) with ids chosen here, so no signal, history row or notification is made per
row. What the services would keep consistent (a verified resident's household, verifier and
method) is written consistent. Deterministic: everything is drawn from the city's seeded random.
"""

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models
from django.utils import timezone

from .models import (
    Community,
    Grid,
    Household,
    Membership,
    PublicNotice,
    RegisteredMember,
    Resident,
    Role,
    Street,
    UserPhone,
    VerificationMethod,
)

BENCH_PASSWORD = "bench-password"
DOMAIN = "city.yishi.cn"

# How much of everything each scale makes. `bench_unvoted`: verified residents of the first
# community who have not voted on the open ballot the benchmark votes on.
SCALES = {
    "city": {
        "streets": 10, "communities": 100, "households": 120_000, "residents": 300_000,
        "topics": 20_000, "comments": 400_000, "votes": 2_000_000, "organisations": 500,
        "projects": 300, "activities": 30_000, "feedback": 100_000, "bench_unvoted": 5_000,
    },
    "small": {
        "streets": 1, "communities": 10, "households": 1_200, "residents": 3_000,
        "topics": 200, "comments": 4_000, "votes": 20_000, "organisations": 5,
        "projects": 3, "activities": 300, "feedback": 1_000, "bench_unvoted": 500,
    },
    # For the tests only: every kind of page, in seconds on SQLite.
    "tiny": {
        "streets": 1, "communities": 3, "households": 120, "residents": 300,
        "topics": 40, "comments": 400, "votes": 600, "organisations": 3,
        "projects": 2, "activities": 130, "feedback": 200, "bench_unvoted": 50,
    },
}  # fmt: skip

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "建国秀英志明丽华海燕强桂兰晓东静怡俊杰玉梅文军春花德华淑珍红霞立新雪梅婷伟宇欣然子涵浩然"
STREET_NAMES = ["和平", "解放", "人民", "建设", "胜利", "文化", "新华", "中山", "朝阳", "长江",
                "黄河", "东风", "光明", "民主", "团结"]  # fmt: skip
COMMUNITY_FIRST = ["幸福", "长青", "滨河", "锦绣", "和谐", "阳光", "翠湖", "金桥", "春晖", "明珠",
                   "松柏", "桂园", "枫林", "望江", "新村"]  # fmt: skip
COMMUNITY_LAST = ["里", "苑", "园", "湾", "坊", "路", "新城", "花园", "家园", "小区"]
ROADS = ["路", "街", "大道", "巷"]
GRID_NAMES = ["第一网格", "第二网格", "第三网格", "第四网格", "第五网格"]
STAFF_TITLES = ["社区党委书记、居委会主任", "居委会主任", "居委会副主任", "社区专职工作者"]


class Progress:
    """Prints each stage as it ends: its name, the rows it wrote and its seconds."""

    def __init__(self, write):
        self.write = write
        self.started = self.last = time.monotonic()
        self.stages = []

    def done(self, stage, rows):
        now = time.monotonic()
        self.stages.append((stage, rows, now - self.last))
        self.write(f"{stage:<34} {rows:>10,} rows {now - self.last:8.1f} s")
        self.last = now

    def total(self):
        return time.monotonic() - self.started


class Bulk:
    """Writes rows straight into a model's own table: COPY on PostgreSQL, executemany on
    SQLite. Ids are allocated here (`ids`), so the rows can refer to each other before they
    are written; `finish` moves the sequences past them."""

    def __init__(self):
        self.pg = connection.vendor == "postgresql"
        self._next = {}
        self.allocated = set()

    def ids(self, model, count):
        if model not in self._next:
            top = model._base_manager.aggregate(top=models.Max("pk"))["top"] or 0
            self._next[model] = top + 1
        start = self._next[model]
        self._next[model] = start + count
        self.allocated.add(model)
        return range(start, start + count)

    def insert(self, model, columns, rows):
        """`rows`: tuples in the order of `columns` (attnames of the model's local fields).
        Non-null fields left out get their default, "" for text or None. Returns the count."""
        opts = model._meta
        by_name = {f.attname: f for f in opts.local_concrete_fields}
        fields = [by_name[name] for name in columns]
        extra_fields, extra = [], []
        for f in opts.local_concrete_fields:
            if f.attname in columns or (f.primary_key and f.attname == "id"):
                continue
            if f.null:
                value = None
            elif f.has_default():
                value = f.get_default()
            elif isinstance(f, models.CharField | models.TextField | models.FileField):
                value = ""
            else:
                raise ValueError(f"{opts.label}.{f.attname} needs a value")
            extra_fields.append(f)
            extra.append(value)
        fields += extra_fields
        extra = tuple(extra)
        table = connection.ops.quote_name(opts.db_table)
        names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        count = 0
        if self.pg:
            jsons = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
            sql = f"COPY {table} ({names}) FROM STDIN"
            with connection.cursor() as cursor, cursor.copy(sql) as copy:
                for row in rows:
                    row = tuple(row) + extra
                    if jsons:
                        row = list(row)
                        for i in jsons:
                            row[i] = json.dumps(row[i], ensure_ascii=False)
                    copy.write_row(row)
                    count += 1
            return count
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(fields))})"
        batch = []
        with connection.cursor() as cursor:
            for row in rows:
                row = tuple(row) + extra
                batch.append(
                    [
                        f.get_db_prep_value(v, connection, prepared=False)
                        for f, v in zip(fields, row, strict=True)
                    ]
                )
                count += 1
                if len(batch) >= 5000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
        return count

    def finish(self, only=None):
        """Move every sequence we wrote ids for past them (PostgreSQL; SQLite follows itself);
        `only` those of the given models."""
        statements = connection.ops.sequence_reset_sql(no_style(), only or list(self.allocated))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def insert_notices(bulk, scope, notices):
    """Public notices (公示) of a community or a street (`scope`), each row giving the subject's
    content type and id, the community's or street's id, the content, start, end, the time it
    ended (or None) and who opened it. Returns the rows written."""
    columns = ["subject_type_id", "subject_id", f"{scope}_id", "content"]
    columns += ["starts_at", "ends_at", "ended_at", "opened_by_id"]
    return bulk.insert(PublicNotice, columns, notices)


@dataclass
class CommunityData:
    community: Community
    street: Street
    staff_id: int
    grid_ids: list
    household_ids: list = field(default_factory=list)
    # (resident id, user id, household id) of the verified residents, in order
    verified: list = field(default_factory=list)
    # user ids of residents not verified
    unverified_users: list = field(default_factory=list)
    road: str = ""
    page: object = None


@dataclass
class City:
    """What each part leaves for the next: the random, the volumes, the people and places."""

    rng: object
    volumes: dict
    bulk: Bulk
    progress: Progress
    now: object = field(default_factory=timezone.now)
    password: str = ""
    streets: list = field(default_factory=list)  # (street, officer user id)
    communities: list = field(default_factory=list)  # CommunityData
    admin_id: int = 0

    def scaled(self, key):
        return self.volumes[key]


def person_name(rng):
    given = GIVEN[rng.randrange(len(GIVEN) // 2) * 2 :][:2]
    if rng.random() < 0.35:
        given = given[rng.randrange(2)]
    return rng.choice(SURNAMES) + given


def _split(total, parts, first=None):
    """`total` in `parts` near-equal shares; the first share `first` when given."""
    if first is None:
        return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]
    rest = total - first
    return [first] + [rest // (parts - 1) + (1 if i < rest % (parts - 1) else 0)
                      for i in range(parts - 1)]  # fmt: skip


def generate_people(city):
    """Streets, communities, grids, staff and officers; households with their head in the
    register; residents with accounts (9 in 10 verified by their community's staff)."""
    rng, bulk, now = city.rng, city.bulk, city.now
    User = get_user_model()
    city.password = make_password(BENCH_PASSWORD)  # one hash for every account
    v = city.volumes
    n_streets, n_communities = v["streets"], v["communities"]

    # Places and the people who run them (a few hundred rows: the ORM is fine here).
    admin = User.objects.create(
        username="admin",
        email=f"admin@{DOMAIN}",
        password=city.password,
        is_staff=True,
        is_superuser=True,
        first_name="系统管理员",
    )
    city.admin_id = admin.pk
    for s in range(n_streets):
        name = STREET_NAMES[s % len(STREET_NAMES)] + (
            "街道" if s < len(STREET_NAMES) else f"{s}街道"
        )
        street = Street.objects.create(
            name=name,
            slug=f"street{s + 1:02d}",
            address=f"{name[:2]}路{88 + s}号",
            phone=f"023-6380 {1200 + s * 10}",
        )
        officer = User.objects.create(
            username=f"officer{s + 1:02d}",
            email=f"officer{s + 1:02d}@{DOMAIN}",
            password=city.password,
            first_name=person_name(rng),
        )
        Membership.objects.create(
            user=officer, role=Role.STREET_OFFICER, street=street, title="社区建设办公室主任"
        )
        city.streets.append((street, officer.pk))
    per_street = _split(n_communities, n_streets)
    index = 0
    for s, (street, _officer) in enumerate(city.streets):
        for j in range(per_street[s]):
            index += 1
            first = COMMUNITY_FIRST[(s + j) % len(COMMUNITY_FIRST)]
            last = COMMUNITY_LAST[j % len(COMMUNITY_LAST)]
            road = first + ROADS[j % len(ROADS)]
            community = Community.objects.create(
                street=street,
                name=f"{first}{last}社区",
                slug=f"c{index:03d}",
                address=f"{road}{rng.randint(1, 300)}号",
                phone=f"023-6381 {index:04d}",
                office_hours="周一至周五 8:30–12:00，14:00–17:30",
            )
            grids = Grid.objects.bulk_create(
                Grid(
                    community=community,
                    name=g,
                    number=n + 1,
                    worker_name=person_name(rng),
                    worker_phone=f"139{index:04d}{n:04d}",
                )
                for n, g in enumerate(GRID_NAMES)
            )
            staff = User.objects.create(
                username=f"staff.c{index:03d}",
                email=f"staff.c{index:03d}@{DOMAIN}",
                password=city.password,
                first_name=person_name(rng),
            )
            Membership.objects.create(
                user=staff,
                role=Role.COMMUNITY_STAFF,
                community=community,
                title=STAFF_TITLES[index % len(STAFF_TITLES)],
            )
            city.communities.append(
                CommunityData(community, street, staff.pk, [g.pk for g in grids], road=road)
            )
    staff_ids = [admin.pk] + [o for _s, o in city.streets] + [c.staff_id for c in city.communities]
    from allauth.account.models import EmailAddress

    EmailAddress.objects.bulk_create(
        EmailAddress(user_id=u.pk, email=u.email, verified=True, primary=True)
        for u in User.objects.filter(pk__in=staff_ids)
    )
    city.progress.done("streets, communities, staff", len(staff_ids))

    # Residents: the first community (the benchmark's open ballot) is the largest.
    n_residents, n_households = v["residents"], v["households"]
    bench = min(n_residents // 2, int(v["bench_unvoted"] * 1.6))
    residents_in = _split(n_residents, n_communities, first=bench if n_communities > 1 else None)
    households_in = [max(1, round(r * n_households / n_residents)) for r in residents_in]
    households_in[-1] += n_households - sum(households_in)
    household_ids = bulk.ids(Household, n_households)
    member_ids = bulk.ids(RegisteredMember, n_households)
    user_ids = bulk.ids(User, n_residents)
    resident_ids = bulk.ids(Resident, n_residents)

    households, members, users, emails, phones, residents = [], [], [], [], [], []
    h = r = 0
    joined = now - timedelta(days=400)
    for c, data in enumerate(city.communities):
        cid = data.community.pk
        n_h, n_r = households_in[c], residents_in[c]
        first_h = h
        heads = {}
        for k in range(n_h):
            hid = household_ids[h]
            building, unit, room = k // 60 + 1, k // 20 % 3 + 1, 101 + k % 20 // 2 * 100 + k % 2
            address = f"{data.road}{building}号{unit}单元{room}室"
            households.append(
                (hid, cid, data.grid_ids[k % len(data.grid_ids)], address, f"{k + 1:05d}", True)
            )
            data.household_ids.append(hid)
            h += 1
        for k in range(n_r):
            uid, rid = user_ids[r], resident_ids[r]
            hid = household_ids[first_h + k * n_h // n_r]
            name = person_name(rng)
            phone = f"13{r + 100_000_000:09d}"[:11]
            username = f"r{r + 1:06d}"
            users.append(
                (
                    uid,
                    city.password,
                    username,
                    name,
                    "",
                    f"{username}@{DOMAIN}",
                    False,
                    False,
                    True,
                    joined,
                )
            )
            emails.append((uid, f"{username}@{DOMAIN}", True, True))
            phones.append((uid, f"+86{phone}", True))
            address = households[first_h + k * n_h // n_r][3]
            if hid not in heads:
                heads[hid] = name
                members.append((member_ids[len(members)], hid, name, "户主", phone))
            if k % 10 != 9:
                method = (
                    VerificationMethod.HOUSEHOLD_REGISTER if k % 2 else VerificationMethod.IN_PERSON
                )
                residents.append(
                    (
                        rid,
                        uid,
                        name,
                        phone,
                        cid,
                        hid,
                        address,
                        joined + timedelta(days=k % 30),
                        data.staff_id,
                        method,
                        None,
                    )
                )
                data.verified.append((rid, uid, hid))
            else:
                residents.append((rid, uid, name, phone, cid, None, address, None, None, "", None))
                data.unverified_users.append(uid)
            r += 1
    rows = bulk.insert(
        Household,
        ["id", "community_id", "grid_id", "address", "register_number", "is_active"],
        households,
    )
    rows += bulk.insert(
        RegisteredMember, ["id", "household_id", "name", "relation", "phone"], members
    )
    city.progress.done("households, register", rows)
    rows = bulk.insert(
        User,
        [
            "id",
            "password",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_superuser",
            "is_active",
            "date_joined",
        ],
        users,
    )
    from allauth.account.models import EmailAddress

    rows += bulk.insert(EmailAddress, ["user_id", "email", "verified", "primary"], emails)
    rows += bulk.insert(UserPhone, ["user_id", "number", "verified"], phones)
    city.progress.done("accounts (users, emails, phones)", rows)
    rows = bulk.insert(
        Resident,
        [
            "id",
            "user_id",
            "real_name",
            "phone",
            "community_id",
            "household_id",
            "stated_address",
            "verified_at",
            "verified_by_id",
            "verification_method",
            "closed_at",
        ],
        residents,
    )
    city.progress.done("residents", rows)


def community_pages(city):
    """A page per community under the home page, published as the demo does it."""
    from home.demo import home_page, site_settings, standard_pages
    from home.models import CommunityPage

    home = home_page()
    for data in city.communities:
        community = data.community
        page = CommunityPage(
            title=community.name,
            slug=community.slug,
            community=community,
            intro=f"{community.street.name}下辖社区，居民以老人和双职工家庭为主。",
            body=[
                (
                    "paragraph",
                    f"<p>欢迎来到{community.name}。社区居委会办公地点：{community.address}，"
                    "有事可在工作时间到社区办公室，也可以在本平台提出议题。</p>",
                )
            ],
        )
        home.add_child(instance=page)
        page.save_revision().publish()
        data.page = CommunityPage.objects.get(pk=page.pk)
    standard_pages(home)
    site_settings(city.streets[0][0])
    city.home = home
    city.progress.done("community pages", len(city.communities))


def add_pages(city, parent, specific_model, pages):
    """Live pages under `parent`, written in bulk (no revision; Wagtail serves the page row).
    `pages`: (title, slug, {specific field: value}). Returns the new pages' ids."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Locale, Page

    pages = list(pages)
    if not pages:
        return []
    parent = Page.objects.get(pk=parent.pk)
    last = parent.get_last_child()
    start = int(last.path[-Page.steplen :], len(Page.alphabet)) + 1 if last is not None else 1
    ids = city.bulk.ids(Page, len(pages))
    content_type = ContentType.objects.get_for_model(specific_model).pk
    locale = parent.locale_id or Locale.get_default().pk
    rng = city.rng
    rows, specific_rows = [], []
    fields = list(pages[0][2])
    for n, (pid, (title, slug, values)) in enumerate(zip(ids, pages, strict=True)):
        path = Page._get_path(parent.path, parent.depth + 1, start + n)
        rows.append(
            (
                pid,
                path,
                parent.depth + 1,
                0,
                uuid.UUID(int=rng.getrandbits(128), version=4),
                locale,
                True,
                False,
                city.now,
                city.now,
                title,
                title,
                slug,
                content_type,
                f"{parent.url_path}{slug}/",
                False,
            )
        )
        specific_rows.append((pid, *[values[f] for f in fields]))
    city.bulk.insert(
        Page,
        [
            "id",
            "path",
            "depth",
            "numchild",
            "translation_key",
            "locale_id",
            "live",
            "has_unpublished_changes",
            "first_published_at",
            "last_published_at",
            "title",
            "draft_title",
            "slug",
            "content_type_id",
            "url_path",
            "show_in_menus",
        ],
        rows,
    )
    city.bulk.insert(
        specific_model,
        ["page_ptr_id", *[specific_model._meta.get_field(f).attname for f in fields]],
        specific_rows,
    )
    Page.objects.filter(pk=parent.pk).update(numchild=models.F("numchild") + len(pages))
    city.bulk.finish(only=[Page])  # pages added the usual way later take the next ids
    return list(ids)
