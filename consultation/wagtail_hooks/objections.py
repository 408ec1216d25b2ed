"""Objections (异议) to published outcomes: staff answer each one in public, upheld or not.
Nothing is added, edited or deleted here; the answer goes through outcomes.answer_objection."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
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
from wagtail.admin.ui.tables import Column, StatusFlagColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton

from communities.scoping import ScopedAdminView

from .. import outcomes
from ..admin_forms import AnswerObjectionForm
from ..models import Objection
from .comments import author_name
from .common import (
    LocalTimeInspectView,
    ScopedViewSet,
    YesNoFilter,
    community_choices,
    local_datetime,
    scoped,
)


class ObjectionFilterSet(WagtailFilterSet):
    community = ModelChoiceFilter(
        label=gettext_lazy("Community"), queryset=community_choices, field_name="topic__community"
    )
    unanswered = YesNoFilter(label=gettext_lazy("Unanswered"), method="filter_unanswered")

    class Meta:
        model = Objection
        fields = []

    def filter_unanswered(self, queryset, name, value):
        return queryset.filter(answered_at__isnull=value == "true")


def upheld_display(objection):
    if objection.answered_at is None:
        return ""
    return _("Upheld") if objection.upheld else _("Not upheld")


def answer_url(objection):
    return reverse("consultation_answer_objection", args=[objection.pk])


class ObjectionIndexView(generic.IndexView):
    filterset_class = ObjectionFilterSet

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("topic", "author__resident")

    def order_queryset(self, queryset):
        if self.is_explicitly_ordered:
            return super().order_queryset(queryset)
        # The unanswered ones first, oldest on top: residents are waiting for them.
        return queryset.order_by(
            Case(
                When(answered_at__isnull=True, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            "created_at",
            "pk",
        )

    @cached_property
    def columns(self):
        title = self._get_title_column_class(TitleColumn)(
            "body",
            label=_("Objection"),
            accessor=lambda objection: truncatechars(objection.body, 60),
            get_url=self.get_inspect_url,
        )
        return [title, *super().columns[1:]]

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.answered_at is None:
            buttons.insert(
                0, ButtonMenuItem(_("Answer"), url=answer_url(instance), icon_name="edit")
            )
        return buttons


class ObjectionInspectView(LocalTimeInspectView):
    def get_author_display_value(self):
        return author_name(self.object)

    def get_upheld_display_value(self):
        return upheld_display(self.object) or "—"

    @cached_property
    def header_buttons(self):
        if self.object.answered_at is not None:
            return []
        return [HeaderButton(_("Answer"), url=answer_url(self.object), icon_name="edit")]


class ObjectionViewSet(ScopedViewSet):
    model = Objection
    icon = "warning"
    menu_label = gettext_lazy("Objections")
    index_view_class = ObjectionIndexView
    inspect_view_enabled = True
    inspect_view_class = ObjectionInspectView
    list_per_page = 50
    list_display = [
        "body",
        Column("topic", label=gettext_lazy("Topic")),
        Column("author", label=gettext_lazy("Author"), accessor=author_name),
        Column(
            "created_at",
            label=gettext_lazy("Filed"),
            accessor=local_datetime("created_at"),
            sort_key="created_at",
        ),
        StatusFlagColumn(
            "answered",
            label=gettext_lazy("Answered"),
            accessor=lambda objection: objection.answered_at is not None,
            true_label=gettext_lazy("Answered"),
            false_label=gettext_lazy("Unanswered"),
        ),
        Column("upheld", label=gettext_lazy("Upheld"), accessor=upheld_display),
    ]
    inspect_view_fields = [
        "topic",
        "author",
        "body",
        "created_at",
        "answer",
        "upheld",
        "answered_by",
        "answered_at",
    ]


class AnswerObjectionView(ScopedAdminView, WagtailAdminTemplateMixin, FormView):
    model = Objection  # the record its URL names
    page_title = gettext_lazy("Answer an objection")
    header_icon = "warning"
    template_name = "consultation/admin/answer_objection.html"
    form_class = AnswerObjectionForm

    def dispatch(self, request, pk):
        self.objection = get_object_or_404(
            scoped(
                Objection.objects.select_related("topic__community", "author__resident"),
                request.user,
            ),
            pk=pk,
        )
        if self.objection.answered_at is not None:
            messages.error(request, _("This objection has been answered already."))
            return redirect("objections:inspect", self.objection.pk)
        return super().dispatch(request, pk)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse("objections:index"),
                "label": capfirst(Objection._meta.verbose_name_plural),
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_page_subtitle(self):
        return self.objection.topic.title

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            objection=self.objection, author=author_name(self.objection), **kwargs
        )

    def form_valid(self, form):
        try:
            outcomes.answer_objection(
                self.objection,
                self.request.user,
                answer=form.cleaned_data["answer"],
                upheld=form.cleaned_data["upheld"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        except PermissionDenied:
            raise Http404 from None
        if form.cleaned_data["upheld"]:
            messages.success(
                self.request,
                _(
                    "The objection is upheld and answered. Send the topic back to deliberation "
                    "from its page."
                ),
            )
            return redirect("topics:inspect", self.objection.topic_id)
        messages.success(self.request, _("The objection is answered; the objector is told."))
        return redirect("objections:index")
