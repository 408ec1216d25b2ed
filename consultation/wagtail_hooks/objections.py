"""Objections (异议) to every decision on public notice — a topic's outcome, a funding round's
awards: staff answer each one in public, upheld or not. Community staff see their community's,
street officers their street's (its communities' and its rounds'). Nothing is added, edited or
deleted here; the answer goes through communities.notices.answer_objection."""

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

from communities import notices
from communities.scoping import ScopedAdminView

from ..admin_forms import AnswerObjectionForm
from ..models import Objection
from .comments import author_name
from .common import (
    LocalTimeInspectView,
    ScopedViewSet,
    YesNoFilter,
    community_choices,
    local_datetime,
)


def scoped(queryset, user):
    return notices.notices_in_scope(queryset, user)


class ObjectionFilterSet(WagtailFilterSet):
    community = ModelChoiceFilter(
        label=gettext_lazy("Community"), queryset=community_choices, field_name="notice__community"
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
    return reverse("answer_objection", args=[objection.pk])


def subject_display(objection):
    return str(objection.notice.subject)


class ObjectionIndexView(generic.IndexView):
    filterset_class = ObjectionFilterSet

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("notice", "author__resident")
            .prefetch_related("notice__subject")
        )

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

    def get_notice_display_value(self):
        notice = self.object.notice
        return f"{notice.subject} · {notice}"

    def get_upheld_display_value(self):
        return upheld_display(self.object) or "—"

    @cached_property
    def header_buttons(self):
        if self.object.answered_at is not None:
            return []
        return [HeaderButton(_("Answer"), url=answer_url(self.object), icon_name="edit")]


class ObjectionViewSet(ScopedViewSet):
    model = Objection
    scope = staticmethod(scoped)
    icon = "warning"
    menu_label = gettext_lazy("Objections")
    index_view_class = ObjectionIndexView
    inspect_view_enabled = True
    inspect_view_class = ObjectionInspectView
    list_per_page = 50
    list_display = [
        "body",
        Column("notice", label=gettext_lazy("On notice"), accessor=subject_display),
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
        "notice",
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
    template_name = "communities/admin/answer_objection.html"
    form_class = AnswerObjectionForm

    def dispatch(self, request, pk):
        self.objection = get_object_or_404(
            scoped(
                Objection.objects.select_related("notice", "author__resident"),
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
        return str(self.subject)

    @cached_property
    def subject(self):
        return notices.rules_for(self.objection.notice.subject)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            objection=self.objection,
            subject=self.subject,
            author=author_name(self.objection),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            notices.answer_objection(
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
            # What comes next is the subject's: a topic goes back to deliberation, a round's
            # decisions are reopened.
            messages.success(self.request, self.subject.upheld_next_step())
            return redirect(self.subject.notice_admin_url())
        messages.success(self.request, _("The objection is answered; the objector is told."))
        return redirect("objections:index")
