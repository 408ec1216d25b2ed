"""The figures dashboard in the admin: a panel on the admin's home page summing up the user's
communities, and the "Figures" page with filters, charts, tables and spreadsheet exports.

Community staff see their community, street officers their street's communities; anyone else
gets 404. The figures and the exports are computed by projects/dashboard.py and
projects/exports.py from the communities in the user's scope, narrowed by the filters.
"""

from django import forms
from django.http import Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from communities import charts
from communities.exports import CSV, XLSX, spreadsheet_response
from communities.permissions import managed_communities
from communities.scoping import ScopedAdminView, manages_any_community
from consultation.models import TopicState

from .. import dashboard, exports
from ..models import Project


class FiguresFilterForm(forms.Form):
    community = forms.ModelChoiceField(
        label=gettext_lazy("Community"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("All my communities"),
    )
    round = forms.ModelChoiceField(
        label=gettext_lazy("Funding round"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("All rounds"),
    )
    year = forms.TypedChoiceField(
        label=gettext_lazy("Year"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = managed_communities(user).order_by("name", "pk")
        self.fields["round"].queryset = dashboard.rounds_for(user)
        self.fields["year"].choices = [("", _("All years"))] + [
            (year, str(year)) for year in dashboard.years()
        ]

    def filters(self):
        """The filters chosen; a value out of the user's reach is refused by the form's
        choices, and then nothing is narrowed (everything in scope)."""
        if not self.is_valid():
            return dashboard.Filters()
        return dashboard.Filters(**self.cleaned_data)


def _filters(request):
    return FiguresFilterForm(request.user, request.GET or None)


class FiguresScreen(ScopedAdminView, WagtailAdminTemplateMixin):
    """Reaches only the communities the user manages (communities.permissions); 404 for anyone
    who manages none."""

    model = Project

    def dispatch(self, request, *args, **kwargs):
        if not manages_any_community(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class FiguresView(FiguresScreen, TemplateView):
    template_name = "projects/admin/dashboard.html"
    header_icon = "table"

    def get_page_title(self):
        return _("Figures")

    def get_context_data(self, **kwargs):
        form = _filters(self.request)
        figures = dashboard.compute(self.request.user, form.filters())
        query = urlencode({key: value for key, value in self.request.GET.items() if value})
        return super().get_context_data(
            form=form,
            figures=figures,
            community_rows=community_rows(figures),
            round_rows=[(round, figures.by_round[round.pk]) for round in figures.rounds],
            consultation_rows=consultation_rows(figures),
            charts=figure_charts(figures),
            downloads=downloads(query),
            **kwargs,
        )


def community_rows(figures):
    return [
        (community, figures.by_community[community.pk], figures.consultation[community.pk])
        for community in figures.communities
    ]


def consultation_rows(figures):
    states = [
        state for state in TopicState if state != TopicState.DRAFT
    ]  # drafts are their author's alone
    return {
        "states": states,
        "rows": [
            (
                community,
                [figures.consultation[community.pk].states.get(state, 0) for state in states],
                figures.consultation[community.pk],
            )
            for community in figures.communities
        ],
    }


def figure_charts(figures):
    names = [community.name for community in figures.communities]
    tallies = [figures.by_community[community.pk] for community in figures.communities]
    satisfaction = figures.total.satisfaction
    topics_by_state = {}
    for consultation in figures.consultation.values():
        for state, count in consultation.states.items():
            topics_by_state[state] = topics_by_state.get(state, 0) + count
    return {
        "money": charts.grouped_bars(
            names,
            [_("Awarded"), _("Spent")],
            [[tally.awarded, tally.spent] for tally in tallies],
            label=_("Funds awarded and spent per community (yuan)"),
            colours=[charts.RED, charts.GREY],
        ),
        "per_month": charts.bar_chart(
            [(month, sum(counts.values())) for month, counts in figures.per_month],
            label=_("Activities per month"),
        ),
        "satisfaction": charts.share_bar(
            [
                (_("Satisfied"), satisfaction["satisfied"], charts.GREEN),
                (_("Basically satisfied"), satisfaction["basic"], charts.AMBER),
                (_("Dissatisfied"), satisfaction["dissatisfied"], charts.RED),
            ],
            label=_("Verified residents' satisfaction with the activities"),
            empty=_("No verified resident has rated an activity yet."),
        ),
        "completion": charts.progress_bars(
            [
                (name, tally.completion, 100, "%")
                for name, tally in zip(names, tallies, strict=True)
                if tally.completion is not None
            ],
            label=_("Indicator completion per community (mean over projects)"),
        ),
        "topics": charts.bar_chart(
            [
                (state.label, topics_by_state[state.value])
                for state in TopicState
                if topics_by_state.get(state.value)
            ],
            label=_("Topics by state"),
            colour=charts.DARK_GREY,
        ),
    }


def downloads(query):
    suffix = f"?{query}" if query else ""
    return [
        {
            "label": label,
            "links": [
                (
                    format_.upper(),
                    reverse("projects_figures_export", args=[kind, format_]) + suffix,
                )
                for format_ in (XLSX, CSV)
            ],
        }
        for kind, label in exports.KINDS.items()
    ]


class FiguresExportView(FiguresScreen, TemplateView):
    def dispatch(self, request, *args, kind, export_format, **kwargs):
        if kind not in exports.KINDS or export_format not in (XLSX, CSV):
            raise Http404
        return super().dispatch(request, *args, kind=kind, export_format=export_format, **kwargs)

    def get(self, request, kind, export_format):
        filename, headers, rows = exports.export(kind, request.user, _filters(request).filters())
        return spreadsheet_response(filename, headers, rows, export_format)


class FiguresPanel(Component):
    """On the admin's home page: the year's figures of the user's communities at a glance."""

    order = 45
    template_name = "projects/admin/dashboard_panel.html"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        year = timezone.localdate().year
        figures = dashboard.compute(self.user, dashboard.Filters(year=year))
        return {
            "year": year,
            "total": figures.total,
            "communities": len(figures.communities),
            "topics": sum(c.topics for c in figures.consultation.values()),
            "figures_url": reverse("projects_figures") + f"?year={year}",
        }


class FiguresMenuItem(MenuItem):
    def is_shown(self, request):
        return manages_any_community(request.user)


@hooks.register("construct_homepage_panels")
def add_figures_panel(request, panels):
    if manages_any_community(request.user):
        panels.append(FiguresPanel(request.user))


@hooks.register("register_admin_menu_item")
def register_figures_menu_item():
    return FiguresMenuItem(
        gettext_lazy("Figures"),
        reverse("projects_figures"),
        name="figures",
        icon_name="table",
        order=185,
    )


@hooks.register("register_admin_urls")
def register_figures_urls():
    return [
        path("figures/", FiguresView.as_view(), name="projects_figures"),
        path(
            "figures/export/<slug:kind>.<slug:export_format>",
            FiguresExportView.as_view(),
            name="projects_figures_export",
        ),
    ]
