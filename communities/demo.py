"""The demo city's people and places: one street (和平街道), three communities with grids,
households from a register, staff, a street officer and thirty residents (six of each ten
verified). Idempotent: what is already there is left as it is."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from .models import (
    Community,
    Grid,
    Household,
    RegisteredMember,
    Resident,
    Role,
    Street,
    UserPhone,
    VerificationMethod,
)
from .roles import grant_role
from .workflow import verify_resident

DEMO_PASSWORD = "yishi-demo-2026"
DOMAIN = "demo.yishi.cn"


STREET = {"name": "和平街道", "slug": "heping", "address": "和平路88号", "phone": "023-6380 1200"}

COMMUNITIES = [
    {
        "slug": "xingfuli",
        "name": "幸福里社区",
        "address": "幸福路12号",
        "phone": "023-6380 1211",
        "intro": "老旧小区集中的社区，居民以老人和双职工家庭为主；加装电梯和停车是近年的热点议题。",
        "road": "幸福路",
        "grids": [("第一网格", "陈晓红"), ("第二网格", "刘志强"), ("第三网格", "王丽")],
        "staff": ("staff.xingfuli", "周敏", "社区党委书记、居委会主任"),
    },
    {
        "slug": "changqing",
        "name": "长青社区",
        "address": "长青街5号",
        "phone": "023-6380 1222",
        "intro": "商住混合社区，临街商铺多；夜间噪音、垃圾分类和临街停车常被居民提起。",
        "road": "长青街",
        "grids": [("第一网格", "赵磊"), ("第二网格", "孙雪梅"), ("第三网格", "黄建华")],
        "staff": ("staff.changqing", "李建军", "居委会主任"),
    },
    {
        "slug": "binhe",
        "name": "滨河社区",
        "address": "滨河路210号",
        "phone": "023-6380 1233",
        "intro": "沿江新建小区与回迁安置房并存，年轻家庭多；儿童活动场地和滨江步道是居民关心的事。",
        "road": "滨河路",
        "grids": [("第一网格", "吴芳"), ("第二网格", "郑伟"), ("第三网格", "钱玉兰")],
        "staff": ("staff.binhe", "何静", "居委会主任"),
    },
]

SURNAMES = "张王李赵刘陈杨黄周吴"
GIVEN = ["建国", "秀英", "志明", "丽华", "海燕", "国强", "桂兰", "晓东", "静怡", "俊杰"]


class DemoAccounts:
    """Every demo account shares one password: hashed once, not thirty-five times."""

    def __init__(self):
        self.password_hash = make_password(DEMO_PASSWORD)
        self.listed = []

    def user(self, username, full_name, *, superuser=False):
        email = f"{username}@{DOMAIN}"
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": email,
                "first_name": full_name,
                "is_superuser": superuser,
                "is_staff": superuser,
            },
        )
        if created:
            user.password = self.password_hash
            user.save()
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user


def load_people(accounts):
    """The street, its officer, the communities with staff and residents. Returns the street
    and the communities with their specs."""
    street, _ = Street.objects.get_or_create(slug=STREET["slug"], defaults=STREET)
    officer = accounts.user("officer", "街道干部 马力")
    grant_role(officer, Role.STREET_OFFICER, street=street, title="社区建设办公室主任")
    accounts.user("admin", "系统管理员", superuser=True)
    accounts.listed += [
        ("admin", "superuser / 超级管理员"),
        ("officer", f"street officer / 街道干部 · {street.name}"),
    ]
    places = []
    for spec in COMMUNITIES:
        community = _community(street, spec)
        username, staff_name, title = spec["staff"]
        staff = accounts.user(username, staff_name)
        grant_role(staff, Role.COMMUNITY_STAFF, community=community, title=title)
        accounts.listed.append((username, f"community staff / 社区工作人员 · {community.name}"))
        _residents(accounts, community, spec, staff)
        places.append((community, spec))
    accounts.listed.append(("resident01…30", "residents / 居民 (01–06 of each ten verified)"))
    return street, places


def _community(street, spec):
    community, _ = Community.objects.get_or_create(
        slug=spec["slug"],
        defaults={
            "street": street,
            "name": spec["name"],
            "address": spec["address"],
            "phone": spec["phone"],
            "office_hours": "周一至周五 8:30–12:00，14:00–17:30",
        },
    )
    for index, (name, worker) in enumerate(spec["grids"], start=1):
        Grid.objects.get_or_create(
            community=community,
            name=name,
            defaults={"worker_name": worker, "worker_phone": f"1390000{index:04d}"},
        )
    return community


def _residents(accounts, community, spec, staff):
    grids = list(community.grids.order_by("name"))
    offset = COMMUNITIES.index(spec) * 10
    for i in range(10):
        number = offset + i + 1
        name = SURNAMES[i] + GIVEN[(i + offset // 10 * 3) % len(GIVEN)]
        phone = f"1380000{number:04d}"
        address = f"{spec['road']}{12 + i // 2}号{i % 3 + 1}栋{i % 2 + 1}单元{301 + i}室"
        household, _ = Household.objects.get_or_create(
            community=community,
            address=address,
            defaults={"grid": grids[i % len(grids)], "register_number": f"{number:04d}"},
        )
        if not household.members.exists():
            RegisteredMember.objects.create(
                household=household, name=name, relation="户主", phone=phone
            )
            RegisteredMember.objects.create(
                household=household, name=SURNAMES[i] + "小雨", relation="子女"
            )
        user = accounts.user(f"resident{number:02d}", name)
        # The register's number is also the one they log in with, by a code by SMS.
        UserPhone.objects.get_or_create(
            user=user, defaults={"number": f"+86{phone}", "verified": True}
        )
        resident, _ = Resident.objects.get_or_create(
            user=user,
            defaults={
                "real_name": name,
                "phone": phone,
                "community": community,
                "stated_address": address,
            },
        )
        if i < 6 and not resident.is_verified:
            if i % 2:
                verify_resident(resident, by=staff, method=VerificationMethod.HOUSEHOLD_REGISTER)
            else:
                verify_resident(
                    resident,
                    by=staff,
                    method=VerificationMethod.IN_PERSON,
                    household=household,
                )
