"""Load the demo city: one street, three communities, grids, households, residents, staff, pages.

Idempotent: running it again changes nothing that is already there. Content is in Chinese, the
way a real street office would write it.
"""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from wagtail.models import Page, Site

from communities.models import (
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
from communities.roles import grant_role
from communities.workflow import verify_resident
from home.demo_consultation import load_topics
from home.models import CommunityPage, HomePage, SiteSettings, StandardPage

DEMO_PASSWORD = "yishi-demo-2026"
QUIET_MAILERS = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
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

RULES_BODY = [
    ("heading", "一、议题收集"),
    (
        "paragraph",
        "<p>居民可在本平台提出议题，也可通过社区热线、入户走访、网格员和居民会议提出，"
        "由社区工作人员代为录入并注明来源。议题获得规定人数的居民附议后，进入审核。</p>",
    ),
    ("heading", "二、协商议事清单"),
    (
        "paragraph",
        "<p>社区居委会在规定期限内对议题进行审核：纳入协商议事清单的，明确参与协商的各方和协商时间；"
        "不予纳入的，公开说明理由。</p>",
    ),
    ("heading", "三、协商与表决"),
    (
        "paragraph",
        "<p>协商前提前通知参与各方；协商中各方充分发表意见，会议记录公开。需要表决的事项，"
        "按居民一人一票或每户一票进行，可采用无记名投票。</p>",
    ),
    ("heading", "四、结果公示与落实"),
    (
        "paragraph",
        "<p>协商结果在社区公示栏和本平台同时公示，公示期一般为7天，公示期内居民可提出异议，"
        "社区逐一公开答复。公示期满后组织落实，定期公布进展。</p>",
    ),
    ("heading", "五、评议"),
    (
        "paragraph",
        "<p>落实完成后，由居民对落实情况进行评议（满意、基本满意、不满意），"
        "满意率在本平台公布，作为社区工作考评的依据。</p>",
    ),
]

ABOUT_BODY = [
    (
        "paragraph",
        "<p>“议事”把社区的公共事务从纸面和台账搬到网上：居民提出和附议议题，社区协商、表决、公示、"
        "落实并接受居民评议；社会组织向街道备案、申请公益创投；项目活动随做随记，台账自动生成。</p>",
    ),
    (
        "notice",
        "<p>社区工作人员大量时间被各部门下派的行政事务占用。本平台的每一个页面都应当为社区工作者减少工作，"
        "而不是多填一张表。</p>",
    ),
]


class Command(BaseCommand):
    help = "Load the demo city (idempotent) and print the demo accounts."

    def handle(self, *args, **options):
        # Loading a demo is not news: the notifications it causes stay in the app, unmailed.
        with override_settings(MAILERS=QUIET_MAILERS), transaction.atomic():
            self.load()

    def load(self):
        # Every demo account shares one password: hash it once, not thirty-five times.
        self.password_hash = make_password(DEMO_PASSWORD)
        street, _ = Street.objects.get_or_create(slug=STREET["slug"], defaults=STREET)
        officer = self.user("officer", "街道干部 马力")
        grant_role(officer, Role.STREET_OFFICER, street=street, title="社区建设办公室主任")
        self.user("admin", "系统管理员", superuser=True)

        home = self.home_page()
        accounts = [
            ("admin", "superuser / 超级管理员"),
            ("officer", f"street officer / 街道干部 · {street.name}"),
        ]
        for spec in COMMUNITIES:
            community = self.community(street, spec)
            username, staff_name, title = spec["staff"]
            staff = self.user(username, staff_name)
            grant_role(staff, Role.COMMUNITY_STAFF, community=community, title=title)
            accounts.append((username, f"community staff / 社区工作人员 · {community.name}"))
            self.residents(community, spec, staff)
            self.community_page(home, community, spec)
        accounts.append(("resident01…30", "residents / 居民 (01–06 of each ten verified)"))
        self.standard_pages(home)
        self.site_settings(street)
        load_topics(
            "xingfuli",
            "staff.xingfuli",
            [f"resident{n:02d}" for n in range(1, 7)],
        )

        self.stdout.write(self.style.SUCCESS("Demo city loaded: 和平街道, 3 communities."))
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for username, role in accounts:
            self.stdout.write(f"  {username + '@' + DOMAIN:<38} {role}")
        self.stdout.write(
            "Staff accounts set up two-factor authentication (TOTP) on their first visit "
            "to /admin/."
        )
        self.stdout.write(
            "Residents also log in by mobile number: resident01 is 13800000001, resident02 "
            "13800000002 … resident30 13800000030; the code is printed on this console."
        )

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

    def community(self, street, spec):
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

    def residents(self, community, spec, staff):
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
            user = self.user(f"resident{number:02d}", name)
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
                    verify_resident(
                        resident, by=staff, method=VerificationMethod.HOUSEHOLD_REGISTER
                    )
                else:
                    verify_resident(
                        resident,
                        by=staff,
                        method=VerificationMethod.IN_PERSON,
                        household=household,
                    )

    def home_page(self):
        home = HomePage.objects.first()
        if home is None:
            root = Page.get_first_root_node()
            home = HomePage(
                title="和平街道社区协商平台",
                slug="home-yishi",
                intro="居民提出议题、社区协商表决、结果公示、落实评议，全程在线，告别纸质台账。",
            )
            root.add_child(instance=home)
            home.save_revision().publish()
            Site.objects.update_or_create(
                is_default_site=True,
                defaults={"root_page": home, "hostname": "localhost", "site_name": "议事"},
            )
            # Wagtail's placeholder "Welcome" page is no longer reachable; remove it.
            Page.objects.filter(depth=2).exclude(pk=home.pk).not_type(HomePage).delete()
        return home

    def community_page(self, home, community, spec):
        if CommunityPage.objects.filter(community=community).exists():
            return
        page = CommunityPage(
            title=community.name,
            slug=spec["slug"],
            community=community,
            intro=spec["intro"],
            body=[
                (
                    "paragraph",
                    f"<p>欢迎来到{community.name}。社区居委会办公地点：{spec['address']}，"
                    "有事可在工作时间到社区办公室，也可以在本平台提出议题。</p>",
                )
            ],
        )
        home.add_child(instance=page)
        page.save_revision().publish()

    def standard_pages(self, home):
        for slug, title, intro, body in (
            (
                "rules",
                "社区协商议事规则",
                "议题收集、协商议事清单、协商表决、结果公示与评议的办法。",
                RULES_BODY,
            ),
            (
                "about",
                "关于议事",
                "一个让社区公共事务上网、为社区工作者减负的开源平台。",
                ABOUT_BODY,
            ),
        ):
            if StandardPage.objects.filter(slug=slug).exists():
                continue
            page = StandardPage(title=title, slug=slug, intro=intro, body=body)
            home.add_child(instance=page)
            page.save_revision().publish()

    def site_settings(self, street):
        site = Site.objects.get(is_default_site=True)
        SiteSettings.objects.update_or_create(
            site=site,
            defaults={
                "site_name": "议事",
                "tagline": "社区的事，大家商量着办",
                "operator": f"{street.name}办事处",
                "contact_phone": street.phone,
                "contact_email": f"contact@{DOMAIN}",
                "contact_address": street.address,
            },
        )
