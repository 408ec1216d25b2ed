"""Funded projects: what an award turns into, and the record it keeps as it goes.

以项目代台账: a project records its activities as they happen (and residents sign in to them
and rate them by scanning the activity's QR code), its expenses against the budget lines, and
manual readings for indicators the log cannot count. Every figure, report and ledger is computed
from these rows (projects/figures.py), never typed a second time. Plain models, not pages: the
public project page is a view over them.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communities.models import Community
from communities.uploads import validate_attachment, validate_photo
from consultation.models import Satisfaction

from ..pages import MONEY, EvaluationCriterion
from .applications import ZERO, Application, BudgetLine, Indicator


class ProjectState(models.TextChoices):
    ACTIVE = "active", _("Under way")
    MIDTERM_EVALUATED = "midterm_evaluated", _("Mid-term evaluated")
    FINAL_EVALUATED = "final_evaluated", _("Final evaluated")
    CLOSED = "closed", _("Closed")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class Project(models.Model):
    """An award carried out: the street office starts it from a final award with its period and
    the tranches it pays at each milestone (projects/workflow/delivery.py)."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="project", verbose_name=_("award")
    )
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ProjectState.choices,
        default=ProjectState.ACTIVE,
        db_index=True,
    )
    # Set once, by rule, when the final evaluation is completed (projects/evaluation.py).
    final_score = models.DecimalField(
        _("final score"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    grade = models.CharField(_("grade"), max_length=20, choices=Grade.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("started in the system"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("funded project")
        verbose_name_plural = _("funded projects")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="project_ends_after_start"
            ),
        ]

    def __str__(self):
        return self.application.title

    def get_absolute_url(self):
        return reverse("projects:project", args=[self.pk])

    @property
    def title(self):
        return self.application.title

    @property
    def organisation(self):
        return self.application.organisation

    @property
    def round(self):
        return self.application.round

    @property
    def amount(self):
        return self.application.awarded_amount

    def followers_for(self, event):
        return [r.user for r in self.application.organisation.representatives.all()]

    def notification_params(self):
        return {"title": self.title, "round": self.round.title}

    def covers(self, day):
        return self.starts_on <= day <= self.ends_on


class Milestone(models.Model):
    """A point in the agreement where a tranche of the grant is paid (分期拨付)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=100)
    due_on = models.DateField(_("due"))
    tranche = models.DecimalField(
        _("tranche paid (yuan)"), validators=[MinValueValidator(ZERO)], **MONEY
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_on", "position", "pk"]

    def __str__(self):
        return self.title


def activity_photo_path(instance, filename):
    return f"activities/{instance.activity_id}/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1]}"


def evidence_path(instance, filename):
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"projects/{instance.project_id}/{uuid.uuid4().hex}.{extension}"


class Activity(models.Model):
    """One thing the project did, recorded on the day: the line a ledger used to be typed from.

    `participants_offline` counts only people who could not sign in by phone; everyone else is
    a SignIn row, so the figures can say which number was counted and which was typed."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="activities")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="activities", verbose_name=_("community")
    )
    held_on = models.DateField(_("date"), db_index=True)
    title = models.CharField(_("what was done"), max_length=100)
    place = models.CharField(_("place"), max_length=100)
    participants_offline = models.PositiveIntegerField(
        _("participants without a phone"),
        default=0,
        validators=[MaxValueValidator(100_000)],
        help_text=_("Only people who did not sign in by scanning the code; sign-ins are counted."),
    )
    volunteers = models.PositiveIntegerField(
        _("volunteers"), default=0, validators=[MaxValueValidator(10_000)]
    )
    volunteer_hours = models.DecimalField(
        _("volunteer hours"),
        max_digits=8,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100000"))],
    )
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    indicators = models.ManyToManyField(
        Indicator, blank=True, related_name="activities", verbose_name=_("indicators it serves")
    )
    # The QR code's secret: whoever holds the printed code may sign in and leave feedback.
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(volunteer_hours__gte=0), name="activity_hours_not_negative"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("projects:project", args=[self.project_id]) + f"#activity-{self.pk}"


class ActivityPhoto(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(
        _("photo"), upload_to=activity_photo_path, validators=[validate_photo]
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.image.name.rsplit("/", 1)[-1]


class SignIn(models.Model):
    """签到: one person at one activity, by scanning its code. A signed-in resident once; a
    guest once per device (a cookie), and counted as unverified."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="sign_ins")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    device = models.CharField(max_length=64, blank=True)
    verified = models.BooleanField(_("verified resident"), default=False)
    created_at = models.DateTimeField(_("signed in"), auto_now_add=True)

    class Meta:
        verbose_name = _("sign-in")
        verbose_name_plural = _("sign-ins")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "user"],
                condition=Q(user__isnull=False),
                name="sign_in_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["activity", "device"],
                condition=Q(user__isnull=True),
                name="sign_in_once_per_guest_device",
            ),
        ]

    def __str__(self):
        return f"{self.activity} · {self.created_at:%Y-%m-%d %H:%M}"


class Feedback(models.Model):
    """A resident's word on one activity, after it: verified residents once each; guests once
    per device, and shown as unverified in every figure."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    device = models.CharField(max_length=64, blank=True)
    verified = models.BooleanField(_("verified resident"), default=False)
    rating = models.CharField(_("rating"), max_length=20, choices=Satisfaction.choices)
    comment = models.TextField(_("comment"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("given"), auto_now_add=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "user"],
                condition=Q(user__isnull=False),
                name="feedback_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["activity", "device"],
                condition=Q(user__isnull=True),
                name="feedback_once_per_guest_device",
            ),
        ]

    def __str__(self):
        return self.get_rating_display()


class IndicatorReading(models.Model):
    """The value of an indicator the log cannot count (a manual measure), with its evidence.
    The latest reading is the indicator's actual value."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="readings")
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="readings", verbose_name=_("indicator")
    )
    value = models.DecimalField(
        _("value"), max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    evidence = models.FileField(
        _("evidence"), upload_to=evidence_path, validators=[validate_attachment]
    )
    note = models.CharField(_("how it was measured"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator reading")
        verbose_name_plural = _("indicator readings")
        ordering = ["-recorded_at", "-pk"]

    def __str__(self):
        return f"{self.indicator.name}: {self.value}"


class Expense(models.Model):
    """Money spent from the grant, against one line of the awarded budget, with its receipt."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="expenses")
    budget_line = models.ForeignKey(
        BudgetLine, on_delete=models.PROTECT, related_name="expenses", verbose_name=_("budget line")
    )
    spent_on = models.DateField(_("date"))
    amount = models.DecimalField(
        _("amount (yuan)"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY
    )
    description = models.CharField(_("what it paid for"), max_length=200)
    receipt = models.FileField(
        _("receipt"), upload_to=evidence_path, validators=[validate_attachment]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        ordering = ["-spent_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="expense_amount_positive"),
        ]

    def __str__(self):
        return f"{self.description} · {self.amount}"


class EvaluationStage(models.TextChoices):
    MIDTERM = "midterm", _("Mid-term evaluation")
    FINAL = "final", _("Final evaluation")


class Evaluation(models.Model):
    """One evaluator's assignment to one stage of a project, and once submitted, their scores.
    Evaluators are the round's reviewers (experts), assigned by the street office."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="evaluations")
    stage = models.CharField(_("stage"), max_length=20, choices=EvaluationStage.choices)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="evaluations",
        verbose_name=_("evaluator"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(_("overall comment"), max_length=3000, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["stage", "assigned_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "stage", "evaluator"], name="evaluation_one_per_evaluator"
            ),
        ]

    def __str__(self):
        return f"{self.project} · {self.get_stage_display()} · {self.evaluator}"

    def get_absolute_url(self):
        return reverse("projects:evaluation", args=[self.pk])

    def followers_for(self, event):
        return [self.evaluator]

    def notification_params(self):
        return {"title": self.project.title, "round": self.project.round.title}


class EvaluationScore(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(EvaluationCriterion, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(_("score (0–10)"), validators=[MaxValueValidator(10)])
    comment = models.TextField(_("comment"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("evaluation score")
        verbose_name_plural = _("evaluation scores")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "criterion"], name="evaluation_score_one_per_criterion"
            ),
            models.CheckConstraint(condition=Q(score__lte=10), name="evaluation_score_max_ten"),
        ]

    def __str__(self):
        return f"{self.criterion}: {self.score}"


class ReportKind(models.TextChoices):
    PROJECT = "project", _("Project report")
    LEDGER = "ledger", _("Community ledger")


class GeneratedReport(models.Model):
    """A report built in the background: a project's report or a community's ledger for a
    period. What it covers is stored (kind, subject, period, categories) so the file can be
    rebuilt; staff follow its progress on its page and download it when done."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("report"), max_length=20, choices=ReportKind.choices)
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    period_start = models.DateField(_("from"), null=True, blank=True)
    period_end = models.DateField(_("to"), null=True, blank=True)
    categories = models.JSONField(_("what it covers"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    steps_total = models.PositiveIntegerField(default=0)
    steps_done = models.PositiveIntegerField(default=0)
    # Kept in the database, not in media storage (which the proxy serves to anyone holding the
    # address): a ledger is the street office's working document until it chooses to share it.
    pdf = models.BinaryField(blank=True, editable=False)
    error = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=10, default="zh-hans")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("generated report")
        verbose_name_plural = _("generated reports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="project", project__isnull=False)
                | Q(kind="ledger", community__isnull=False),
                name="report_has_its_subject",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.created_at:%Y-%m-%d}"

    @property
    def percent(self):
        if not self.steps_total:
            return 0
        return min(100, round(100 * self.steps_done / self.steps_total))
