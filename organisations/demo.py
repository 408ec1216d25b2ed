"""The demo city's social organisations: filed groups of each community, one registered with
the street's civil-affairs code, and one filing waiting for the street office's decision."""

from django.contrib.auth import get_user_model

from communities.models import Community, Membership, Role

from . import workflow
from .models import Category, Kind, Organisation, OrganisationState
from .validators import credit_code_check_character


def demo_credit_code(serial):
    first_17 = f"5133040{serial:03d}MJ{serial:05d}"
    return first_17 + credit_code_check_character(first_17)


# name, kind, category, communities, members, contact, representative, description, state
ORGANISATIONS = [
    ("幸福里书法社", Kind.FILED, Category.CULTURE, ["xingfuli"], 26, ("张建国", "13800000001"),
     "resident01", "社区退休教师牵头，每周二、周四下午在党群服务中心活动室练字，"
     "春节前为居民义写春联。", OrganisationState.FILED),
    ("幸福里银发互助队", Kind.FILED, Category.ELDERLY_CARE, ["xingfuli"], 18,
     ("王秀英", "13800000002"), "resident02",
     "低龄老人结对帮扶高龄独居老人：每周上门探访、代买代办、陪同就医。",
     OrganisationState.FILED),
    ("长青社区志愿服务队", Kind.FILED, Category.VOLUNTEERING, ["changqing"], 45,
     ("李志明", "13800000011"), "resident11",
     "垃圾分类督导、临街商铺门前三包巡查、夜间噪音劝导。", OrganisationState.FILED),
    ("滨河亲子读书会", Kind.FILED, Category.CHILDREN, ["binhe"], 32, ("赵海燕", "13800000021"),
     "resident21", "每周六上午在滨河社区图书角组织亲子共读，暑期开设四点半课堂。",
     OrganisationState.FILED),
    ("和平街道社会工作服务中心", Kind.REGISTERED, Category.OTHER,
     ["xingfuli", "changqing", "binhe"], 12, ("陈晓东", "13800000031"), None,
     "在民政部门登记的民办社会工作服务机构，承接街道的社区治理和为老服务项目。",
     OrganisationState.FILED),
    ("滨河步道健走队", Kind.FILED, Category.SPORT, ["binhe"], 40, ("周俊杰", "13800000022"),
     "resident22", "每晚七点沿滨江步道健走，新手有人带，雨天改在地下车库做操。",
     OrganisationState.APPLIED),
]  # fmt: skip


def load_organisations(user_for):
    """Idempotent: an organisation already there is left as it is. `user_for(username,
    full_name)` gives the demo's account of that name (made with the demo password)."""
    User = get_user_model()
    for serial, row in enumerate(ORGANISATIONS, start=1):
        name, kind, category, slugs, members, contact, username, description, state = row
        communities = list(Community.objects.filter(slug__in=slugs).select_related("street"))
        street = communities[0].street
        if Organisation.objects.filter(street=street, name=name).exists():
            continue
        representative = User.objects.filter(username=username).first() if username else None
        if representative is None:
            representative = user_for(f"org{serial:02d}", contact[0])
        organisation = Organisation(
            street=street,
            name=name,
            kind=kind,
            credit_code=demo_credit_code(serial) if kind == Kind.REGISTERED else "",
            category=category,
            description=description,
            member_count=members,
            contact_name=contact[0],
            contact_phone=contact[1],
        )
        workflow.apply_to_file(organisation, communities, representative)
        if state == OrganisationState.FILED:
            officer = (
                Membership.objects.filter(role=Role.STREET_OFFICER, street=street)
                .select_related("user")
                .first()
            )
            workflow.perform(organisation, "file", officer.user)
