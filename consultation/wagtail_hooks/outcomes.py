"""The outcome stage for staff: writing the outcome page, recording progress while it is carried
out. Publishing happens in Wagtail's own page editor (publishing the page starts the notice
period, see consultation/pages.py), so community staff hold page permissions on their own
community's page — and on no other."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import GroupPagePermission

from communities.models import Community, Role
from communities.permissions import managed_communities
from communities.scoping import ScopedAdminView

from .. import outcomes
from ..admin_forms import ConfirmForm, RecordProgressForm
from ..models import BallotStatus, OutcomePage, Topic, TopicState
from .common import scoped

# ---------------------------------------------------------------------------------------------
# Page permissions, per community. Wagtail grants page permissions to groups, not to users, so
# each community gets its own group holding add / change / publish on that community's page
# only; whoever manages the community (its staff, the officers of its street) is a member.

PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")


def page_group_name(community):
    # Community names repeat across streets; the key keeps two communities' groups apart.
    return f"{community.name}·社区工作人员 #{community.pk}"


def community_managers(community):
    return (
        get_user_model()
        .objects.filter(
            Q(memberships__role=Role.COMMUNITY_STAFF, memberships__community=community)
            | Q(memberships__role=Role.STREET_OFFICER, memberships__street_id=community.street_id),
            is_active=True,
        )
        .distinct()
    )


def ensure_page_permissions(community_page):
    """The community's page group: page rights on `community_page` (and so on the outcome
    pages under it), members the people who manage the community now. Idempotent; whoever
    lost their role since the last call leaves the group."""
    community = community_page.community
    group, _created = Group.objects.get_or_create(name=page_group_name(community))
    permissions = Permission.objects.filter(
        content_type__app_label="wagtailcore", codename__in=PAGE_PERMISSIONS
    )
    for permission in permissions:
        GroupPagePermission.objects.get_or_create(
            group=group, page=community_page, permission=permission
        )
    group.user_set.set(community_managers(community))
    return group


def resync_page_groups(sender, instance, **kwargs):
    """A membership was added, changed or removed (in the admin or anywhere else): the page
    groups of every community it touches are set again from the memberships, so page rights
    end with the role."""
    user = instance.user
    by_name = {page_group_name(community): community for community in Community.objects.all()}
    touched = Community.objects.filter(
        Q(pk=instance.community_id)
        | Q(street_id=instance.street_id)
        | Q(pk__in=managed_communities(user))
    )
    names = {page_group_name(community) for community in touched}
    names |= set(user.groups.filter(name__in=by_name).values_list("name", flat=True))
    for group in Group.objects.filter(name__in=names):
        group.user_set.set(community_managers(by_name[group.name]))


# ---------------------------------------------------------------------------------------------
# Views on one topic


def outcome_page_of(topic):
    return OutcomePage.objects.filter(topic=topic).first()


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


class WriteOutcomeView(TopicStepView):
    """撰写结果公示: a draft outcome page under the community's page, filled in with what the
    system knows (decision and tally from the ballot), then Wagtail's editor to finish it."""

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
        prefilled = self.prefilled()
        page = OutcomePage(
            title=prefilled["title"],
            slug=f"outcome-{self.topic.pk}",
            topic=self.topic,
            decision=prefilled["decision"],
            tally=prefilled["tally"],
            plan=prefilled["plan"] or self.topic.description,
            responsible=self.topic.community.name,
            deadline=timezone.localdate() + timedelta(days=30),
            notice_days=7,
            live=False,
            owner=self.request.user,
        )
        try:
            with transaction.atomic():
                ensure_page_permissions(self.community_page)
                self.community_page.add_child(instance=page)
                # A draft may still lack what staff write (the decision, when no ballot was
                # held); the editor requires it before the page can be published.
                page.save_revision(user=self.request.user, log_action=True, clean=False)
        except IntegrityError:
            # Written a moment ago by someone else: continue with theirs.
            existing = outcome_page_of(self.topic)
            if existing is None:
                raise
            page = existing
        except ValidationError as error:
            form.add_error(None, error.messages)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("The outcome is a draft: check it, then publish it to start the notice period."),
        )
        return redirect("wagtailadmin_pages:edit", page.pk)


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
