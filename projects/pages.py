"""A funding round (公益创投) as a Wagtail page.

A page, not a plain record, because the street office writes its rules as editorial text,
publishes it on a date, and organisations need a stable public address to read and share.
Publishing the page announces the round; applications open at its opening time.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page

from communities.models import Street
from organisations.models import Category

from .page_rights import RoundPermissionTester, default_street, street_refusal

MONEY = {"max_digits": 12, "decimal_places": 2}
MIN_MONEY = MinValueValidator(Decimal("0.01"))


class FundingRoundForm(WagtailAdminPageForm):
    eligible_categories = forms.MultipleChoiceField(
        label=_("Eligible categories"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Organisations of these categories may apply; none chosen: all may."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A street officer's rounds are their own street's (projects/page_rights.py).
        street = default_street(self.for_user)
        if street is not None and "street" in self.fields and not self.instance.street_id:
            self.initial["street"] = street.pk

    def clean_street(self):
        street = self.cleaned_data.get("street")
        refusal = street_refusal(self.for_user, street)
        if refusal:
            raise ValidationError(refusal)
        return street

    def clean(self):
        cleaned = super().clean()
        criteria = self.formsets.get("criteria")
        if criteria is None or not criteria.is_valid():
            return cleaned
        kept = [
            form.cleaned_data
            for form in criteria.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        total = sum(row.get("weight") or 0 for row in kept)
        total += cleaned.get("residents_say_weight") or 0
        if total != 100:
            self.add_error(
                None,
                _("The criteria's weights and the residents' vote add up to %(total)s%%; "
                  "they must add up to 100%%.") % {"total": total},
            )  # fmt: skip
        self._check_evaluation_weights()
        return cleaned

    def _check_evaluation_weights(self):
        sheet = self.formsets.get("evaluation_criteria")
        if sheet is None or not sheet.is_valid():
            return
        weights = [
            form.cleaned_data.get("weight") or 0
            for form in sheet.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if weights and sum(weights) != 100:
            self.add_error(
                None,
                _("The evaluation criteria's weights add up to %(total)s%%; they must add up "
                  "to 100%%.") % {"total": sum(weights)},
            )  # fmt: skip


class FundingRoundPage(Page):
    street = models.ForeignKey(
        Street,
        on_delete=models.PROTECT,
        related_name="funding_rounds",
        verbose_name=_("street office running the round"),
    )
    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    rules = RichTextField(_("rules"), blank=True)
    total_budget = models.DecimalField(_("total budget (yuan)"), validators=[MIN_MONEY], **MONEY)
    grant_ceiling = models.DecimalField(
        _("most one application may request (yuan)"), validators=[MIN_MONEY], **MONEY
    )
    opens_at = models.DateTimeField(_("applications open"))
    closes_at = models.DateTimeField(_("applications close"))
    review_ends_on = models.DateField(_("review ends"))
    announced_on = models.DateField(_("awards announced"))
    eligible_categories = models.JSONField(
        _("eligible categories"),
        default=list,
        blank=True,
        help_text=_("Organisations of these categories may apply; none chosen: all may."),
    )
    residents_say_weight = models.PositiveSmallIntegerField(
        _("weight of the residents' vote (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_(
            "0: no residents' vote. Otherwise verified residents of the communities an "
            "application serves vote on the shortlist, and the result counts as one criterion "
            "with this weight beside the reviewers' scores."
        ),
    )
    notice_days = models.PositiveSmallIntegerField(
        _("notice period of the awards (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("street"),
        FieldPanel("intro"),
        FieldPanel("rules"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("total_budget"), FieldPanel("grant_ceiling")])],
            heading=_("Money"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
                FieldRowPanel([FieldPanel("review_ends_on"), FieldPanel("announced_on")]),
            ],
            heading=_("Dates"),
        ),
        FieldPanel("eligible_categories"),
        InlinePanel("criteria", heading=_("Scoring criteria"), min_num=1),
        InlinePanel("evaluation_criteria", heading=_("Evaluation criteria of funded projects")),
        MultiFieldPanel(
            [FieldPanel("residents_say_weight"), FieldPanel("notice_days")],
            heading=_("Residents' say and public notice"),
        ),
    ]
    base_form_class = FundingRoundForm
    parent_page_types = ["home.HomePage"]
    subpage_types = []
    template = "projects/funding_round_page.html"

    class Meta:
        verbose_name = _("funding round")
        verbose_name_plural = _("funding rounds")

    def clean(self):
        super().clean()
        errors = {}
        if self.grant_ceiling and self.total_budget and self.grant_ceiling > self.total_budget:
            errors["grant_ceiling"] = _("The ceiling cannot be more than the round's budget.")
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors["closes_at"] = _("Applications must close after they open.")
        closing_day = timezone.localdate(self.closes_at) if self.closes_at else None
        if closing_day and self.review_ends_on and self.review_ends_on < closing_day:
            errors["review_ends_on"] = _("Review ends after applications close.")
        if self.review_ends_on and self.announced_on and self.announced_on < self.review_ends_on:
            errors["announced_on"] = _("Awards are announced after the review ends.")
        unknown = set(self.eligible_categories or []) - set(Category.values)
        if unknown:
            errors["eligible_categories"] = _("Unknown categories: %(names)s") % {
                "names": ", ".join(sorted(unknown))
            }
        if errors:
            raise ValidationError(errors)

    def get_context(self, request, *args, **kwargs):
        """The round for everyone; for a representative also their organisations (with why
        one may not apply) and their applications to it."""
        from organisations.permissions import represented_by

        from .permissions import applications_of_representative, refusal_to_apply

        context = super().get_context(request, *args, **kwargs)
        now = timezone.now()
        organisations = represented_by(request.user).prefetch_related("communities")
        context.update(
            is_open=self.is_open(now),
            not_yet_open=now < self.opens_at,
            categories=[Category(value).label for value in self.eligible_categories or []],
            criteria=list(self.criteria.all()),
            organisations=[(o, refusal_to_apply(o, self)) for o in organisations],
            my_applications=applications_of_representative(request.user)
            .filter(round=self)
            .select_related("organisation"),
        )
        return context

    def permissions_for_user(self, user):
        """Officers of the round's street edit and publish it (projects/page_rights.py)."""
        return RoundPermissionTester(user, self)

    def is_open(self, now=None):
        now = now or timezone.now()
        return self.live and self.opens_at <= now < self.closes_at

    def accepts_category(self, category):
        return not self.eligible_categories or category in self.eligible_categories


class WeightedCriterion(Orderable):
    """One line of a scoring sheet: scored 0–10, weighted in percent."""

    name = models.CharField(_("criterion"), max_length=80)
    weight = models.PositiveSmallIntegerField(
        _("weight (%)"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    guidance = models.TextField(_("guidance for reviewers"), max_length=1000, blank=True)

    panels = [FieldRowPanel([FieldPanel("name"), FieldPanel("weight")]), FieldPanel("guidance")]

    class Meta(Orderable.Meta):
        abstract = True

    def __str__(self):
        return f"{self.name} ({self.weight}%)"


class ScoringCriterion(WeightedCriterion):
    """A line of the reviewers' sheet: the weights of a round add up to 100 (the residents'
    vote, if any, takes its share of them)."""

    round = ParentalKey(FundingRoundPage, on_delete=models.CASCADE, related_name="criteria")

    class Meta(WeightedCriterion.Meta):
        verbose_name = _("scoring criterion")
        verbose_name_plural = _("scoring criteria")


class EvaluationCriterion(WeightedCriterion):
    """A line of the evaluators' sheet for the round's funded projects, mid-term and final:
    the same shape as the reviewers' sheet, its weights adding up to 100 on their own."""

    round = ParentalKey(
        FundingRoundPage, on_delete=models.CASCADE, related_name="evaluation_criteria"
    )

    class Meta(WeightedCriterion.Meta):
        verbose_name = _("evaluation criterion")
        verbose_name_plural = _("evaluation criteria")
