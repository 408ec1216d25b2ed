"""After the decision: progress while it is carried out (落实), and residents' ratings of how
well it was carried out (评议). Objections during the notice period (异议) are the shared
public-notice mechanism's (communities.models.Objection, communities/notices.py).

The published outcome itself is a Wagtail page (consultation/pages.py): staff write it, it may
go through an approval workflow, and it has a public address that the printed notice's QR code
points to.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communities.models import Resident
from communities.uploads import validate_photo

from .topics import Topic


def progress_photo_path(instance, filename):
    return f"progress/{instance.update.topic_id}/{filename}"


class ProgressUpdate(models.Model):
    """落实: what was done, how far along it is, with photos."""

    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="progress_updates", verbose_name=_("topic")
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    percent = models.PositiveSmallIntegerField(
        _("percent complete"), validators=[MaxValueValidator(100)]
    )
    text = models.TextField(_("what was done"), max_length=2000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(percent__lte=100), name="progress_is_a_percentage")
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} · {self.percent}%"


class ProgressPhoto(models.Model):
    update = models.ForeignKey(
        ProgressUpdate, on_delete=models.CASCADE, related_name="photos", verbose_name=_("update")
    )
    image = models.ImageField(
        _("photo"), upload_to=progress_photo_path, validators=[validate_photo]
    )

    class Meta:
        verbose_name = _("progress photo")
        verbose_name_plural = _("progress photos")
        ordering = ["pk"]

    def __str__(self):
        return self.image.name.rsplit("/", 1)[-1]


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class Rating(models.Model):
    """评议: one verified resident's judgement of how an outcome was carried out, once."""

    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("topic")
    )
    # PROTECT: the published satisfaction rate is computed from these rows; deleting a
    # resident must not change it. Closing an account anonymises the resident instead.
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="+", verbose_name=_("resident")
    )
    rating = models.CharField(_("rating"), max_length=20, choices=Satisfaction.choices)
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("rated at"), default=timezone.now)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "resident"], name="one_rating_per_resident")
        ]

    def __str__(self):
        return self.get_rating_display()


def satisfaction_of(ratings):
    """(satisfied + basically satisfied) / all ratings, as a percentage; None without ratings.

    `ratings` is a queryset of Rating rows (one topic's, or a community's recent outcomes').
    """
    counts = ratings.aggregate(
        total=models.Count("pk"),
        positive=models.Count("pk", filter=~Q(rating=Satisfaction.DISSATISFIED)),
    )
    if not counts["total"]:
        return {"rate": None, "count": 0}
    return {"rate": round(100 * counts["positive"] / counts["total"], 1), "count": counts["total"]}
