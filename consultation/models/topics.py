"""A consultation topic and everything said and done about it.

Topics are plain models, not Wagtail pages: residents create them from the public site and
their life is a state machine (workflow.py), not editorial publishing. Outcomes, which staff
write and publish, become pages in part 2.
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communities.models import Community, Grid, Household, Resident
from communities.uploads import validate_attachment, validate_photo


class ConsultationSettings(models.Model):
    """Per community: how many supporters put a topic on staff's desk, and how fast staff act."""

    community = models.OneToOneField(
        Community,
        on_delete=models.CASCADE,
        related_name="consultation_settings",
        verbose_name=_("community"),
    )
    support_threshold = models.PositiveSmallIntegerField(
        _("support threshold"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(10_000)],
        help_text=_("Supporters needed before a topic goes to screening."),
    )
    screening_days = models.PositiveSmallIntegerField(
        _("screening deadline in days"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("Days staff have to accept or decline a topic once it reaches screening."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consultation settings")
        verbose_name_plural = _("consultation settings")

    def __str__(self):
        return str(self.community)

    @classmethod
    def for_community(cls, community):
        found, _created = cls.objects.get_or_create(community=community)
        return found


class Category(models.TextChoices):
    ENVIRONMENT = "environment", _("Environment and sanitation")
    PARKING = "parking", _("Parking and traffic")
    PROPERTY = "property", _("Property management")
    FACILITIES = "facilities", _("Public facilities")
    SAFETY = "safety", _("Safety")
    NEIGHBOURS = "neighbours", _("Neighbourhood relations")
    ACTIVITIES = "activities", _("Culture and activities")
    OTHER = "other", _("Other")


class Source(models.TextChoices):
    """How a topic reached the community office (议题收集办法)."""

    ONLINE = "online", _("Raised online by a resident")
    HOTLINE = "hotline", _("Community hotline")
    HOME_VISIT = "home_visit", _("Home visit")
    GRID_WORKER = "grid_worker", _("Grid worker")
    MEETING = "meeting", _("Residents' meeting")


class TopicState(models.TextChoices):
    """Stable keys; what each state allows is in workflow.py."""

    DRAFT = "draft", _("Draft")
    COLLECTING = "collecting", _("Collecting support")
    SCREENING = "screening", _("Screening")
    DELIBERATING = "deliberating", _("Deliberating")
    VOTING = "voting", _("Voting")
    NOTICE = "notice", _("Public notice")
    IMPLEMENTING = "implementing", _("Being carried out")
    EVALUATING = "evaluating", _("Residents evaluating")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class TopicQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Drafts are their author's alone; everything else is public."""
        public = ~Q(status="draft")
        if user.is_authenticated:
            return self.filter(public | Q(author=user))
        return self.filter(public)

    def overdue(self, now=None):
        return self.filter(status="screening", screening_deadline__lt=now or timezone.now())

    def with_support_count(self):
        return self.annotate(support_count=models.Count("supports", distinct=True))


class Topic(models.Model):
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="topics", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=80)
    description = models.TextField(_("description"), max_length=5000)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    # PROTECT: a topic's place is part of its record; a grid no longer used is deactivated.
    grid = models.ForeignKey(
        Grid,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="topics",
        verbose_name=_("grid"),
    )
    place = models.CharField(_("place"), max_length=120, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="topics",
        verbose_name=_("author"),
    )
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.ONLINE
    )
    raised_by = models.CharField(
        _("raised by"),
        max_length=60,
        blank=True,
        help_text=_("For topics staff enter on a resident's behalf: who raised it."),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=TopicState.choices,
        default=TopicState.DRAFT,
        db_index=True,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    screening_started_at = models.DateTimeField(_("screening started"), null=True, blank=True)
    screening_deadline = models.DateTimeField(_("screening deadline"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), max_length=1000, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    deliberation_starts = models.DateField(_("deliberation starts"), null=True, blank=True)
    deliberation_ends = models.DateField(_("deliberation ends"), null=True, blank=True)
    invited_households = models.ManyToManyField(
        Household, blank=True, related_name="invited_topics", verbose_name=_("invited households")
    )
    invited_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="invited_topics",
        verbose_name=_("invited people"),
        help_text=_("Accounts of people from outside the community who may join the discussion."),
    )
    implementation_deadline = models.DateField(_("implementation deadline"), null=True, blank=True)
    implemented_at = models.DateTimeField(_("implementation completed"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(
        _("followers told it is overdue"), null=True, blank=True
    )
    evaluation_ends_at = models.DateTimeField(_("evaluation ends"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    invited_parties = models.TextField(
        _("other invited parties"),
        max_length=1000,
        blank=True,
        help_text=_("Organisations, property company, other units: one per line."),
    )

    history = HistoricalRecords(excluded_fields=["description"])
    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deliberation_ends__gte=models.F("deliberation_starts"))
                | Q(deliberation_ends__isnull=True)
                | Q(deliberation_starts__isnull=True),
                name="topic_deliberation_period_in_order",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        """The topic's page, a stable address at every stage; once an outcome is published
        the page leads to it."""
        from django.urls import reverse

        return reverse("consultation:topic", args=[self.pk])

    @property
    def is_overdue(self):
        return (
            self.status == "screening"
            and self.screening_deadline is not None
            and self.screening_deadline < timezone.now()
        )

    @property
    def implementation_overdue(self):
        return (
            self.status == "implementing"
            and self.implementation_deadline is not None
            and self.implementation_deadline < timezone.localdate()
        )

    # 公示: the outcome's notice periods are public notices (communities/notices.py), one per
    # publication; the topic reads its latest one, so there is one source of truth.
    notice_event_prefix = "topic"

    @property
    def current_notice(self):
        if "_current_notice" not in self.__dict__:
            from communities.notices import current_notice

            self.__dict__["_current_notice"] = current_notice(self) if self.pk else None
        return self.__dict__["_current_notice"]

    def refresh_from_db(self, *args, **kwargs):
        self.__dict__.pop("_current_notice", None)
        super().refresh_from_db(*args, **kwargs)

    @property
    def notice_starts_at(self):
        notice = self.current_notice
        return notice.starts_at if notice else None

    @property
    def notice_ends_at(self):
        notice = self.current_notice
        return notice.ends_at if notice else None

    @property
    def objections(self):
        """Objections to the outcome under every notice it was published under."""
        from communities.notices import objections_to

        return objections_to(self)

    def current_objections(self):
        """Objections of the latest notice (earlier ones were settled when the topic went
        back to deliberation)."""
        from communities.models import Objection

        notice = self.current_notice
        return notice.objections.all() if notice else Objection.objects.none()

    def notice_scope(self):
        return {"community": self.community}

    def objection_refused(self, user):
        from ..permissions import verified_resident_of

        if verified_resident_of(user, self.community) is None:
            return _("Only verified residents of %(community)s can object.") % {
                "community": self.community.name
            }
        if self.status != "notice":
            return _("Objections can be filed only during the notice period.")
        return None

    def notice_staff(self):
        from ..page_rights import community_staff

        return community_staff(self.community)

    def notice_admin_url(self):
        return reverse("topics:inspect", args=[self.pk])

    def upheld_next_step(self):
        from django.utils.translation import gettext

        return gettext(
            "The objection is upheld and answered. Send the topic back to deliberation "
            "from its page."
        )

    def notice_ended(self, notice):
        from .. import workflow

        workflow.perform(self, "end_notice", None)

    def latest_progress(self):
        """The progress update recorded last (the latest date, then the latest entry)."""
        return self.progress_updates.order_by("-date", "-pk").first()

    def start_screening_clock(self, now):
        days = ConsultationSettings.for_community(self.community).screening_days
        self.screening_started_at = now
        self.screening_deadline = now + timedelta(days=days)

    def followers(self):
        """Author, supporters and invited people: who hears about each step."""
        from django.contrib.auth import get_user_model

        User = get_user_model()
        return set(
            User.objects.filter(
                Q(pk=self.author_id)
                | Q(resident__supports__topic=self)
                | Q(invited_topics=self)
                | Q(resident__household__invited_topics=self)
            ).distinct()
        )

    def followers_for(self, event):
        return self.followers()

    def notification_params(self):
        deliberation = ""
        if self.deliberation_starts and self.deliberation_ends:
            deliberation = (
                f"{self.deliberation_starts:%Y-%m-%d} – {self.deliberation_ends:%Y-%m-%d}"
            )

        def day(moment):
            return timezone.localtime(moment).strftime("%Y-%m-%d") if moment else ""

        return {
            "title": self.title,
            "community": self.community.name,
            "reason": self.decline_reason,
            "deliberation": deliberation,
            "notice_ends": day(self.notice_ends_at),
            "evaluation_ends": day(self.evaluation_ends_at),
            "satisfaction": self.satisfaction_text(),
        }

    def satisfaction_text(self):
        from .outcomes import satisfaction_of

        result = satisfaction_of(self.ratings.all())
        return "—" if result["rate"] is None else f"{result['rate']}% ({result['count']})"

    def invited_parties_list(self):
        return [line.strip() for line in self.invited_parties.splitlines() if line.strip()]


def topic_photo_path(instance, filename):
    return f"topics/{instance.topic_id}/{filename}"


class TopicPhoto(models.Model):
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="photos", verbose_name=_("topic")
    )
    image = models.ImageField(_("photo"), upload_to=topic_photo_path, validators=[validate_photo])
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.image.name.rsplit("/", 1)[-1]


class Support(models.Model):
    """附议: a verified resident of the community backs a topic, once."""

    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="supports", verbose_name=_("topic")
    )
    # PROTECT: a support counts towards the screening threshold; deleting the resident (or
    # their account) must not lower a count already reached. Closing an account anonymises.
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="supports", verbose_name=_("resident")
    )
    created_at = models.DateTimeField(_("supported at"), default=timezone.now)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["topic", "resident"], name="support_once_per_resident")
        ]

    def __str__(self):
        return f"{self.resident} → {self.topic}"


class Stance(models.TextChoices):
    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    OTHER = "other", _("Other view")


class Comment(models.Model):
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="comments", verbose_name=_("topic")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="topic_comments",
        verbose_name=_("author"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("reply to"),
    )
    stance = models.CharField(_("stance"), max_length=10, choices=Stance.choices, blank=True)
    body = models.TextField(_("comment"), max_length=2000)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hidden by"),
    )
    hidden_reason = models.CharField(_("reason for hiding"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        constraints = [
            # A top-level comment takes a stance; a reply does not.
            models.CheckConstraint(
                condition=Q(parent__isnull=True) & ~Q(stance="")
                | Q(parent__isnull=False, stance=""),
                name="comment_stance_only_at_top_level",
            ),
        ]

    def __str__(self):
        return self.body[:40]

    @property
    def is_hidden(self):
        return self.hidden_at is not None


class CommentReport(models.Model):
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="reports", verbose_name=_("comment")
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reporter"),
    )
    reason = models.CharField(_("reason"), max_length=200)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("comment report")
        verbose_name_plural = _("comment reports")
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter"], name="report_once_per_person")
        ]

    def __str__(self):
        return self.reason


class Meeting(models.Model):
    """A deliberation meeting (协商议事会议): who came, and the minutes."""

    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("topic")
    )
    held_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=120)
    attendees = models.TextField(_("attendees"), max_length=2000, help_text=_("One per line."))
    minutes = models.TextField(_("minutes"), max_length=20_000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["held_at"]

    def __str__(self):
        return f"{self.topic} · {self.held_at:%Y-%m-%d}"

    def attendee_list(self):
        return [line.strip() for line in self.attendees.splitlines() if line.strip()]


def meeting_attachment_path(instance, filename):
    return f"meetings/{instance.meeting_id}/{filename}"


class MeetingAttachment(models.Model):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("meeting")
    )
    file = models.FileField(
        _("file"), upload_to=meeting_attachment_path, validators=[validate_attachment]
    )
    title = models.CharField(_("title"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.title or self.file.name.rsplit("/", 1)[-1]

    def get_absolute_url(self):
        """Through the app, which checks who may see the topic and sends it as a download."""
        return reverse("meeting_attachment", args=[self.meeting.topic_id, self.pk])
