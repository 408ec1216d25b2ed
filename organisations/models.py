"""Social organisations (社会组织) and the people who act for them.

Organisations are plain models, not pages: they file with the street office through a form and
their life is a state machine (workflow.py). The public directory is a view over filed ones.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from communities.models import Community, Street
from communities.uploads import validate_photo

from .validators import normalise_credit_code, validate_credit_code


class Kind(models.TextChoices):
    # Registered with civil affairs (社会团体, 民办非企业单位, 基金会) holds a credit code; a group
    # filed with the street office (社区社会组织备案) has none.
    REGISTERED = "registered", _("Registered (with a unified social credit code)")
    FILED = "filed", _("Community-based, filed with the street office (备案)")


class Category(models.TextChoices):
    CULTURE = "culture", _("Culture")
    SPORT = "sport", _("Sport")
    ELDERLY_CARE = "elderly_care", _("Elderly care")
    CHILDREN = "children", _("Children and youth")
    ENVIRONMENT = "environment", _("Environment")
    VOLUNTEERING = "volunteering", _("Volunteering")
    MUTUAL_AID = "mutual_aid", _("Mutual aid")
    OTHER = "other", _("Other")


class OrganisationState(models.TextChoices):
    APPLIED = "applied", _("Filing applied for")
    RETURNED = "returned", _("Returned for changes")
    FILED = "filed", pgettext_lazy("organisation status", "Filed")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")
    DISSOLVED = "dissolved", _("Dissolved")


def logo_path(instance, filename):
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"organisations/logos/{uuid.uuid4().hex}.{extension}"


class OrganisationQuerySet(models.QuerySet):
    def filed(self):
        return self.filter(status=OrganisationState.FILED)


class Organisation(models.Model):
    street = models.ForeignKey(
        Street,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("street office filed with"),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("18 characters, on the registration certificate. Leave empty for a "
                    "community-based group filed with the street office."),
    )  # fmt: skip
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    communities = models.ManyToManyField(
        Community, related_name="organisations", verbose_name=_("communities served")
    )
    description = models.TextField(_("what the organisation does"), max_length=2000)
    member_count = models.PositiveIntegerField(
        _("number of members"), validators=[MaxValueValidator(100_000)]
    )
    contact_name = models.CharField(_("contact person"), max_length=40)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    contact_email = models.EmailField(_("contact email"), blank=True)
    logo = models.ImageField(
        _("logo"), upload_to=logo_path, blank=True, validators=[validate_photo]
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OrganisationState.choices,
        default=OrganisationState.APPLIED,
        db_index=True,
    )
    # The street office's latest word to the organisation (why it was returned, rejected,
    # suspended or dissolved): typed by the officer, shown as typed.
    decision_reason = models.TextField(_("reason given"), blank=True, max_length=2000)
    applied_at = models.DateTimeField(_("applied"), auto_now_add=True)
    filed_at = models.DateTimeField(_("filed"), null=True, blank=True)

    history = HistoricalRecords()
    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("social organisation")
        verbose_name_plural = _("social organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="organisation_unique_credit_code",
                violation_error_message=_(
                    "An organisation with this unified social credit code has already filed."
                ),
            ),
            models.UniqueConstraint(
                fields=["street", "name"],
                name="organisation_unique_name_per_street",
                violation_error_message=_(
                    "An organisation of this name has already filed with this street office."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind=Kind.FILED) | ~Q(credit_code=""),
                name="organisation_registered_has_credit_code",
                violation_error_message=_(
                    "A registered organisation needs its unified social credit code."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("organisations:detail", args=[self.pk])

    # notify(): the organisation's representatives follow everything that happens to it.
    def followers_for(self, event):
        return [representative.user for representative in self.representatives.all()]

    def notification_params(self):
        return {"name": self.name}

    def clean(self):
        super().clean()
        self.credit_code = normalise_credit_code(self.credit_code)
        if self.kind == Kind.REGISTERED and not self.credit_code:
            raise ValidationError(
                {
                    "credit_code": _(
                        "A registered organisation needs its unified social credit code."
                    )
                }
            )


class Representative(models.Model):
    """A user who acts for an organisation: files it, applies for funding, logs activities.

    A role, like staff roles: deleting the row ends the access at once.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="representatives",
        verbose_name=_("organisation"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="representations",
        verbose_name=_("user"),
    )
    since = models.DateTimeField(_("since"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("representative")
        verbose_name_plural = _("representatives")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"], name="representative_unique_per_organisation"
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.organisation}"
