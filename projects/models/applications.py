"""Applications to a funding round, their reviews and the decisions on them.

Plain models, not pages: organisations write applications through forms, reviewers score them,
and their life is a state machine (workflow.py). Money is Decimal yuan with two decimals, never
a float; a total shown is always the sum of its lines, computed, never stored beside them.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communities.models import Community
from communities.uploads import validate_attachment
from organisations.models import Organisation

from ..pages import MONEY, FundingRoundPage, ScoringCriterion

ZERO = Decimal("0.00")
MONEY_ZERO = Value(ZERO, output_field=DecimalField(**MONEY))


class ApplicationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SCREENING = "screening", _("Screening")
    RETURNED = "returned", _("Returned for changes")
    IN_REVIEW = "in_review", _("In review")
    AWARDED = "awarded", _("Awarded")
    DECLINED = "declined", _("Declined")
    WAITLISTED = "waitlisted", _("Waitlisted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ApplicationQuerySet(models.QuerySet):
    def with_totals(self):
        """Requested and co-funded totals, each the sum of the budget lines."""
        return self.annotate(
            requested_total=Coalesce(
                models.Subquery(
                    BudgetLine.objects.filter(application=models.OuterRef("pk"))
                    .values("application")
                    .annotate(total=Sum("requested"))
                    .values("total")
                ),
                MONEY_ZERO,
            ),
            cofunded_total=Coalesce(
                models.Subquery(
                    BudgetLine.objects.filter(application=models.OuterRef("pk"))
                    .values("application")
                    .annotate(total=Sum("cofunded"))
                    .values("total")
                ),
                MONEY_ZERO,
            ),
        )


def attachment_path(instance, filename):
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"applications/{instance.application_id}/{uuid.uuid4().hex}.{extension}"


class Application(models.Model):
    round = models.ForeignKey(
        FundingRoundPage,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("funding round"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("organisation"),
    )
    title = models.CharField(_("project title"), max_length=100)
    communities = models.ManyToManyField(
        Community, related_name="applications", verbose_name=_("communities served")
    )
    need = models.TextField(_("the need it answers"), max_length=3000)
    goals = models.TextField(_("goals"), max_length=3000)
    beneficiaries = models.CharField(_("who benefits"), max_length=200)
    beneficiary_count = models.PositiveIntegerField(
        _("how many benefit"), validators=[MaxValueValidator(1_000_000)]
    )
    activity_plan = models.TextField(_("activity plan"), max_length=5000)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ApplicationState.choices,
        default=ApplicationState.DRAFT,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    # The street office's latest word to the applicant (why returned, screened out, declined…)
    decision_reason = models.TextField(_("reason given"), max_length=2000, blank=True)
    awarded_amount = models.DecimalField(
        _("amount awarded (yuan)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        **MONEY,
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    history = HistoricalRecords()
    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(awarded_amount__isnull=True) | Q(status="awarded"),
                name="application_amount_only_when_awarded",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("projects:application", args=[self.pk])

    def followers_for(self, event):
        return [representative.user for representative in self.organisation.representatives.all()]

    def notification_params(self):
        return {"title": self.title, "round": self.round.title}

    def totals(self):
        """(requested, co-funded) as sums of the lines, for one application on its page."""
        sums = self.budget_lines.aggregate(
            requested=Coalesce(Sum("requested"), MONEY_ZERO),
            cofunded=Coalesce(Sum("cofunded"), MONEY_ZERO),
        )
        return sums["requested"], sums["cofunded"]


class BudgetLine(models.Model):
    """One line of the budget: what it costs, and how much of it the grant is asked to pay."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="budget_lines"
    )
    item = models.CharField(_("item"), max_length=100)
    unit_cost = models.DecimalField(
        _("unit cost (yuan)"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY
    )
    quantity = models.PositiveIntegerField(
        _("quantity"), validators=[MinValueValidator(1), MaxValueValidator(1_000_000)]
    )
    requested = models.DecimalField(
        _("requested (yuan)"), validators=[MinValueValidator(ZERO)], **MONEY
    )
    cofunded = models.DecimalField(
        _("co-funded (yuan)"), default=ZERO, validators=[MinValueValidator(ZERO)], **MONEY
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested__gte=0) & Q(cofunded__gte=0),
                name="budget_line_amounts_not_negative",
            ),
        ]

    def __str__(self):
        return self.item

    @property
    def cost(self):
        return self.unit_cost * self.quantity

    def clean(self):
        super().clean()
        if None in (self.unit_cost, self.quantity, self.requested, self.cofunded):
            return
        if self.requested + self.cofunded != self.cost:
            raise ValidationError(
                _("“%(item)s” costs %(cost)s yuan (%(unit)s × %(quantity)s): requested and "
                  "co-funded must add up to it.")
                % {"item": self.item, "cost": self.cost, "unit": self.unit_cost,
                   "quantity": self.quantity}
            )  # fmt: skip


class Measure(models.TextChoices):
    """How an indicator's actual value is found once the project runs (projects/figures.py)."""

    PARTICIPANTS = "participants", _("Participants, counted from the activity log")
    SESSIONS = "sessions", _("Activities held, counted from the log")
    VOLUNTEER_HOURS = "volunteer_hours", _("Volunteer hours, from the log")
    MANUAL = "manual", _("Measured by hand, with evidence")


class Indicator(models.Model):
    """What the project promises to achieve, counted later from its activity log."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="indicators"
    )
    name = models.CharField(_("indicator"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20)
    target = models.DecimalField(
        _("target"), max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    measure = models.CharField(
        _("how it is measured"), max_length=20, choices=Measure.choices, default=Measure.MANUAL
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["position", "pk"]

    def __str__(self):
        return f"{self.name} ({self.target} {self.unit})"


class ApplicationAttachment(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments"
    )
    title = models.CharField(_("title"), max_length=100)
    file = models.FileField(_("file"), upload_to=attachment_path, validators=[validate_attachment])

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.title


class Reviewer(models.Model):
    """A reviewer role is a membership of one round, like staff roles: deleting it ends it."""

    round = models.ForeignKey(FundingRoundPage, on_delete=models.CASCADE, related_name="reviewers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviewer_roles",
        verbose_name=_("reviewer"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reviewer")
        verbose_name_plural = _("reviewers")
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="reviewer_unique_per_round")
        ]

    def __str__(self):
        return f"{self.user} · {self.round}"


class Recommendation(models.TextChoices):
    FUND = "fund", _("Fund")
    FUND_WITH_CHANGES = "fund_with_changes", _("Fund with changes")
    DO_NOT_FUND = "do_not_fund", _("Do not fund")


class Review(models.Model):
    """One reviewer's assignment to one application, and once submitted, their review."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("reviewer"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    conflict_of_interest = models.BooleanField(_("conflict of interest declared"), default=False)
    conflict_note = models.CharField(_("the conflict"), max_length=300, blank=True)
    recommendation = models.CharField(
        _("recommendation"), max_length=20, choices=Recommendation.choices, blank=True
    )
    comment = models.TextField(_("overall comment"), max_length=3000, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"], name="review_one_per_reviewer"
            ),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True) | Q(conflict_of_interest=False),
                name="review_conflicted_never_submitted",
            ),
        ]

    def __str__(self):
        return f"{self.reviewer} · {self.application}"

    def get_absolute_url(self):
        return reverse("projects:review", args=[self.pk])

    def followers_for(self, event):
        return [self.reviewer]

    def notification_params(self):
        return {"title": self.application.title, "round": self.application.round.title}


class Score(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(ScoringCriterion, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(_("score (0–10)"), validators=[MaxValueValidator(10)])
    comment = models.TextField(_("comment"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="score_one_per_criterion"),
            models.CheckConstraint(condition=Q(score__lte=10), name="score_at_most_ten"),
        ]

    def __str__(self):
        return f"{self.criterion}: {self.score}"


class ResidentVote(models.Model):
    """The residents' say (居民评议) in one community served by a round's shortlist: a link from
    the round to the consultation ballot its residents vote on, one ballot per community.
    A plain model on the projects side, so consultation never knows about funding."""

    round = models.ForeignKey(
        FundingRoundPage,
        on_delete=models.PROTECT,
        related_name="resident_votes",
        verbose_name=_("funding round"),
    )
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    ballot = models.OneToOneField(
        "consultation.Ballot",
        on_delete=models.PROTECT,
        related_name="resident_vote",
        verbose_name=_("ballot"),
    )

    class Meta:
        verbose_name = _("residents' vote")
        verbose_name_plural = _("residents' votes")
        ordering = ["round", "community"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "community"], name="one_resident_vote_per_community"
            )
        ]

    def __str__(self):
        return f"{self.round} · {self.community}"

    def get_absolute_url(self):
        return reverse("projects:resident_vote", args=[self.pk])


class ResidentVoteOption(models.Model):
    """Which shortlisted application a ballot option stands for."""

    vote = models.ForeignKey(
        ResidentVote, on_delete=models.CASCADE, related_name="options", verbose_name=_("vote")
    )
    option = models.OneToOneField(
        "consultation.BallotOption",
        on_delete=models.PROTECT,
        related_name="application_link",
        verbose_name=_("ballot option"),
    )
    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        related_name="resident_vote_options",
        verbose_name=_("application"),
    )

    class Meta:
        verbose_name = _("application on a residents' vote")
        verbose_name_plural = _("applications on a residents' vote")
        constraints = [
            models.UniqueConstraint(
                fields=["vote", "application"], name="application_once_per_resident_vote"
            )
        ]

    def __str__(self):
        return str(self.application)
