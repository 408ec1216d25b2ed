"""Funded projects in the admin: the street office starts a project from a final award, pays its
tranches, assigns its evaluators and takes it through its evaluations to closing.

Officers of the funding round's street act; the staff of a community the project serves see
the same screens read-only (what is under way in their community, how it is doing) and get 404
on every step. Each step calls projects.workflow.delivery or projects.evaluation, which decide
what is allowed: whatever they refuse is shown to the officer, with nothing changed.
"""

from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.ui.tables import Column, StatusTagColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.permissions import register_permission_policy

from communities.scoping import ScopedAdminView, ScopedViewSet, StaffRolePolicy

from ..evaluation import assign_evaluator, evaluation_total, evaluators_mean
from ..figures import project_figures
from ..models import Application, ApplicationState, EvaluationStage, Milestone, Project
from ..pages import MONEY
from ..permissions import applications_for_staff, is_project_officer, projects_for_staff
from ..workflow import delivery
from .applications import MoneyColumn

# Projects change only through the workflow: the viewset lists and shows them.
register_permission_policy(Project, StaffRolePolicy(Project, {"view"}))

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _officer_or_404(user, project):
    if not is_project_officer(user, project):
        raise Http404


def _project_or_404(request, pk):
    """A project in the user's admin scope that the user runs (an officer of its round's
    street); 404 for everyone else, community staff who only read it included."""
    project = get_object_or_404(
        projects_for_staff(Project.objects.select_related("application__round"), request.user),
        pk=pk,
    )
    _officer_or_404(request.user, project)
    return project


# The list and the project's page.


class PeriodColumn(Column):
    def get_value(self, instance):
        starts, ends = (date_format(day, "Y-m-d") for day in (instance.starts_on, instance.ends_on))
        return f"{starts} – {ends}"


class ProjectIndexView(generic.IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("application__organisation", "application__round")
            .annotate(activity_count=Count("activities", distinct=True))
        )


def _evaluation_stages(project, officer):
    """Per stage: its sheets (evaluator, submitted, total), the mean of the submitted ones and,
    for an officer, the round's reviewers who may still be assigned."""
    sheets = list(
        project.evaluations.select_related("evaluator").prefetch_related("scores__criterion")
    )
    reviewers = []
    if officer:
        representatives = set(
            project.application.organisation.representatives.values_list("user_id", flat=True)
        )
        reviewers = [
            person
            for person in get_user_model()
            .objects.filter(reviewer_roles__round_id=project.application.round_id)
            .order_by("last_name", "first_name", "pk")
            if person.pk not in representatives
        ]
    stages = []
    for stage in EvaluationStage:
        mine = [sheet for sheet in sheets if sheet.stage == stage]
        for sheet in mine:
            sheet.total = evaluation_total(sheet) if sheet.submitted_at else None
        submitted = [sheet.total for sheet in mine if sheet.total is not None]
        assigned = {sheet.evaluator_id for sheet in mine}
        stages.append(
            {
                "value": stage.value,
                "label": stage.label,
                "sheets": mine,
                "mean": evaluators_mean(project, stage) if submitted else None,
                "candidates": [person for person in reviewers if person.pk not in assigned],
            }
        )
    return stages


class ProjectInspectView(generic.InspectView):
    template_name = "projects/admin/project_inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Project.objects.select_related(
                "application__round__street", "application__organisation"
            ),
            pk=self.pk,
        )

    def get_context_data(self, **kwargs):
        project = self.object
        officer = is_project_officer(self.request.user, project)
        actions = delivery.available_actions(project, self.request.user) if officer else []
        return super().get_context_data(
            project=project,
            officer=officer,
            actions=actions,
            milestones=list(project.milestones.all()),
            stages=_evaluation_stages(project, officer),
            figures=project_figures(project),
            communities=list(project.application.communities.all()),
            today=date.today(),
            **kwargs,
        )


class ProjectViewSet(ScopedViewSet):
    model = Project
    scope = staticmethod(projects_for_staff)
    icon = "tasks"
    menu_label = gettext_lazy("Funded projects")
    # Beside the funding applications (170) and the reviews (175).
    menu_order = 172
    add_to_admin_menu = True
    form_fields = []
    index_view_class = ProjectIndexView
    inspect_view_class = ProjectInspectView
    inspect_view_enabled = True
    search_fields = ["application__title", "application__organisation__name"]
    list_display = [
        TitleColumn("title", label=gettext_lazy("Title"), url_name="projects_admin:inspect"),
        Column("organisation", label=gettext_lazy("Organisation")),
        Column("round", label=gettext_lazy("Funding round")),
        StatusTagColumn("get_status_display", label=gettext_lazy("Status"), sort_key="status"),
        PeriodColumn("period", label=gettext_lazy("Period")),
        MoneyColumn("amount", label=gettext_lazy("Award (yuan)")),
        Column("activity_count", label=gettext_lazy("Activities"), sort_key="activity_count"),
        Column("get_grade_display", label=gettext_lazy("Grade"), sort_key="grade"),
    ]


# The officer's steps on a project.


class PostedFromProjectPage(ScopedAdminView, View):
    """A form posted from the project's admin page. Opened by address, it leads back there, or
    is not there at all (404) for whoever cannot reach the project."""

    model = Project

    def get(self, request, pk, **kwargs):
        return redirect("projects_admin:inspect", _project_or_404(request, pk).pk)


class ProjectActionView(PostedFromProjectPage):
    """One step of the project's table (complete an evaluation, close), posted from its page."""

    def post(self, request, pk, action):
        project = _project_or_404(request, pk)
        if action not in delivery.TRANSITIONS.actions:
            raise Http404
        try:
            delivery.perform(project, action, request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(
                request,
                _("“%(title)s”: %(step)s.")
                % {"title": project.title, "step": delivery.TRANSITIONS[action].label},
            )
        return redirect("projects_admin:inspect", project.pk)


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=gettext_lazy("Paid on"), widget=DATE_INPUT)


class PayTrancheView(PostedFromProjectPage):
    def post(self, request, pk, milestone_pk):
        project = _project_or_404(request, pk)
        milestone = get_object_or_404(Milestone, project=project, pk=milestone_pk)
        form = PaymentForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Enter the day the tranche was paid."))
            return redirect("projects_admin:inspect", project.pk)
        try:
            delivery.pay_tranche(milestone, request.user, form.cleaned_data["paid_on"])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(
                request, _("“%(milestone)s” is marked paid.") % {"milestone": milestone.title}
            )
        return redirect("projects_admin:inspect", project.pk)


class AssignEvaluatorForm(forms.Form):
    stage = forms.ChoiceField(choices=EvaluationStage.choices)
    evaluator = forms.ModelChoiceField(
        label=gettext_lazy("Evaluator"), queryset=get_user_model().objects.none()
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the round's reviewers: a number posted for anyone else names nobody.
        self.fields["evaluator"].queryset = get_user_model().objects.filter(
            reviewer_roles__round_id=project.application.round_id
        )


class AssignEvaluatorView(PostedFromProjectPage):
    """Assigns one of the round's reviewers to a stage; projects.evaluation says who may."""

    def post(self, request, pk):
        project = _project_or_404(request, pk)
        form = AssignEvaluatorForm(request.POST, project=project)
        if not form.is_valid():
            messages.error(request, _("Choose a stage and one of the round's reviewers."))
            return redirect("projects_admin:inspect", project.pk)
        person = form.cleaned_data["evaluator"]
        try:
            assign_evaluator(project, form.cleaned_data["stage"], person, request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(person)s is asked to do the %(stage)s.")
                % {
                    "person": person.get_full_name() or person.get_username(),
                    "stage": EvaluationStage(form.cleaned_data["stage"]).label,
                },
            )
        return redirect("projects_admin:inspect", project.pk)


# Starting a project from a final award.


class PeriodForm(forms.Form):
    starts_on = forms.DateField(label=gettext_lazy("Starts"), widget=DATE_INPUT)
    ends_on = forms.DateField(label=gettext_lazy("Ends"), widget=DATE_INPUT)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Milestone"), max_length=100)
    due_on = forms.DateField(label=gettext_lazy("Due"), widget=DATE_INPUT)
    tranche = forms.DecimalField(
        label=gettext_lazy("Tranche (yuan)"), min_value=Decimal("0.01"), **MONEY
    )


MilestoneFormSet = forms.formset_factory(
    MilestoneForm, extra=1, min_num=1, validate_min=True, max_num=12, validate_max=True
)


def two_tranches(amount, starts_on, ends_on):
    """Half the award when the project starts, the rest at its end (the usual 50/50)."""
    first = (amount / 2).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return [
        {"title": _("First tranche, on signing"), "due_on": starts_on, "tranche": first},
        {"title": _("Final tranche, on completion"), "due_on": ends_on, "tranche": amount - first},
    ]


def start_step(application, user):
    """The "Start the project" step for the application's admin page, or None."""
    if application.status != ApplicationState.AWARDED:
        return None
    if not is_project_officer(user, Project(application=application)):
        return None
    if Project.objects.filter(application=application).exists():
        return None
    url = reverse("projects_start", args=[application.pk])
    return {"label": _("Start the project"), "url": url}


class StartProjectView(ScopedAdminView, WagtailAdminTemplateMixin, FormView):
    """An awarded application of the officer's street's rounds (404 otherwise)."""

    model = Application
    header_icon = "tasks"
    template_name = "projects/admin/project_start.html"
    form_class = PeriodForm

    def dispatch(self, request, pk):
        self.application = get_object_or_404(
            applications_for_staff(
                Application.objects.select_related("round", "organisation"), request.user
            ),
            pk=pk,
        )
        _officer_or_404(request.user, Project(application=self.application))
        existing = Project.objects.filter(application=self.application).first()
        if existing is not None:
            return redirect("projects_admin:inspect", existing.pk)
        return super().dispatch(request, pk)

    def get_initial(self):
        starts_on = date.today()
        return {"starts_on": starts_on, "ends_on": starts_on + timedelta(days=365)}

    def get_formset(self):
        if self.request.method == "POST":
            return MilestoneFormSet(self.request.POST, prefix="milestones")
        initial = self.get_initial()
        return MilestoneFormSet(
            prefix="milestones",
            initial=two_tranches(
                self.application.awarded_amount or Decimal(0),
                initial["starts_on"],
                initial["ends_on"],
            ),
        )

    def get_page_title(self):
        return _("Start the project")

    def get_page_subtitle(self):
        return self.application.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("applications_admin:index"), "label": _("Funding applications")},
            {
                "url": reverse("applications_admin:inspect", args=[self.application.pk]),
                "label": self.application.title,
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        kwargs.setdefault("formset", self.get_formset())
        return super().get_context_data(
            application=self.application,
            refusal=delivery.start_refusal(self.application),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        formset = self.get_formset()
        if not (form.is_valid() and formset.is_valid()):
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        milestones = [
            (row["title"], row["due_on"], row["tranche"])
            for row in formset.cleaned_data
            if row and not row.get("DELETE")
        ]
        try:
            project = delivery.start_project(
                self.application,
                request.user,
                form.cleaned_data["starts_on"],
                form.cleaned_data["ends_on"],
                milestones,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        except PermissionDenied:
            raise Http404 from None
        messages.success(
            request, _("“%(title)s” is under way.") % {"title": self.application.title}
        )
        return redirect("projects_admin:inspect", project.pk)


project_viewset = ProjectViewSet("projects_admin", url_prefix="projects")


@hooks.register("register_admin_viewset")
def register_projects():
    return project_viewset


@hooks.register("register_admin_urls")
def register_project_urls():
    return [
        path(
            "projects/<int:pk>/act/<slug:action>/",
            ProjectActionView.as_view(),
            name="projects_project_act",
        ),
        path(
            "projects/<int:pk>/milestones/<int:milestone_pk>/pay/",
            PayTrancheView.as_view(),
            name="projects_pay_tranche",
        ),
        path(
            "projects/<int:pk>/evaluators/",
            AssignEvaluatorView.as_view(),
            name="projects_assign_evaluator",
        ),
        path(
            "applications/<int:pk>/start-project/",
            StartProjectView.as_view(),
            name="projects_start",
        ),
    ]
