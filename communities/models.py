"""People and places: the street, its communities and grids, households and the residents in them.

These are plain models managed in the Wagtail admin (not pages): they are records staff keep,
not editorial content. Each keeps its history (django-simple-history) with the acting user.
"""

import re

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ActiveQuerySet(models.QuerySet):
    """Places that records depend on are deactivated, never deleted; new choices skip them."""

    def active(self):
        return self.filter(is_active=True)


class Street(models.Model):
    """街道: the street office, one level above communities."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Community(models.Model):
    """社区: the unit residents belong to and where consultation happens."""

    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="communities", verbose_name=_("street")
    )
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    address = models.CharField(_("office address"), max_length=200, blank=True)
    phone = models.CharField(_("office phone"), max_length=40, blank=True)
    office_hours = models.CharField(_("office hours"), max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["street__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "name"], name="community_name_unique_in_street"
            )
        ]

    def __str__(self):
        return self.name


CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
                  "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000}
NUMERAL = re.compile(r"\d+|[零〇一二两三四五六七八九十百千]+")


def number_in_name(name):
    """The first number in a name, Arabic or Chinese (第三网格 → 3, 第十二网格 → 12), or None.

    Names sort by their characters, which puts 第三 before 第二; the number is their real order.
    """
    match = NUMERAL.search(name or "")
    if match is None:
        return None
    numeral = match.group()
    if numeral.isdigit():
        return int(numeral)
    total, digit = 0, None
    for char in numeral:
        if char in CHINESE_UNITS:
            total += (1 if digit is None else digit) * CHINESE_UNITS[char]
            digit = None
        else:
            # Runs of digits without units (二〇二四) read as a written-out number.
            digit = CHINESE_DIGITS[char] if digit is None else digit * 10 + CHINESE_DIGITS[char]
    return total + (digit or 0)


class Grid(models.Model):
    """网格: a few hundred households looked after by one grid worker."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="grids", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=60)
    worker_name = models.CharField(_("grid worker"), max_length=60, blank=True)
    worker_phone = models.CharField(_("grid worker's phone"), max_length=40, blank=True)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Grids are never deleted once households or topics refer to them; "
                    "an inactive grid is no longer offered to residents."),
    )  # fmt: skip
    # Taken from the name on every save, so a renamed grid moves to its place with no form.
    number = models.PositiveIntegerField(_("number"), default=0, editable=False)

    objects = ActiveQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["community", "number", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"], name="grid_name_unique_in_community"
            )
        ]

    def __str__(self):
        return f"{self.community.name} · {self.name}"

    def save(self, *args, **kwargs):
        self.number = number_in_name(self.name) or 0
        super().save(*args, **kwargs)


class Household(models.Model):
    """户: one address in a community; 每户一票 (one vote per household) counts these."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="households", verbose_name=_("community")
    )
    # PROTECT: moving households out of a grid is a decision staff make, not a side effect
    # of deleting the grid.
    grid = models.ForeignKey(
        Grid,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="households",
        verbose_name=_("grid"),
    )
    address = models.CharField(_("address"), max_length=200)
    register_number = models.CharField(
        _("register number"),
        max_length=40,
        blank=True,
        help_text=_("The household's number in the community's household register (户号)."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("A household that residents, votes or topics refer to is never deleted; "
                    "an inactive one is no longer offered when verifying residents."),
    )  # fmt: skip

    objects = ActiveQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["community", "address"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "address"], name="household_address_unique_in_community"
            ),
            models.UniqueConstraint(
                fields=["community", "register_number"],
                condition=~Q(register_number=""),
                name="household_register_number_unique_in_community",
            ),
        ]

    def __str__(self):
        return self.address

    def clean(self):
        super().clean()
        if self.grid_id and self.community_id and self.grid.community_id != self.community_id:
            raise ValidationError({"grid": _("The grid must belong to the household's community.")})


class RegisteredMember(models.Model):
    """A person listed for a household in the imported register (户籍/实有人口登记).

    Not an account: staff verify a resident "against the register" when the resident's
    name and phone match a member listed here.
    """

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name=_("household")
    )
    name = models.CharField(_("name"), max_length=60)
    relation = models.CharField(_("relation to head of household"), max_length=30, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("registered member")
        verbose_name_plural = _("registered members")
        ordering = ["household", "id"]

    def __str__(self):
        return self.name


class VerificationMethod(models.TextChoices):
    IN_PERSON = "in_person", _("In person, with an identity document")
    HOUSEHOLD_REGISTER = "register", _("Against the household register")


class Resident(models.Model):
    """The resident profile of a user account: where they live and whether staff verified it.

    Only a verified resident may support topics, vote or evaluate; verification records who
    verified, when and how, so the paper sign-off sheet is never needed.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="resident",
        verbose_name=_("user"),
    )
    real_name = models.CharField(_("real name"), max_length=60, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("community"),
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("household"),
    )
    stated_address = models.CharField(
        _("address as given by the resident"), max_length=200, blank=True
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verification_method = models.CharField(
        _("verification method"), max_length=20, choices=VerificationMethod.choices, blank=True
    )
    closed_at = models.DateTimeField(
        _("account closed at"),
        null=True,
        blank=True,
        help_text=_("Set when the resident closed their account: their name, phone and address "
                    "are erased, what they did in the community still counts."),
    )  # fmt: skip

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["community", "real_name"]
        constraints = [
            # A verified resident always has a household, a verifier and a method.
            models.CheckConstraint(
                condition=Q(verified_at__isnull=True)
                | Q(household__isnull=False, verified_by__isnull=False)
                & ~Q(verification_method=""),
                name="verified_resident_is_complete",
            ),
        ]

    def __str__(self):
        if self.closed_at:
            return str(_("Closed account"))
        return self.real_name or self.user.email

    @property
    def is_verified(self):
        return self.verified_at is not None


class Role(models.TextChoices):
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    STREET_OFFICER = "street_officer", _("Street officer")


class Membership(models.Model):
    """A role held in a place: community staff of one community, street officer of one street.

    Roles are memberships, never global flags, so every staff screen filters by them.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("community"),
    )
    street = models.ForeignKey(
        Street,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("street"),
    )
    title = models.CharField(_("job title"), max_length=60, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role membership")
        verbose_name_plural = _("role memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(role="community_staff", community__isnull=False, street__isnull=True)
                | Q(role="street_officer", street__isnull=False, community__isnull=True),
                name="membership_place_matches_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "community"],
                condition=Q(community__isnull=False),
                name="membership_unique_community_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "street"],
                condition=Q(street__isnull=False),
                name="membership_unique_street_role",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.community or self.street}"


class NotificationFrequency(models.TextChoices):
    IMMEDIATE = "immediate", _("Email me at once")
    DAILY = "daily", _("One email a day (digest)")
    NEVER = "never", _("No email, only on the site")


class NotificationPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    frequency = models.CharField(
        _("email"),
        max_length=20,
        choices=NotificationFrequency.choices,
        default=NotificationFrequency.IMMEDIATE,
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return f"{self.user} · {self.get_frequency_display()}"


class Notification(models.Model):
    """One event told to one person: the in-app list, and the source of emails and digests.

    The message is rendered when shown, from the event's registered text and `params`, so each
    reader sees it in their own language.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    event = models.CharField(_("event"), max_length=60)
    params = models.JSONField(_("parameters"), default=dict)
    url = models.CharField(_("link"), max_length=300)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.message

    @property
    def message(self):
        from .notifications import render_message

        return render_message(self.event, self.params)


class RegisterImport(models.Model):
    """One upload of a community's household register, imported in the background.

    A 20,000-row register takes longer than a web request may, so the upload is checked for
    shape at once, stored here and imported by a task; staff follow it on its own page. The
    workbook is kept in the database, not in media storage (which the proxy serves to anyone
    who has the address): it lists names and phone numbers, and is emptied once the import ends.
    Problems are stored as keys with parameters, so each reader sees them in their language.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Not imported")

    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        related_name="register_imports",
        verbose_name=_("community"),
    )
    file_name = models.CharField(_("file name"), max_length=255)
    workbook = models.BinaryField(_("workbook"), blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    rows_total = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows read"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    households_created = models.PositiveIntegerField(_("households added"), default=0)
    households_updated = models.PositiveIntegerField(_("households updated"), default=0)
    members = models.PositiveIntegerField(_("people listed"), default=0)
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("household register import")
        verbose_name_plural = _("household register imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.community.name} · {self.file_name}"

    @property
    def is_pending(self):
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class UserPhone(models.Model):
    """The mobile number a person signs in with, and whether an SMS code proved it is theirs.

    Not `Resident.phone`: that is the contact number the community office keeps with the
    household register, which anyone may type. This one opens the account, so it counts only
    once verified: two accounts may have claimed a number, only one may have proved it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="login_phone",
        verbose_name=_("user"),
    )
    number = models.CharField(_("mobile number"), max_length=16, db_index=True)
    verified = models.BooleanField(_("verified"), default=False)

    class Meta:
        verbose_name = _("sign-in mobile number")
        verbose_name_plural = _("sign-in mobile numbers")
        constraints = [
            # An unproved claim must not lock the owner out: only a verified number is unique.
            models.UniqueConstraint(
                fields=["number"],
                condition=Q(verified=True),
                name="verified_login_phone_is_unique",
            ),
        ]

    def __str__(self):
        return self.number


class PublicNotice(models.Model):
    """公示: a decision published for a period in which people may object (异议), each
    objection answered in public. One mechanism for every app: a consultation topic's outcome,
    a funding round's awards. What is on notice (the subject) supplies the rules that differ —
    who may object, what happens when the notice ends (communities/notices.py).

    A plain model, not a page: the subject's own page shows it. Its scope is the community
    (a topic's outcome) or the street (a funding round), so staff reach only their own.
    """

    subject_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("community"),
    )
    street = models.ForeignKey(
        Street,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("street"),
    )
    content = models.JSONField(
        _("content on notice"),
        default=dict,
        blank=True,
        help_text=_("What was published, as it was published (a funding round's award list)."),
    )
    starts_at = models.DateTimeField(_("notice period starts"))
    ends_at = models.DateTimeField(_("notice period ends"))
    ended_at = models.DateTimeField(
        _("ended at"),
        null=True,
        blank=True,
        help_text=_("When the notice ended: at the end of its period once every objection was "
                    "answered, or when the decision was taken back after an upheld objection."),
    )  # fmt: skip
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="notice_subject")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="notice_ends_after_it_starts"
            ),
            models.CheckConstraint(
                condition=Q(community__isnull=False) | Q(street__isnull=False),
                name="notice_has_a_scope",
            ),
        ]

    def __str__(self):
        return f"{self.starts_at:%Y-%m-%d} – {self.ends_at:%Y-%m-%d}"

    def is_running(self, now):
        return self.ended_at is None and self.starts_at <= now < self.ends_at


class Objection(models.Model):
    """异议: someone disagrees with a decision on public notice, during its notice period; the
    office answers in public, upheld or not. One per person and notice: a decision published
    again is a new notice, objected to afresh."""

    notice = models.ForeignKey(
        PublicNotice,
        on_delete=models.CASCADE,
        related_name="objections",
        verbose_name=_("public notice"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("objection"), max_length=2000)
    created_at = models.DateTimeField(_("filed at"), default=timezone.now)
    answer = models.TextField(_("public answer"), max_length=2000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    upheld = models.BooleanField(
        _("upheld"),
        null=True,
        blank=True,
        help_text=_("An upheld objection means the decision is taken back and published again."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "author"], name="one_objection_per_person_and_notice"
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | ~Q(answer="") & Q(upheld__isnull=False),
                name="answered_objection_has_an_answer_and_verdict",
            ),
        ]

    def __str__(self):
        return self.body[:40]
