"""Reviewers, reviews and the ranking in the admin, for the street office running a round.

Officers of the round's street add reviewers to the round (by the email or mobile number they
sign in with), assign them applications in review, see who declared a conflict, and hold the
decision meeting from the ranking table, which also downloads as a spreadsheet. Everyone else
gets 404. Every change goes through projects.reviews; what it refuses is shown on the form.
"""

from io import BytesIO

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton

from communities.exports import neutralise
from communities.scoping import ScopedAdminView, manages_any_street
from communities.templatetags.people import person_name

from .. import reviews
from ..models import Application, ApplicationState, Recommendation, Review, Reviewer
from ..pages import FundingRoundPage

MONEY_FORMAT = "#,##0.00"
SCORE_FORMAT = "0.00"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _rounds(user):
    return reviews.rounds_run_by(FundingRoundPage.objects.all(), user)


class PersonForm(forms.Form):
    person = forms.CharField(
        label=gettext_lazy("Email or mobile number"),
        max_length=254,
        help_text=gettext_lazy("The one they sign in with. They need an account first."),
    )

    def clean_person(self):
        text = self.cleaned_data["person"].strip()
        user = reviews.find_person(text)
        if user is None:
            raise ValidationError(
                _("No account signs in with “%(value)s”. Ask them to sign up first, then add "
                  "them.") % {"value": text}
            )  # fmt: skip
        return user


class AssignForm(forms.Form):
    reviewers = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Reviewers to assign"),
        queryset=Reviewer.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one reviewer.")},
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reviewers"]
        field.queryset = choices
        field.label_from_instance = lambda reviewer: person_name(reviewer.user)


class ReviewScreen(ScopedAdminView, WagtailAdminTemplateMixin):
    """A screen on one round (or one of its applications) of the user's street; 404 for any
    other, before anything is read or changed."""

    header_icon = "tasks"

    def index_crumbs(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("projects_review_rounds"), "label": _("Reviews and ranking")},
        ]

    def round_crumbs(self, round):
        return [
            *self.index_crumbs(),
            {"url": reverse("projects_review_round", args=[round.pk]), "label": round.title},
        ]


class RoundsView(ReviewScreen, TemplateView):
    page_title = gettext_lazy("Reviews and ranking")
    template_name = "projects/admin/review_rounds.html"

    def dispatch(self, request, *args, **kwargs):
        if not manages_any_street(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        rounds = (
            _rounds(self.request.user)
            .select_related("street")
            .annotate(
                in_review=Count(
                    "applications",
                    filter=Q(applications__status=ApplicationState.IN_REVIEW),
                    distinct=True,
                ),
                reviewer_count=Count("reviewers", distinct=True),
            )
            .order_by("-opens_at")
        )
        return super().get_context_data(rounds=rounds, **kwargs)


class RoundView(ReviewScreen, FormView):
    """The round's reviewers (and adding one), and its applications in review with who
    reviews each."""

    model = FundingRoundPage
    template_name = "projects/admin/review_round.html"
    form_class = PersonForm

    def dispatch(self, request, pk):
        self.round = get_object_or_404(_rounds(request.user), pk=pk)
        return super().dispatch(request, pk)

    def get_page_title(self):
        return _("Reviewers")

    def get_page_subtitle(self):
        return self.round.title

    def get_breadcrumbs_items(self):
        return [*self.index_crumbs(), {"url": "", "label": self.round.title}]

    def get_header_buttons(self):
        return [
            HeaderButton(
                _("Ranking"),
                url=reverse("projects_ranking", args=[self.round.pk]),
                icon_name="list-ol",
            )
        ]

    def get_context_data(self, **kwargs):
        applications = (
            Application.objects.filter(round=self.round, status=ApplicationState.IN_REVIEW)
            .select_related("organisation")
            .prefetch_related(
                Prefetch("reviews", Review.objects.select_related("reviewer").order_by("pk"))
            )
            .order_by("pk")
        )
        return super().get_context_data(
            round=self.round,
            reviewers=reviews.round_reviewers(self.round),
            applications=applications,
            **kwargs,
        )

    def form_valid(self, form):
        user = form.cleaned_data["person"]
        try:
            reviews.add_reviewer(self.round, user, self.request.user)
        except ValidationError as error:
            form.add_error("person", error)
            return self.form_invalid(form)
        except PermissionDenied:
            raise Http404 from None
        messages.success(
            self.request,
            _("%(person)s reviews “%(round)s” now.")
            % {"person": person_name(user), "round": self.round.title},
        )
        return redirect("projects_review_round", self.round.pk)


class RemoveReviewerView(ReviewScreen, TemplateView):
    model = FundingRoundPage
    template_name = "projects/admin/review_remove.html"

    def dispatch(self, request, pk, reviewer_pk):
        self.round = get_object_or_404(_rounds(request.user), pk=pk)
        self.reviewer = get_object_or_404(
            Reviewer.objects.select_related("user"), round=self.round, pk=reviewer_pk
        )
        return super().dispatch(request, pk, reviewer_pk)

    def get_page_title(self):
        return _("Remove a reviewer")

    def get_page_subtitle(self):
        return person_name(self.reviewer.user)

    def get_breadcrumbs_items(self):
        return [*self.round_crumbs(self.round), {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        open_reviews = Review.objects.filter(
            reviewer=self.reviewer.user,
            application__round=self.round,
            submitted_at__isnull=True,
            conflict_of_interest=False,
        ).select_related("application")
        return super().get_context_data(
            round=self.round, reviewer=self.reviewer, open_reviews=open_reviews, **kwargs
        )

    def post(self, request, pk, reviewer_pk):
        try:
            reviews.remove_reviewer(self.reviewer, request.user)
        except PermissionDenied:
            raise Http404 from None
        messages.success(
            request,
            _("%(person)s no longer reviews “%(round)s”.")
            % {"person": person_name(self.reviewer.user), "round": self.round.title},
        )
        return redirect("projects_review_round", self.round.pk)


class AssignView(ReviewScreen, FormView):
    """Who reviews one application: assignments with their state, and reviewers to add."""

    model = Application
    template_name = "projects/admin/review_assign.html"
    form_class = AssignForm

    def dispatch(self, request, pk):
        self.application = get_object_or_404(
            reviews.applications_run_by(Application.objects.all(), request.user).select_related(
                "round", "organisation"
            ),
            pk=pk,
        )
        self.round = self.application.round
        return super().dispatch(request, pk)

    def get_page_title(self):
        return _("Assign reviewers")

    def get_page_subtitle(self):
        return self.application.title

    def get_breadcrumbs_items(self):
        return [*self.round_crumbs(self.round), {"url": "", "label": self.application.title}]

    def choices(self):
        taken = Review.objects.filter(application=self.application).values("reviewer")
        representatives = self.application.organisation.representatives.values("user")
        return (
            Reviewer.objects.filter(round=self.round)
            .exclude(user__in=taken)
            .exclude(user__in=representatives)
            .select_related("user")
            .order_by("pk")
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "choices": self.choices()}

    def get_context_data(self, **kwargs):
        assignments = (
            Review.objects.filter(application=self.application)
            .select_related("reviewer", "assigned_by")
            .order_by("pk")
        )
        representatives = Reviewer.objects.filter(
            round=self.round,
            user__in=self.application.organisation.representatives.values("user"),
        ).select_related("user")
        return super().get_context_data(
            application=self.application,
            round=self.round,
            assignments=assignments,
            representatives=representatives,
            in_review=self.application.status == ApplicationState.IN_REVIEW,
            **kwargs,
        )

    def form_valid(self, form):
        assigned = []
        for reviewer in form.cleaned_data["reviewers"]:
            try:
                reviews.assign(self.application, reviewer.user, self.request.user)
            except ValidationError as error:
                form.add_error("reviewers", error)
            except PermissionDenied:
                raise Http404 from None
            else:
                assigned.append(person_name(reviewer.user))
        if assigned:
            messages.success(
                self.request,
                _("Assigned to review “%(title)s”: %(people)s.")
                % {"title": self.application.title, "people": ", ".join(assigned)},
            )
        if form.errors:
            return self.form_invalid(form)
        return redirect("projects_review_assign", self.application.pk)


class RankingView(ReviewScreen, TemplateView):
    """The table for the decision meeting."""

    model = FundingRoundPage
    template_name = "projects/admin/ranking.html"

    def dispatch(self, request, pk):
        self.round = get_object_or_404(_rounds(request.user), pk=pk)
        return super().dispatch(request, pk)

    def get_page_title(self):
        return _("Ranking")

    def get_page_subtitle(self):
        return self.round.title

    def get_breadcrumbs_items(self):
        return [*self.round_crumbs(self.round), {"url": "", "label": self.get_page_title()}]

    def get_header_buttons(self):
        buttons = [
            HeaderButton(
                _("Download xlsx"),
                url=reverse("projects_ranking_export", args=[self.round.pk]),
                icon_name="download",
            )
        ]
        if self.round.residents_say_weight:
            buttons.append(
                HeaderButton(
                    _("Residents' vote")
                    if self.round.resident_votes.exists()
                    else _("Open the residents' vote"),
                    url=reverse("projects_resident_vote_admin", args=[self.round.pk]),
                    icon_name="group",
                )
            )
        return buttons

    def get_context_data(self, **kwargs):
        rows = reviews.ranking(self.round)
        return super().get_context_data(
            round=self.round,
            rows=rows,
            residents_weight=self.round.residents_say_weight,
            criteria_weight=100 - self.round.residents_say_weight,
            recommendations=Recommendation.choices,
            **kwargs,
        )


def ranking_columns(round):
    """(header, kind, value of a row) for each column of the spreadsheet; kind is how the cell
    is written: text (neutralised), a count, a score or money."""
    columns = [
        (_("Rank"), "count", lambda row: row.rank),
        (_("Application"), "text", lambda row: row.application.title),
        (_("Organisation"), "text", lambda row: row.application.organisation.name),
        (_("Status"), "text", lambda row: row.application.get_status_display()),
        (_("Reviewers' average"), "score", lambda row: row.average),
        (_("Spread"), "score", lambda row: row.spread),
        (_("Reviews"), "count", lambda row: row.reviews),
    ]
    for value, label in Recommendation.choices:
        columns.append((str(label), "count", lambda row, value=value: row.recommendations[value]))
    if round.residents_say_weight:
        columns.append((_("Residents' vote (0–100)"), "score", lambda row: row.residents_score))
    columns += [
        (_("Score"), "score", lambda row: row.score),
        (_("Requested (yuan)"), "money", lambda row: row.requested),
        (_("Running total (yuan)"), "money", lambda row: row.running_total),
        (_("Within the budget"), "text", lambda row: _("yes") if row.within_budget else _("no")),
    ]
    return columns


CELL_FORMATS = {"score": SCORE_FORMAT, "money": MONEY_FORMAT}


def ranking_workbook(round, rows):
    """The ranking as an xlsx file: numbers as numbers, money with two decimals, and any text a
    person typed neutralised so a spreadsheet cannot take it for a formula."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Ranking")[:31]
    columns = ranking_columns(round)
    sheet.append([header for header, _kind, _value in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    over_budget = PatternFill("solid", fgColor="FBE3E3")
    for row in rows:
        sheet.append(
            [
                neutralise(str(value(row))) if kind == "text" else value(row)
                for _header, kind, value in columns
            ]
        )
        for cell, (_header, kind, _value) in zip(sheet[sheet.max_row], columns, strict=True):
            if kind in CELL_FORMATS:
                cell.number_format = CELL_FORMATS[kind]
            if not row.within_budget:
                cell.fill = over_budget
    sheet.append([])
    sheet.append([_("Budget of the round (yuan)"), round.total_budget])
    sheet.cell(sheet.max_row, 2).number_format = MONEY_FORMAT
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABC", (6, 36, 24), strict=True):
        sheet.column_dimensions[letter].width = width
    output = BytesIO()
    workbook.save(output)
    return output.getvalue()


class RankingExportView(ScopedAdminView, View):
    model = FundingRoundPage

    def dispatch(self, request, pk):
        # Out of reach is 404 whatever the method, before the method is looked at.
        self.round = get_object_or_404(_rounds(request.user), pk=pk)
        return super().dispatch(request, pk)

    def get(self, request, pk):
        rows = reviews.ranking(self.round)
        response = HttpResponse(ranking_workbook(self.round, rows), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="ranking-{self.round.pk}.xlsx"'
        return response


class ReviewsMenuItem(MenuItem):
    def is_shown(self, request):
        return manages_any_street(request.user)


@hooks.register("register_admin_menu_item")
def register_reviews_menu_item():
    return ReviewsMenuItem(
        gettext_lazy("Reviews and ranking"),
        reverse("projects_review_rounds"),
        name="funding-reviews",
        icon_name="tasks",
        order=175,
    )


@hooks.register("register_admin_urls")
def register_review_urls():
    return [
        path("funding-reviews/", RoundsView.as_view(), name="projects_review_rounds"),
        path(
            "funding-reviews/rounds/<int:pk>/",
            RoundView.as_view(),
            name="projects_review_round",
        ),
        path(
            "funding-reviews/rounds/<int:pk>/reviewers/<int:reviewer_pk>/remove/",
            RemoveReviewerView.as_view(),
            name="projects_review_remove_reviewer",
        ),
        path(
            "funding-reviews/applications/<int:pk>/",
            AssignView.as_view(),
            name="projects_review_assign",
        ),
        path(
            "funding-reviews/rounds/<int:pk>/ranking/",
            RankingView.as_view(),
            name="projects_ranking",
        ),
        path(
            "funding-reviews/rounds/<int:pk>/ranking.xlsx",
            RankingExportView.as_view(),
            name="projects_ranking_export",
        ),
    ]
