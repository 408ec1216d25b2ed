"""表决: a ballot, who voted, and how many chose each option.

A ballot belongs to what is voted on: a deliberated topic (its `topic`), or something another
app links to it from its own side (a funding round's residents' vote links its ballots from
projects), so the ballot itself only knows its electorate's `community`.

*Who voted* is a Voter row; *what was chosen* is never stored per vote, only added to the
ballot's counters (BallotCounter, one per option). A vote inserts its Voter row and rewrites
every counter row of the ballot in the same transaction — one more on the options ticked, none
on the others — so nothing in the database relates a voter to a choice: not a key, not a row
order, not PostgreSQL's transaction id (`xmin`), which every vote stamps on all counters alike.
Database constraints make a second vote by the same resident, or (每户一票) the same household,
impossible. At close the papers counted must equal the number of voters.
docs/ballot-secrecy.md says what remains visible to whoever administers the database.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communities.models import Community, Household, Resident

from .topics import Topic


class Franchise(models.TextChoices):
    RESIDENT = "resident", _("One vote per verified resident")
    HOUSEHOLD = "household", _("One vote per household (每户一票)")


class BallotStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    FAILED = "failed", _("Failed the integrity check")


class Ballot(models.Model):
    # Whose verified residents vote: the topic's community for a topic's ballot.
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="ballots", verbose_name=_("community")
    )
    topic = models.ForeignKey(
        Topic,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ballots",
        verbose_name=_("topic"),
        help_text=_("Empty when what is voted on links to the ballot from elsewhere."),
    )
    question = models.CharField(_("question"), max_length=200)
    max_choices = models.PositiveSmallIntegerField(
        _("choices per voter"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("1 for a single choice; more lets voters tick up to that many options."),
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    franchise = models.CharField(
        _("franchise"), max_length=20, choices=Franchise.choices, default=Franchise.RESIDENT
    )
    quorum_percent = models.PositiveSmallIntegerField(
        _("quorum (percent of those eligible)"),
        default=50,
        validators=[MaxValueValidator(100)],
        help_text=_("Minimum turnout for the result to be valid."),
    )
    secret = models.BooleanField(
        _("secret ballot"),
        default=True,
        help_text=_("Nobody, staff included, can ever see who chose what."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=BallotStatus.choices, default=BallotStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("opened by"),
    )  # fmt: skip
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_early_reason = models.CharField(
        _("reason for closing early"), max_length=200, blank=True
    )
    # The result, written once when the ballot closes and never recomputed.
    eligible_count = models.PositiveIntegerField(_("eligible"), null=True, blank=True)
    voter_count = models.PositiveIntegerField(_("voters"), null=True, blank=True)
    paper_count = models.PositiveIntegerField(_("ballot papers"), null=True, blank=True)
    quorum_met = models.BooleanField(_("quorum met"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="ballot_closes_after_it_opens"
            ),
            models.CheckConstraint(
                condition=Q(quorum_percent__lte=100), name="ballot_quorum_is_a_percentage"
            ),
            # One ballot at a time on a topic (a ballot without a topic is not concerned).
            models.UniqueConstraint(
                fields=["topic"], condition=Q(status="open"), name="one_open_ballot_per_topic"
            ),
        ]

    def __str__(self):
        return self.question

    def save(self, *args, **kwargs):
        # A topic's ballot is voted on by the topic's community, always.
        if self.topic_id is not None:
            self.community_id = self.topic.community_id
        super().save(*args, **kwargs)

    def add_options(self, labels):
        """The options, 1, 2, 3… in the order given, each with its counter at zero."""
        BallotOption.objects.bulk_create(
            BallotOption(ballot=self, label=label, position=position)
            for position, label in enumerate(labels, start=1)
        )
        BallotCounter.objects.bulk_create(
            BallotCounter(ballot=self, position=position) for position in range(1, len(labels) + 1)
        )

    def is_open_at(self, moment=None):
        moment = moment or timezone.now()
        return self.status == BallotStatus.OPEN and self.opens_at <= moment < self.closes_at

    @property
    def results_published(self):
        return self.status == BallotStatus.CLOSED

    @property
    def turnout_percent(self):
        if not self.eligible_count:
            return None
        return round(100 * self.voter_count / self.eligible_count, 1)


class BallotOption(models.Model):
    ballot = models.ForeignKey(
        Ballot, on_delete=models.CASCADE, related_name="options", verbose_name=_("ballot")
    )
    label = models.CharField(_("option"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"))
    final_count = models.PositiveIntegerField(_("votes"), null=True, blank=True)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["ballot", "position"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "position"], name="option_position_unique")
        ]

    def __str__(self):
        return self.label


def new_receipt():
    return uuid.uuid4().hex[:10].upper()


class Voter(models.Model):
    """Who voted (and, under 每户一票, for which household): never what they chose."""

    ballot = models.ForeignKey(
        Ballot, on_delete=models.PROTECT, related_name="voters", verbose_name=_("ballot")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="+", verbose_name=_("resident")
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("household"),
        help_text=_("Set only when the ballot is one vote per household."),
    )
    receipt = models.CharField(_("receipt"), max_length=10, unique=True, default=new_receipt)
    voted_at = models.DateTimeField(_("voted at"), default=timezone.now)
    # Only for open (non-secret) ballots: the positions chosen, published after the close.
    open_choice = models.JSONField(_("choice (open ballots only)"), null=True, blank=True)

    class Meta:
        verbose_name = _("voter")
        verbose_name_plural = _("voters")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "resident"], name="one_vote_per_resident"),
            models.UniqueConstraint(
                fields=["ballot", "household"],
                condition=Q(household__isnull=False),
                name="one_vote_per_household",
            ),
        ]

    def __str__(self):
        return self.receipt


class BallotCounter(models.Model):
    """How many papers ticked one option so far, and how many papers were cast in all.

    Every vote rewrites every counter of its ballot, whatever was chosen, so that no counter
    row carries a trace of one vote rather than another. Read only by the count at close: the
    site never shows a running total (the numbers are in the database, and docs/ballot-secrecy.md
    says who can read them there)."""

    ballot = models.ForeignKey(
        Ballot, on_delete=models.CASCADE, related_name="counters", verbose_name=_("ballot")
    )
    position = models.PositiveSmallIntegerField(_("option position"))
    chosen = models.PositiveIntegerField(_("times chosen"), default=0)
    # The same in every counter of a ballot: the count checks it against the voters.
    papers = models.PositiveIntegerField(_("ballot papers"), default=0)

    class Meta:
        verbose_name = _("ballot counter")
        verbose_name_plural = _("ballot counters")
        ordering = ["ballot", "position"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "position"], name="one_counter_per_option")
        ]

    def __str__(self):
        return f"{self.ballot_id}/{self.position}"
