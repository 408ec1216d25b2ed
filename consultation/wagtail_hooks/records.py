"""Records staff keep: meetings with their minutes and files, and each community's settings."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.ui.tables import (
    BooleanColumn,
    Column,
    NumberColumn,
)
from wagtail.admin.views import generic

from communities.models import Community
from communities.notifications import notify
from communities.permissions import managed_communities

from .. import workflow
from ..admin_forms import (
    MeetingForm,
)
from ..models import (
    ConsultationSettings,
    Meeting,
    Topic,
    TopicState,
)
from .common import ScopedViewSet, local_datetime, scoped
from .outcomes import TopicStepView

# ---------------------------------------------------------------------------------------------
# Meetings


def deliberating_topics(user):
    return (
        scoped(Topic.objects.filter(status=TopicState.DELIBERATING), user)
        .select_related("community")
        .order_by("community__name", "title")
    )


class MeetingFormMixin:
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "topics": deliberating_topics(self.request.user)}


def tell_minutes(meeting, staff):
    when = timezone.localtime(meeting.held_at).strftime("%Y-%m-%d %H:%M")
    notify("topic.minutes", meeting.topic, staff, params={"meeting": f"{when} · {meeting.place}"})


class RecordMeetingView(TopicStepView):
    """A meeting recorded from its topic's page: the topic is given, not picked; its minutes go
    in the same form once it has taken place."""

    page_title = gettext_lazy("Record a meeting")
    header_icon = "calendar"
    template_name = "consultation/admin/record_meeting.html"
    form_class = MeetingForm

    def precheck(self, request):
        if request.method == "GET" and self.topic.status != TopicState.DELIBERATING:
            return self.refuse(_("Meetings are recorded while the topic is being deliberated."))
        return None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "topic": self.topic}

    def get_initial(self):
        # Those invited usually attend: a start for the list of who came.
        return {"attendees": self.topic.invited_parties}

    def form_valid(self, form):
        data = {name: form.cleaned_data[name] for name in ("held_at", "place", "attendees")}
        data["minutes"] = form.cleaned_data.get("minutes", "")
        try:
            with transaction.atomic():
                meeting = workflow.record_meeting(self.topic, self.request.user, **data)
                form.save_attachments(meeting)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        except PermissionDenied:
            raise Http404 from None
        messages.success(
            self.request, _("The meeting is recorded; the topic's followers are told.")
        )
        return redirect("topics:inspect", self.topic.pk)


class MeetingMinutesView(RecordMeetingView):
    """The minutes of a meeting recorded ahead, once it has taken place (or a correction)."""

    model = Meeting  # the record its URL names
    page_title = gettext_lazy("Minutes of the meeting")

    def dispatch(self, request, pk):
        self.meeting = get_object_or_404(
            scoped(Meeting.objects.select_related("topic__community"), request.user), pk=pk
        )
        self.topic = self.meeting.topic
        # Read before the form fills the meeting in: were minutes there already?
        self.had_minutes = bool(self.meeting.minutes.strip())
        return super(TopicStepView, self).dispatch(request, pk)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.meeting}

    def get_initial(self):
        return {}

    def get_context_data(self, **kwargs):
        return super().get_context_data(attachments=self.meeting.attachments.all(), **kwargs)

    def form_valid(self, form):
        with transaction.atomic():
            meeting = form.save(commit=False)
            meeting._history_user = self.request.user
            meeting.save()
            form.save_attachments(meeting)
        if not self.had_minutes and meeting.minutes.strip():
            tell_minutes(meeting, self.request.user)
        messages.success(self.request, _("The meeting's record is saved."))
        return redirect("topics:inspect", self.topic.pk)


class MeetingCreateView(MeetingFormMixin, generic.CreateView):
    def form_valid(self, form):
        self.form = form
        data = {name: form.cleaned_data[name] for name in ("held_at", "place", "attendees")}
        data["minutes"] = form.cleaned_data.get("minutes", "")
        try:
            with transaction.atomic():
                self.object = workflow.record_meeting(
                    form.cleaned_data["topic"], self.request.user, **data
                )
                form.save_attachments(self.object)
        except ValidationError as error:
            form.add_error(None, error)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)
        except PermissionDenied:
            raise Http404 from None
        return self.save_action()


class MeetingEditView(MeetingFormMixin, generic.EditView):
    def save_instance(self):
        had_minutes = bool(
            Meeting.objects.filter(pk=self.object.pk).values_list("minutes", flat=True)[0].strip()
        )
        meeting = self.form.instance
        meeting._history_user = self.request.user
        meeting = super().save_instance()
        self.form.save_attachments(meeting)
        if not had_minutes and meeting.minutes.strip():
            tell_minutes(meeting, self.request.user)
        return meeting

    def get_context_data(self, **kwargs):
        return super().get_context_data(attachments=self.object.attachments.all(), **kwargs)


class MeetingIndexView(generic.IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("topic__community")
            .annotate(attachment_count=Count("attachments"))
        )

    def order_queryset(self, queryset):
        if self.is_explicitly_ordered:
            return super().order_queryset(queryset)
        return queryset.order_by("-held_at", "-pk")


class MeetingViewSet(ScopedViewSet):
    model = Meeting
    icon = "calendar"
    index_view_class = MeetingIndexView
    add_view_class = MeetingCreateView
    edit_view_class = MeetingEditView
    edit_template_name = "consultation/admin/meeting_edit.html"

    def get_form_class(self, for_update=False):
        return MeetingForm

    list_display = [
        "topic",
        Column("community", label=gettext_lazy("Community"), accessor="topic.community"),
        Column(
            "held_at",
            label=gettext_lazy("Date and time"),
            accessor=local_datetime("held_at"),
            sort_key="held_at",
        ),
        "place",
        BooleanColumn("has_minutes", label=gettext_lazy("Minutes"), accessor="minutes"),
        NumberColumn("attachment_count", label=gettext_lazy("Attachments")),
    ]


# ---------------------------------------------------------------------------------------------
# Settings per community


class SettingsFormMixin:
    def get_form(self, *args, **kwargs):
        form = super().get_form(*args, **kwargs)
        field = form.fields["community"]
        if form.instance.pk:
            field.disabled = True
            field.queryset = Community.objects.filter(pk=form.instance.community_id)
        else:
            field.queryset = (
                managed_communities(self.request.user)
                .filter(consultation_settings__isnull=True)
                .order_by("name")
            )
        return form


class SettingsCreateView(SettingsFormMixin, generic.CreateView):
    pass


class SettingsEditView(SettingsFormMixin, generic.EditView):
    def save_instance(self):
        self.form.instance._history_user = self.request.user
        return super().save_instance()


class SettingsIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("community")

    @cached_property
    def header_buttons(self):
        # Every community has at most one row; offer "add" only while one is missing.
        missing = (
            managed_communities(self.request.user)
            .filter(consultation_settings__isnull=True)
            .exists()
        )
        return super().header_buttons if missing else []


class ConsultationSettingsViewSet(ScopedViewSet):
    model = ConsultationSettings
    icon = "cogs"
    menu_label = gettext_lazy("Settings")
    index_view_class = SettingsIndexView
    add_view_class = SettingsCreateView
    edit_view_class = SettingsEditView
    form_fields = ["community", "support_threshold", "screening_days"]
    list_display = ["community", "support_threshold", "screening_days"]
