"""公示 of a round's awards, from the ranking screen: the street office publishes the decided
list for a notice period, and after an upheld objection reopens the decisions. Objections are
answered on the one objections screen (consultation/wagtail_hooks/objections.py). Officers of
another street get 404; whatever projects.awards refuses is shown, with nothing changed.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from communities.scoping import ScopedAdminView

from .. import awards, reviews
from ..pages import FundingRoundPage


class PublishAwardsForm(forms.Form):
    days = forms.IntegerField(
        label=gettext_lazy("Notice period (days)"),
        min_value=1,
        max_value=30,
        help_text=gettext_lazy(
            "公示期: residents and applicants may object during these days; the awards become "
            "final when it ends with every objection answered."
        ),
    )


class RoundNoticeScreen(ScopedAdminView, WagtailAdminTemplateMixin):
    """A screen on one round of the officer's street; 404 for any other."""

    model = FundingRoundPage
    header_icon = "warning"

    def dispatch(self, request, pk):
        self.round = get_object_or_404(
            reviews.rounds_run_by(FundingRoundPage.objects.select_related("street"), request.user),
            pk=pk,
        )
        return super().dispatch(request, pk)

    def get_page_subtitle(self):
        return self.round.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("projects_review_rounds"), "label": _("Reviews and ranking")},
            {"url": reverse("projects_ranking", args=[self.round.pk]), "label": self.round.title},
            {"url": "", "label": self.get_page_title()},
        ]


class PublishAwardsView(RoundNoticeScreen, FormView):
    template_name = "projects/admin/publish_awards.html"
    form_class = PublishAwardsForm

    def get_page_title(self):
        return _("Publish the awards for public notice")

    def get_initial(self):
        return {"days": self.round.notice_days or awards.NOTICE_DAYS}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            round=self.round,
            awards=awards.award_list(self.round),
            pending=awards.pending_applications(self.round).count(),
            locked=awards.decisions_locked(self.round),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            notice = awards.publish_awards(self.round, self.request.user, form.cleaned_data["days"])
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        except PermissionDenied:
            raise Http404 from None
        messages.success(
            self.request,
            _("The awards are on public notice until %(ends)s; the applicants are told.")
            % {"ends": awards._when(notice.ends_at)},
        )
        return redirect("projects_ranking", self.round.pk)


class ReopenDecisionsView(RoundNoticeScreen, FormView):
    template_name = "projects/admin/reopen_decisions.html"
    form_class = forms.Form

    def get_page_title(self):
        return _("Reopen the decisions")

    def get_context_data(self, **kwargs):
        return super().get_context_data(round=self.round, **kwargs)

    def form_valid(self, form):
        try:
            awards.reopen_decisions(self.round, self.request.user)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        except PermissionDenied:
            raise Http404 from None
        messages.success(
            self.request,
            _("The notice has ended without the awards becoming final: decide again, then "
              "publish the awards again."),
        )  # fmt: skip
        return redirect("projects_ranking", self.round.pk)


@hooks.register("register_admin_urls")
def register_awards_notice_urls():
    return [
        path(
            "funding-reviews/rounds/<int:pk>/publish-awards/",
            PublishAwardsView.as_view(),
            name="projects_publish_awards",
        ),
        path(
            "funding-reviews/rounds/<int:pk>/reopen-decisions/",
            ReopenDecisionsView.as_view(),
            name="projects_reopen_decisions",
        ),
    ]
