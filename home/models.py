"""The public face of the site: Wagtail pages with editorial content, and site-wide settings.

Pages exist where there is a public address and text that staff write (the city front, a
community's own page, rules and "about" pages); records such as households stay plain models.
"""

from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.images.blocks import ImageBlock
from wagtail.models import Page
from wagtail.search import index

from communities.models import Community, Grid, Household, Resident
from consultation import views as consultation_views
from consultation.models import Support
from consultation.outcomes import community_satisfaction
from consultation.pages import OutcomePage
from organisations import views as organisation_views


def _counted(queryset, by="community"):
    """The number of rows of a correlated queryset, as an annotation."""
    counted = queryset.order_by().values(by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def counts_by_community(queryset, communities):
    """{community id: rows of `queryset`} for `communities`, in one grouped query."""
    return dict(
        queryset.filter(community__in=communities)
        .order_by()
        .values("community")
        .annotate(n=Count("pk"))
        .values_list("community", "n")
    )


def _add_figures(community_pages):
    """Each community's grids, households and verified residents, in three queries however
    many communities the city has (a subquery per figure per community costs three hundred at
    city scale). Grouped separately: joining grids, households and residents together would
    multiply rows (10 grids × 2,000 households × 6,000 residents per community)."""
    ids = [cp.community_id for cp in community_pages]
    if not ids:
        return
    grids = counts_by_community(Grid.objects.all(), ids)
    households = counts_by_community(Household.objects.all(), ids)
    verified = counts_by_community(
        Resident.objects.filter(verified_at__isnull=False, closed_at__isnull=True), ids
    )
    for cp in community_pages:
        cp.grid_count = grids.get(cp.community_id, 0)
        cp.household_count = households.get(cp.community_id, 0)
        cp.verified_count = verified.get(cp.community_id, 0)


class BodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(form_classname="title", label=_("Heading"))
    paragraph = blocks.RichTextBlock(label=_("Paragraph"))
    image = ImageBlock(label=_("Image"))
    notice = blocks.RichTextBlock(label=_("Highlighted notice"), icon="warning")

    class Meta:
        template = "home/blocks/body.html"


class HomePage(Page):
    """The city's front door: what Yishi is for, every community, what happened lately."""

    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    body = RichTextField(_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    subpage_types = ["home.CommunityPage", "home.StandardPage", "projects.FundingRoundPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def permissions_for_user(self, user):
        """Street officers also add funding rounds here (projects/page_rights.py)."""
        from projects.page_rights import HomePermissionTester

        return HomePermissionTester(user, self)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Read only when the template's cached fragment has to be drawn again.
        context["community_pages"] = SimpleLazyObject(self._community_pages)
        context["latest_pages"] = (
            Page.objects.live()
            .public()
            .descendant_of(self)
            .exclude(pk=self.pk)
            .specific()
            .order_by("-last_published_at")[:6]
        )
        return context

    def _community_pages(self):
        community_pages = list(
            CommunityPage.objects.live()
            .child_of(self)
            .select_related("community__street")
            .order_by("community__name")
        )
        _add_figures(community_pages)
        return community_pages


# What a community's page shows, each read when the page is drawn (CommunityPage._sections).
SECTIONS = (
    "community",
    "grids",
    "household_count",
    "verified_count",
    "rules_pages",
    "agenda",
    "outcomes",
    "satisfaction",
    "organisations",
    "being_voted",
    "open_topics",
)


class CommunityPage(RoutablePageMixin, Page):
    """One community's public page. Its sections (topics, agenda…) are routes under it, served
    by the apps that own them, so a community's addresses all start with its page's."""

    community = models.OneToOneField(
        Community,
        on_delete=models.PROTECT,
        related_name="page",
        verbose_name=_("community"),
    )
    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("community"),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["home.StandardPage", "consultation.OutcomePage"]

    class Meta:
        verbose_name = _("community page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Every section is read only when the template's cached fragment has to be drawn again
        # (templates/home/community_page.html): the page is the same for every visitor.
        sections = SimpleLazyObject(self._sections)
        for name in SECTIONS:
            context[name] = SimpleLazyObject(lambda name=name: sections[name])
        return context

    def _sections(self):
        # The figures come with the community, in its query.
        community = (
            Community.objects.select_related("street")
            .annotate(
                household_total=_counted(Household.objects.filter(community=OuterRef("pk"))),
                verified_total=_counted(
                    Resident.objects.filter(
                        community=OuterRef("pk"), verified_at__isnull=False, closed_at__isnull=True
                    )
                ),
            )
            .get(pk=self.community_id)
        )
        # Outcome notices are children too and have their own section: this list is the rules
        # and guides, written for this community (children, listed first) or for the whole city
        # (siblings).
        pages = StandardPage.objects
        return {
            "community": community,
            "grids": list(community.grids.annotate(household_count=Count("households"))),
            "household_count": community.household_total,
            "verified_count": community.verified_total,
            "rules_pages": pages.live()
            .public()
            .filter(pages.child_of_q(self) | pages.sibling_of_q(self, inclusive=False))
            .order_by("-depth", "path"),
            "agenda": community.topics.filter(status="deliberating").order_by(
                "deliberation_starts"
            )[:5],
            "outcomes": OutcomePage.objects.live()
            .child_of(self)
            .select_related("topic")
            .order_by("-first_published_at")[:6],
            "satisfaction": community_satisfaction(community),
            "organisations": community.organisations.filed().order_by("name")[:6],
            # A ballot without a topic is a funding round's residents' vote: its page is the
            # round's.
            "being_voted": consultation_views.ballots_being_voted(community).select_related(
                "resident_vote__round"
            )[:10],
            # Counted per row in a subquery, which PostgreSQL evaluates after the LIMIT: five
            # topics' supports, not every open topic's.
            "open_topics": community.topics.filter(status__in=["collecting", "screening"])
            .annotate(support_count=_counted(Support.objects.filter(topic=OuterRef("pk")), "topic"))
            .order_by("-submitted_at")[:5],
        }

    @path("")
    def index(self, request):
        return self.render(request)

    @path("topics/")
    def topics(self, request):
        return consultation_views.topic_list(request, self.community, page=self)

    @path("topics/new/")
    def propose_topic(self, request):
        return consultation_views.propose(request, self.community, page=self)

    @path("organisations/")
    def organisations(self, request):
        return organisation_views.directory(request, community=self.community, page=self)

    @path("agenda/")
    @path("agenda/<int:year>/")
    def agenda(self, request, year=None):
        return consultation_views.agenda(request, self.community, page=self, year=year)

    @path("agenda/<int:year>/pdf/")
    def agenda_pdf(self, request, year):
        return consultation_views.agenda_pdf(request, self.community, page=self, year=year)


class StandardPage(Page):
    """Rules, guides and "about" text: editorial pages with no behaviour of their own."""

    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    subpage_types = ["home.StandardPage"]

    class Meta:
        verbose_name = _("standard page")


@register_setting(icon="cog")
class SiteSettings(BaseSiteSetting):
    """Site name and how to reach the people running it, shown in every page's header and footer."""

    site_name = models.CharField(_("site name"), max_length=60, default="议事")
    tagline = models.CharField(_("tagline"), max_length=120, blank=True)
    operator = models.CharField(
        _("run by"), max_length=100, blank=True, help_text=_("E.g. the street office.")
    )
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_address = models.CharField(_("contact address"), max_length=200, blank=True)
    icp_record = models.CharField(_("ICP record number"), max_length=60, blank=True)

    panels = [
        FieldPanel("site_name"),
        FieldPanel("tagline"),
        MultiFieldPanel(
            [
                FieldPanel("operator"),
                FieldPanel("contact_phone"),
                FieldPanel("contact_email"),
                FieldPanel("contact_address"),
                FieldPanel("icp_record"),
            ],
            heading=_("Contact"),
        ),
    ]

    class Meta:
        verbose_name = _("site settings")
