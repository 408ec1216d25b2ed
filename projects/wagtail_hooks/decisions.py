"""The decision screen: the officers of a round's street award, decline or waitlist an
application in review, from the ranking table (a button per row) or the application's page.

It shows what the application requests, its place in the ranking and what the round's budget
still holds; whatever projects.decisions refuses (an award over the request or over what is
left of the budget, a missing reason) is shown on the form, with nothing changed. The decision
letter downloads from here too. Everyone else gets 404.
"""

from decimal import Decimal

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

from .. import decisions, reviews, workflow
from ..models import Application
from ..pages import MONEY


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("Funding decision"), widget=forms.RadioSelect)
    amount = forms.DecimalField(
        label=gettext_lazy("Amount awarded (yuan)"),
        required=False,
        min_value=Decimal("0.01"),
        help_text=gettext_lazy("Only for an award: at most what the application requests."),
        **MONEY,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=gettext_lazy("The organisation's representatives read it as written."),
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = choices

    def clean(self):
        cleaned = super().clean()
        missing = cleaned.get("amount") is None and "amount" not in self.errors
        if cleaned.get("decision") == "award" and missing:
            self.add_error("amount", _("Enter the amount awarded, in yuan, more than 0."))
        return cleaned


class DecideView(ScopedAdminView, WagtailAdminTemplateMixin, FormView):
    """One application of the officer's street's rounds (404 otherwise)."""

    model = Application
    header_icon = "success"
    template_name = "projects/admin/decide.html"
    form_class = DecisionForm

    def dispatch(self, request, pk):
        self.application = get_object_or_404(
            reviews.applications_run_by(
                Application.objects.with_totals().select_related("round", "organisation"),
                request.user,
            ).filter(submitted_at__isnull=False),
            pk=pk,
        )
        if workflow.OFFICER not in workflow.roles_of(request.user, self.application):
            raise Http404
        self.choices = decisions.decisions_open(self.application)
        if not self.choices:
            messages.error(
                request,
                _("This is “%(state)s”; it cannot be decided now.")
                % {"state": self.application.get_status_display()},
            )
            return redirect("applications_admin:inspect", self.application.pk)
        return super().dispatch(request, pk)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "choices": self.choices}

    def get_initial(self):
        return {"amount": self.application.requested_total}

    def get_page_title(self):
        return _("Decide on funding")

    def get_page_subtitle(self):
        return self.application.title

    def get_breadcrumbs_items(self):
        round = self.application.round
        return [
            *self.breadcrumbs_items,
            {"url": reverse("projects_review_rounds"), "label": _("Reviews and ranking")},
            {"url": reverse("projects_ranking", args=[round.pk]), "label": round.title},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        round = self.application.round
        row = next(
            (r for r in reviews.ranking(round) if r.application.pk == self.application.pk), None
        )
        return super().get_context_data(
            application=self.application,
            round=round,
            row=row,
            budget_left=decisions.budget_left(round),
            **kwargs,
        )

    def form_valid(self, form):
        action = form.cleaned_data["decision"]
        try:
            decisions.decide(
                self.application,
                action,
                self.request.user,
                reason=form.cleaned_data["reason"],
                amount=form.cleaned_data.get("amount"),
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        except PermissionDenied:
            raise Http404 from None
        messages.success(
            self.request,
            _("“%(title)s”: %(step)s.")
            % {"title": self.application.title, "step": workflow.TRANSITIONS[action].label},
        )
        return redirect("projects_ranking", self.application.round.pk)


@hooks.register("register_admin_urls")
def register_decision_urls():
    return [
        path(
            "funding-reviews/applications/<int:pk>/decide/",
            DecideView.as_view(),
            name="projects_decide",
        )
    ]
