"""The outcome stage for staff: the outcome draft (prepared when the ballot is counted, or
written by hand when no vote was held), reviewed and published from the topic's flow, and
progress recorded while it is carried out. Publishing starts the notice period (see
consultation/pages.py) and returns to the topic, wherever it was done: on the review screen
here or in Wagtail's page editor. Community staff hold page permissions on their own
community's page, and on no other (consultation/page_rights.py)."""

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail import hooks
from wagtail.actions.publish_page_revision import PublishPageRevisionAction
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from communities.scoping import ScopedAdminView

from .. import outcomes
from ..admin_forms import ConfirmForm, OutcomeReviewForm, RecordProgressForm
from ..models import BallotStatus, OutcomePage, Topic, TopicState

# Kept here too: the app's signals and older imports find them in this module.
from ..page_rights import (  # noqa: F401
    PAGE_PERMISSIONS,
    community_managers,
    ensure_page_permissions,
    page_group_name,
    resync_page_groups,
)
from .common import scoped

# ---------------------------------------------------------------------------------------------
# Views on one topic


outcome_page_of = outcomes.outcome_page_of


def can_write_outcome(topic, latest_ballot_status):
    """Deliberated (or voted, the ballot counted) and no outcome page yet."""
    return topic.status in (TopicState.DELIBERATING, TopicState.VOTING) and (
        latest_ballot_status in (None, BallotStatus.CLOSED)
    )


def latest_ballot_status(topic):
    return topic.ballots.order_by("-opens_at").values_list("status", flat=True).first()


class TopicStepView(ScopedAdminView, WagtailAdminTemplateMixin, FormView):
    """A staff step on one topic of the user's communities (404 for any other topic)."""

    model = Topic  # the record its URL names

    header_icon = "doc-full"
    template_name = "consultation/admin/topic_action.html"
    submit_class = "button"

    def dispatch(self, request, pk):
        self.topic = get_object_or_404(
            scoped(Topic.objects.select_related("community"), request.user), pk=pk
        )
        return self.precheck(request) or super().dispatch(request, pk)

    def precheck(self, request):
        """A response that stands in for the form (a redirect), or None to show it."""
        return None

    def refuse(self, message):
        messages.error(self.request, message)
        return redirect("topics:inspect", self.topic.pk)

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
            submit_class=self.submit_class,
            **kwargs,
        )


def editor_url(page, topic):
    """Wagtail's editor for the outcome page, coming back to the topic when done."""
    back = reverse("topics:inspect", args=[topic.pk])
    return f"{reverse('wagtailadmin_pages:edit', args=[page.pk])}?{urlencode({'next': back})}"


def published_message(topic):
    notice_ends = timezone.localtime(topic.notice_ends_at).strftime("%Y-%m-%d %H:%M")
    return _(
        "The outcome of “%(title)s” is published. Residents may object until %(notice_ends)s; "
        "the topic then moves on to being carried out by itself."
    ) % {"title": topic.title, "notice_ends": notice_ends}


class WriteOutcomeView(TopicStepView):
    """撰写结果公示 by hand, for a topic decided without a vote (a counted ballot prepares its
    draft by itself): a draft outcome page under the community's page, then the review."""

    page_title = gettext_lazy("Write the outcome")
    template_name = "consultation/admin/write_outcome.html"
    form_class = ConfirmForm

    def precheck(self, request):
        try:
            self.community_page = self.topic.community.page
        except ObjectDoesNotExist:
            return self.refuse(
                _("%(community)s has no page on the site yet; create it first.")
                % {"community": self.topic.community.name}
            )
        existing = outcome_page_of(self.topic)
        if existing is not None:
            ensure_page_permissions(self.community_page)
            return redirect("wagtailadmin_pages:edit", existing.pk)
        if not can_write_outcome(self.topic, latest_ballot_status(self.topic)):
            return self.refuse(
                _(
                    "An outcome is written once the topic has been deliberated "
                    "and any ballot on it has closed."
                )
            )
        return None

    def prefilled(self):
        return outcomes.prefilled_outcome(self.topic)

    def get_context_data(self, **kwargs):
        return super().get_context_data(prefilled=self.prefilled(), **kwargs)

    def form_valid(self, form):
        try:
            outcomes.write_outcome_draft(self.topic, self.request.user)
        except ValidationError as error:
            form.add_error(None, error.messages)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("The outcome is a draft: check it, then publish it to start the notice period."),
        )
        return redirect("consultation_topic_review_outcome", self.topic.pk)


class PublishOutcomeView(TopicStepView):
    """结果公示: the draft's words, checked and corrected, published in one step; the stored
    tally is shown as counted, never as a field. Publishing starts the notice period and
    returns to the topic."""

    page_title = gettext_lazy("Review and publish the outcome")
    template_name = "consultation/admin/publish_outcome.html"
    form_class = OutcomeReviewForm

    def precheck(self, request):
        self.page = outcome_page_of(self.topic)
        if self.page is None:
            return self.refuse(_("There is no outcome draft yet; write the outcome first."))
        if self.page.live:
            return self.refuse(_("The outcome is published already; change it in the page editor."))
        # The draft's latest words, as the editor would show them.
        self.page = self.page.get_latest_revision_as_object()
        ensure_page_permissions(self.topic.community.page)
        return None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.page}

    def get_context_data(self, **kwargs):
        ballot = (
            self.topic.ballots.filter(status=BallotStatus.CLOSED)
            .prefetch_related("options")
            .order_by("-opens_at")
            .first()
        )
        return super().get_context_data(
            page=self.page,
            ballot=ballot,
            editor_url=editor_url(self.page, self.topic),
            **kwargs,
        )

    def form_valid(self, form):
        user = self.request.user
        try:
            with transaction.atomic():
                page = form.save(commit=False)
                revision = page.save_revision(user=user, log_action=True)
                # Publishing the page is what starts the notice period (pages.outcome_published).
                PublishPageRevisionAction(revision, user=user, changed=True).execute()
        except ValidationError as error:
            form.add_error(None, error.messages)
            return self.form_invalid(form)
        except PermissionDenied:
            raise Http404 from None
        topic = Topic.objects.get(pk=self.topic.pk)
        messages.success(self.request, published_message(topic))
        return redirect("topics:inspect", topic.pk)


@hooks.register("after_publish_page")
def back_to_the_topic(request, page):
    """An outcome published in Wagtail's editor returns to its topic, as the review does."""
    page = page.specific
    if not isinstance(page, OutcomePage):
        return None
    topic = Topic.objects.get(pk=page.topic_id)
    if topic.status != TopicState.NOTICE:
        return None
    messages.success(request, published_message(topic))
    return redirect("topics:inspect", topic.pk)


@hooks.register("construct_page_action_menu")
def publish_first_on_outcomes(menu_items, request, context):
    """On an outcome page, publishing is the step: its button comes first, not behind
    "save draft"."""
    if isinstance(context.get("page"), OutcomePage):
        menu_items.sort(key=lambda item: item.name != "action-publish")


class RecordProgressView(TopicStepView):
    """落实: what was done, how far along, with photos."""

    page_title = gettext_lazy("Record progress")
    header_icon = "tasks"
    template_name = "consultation/admin/record_progress.html"
    form_class = RecordProgressForm

    def precheck(self, request):
        # A form sent anyway reaches outcomes.record_progress, whose refusal it then shows.
        if request.method == "GET" and self.topic.status != TopicState.IMPLEMENTING:
            return self.refuse(_("Progress is recorded while the outcome is being carried out."))
        return None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "topic": self.topic}

    def get_context_data(self, **kwargs):
        updates = self.topic.progress_updates.select_related("author").order_by("-date", "-pk")
        return super().get_context_data(updates=updates, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            outcomes.record_progress(
                self.topic,
                self.request.user,
                date=data["date"],
                percent=data["percent"],
                text=data["text"],
                photos=data.get("photos") or (),
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        except PermissionDenied:
            raise Http404 from None
        messages.success(
            self.request,
            _("Progress on “%(title)s” is recorded: %(percent)s%%.")
            % {"title": self.topic.title, "percent": data["percent"]},
        )
        return redirect("topics:inspect", self.topic.pk)
