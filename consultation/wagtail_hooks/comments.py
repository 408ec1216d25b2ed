"""Comments: moderation only. Staff neither write nor edit residents' words; they hide a
comment with a reason, and its text stays in the history."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from django_filters import ModelChoiceFilter
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem as ButtonMenuItem
from wagtail.admin.ui.tables import (
    Column,
    DateColumn,
    NumberColumn,
    StatusFlagColumn,
    TitleColumn,
)
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton

from communities.scoping import ScopedAdminView
from communities.templatetags.people import person_name, public_name

from .. import workflow
from ..admin_forms import (
    HideCommentForm,
)
from ..models import (
    Comment,
    CommentReport,
)
from .common import (
    LocalTimeInspectView,
    ScopedViewSet,
    YesNoFilter,
    community_choices,
    scoped,
)


class CommentFilterSet(WagtailFilterSet):
    community = ModelChoiceFilter(
        label=gettext_lazy("Community"), queryset=community_choices, field_name="topic__community"
    )
    reported = YesNoFilter(label=gettext_lazy("Reported"), method="filter_reported")
    hidden = YesNoFilter(label=gettext_lazy("Hidden"), method="filter_hidden")

    class Meta:
        model = Comment
        fields = []

    def filter_reported(self, queryset, name, value):
        open_reports = CommentReport.objects.filter(resolved_at__isnull=True).values("comment_id")
        if value == "true":
            return queryset.filter(pk__in=open_reports)
        return queryset.exclude(pk__in=open_reports)

    def filter_hidden(self, queryset, name, value):
        return queryset.filter(hidden_at__isnull=value != "true")


def author_name(comment):
    author = comment.author
    resident = getattr(author, "resident", None)
    if resident is not None and resident.closed_at:
        return public_name(author)  # "closed account", not the opaque user name left behind
    return person_name(author)


class CommentIndexView(generic.IndexView):
    filterset_class = CommentFilterSet

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("topic", "author__resident")
            .annotate(
                report_count=Count("reports", distinct=True),
                open_report_count=Count(
                    "reports", filter=Q(reports__resolved_at__isnull=True), distinct=True
                ),
            )
        )

    def order_queryset(self, queryset):
        if self.is_explicitly_ordered:
            return super().order_queryset(queryset)
        return queryset.order_by("-open_report_count", "-report_count", "-created_at", "-pk")

    @cached_property
    def columns(self):
        # The comment's opening words lead to it, with the row's actions beside them.
        title = self._get_title_column_class(TitleColumn)(
            "body",
            label=_("Comment"),
            accessor=lambda comment: truncatechars(comment.body, 60),
            get_url=self.get_inspect_url,
        )
        return [title, *super().columns[1:]]

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if not instance.is_hidden:
            buttons.insert(
                0,
                ButtonMenuItem(
                    _("Hide"),
                    url=reverse("consultation_hide_comment", args=[instance.pk]),
                    icon_name="view",
                    priority=1,
                ),
            )
        return buttons


class CommentInspectView(LocalTimeInspectView):
    def get_author_display_value(self):
        return author_name(self.object)

    @cached_property
    def header_buttons(self):
        if self.object.is_hidden:
            return []
        return [
            HeaderButton(
                _("Hide"),
                url=reverse("consultation_hide_comment", args=[self.object.pk]),
                icon_name="view",
            )
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            reports=self.object.reports.select_related("reporter").order_by("created_at"),
            **kwargs,
        )


class CommentViewSet(ScopedViewSet):
    model = Comment
    icon = "comment"
    menu_label = gettext_lazy("Comments")
    index_view_class = CommentIndexView
    inspect_view_enabled = True
    inspect_view_class = CommentInspectView
    inspect_template_name = "consultation/admin/comment_inspect.html"
    list_per_page = 50
    list_display = [
        "body",
        Column("topic", label=gettext_lazy("Topic")),
        Column("author", label=gettext_lazy("Author"), accessor=author_name),
        "stance",
        NumberColumn("report_count", label=gettext_lazy("Reports"), sort_key="report_count"),
        StatusFlagColumn(
            "is_hidden", label=gettext_lazy("Hidden"), true_label=gettext_lazy("Hidden")
        ),
        DateColumn("created_at", label=gettext_lazy("Written"), sort_key="created_at"),
    ]
    inspect_view_fields = [
        "topic",
        "author",
        "parent",
        "stance",
        "body",
        "created_at",
        "hidden_at",
        "hidden_by",
        "hidden_reason",
    ]


class HideCommentView(ScopedAdminView, WagtailAdminTemplateMixin, FormView):
    model = Comment  # the record its URL names
    page_title = gettext_lazy("Hide a comment")
    header_icon = "view"
    template_name = "consultation/admin/hide_comment.html"
    form_class = HideCommentForm

    def dispatch(self, request, pk):
        self.comment = get_object_or_404(
            scoped(
                Comment.objects.select_related("topic__community", "author__resident"), request.user
            ),
            pk=pk,
        )
        return super().dispatch(request, pk)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse("topic_comments:index"),
                "label": capfirst(Comment._meta.verbose_name_plural),
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_page_subtitle(self):
        return self.comment.topic.title

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            comment=self.comment,
            author=author_name(self.comment),
            reports=self.comment.reports.filter(resolved_at__isnull=True).order_by("created_at"),
            **kwargs,
        )

    def form_valid(self, form):
        if self.comment.is_hidden:
            form.add_error(None, _("This comment is already hidden."))
            return self.form_invalid(form)
        try:
            workflow.hide_comment(self.comment, self.request.user, form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        except PermissionDenied:
            raise Http404 from None
        messages.success(self.request, _("The comment is hidden."))
        return redirect("topic_comments:index")
