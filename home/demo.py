"""The demo city's pages: the home page, a page per community, the rules and "about" pages
and the site's settings. Idempotent."""

from wagtail.models import Page, Site

from communities.demo import DOMAIN

from .models import CommunityPage, HomePage, SiteSettings, StandardPage

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


def home_page():
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


def community_page(home, community, spec):
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


def standard_pages(home):
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


def site_settings(street):
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
