"""Topics: the list staff decide from, each workflow step as a form, and topics entered on a
resident's behalf."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from django_filters import ChoiceFilter, ModelChoiceFilter
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem as ButtonMenuItem
from wagtail.admin.ui.tables import (
    Column,
    DateColumn,
    NumberColumn,
    StatusFlagColumn,
    StatusTagColumn,
    TitleColumn,
)
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton

from communities.permissions import managed_communities
from communities.scoping import ScopedAdminView

from .. import outcomes, voting, workflow
from ..admin_forms import (
    AcceptTopicForm,
    CloseBallotForm,
    CompleteImplementationForm,
    ConfirmForm,
    DeclineTopicForm,
    EnterOnBehalfForm,
    MarkDuplicateForm,
    OpenBallotForm,
    ReconsiderForm,
)
from ..models import (
    Ballot,
    BallotStatus,
    OutcomePage,
    Topic,
    TopicState,
)
from . import cycle
from .common import (
    LocalTimeInspectView,
    ScopedViewSet,
    YesNoFilter,
    community_choices,
    local_datetime,
    scoped,
)


def staff_transitions(topic):
    """The workflow's staff rows that leave the topic's present state.

    Listings hold only topics of communities the user manages, so the staff role is given;
    reading the table directly spares one membership query per row. Action views still ask
    the workflow itself (`workflow.can`, then `perform`).
    """
    return [
        t for t in workflow.TRANSITIONS if topic.status in t.sources and workflow.STAFF in t.roles
    ]


ACTION_ICONS = {
    "send_to_screening": "arrow-right",
    "accept": "check",
    "decline": "cross",
    "mark_duplicate": "copy",
    "open_ballot": "tasks",
    "reconsider": "rotate",
    "complete_implementation": "check",
}


def action_buttons(topic, transitions, button_class=ButtonMenuItem):
    return [
        button_class(
            transition.label,
            url=reverse(f"consultation_topic_{transition.action}", args=[topic.pk]),
            icon_name=ACTION_ICONS.get(transition.action, "arrow-right"),
            priority=index,
        )
        for index, transition in enumerate(transitions, start=1)
        if transition.action in ACTION_VIEWS
    ]


def outcome_buttons(topic, outcome_page_pk, ballot_status, button_class=ButtonMenuItem):
    """The outcome stage's steps that are not workflow rows: writing (or opening) the outcome
    page, which staff then publish in Wagtail's editor, and recording progress."""
    buttons = []
    if outcome_page_pk is not None:
        buttons.append(
            button_class(
                _("Edit the outcome"),
                url=reverse("consultation_topic_write_outcome", args=[topic.pk]),
                icon_name="doc-full",
                priority=20,
            )
        )
    elif topic.status in (TopicState.DELIBERATING, TopicState.VOTING) and ballot_status in (
        None,
        BallotStatus.CLOSED,
    ):
        buttons.append(
            button_class(
                _("Write the outcome"),
                url=reverse("consultation_topic_write_outcome", args=[topic.pk]),
                icon_name="doc-full",
                priority=20,
            )
        )
    if topic.status == TopicState.IMPLEMENTING:
        buttons.append(
            button_class(
                _("Record progress"),
                url=reverse("consultation_topic_record_progress", args=[topic.pk]),
                icon_name="tasks",
                priority=21,
            )
        )
    return buttons


def implementation_overdue(queryset, today=None):
    return queryset.filter(
        status=TopicState.IMPLEMENTING,
        implementation_deadline__lt=today or timezone.localdate(),
    )


class TopicFilterSet(WagtailFilterSet):
    community = ModelChoiceFilter(label=gettext_lazy("Community"), queryset=community_choices)
    status = ChoiceFilter(
        label=gettext_lazy("Status"),
        choices=[c for c in TopicState.choices if c[0] != TopicState.DRAFT],
    )
    overdue = YesNoFilter(label=gettext_lazy("Overdue"), method="filter_overdue")
    implementation_overdue = YesNoFilter(
        label=gettext_lazy("Implementation overdue"), method="filter_implementation_overdue"
    )

    class Meta:
        model = Topic
        fields = ["community", "status"]

    def filter_overdue(self, queryset, name, value):
        overdue = Topic.objects.overdue().values("pk")
        if value == "true":
            return queryset.filter(pk__in=overdue)
        return queryset.exclude(pk__in=overdue)

    def filter_implementation_overdue(self, queryset, name, value):
        overdue = implementation_overdue(Topic.objects.all()).values("pk")
        if value == "true":
            return queryset.filter(pk__in=overdue)
        return queryset.exclude(pk__in=overdue)


class TopicIndexView(generic.IndexView):
    filterset_class = TopicFilterSet

    def get_base_queryset(self):
        here = OuterRef("pk")
        return (
            super()
            .get_base_queryset()
            .with_support_count()
            .select_related("community")
            .annotate(
                outcome_page_pk=Subquery(OutcomePage.objects.filter(topic=here).values("pk")[:1]),
                latest_ballot_status=Subquery(
                    Ballot.objects.filter(topic=here).order_by("-opens_at").values("status")[:1]
                ),
            )
        )

    def order_queryset(self, queryset):
        if self.is_explicitly_ordered:
            return super().order_queryset(queryset)
        # The decisions due come first, the nearest deadline (so the overdue ones) on top.
        return queryset.order_by(
            Case(
                When(status=TopicState.SCREENING, then=Value(0)),
                When(status=TopicState.COLLECTING, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            "screening_deadline",
            "-created_at",
            "-pk",
        )

    @cached_property
    def header_buttons(self):
        return [
            *super().header_buttons,
            HeaderButton(
                _("Enter a topic on a resident's behalf"),
                url=reverse("consultation_enter_topic"),
                icon_name="plus",
            ),
        ]

    def get_list_more_buttons(self, instance):
        return [
            *action_buttons(instance, staff_transitions(instance)),
            *outcome_buttons(instance, instance.outcome_page_pk, instance.latest_ballot_status),
            *super().get_list_more_buttons(instance),
        ]

    @cached_property
    def columns(self):
        # The model's verbose name "title" reads as a person's job title in Chinese.
        title = self._get_title_column_class(TitleColumn)(
            "title",
            label=_("Topic"),
            sort_key="title",
            get_url=self.get_inspect_url,
        )
        return [title, *super().columns[1:]]


class TopicInspectView(LocalTimeInspectView):
    """The topic's own page, where its cycle is driven: the stage it is at, the steps due now
    as buttons, and everything recorded so far (cycle.py)."""

    header_buttons = []  # the steps stand on the page itself, beside what they act on

    def get_fields_context(self):
        # What does not apply yet (no decision, no deliberation) is left out, not listed empty.
        return [field for field in super().get_fields_context() if field["value"] != "—"]

    def get_context_data(self, **kwargs):
        history = (
            self.object.history.select_related("history_user")
            .only(
                "history_id",
                "history_date",
                "history_user",
                "history_change_reason",
                "status",
            )
            .order_by("history_date", "history_id")
        )
        counts = Topic.objects.filter(pk=self.object.pk).with_support_count().get()
        return super().get_context_data(
            timeline=history,
            support_count=counts.support_count,
            **cycle.topic_page_context(self.object, self.request.user),
            **kwargs,
        )


class TopicViewSet(ScopedViewSet):
    model = Topic
    icon = "comment"
    index_view_class = TopicIndexView
    inspect_view_enabled = True
    inspect_view_class = TopicInspectView
    inspect_template_name = "consultation/admin/topic_inspect.html"
    list_per_page = 30
    search_fields = ["title", "place", "raised_by"]
    list_display = [
        "title",
        "community",
        StatusTagColumn(
            "status",
            label=gettext_lazy("Status"),
            accessor="get_status_display",
            primary=lambda topic: topic.status == TopicState.SCREENING,
            sort_key="status",
        ),
        NumberColumn("support_count", label=gettext_lazy("Supporters"), sort_key="support_count"),
        Column(
            "screening_deadline",
            label=gettext_lazy("Screening deadline"),
            accessor=local_datetime(
                "screening_deadline", only_if=lambda t: t.status == TopicState.SCREENING
            ),
            sort_key="screening_deadline",
        ),
        StatusFlagColumn(
            "is_overdue", label=gettext_lazy("Overdue"), true_label=gettext_lazy("Overdue")
        ),
        StatusFlagColumn(
            "implementation_overdue",
            label=gettext_lazy("Implementation"),
            true_label=gettext_lazy("Implementation overdue"),
        ),
        DateColumn("created_at", label=gettext_lazy("Created"), sort_key="created_at"),
    ]
    inspect_view_fields = [
        "community",
        "description",
        "category",
        "grid",
        "place",
        "source",
        "raised_by",
        "entered_by",
        "created_at",
        "submitted_at",
        "screening_started_at",
        "screening_deadline",
        "decided_at",
        "decline_reason",
        "duplicate_of",
        "deliberation_starts",
        "deliberation_ends",
    ]


class TopicActionView(ScopedAdminView, WagtailAdminTemplateMixin, FormView):
    """One workflow step on one topic of the staff member's communities (404 for any other)."""

    model = Topic  # the record its URL names

    action = None
    header_icon = "comment"
    template_name = "consultation/admin/topic_action.html"
    form_class = ConfirmForm
    success_message = None
    submit_class = "button"

    def dispatch(self, request, pk):
        self.topic = get_object_or_404(
            scoped(Topic.objects.select_related("community"), request.user), pk=pk
        )
        if not workflow.can(request.user, self.topic, self.action):
            messages.error(
                request,
                _("This topic is “%(state)s”; “%(action)s” is not possible now.")
                % {"state": self.topic.get_status_display(), "action": self.transition.label},
            )
            return redirect("topics:inspect", self.topic.pk)
        return super().dispatch(request, pk)

    @property
    def transition(self):
        return workflow.ACTIONS[self.action]

    def get_page_title(self):
        return capfirst(str(self.transition.label))

    def get_page_subtitle(self):
        return self.topic.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("topics:index"), "label": capfirst(Topic._meta.verbose_name_plural)},
            {"url": reverse("topics:inspect", args=[self.topic.pk]), "label": self.topic.title},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.form_class in (
            AcceptTopicForm,
            CompleteImplementationForm,
            MarkDuplicateForm,
            OpenBallotForm,
        ):
            kwargs["topic"] = self.topic
        return kwargs

    def get_context_data(self, **kwargs):
        supporters = self.topic.supports.count()
        return super().get_context_data(
            topic=self.topic,
            support_count=supporters,
            submit_label=self.get_page_title(),
            submit_class=self.submit_class,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            workflow.perform(self.topic, self.action, self.request.user, **form.cleaned_data)
        except ValidationError as error:
            # A refusal about one field (a guard's code names it) shows beside that field.
            field = getattr(error, "code", None)
            form.add_error(field if field in form.fields else None, error)
            return self.form_invalid(form)
        except PermissionDenied:
            raise Http404 from None
        messages.success(self.request, self.success_message % {"title": self.topic.title})
        return redirect("topics:inspect", self.topic.pk)


class SendToScreeningView(TopicActionView):
    action = "send_to_screening"
    success_message = gettext_lazy("“%(title)s” was sent to screening.")


class AcceptTopicView(TopicActionView):
    action = "accept"
    form_class = AcceptTopicForm
    success_message = gettext_lazy("“%(title)s” is on the agenda.")


class DeclineTopicView(TopicActionView):
    action = "decline"
    form_class = DeclineTopicForm
    submit_class = "button no"
    success_message = gettext_lazy("“%(title)s” was declined.")


class MarkDuplicateView(TopicActionView):
    action = "mark_duplicate"
    form_class = MarkDuplicateForm
    submit_class = "button no"
    success_message = gettext_lazy("“%(title)s” was marked as a duplicate.")


class OpenBallotView(TopicActionView):
    action = "open_ballot"
    form_class = OpenBallotForm
    success_message = gettext_lazy("Voting on “%(title)s” is open.")


class ReconsiderView(TopicActionView):
    """Back to deliberation: only after an upheld objection (the workflow checks)."""

    action = "reconsider"
    form_class = ReconsiderForm
    submit_class = "button no"
    success_message = gettext_lazy("“%(title)s” is back in deliberation.")


class CompleteImplementationView(TopicActionView):
    action = "complete_implementation"
    form_class = CompleteImplementationForm
    success_message = gettext_lazy("“%(title)s” is carried out; residents may now evaluate it.")


# publish_outcome happens by publishing the outcome page in Wagtail's editor; end_notice and
# close_evaluation are the clock's (outcomes.advance_clock): none of them has a view here.
ACTION_VIEWS = {
    view.action: view
    for view in (
        SendToScreeningView,
        AcceptTopicView,
        DeclineTopicView,
        MarkDuplicateView,
        OpenBallotView,
        ReconsiderView,
        CompleteImplementationView,
    )
}


class CloseBallotView(ScopedAdminView, WagtailAdminTemplateMixin, FormView):
    """Staff close a ballot before its time, with a reason that is published with the result."""

    model = Topic  # the record its URL names

    header_icon = "tasks"
    template_name = "consultation/admin/topic_action.html"
    form_class = CloseBallotForm
    page_title = gettext_lazy("Close the ballot early")

    def dispatch(self, request, pk):
        self.topic = get_object_or_404(
            scoped(Topic.objects.select_related("community"), request.user), pk=pk
        )
        self.ballot = self.topic.ballots.filter(status=BallotStatus.OPEN).first()
        if self.ballot is None:
            raise Http404
        return super().dispatch(request, pk)

    def get_page_subtitle(self):
        return self.topic.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("topics:index"), "label": capfirst(Topic._meta.verbose_name_plural)},
            {"url": reverse("topics:inspect", args=[self.topic.pk]), "label": self.topic.title},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            topic=self.topic,
            support_count=self.topic.supports.count(),
            submit_label=self.get_page_title(),
            submit_class="button no",
            **kwargs,
        )

    def form_valid(self, form):
        try:
            ballot = voting.close_ballot(
                self.ballot, actor=self.request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        except PermissionDenied:
            raise Http404 from None
        if ballot.status == BallotStatus.FAILED:
            # The staff member closing is the notification's actor, so not told otherwise.
            messages.error(
                self.request,
                _(
                    "The count failed its integrity check (ballot papers and voters differ). "
                    "The result is withheld and the community office has been told."
                ),
            )
        elif outcomes.ballot_counted(ballot, actor=self.request.user) is not None:
            messages.success(
                self.request,
                _(
                    "The ballot is closed and counted; the outcome draft is written from the "
                    "tally. Check it and publish it."
                ),
            )
        else:
            messages.success(self.request, _("The ballot is closed and counted."))
        return redirect("topics:inspect", self.topic.pk)


class EnterOnBehalfView(ScopedAdminView, WagtailAdminTemplateMixin, FormView):
    page_title = gettext_lazy("Enter a topic on a resident's behalf")
    header_icon = "plus"
    template_name = "consultation/admin/enter_topic.html"
    form_class = EnterOnBehalfForm

    def dispatch(self, request):
        self.communities = managed_communities(request.user)
        if not self.communities.exists():
            raise Http404
        return super().dispatch(request)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("topics:index"), "label": capfirst(Topic._meta.verbose_name_plural)},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "communities": self.communities}

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        try:
            topic = workflow.enter_on_behalf(staff=self.request.user, **data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        except PermissionDenied:
            raise Http404 from None
        messages.success(
            self.request, _("“%(title)s” is open for support.") % {"title": topic.title}
        )
        return redirect("topics:index")
