"""The generated city's social organisations (`manage.py generate_city`, see
communities/generate.py): filed with their street, each with a representative who is a verified
resident of one of its communities; one in ten registered with a credit code."""

from datetime import timedelta

from communities.generate import person_name

from .models import Category, Kind, Organisation, OrganisationState, Representative
from .validators import credit_code_check_character

FIRST = ["幸福", "长青", "滨河", "锦绣", "和谐", "阳光", "翠湖", "金桥", "春晖", "明珠", "松柏",
         "桂园", "枫林", "望江", "新村"]  # fmt: skip
KINDS = [
    (
        "书法社",
        Category.CULTURE,
        "每周二、周四下午在党群服务中心活动室练字，春节前为居民义写春联。",
    ),
    ("银发互助队", Category.ELDERLY_CARE, "低龄老人结对帮扶高龄独居老人：每周上门探访、代买代办。"),
    ("志愿服务队", Category.VOLUNTEERING, "垃圾分类督导、门前三包巡查、夜间噪音劝导。"),
    ("亲子读书会", Category.CHILDREN, "每周六上午组织亲子共读，暑期开设四点半课堂。"),
    ("健走队", Category.SPORT, "每晚七点沿步道健走，新手有人带，雨天改在地下车库做操。"),
    ("合唱团", Category.CULTURE, "每周三晚排练，节假日在社区广场义演。"),
    ("环保小队", Category.ENVIRONMENT, "组织居民清理绿地、旧物回收和厨余堆肥。"),
    ("邻里互助会", Category.MUTUAL_AID, "邻里之间代收快递、照看孩子、互借工具。"),
    ("棋艺社", Category.CULTURE, "每天下午在活动室下象棋、围棋，每季度举办一次比赛。"),
    ("社会工作服务中心", Category.OTHER, "在民政部门登记的社会工作服务机构，承接社区治理项目。"),
]


def credit_code(serial):
    first_17 = f"5133050{serial:03d}MJ{serial:05d}"[:17]
    return first_17 + credit_code_check_character(first_17)


def generate_organisations(city):
    """Returns nothing; leaves `city.organisations`: (organisation id, street, community
    datas, representative user id)."""
    rng, bulk, now, v = city.rng, city.bulk, city.now, city.volumes
    n_streets = len(city.streets)
    per = [v["organisations"] // n_streets + (1 if i < v["organisations"] % n_streets else 0)
           for i in range(n_streets)]  # fmt: skip
    ids = iter(bulk.ids(Organisation, v["organisations"]))
    rows, links, representatives = [], [], []
    city.organisations = []
    serial = 0
    for s, (street, _officer) in enumerate(city.streets):
        communities = [data for data in city.communities if data.street.pk == street.pk]
        used = set()
        for j in range(per[s]):
            serial += 1
            oid = next(ids)
            suffix, category, description = KINDS[j // len(FIRST) % len(KINDS)]
            registered = suffix == "社会工作服务中心"
            name = f"{FIRST[j % len(FIRST)]}{suffix}" + (str(j) if j >= 150 else "")
            mine = [communities[j % len(communities)]]
            if len(communities) > 1 and rng.random() < 0.3:
                mine.append(communities[(j + 1) % len(communities)])
            home = mine[0]
            while True:
                _rid, user_id, _hid = home.verified[rng.randrange(len(home.verified))]
                if user_id not in used:
                    used.add(user_id)
                    break
            applied = now - timedelta(days=rng.randint(500, 900))
            rows.append(
                (
                    oid,
                    street.pk,
                    name,
                    Kind.REGISTERED if registered else Kind.FILED,
                    credit_code(serial) if registered else "",
                    category,
                    description,
                    rng.randint(8, 60),
                    person_name(rng),
                    f"139{serial:08d}",
                    OrganisationState.FILED,
                    applied,
                    applied + timedelta(days=10),
                )
            )
            links += [(oid, data.community.pk) for data in mine]
            representatives.append((oid, user_id, applied))
            city.organisations.append((oid, street, mine, user_id, name))
    n = bulk.insert(
        Organisation,
        [
            "id",
            "street_id",
            "name",
            "kind",
            "credit_code",
            "category",
            "description",
            "member_count",
            "contact_name",
            "contact_phone",
            "status",
            "applied_at",
            "filed_at",
        ],
        rows,
    )
    n += bulk.insert(Organisation.communities.through, ["organisation_id", "community_id"], links)
    n += bulk.insert(Representative, ["organisation_id", "user_id", "since"], representatives)
    city.progress.done("organisations", n)
