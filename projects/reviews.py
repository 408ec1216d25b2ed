"""Reviewers, reviews and the ranking of a funding round: the rules, as services.

The street office of the round's street adds reviewers to the round (a reviewer role is a
membership of one round) and assigns them applications in review. A reviewer either declares a
conflict of interest — the assignment stays, marked, and counts for nothing — or scores every
criterion from 0 to 10 and recommends; a submitted review is final. The ranking for the decision
meeting averages the weighted totals of the submitted, unconflicted reviews. Every step is in
history with its actor.
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from allauth.account.adapter import get_adapter
from allauth.account.utils import filter_users_by_email
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.history_reasons import history_reason, register_reason
from communities.notifications import notify, register_event
from communities.permissions import managed_streets
from communities.templatetags.people import person_name
from organisations.models import Representative
from organisations.workflow import street_officers

from .models import Application, ApplicationState, Recommendation, Review, Reviewer, Score

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
SCORE_RANGE = range(0, 11)
# What stands in the ranking: applications in review, and those already decided from it (the
# meeting awards one by one and still needs to see what is left of the budget).
RANKED_STATES = (
    ApplicationState.IN_REVIEW,
    ApplicationState.AWARDED,
    ApplicationState.WAITLISTED,
    ApplicationState.DECLINED,
)

register_event(
    "review.assigned",
    gettext_lazy("You are asked to review “%(title)s” in “%(round)s”."),
)
register_event(
    "review.conflict_declared",
    gettext_lazy("A reviewer declared a conflict of interest on “%(title)s”: assign someone else."),
)
register_reason("review.reviewer_added", gettext_lazy("Added as a reviewer of the round"))
register_reason("review.reviewer_removed", gettext_lazy("No longer a reviewer of the round"))
register_reason("review.assigned", gettext_lazy("Assigned to review the application"))
register_reason(
    "review.conflict_declared", gettext_lazy("Conflict of interest declared: %(reason)s")
)
register_reason("review.submitted", gettext_lazy("Review submitted"))
register_reason("review.withdrawn", gettext_lazy("Assignment withdrawn"))


# Who may do what: plain, named functions.


def is_round_officer(user, round):
    """Street officers of the street running the round manage its reviewers."""
    return user.is_authenticated and managed_streets(user).filter(pk=round.street_id).exists()


def rounds_run_by(queryset, user):
    """The part of a FundingRoundPage queryset the user's street office runs."""
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(street__in=managed_streets(user))


def applications_run_by(queryset, user):
    """The part of an Application queryset whose round the user's street office runs."""
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(round__street__in=managed_streets(user))


def represents_applicant(user, application):
    return Representative.objects.filter(
        user=user, organisation_id=application.organisation_id
    ).exists()


def reviews_of(user):
    """Every assignment of the user, in rounds they still review (ending the membership ends
    the access), conflicted ones included: "my reviews" lists them all."""
    if not user.is_authenticated:
        return Review.objects.none()
    return Review.objects.filter(
        reviewer=user,
        application__round__reviewers__user=user,
    ).exclude(application__organisation__representatives__user=user)


def reviewable_by(user):
    """The assignments whose application the user may open and score: theirs, without a
    declared conflict. Everything else is not there for them (404)."""
    return reviews_of(user).filter(conflict_of_interest=False)


def can_score(review):
    return (
        review.submitted_at is None
        and not review.conflict_of_interest
        and review.application.status == ApplicationState.IN_REVIEW
    )


# The reviewers of a round.


def find_person(text):
    """The account signing in with this email address or mobile number, or None."""
    text = (text or "").strip()
    if not text:
        return None
    if "@" in text:
        users = filter_users_by_email(text, is_active=True, prefer_verified=True)
        return users[0] if users else None
    try:
        user = get_adapter().get_user_by_phone(text)
    except NotImplementedError:
        return None
    return user if user is not None and user.is_active else None


def _history(record, actor, key, **params):
    record._history_user = actor
    record._change_reason = history_reason(key, **params)


@transaction.atomic
def add_reviewer(round, user, by):
    if not is_round_officer(by, round):
        raise PermissionDenied
    if Reviewer.objects.filter(round=round, user=user).exists():
        raise ValidationError(
            _("%(person)s already reviews this round.") % {"person": person_name(user)}
        )
    reviewer = Reviewer(round=round, user=user)
    _history(reviewer, by, "review.reviewer_added")
    reviewer.save()
    return reviewer


@transaction.atomic
def remove_reviewer(reviewer, by):
    """The membership ends: the reviewer's open assignments in the round go with it (so the
    office sees whom to reassign); submitted reviews stay and count."""
    if not is_round_officer(by, reviewer.round):
        raise PermissionDenied
    for review in Review.objects.filter(
        reviewer_id=reviewer.user_id,
        application__round_id=reviewer.round_id,
        submitted_at__isnull=True,
        conflict_of_interest=False,
    ):
        _history(review, by, "review.withdrawn")
        review.delete()
    _history(reviewer, by, "review.reviewer_removed")
    reviewer.delete()


@transaction.atomic
def assign(application, reviewer_user, by):
    """`by`, an officer of the round's street, asks `reviewer_user` to review `application`."""
    application = (
        Application.objects.select_for_update().select_related("round").get(pk=application.pk)
    )
    if not is_round_officer(by, application.round):
        raise PermissionDenied
    name = person_name(reviewer_user)
    if application.status != ApplicationState.IN_REVIEW:
        raise ValidationError(
            _("Reviewers are assigned while an application is in review; this one is “%(state)s”.")
            % {"state": application.get_status_display()}
        )
    if not Reviewer.objects.filter(round=application.round, user=reviewer_user).exists():
        raise ValidationError(
            _("%(person)s is not a reviewer of this round: add them to the round first.")
            % {"person": name}
        )
    if represents_applicant(reviewer_user, application):
        raise ValidationError(
            _("%(person)s represents %(organisation)s, the applicant: they cannot review it.")
            % {"person": name, "organisation": application.organisation.name}
        )
    existing = Review.objects.filter(application=application, reviewer=reviewer_user).first()
    if existing is not None:
        if existing.conflict_of_interest:
            message = _("%(person)s declared a conflict of interest on this application.")
        else:
            message = _("%(person)s is already reviewing this application.")
        raise ValidationError(message % {"person": name})
    review = Review(application=application, reviewer=reviewer_user, assigned_by=by)
    _history(review, by, "review.assigned")
    review.save()
    notify("review.assigned", review, by)
    return review


# A reviewer's own steps.


def _lock_for_reviewer(review):
    review = (
        Review.objects.select_for_update()
        .select_related("application__round", "application__organisation")
        .get(pk=review.pk)
    )
    application = review.application
    if not Reviewer.objects.filter(round=application.round, user=review.reviewer).exists():
        raise PermissionDenied
    if represents_applicant(review.reviewer, application):
        raise PermissionDenied
    if review.submitted_at is not None:
        raise ValidationError(_("This review is submitted; a submitted review is final."))
    if review.conflict_of_interest:
        raise ValidationError(
            _("You declared a conflict of interest: this application is not yours to review.")
        )
    return review


@transaction.atomic
def declare_conflict(review, note):
    """The reviewer cannot review this application. The assignment stays, marked, counts for
    nothing in the ranking, and the street office is told so it can assign someone else."""
    review = _lock_for_reviewer(review)
    note = (note or "").strip()
    if not note:
        raise ValidationError(
            _("Say what the conflict is (for example: “I advise this organisation”).")
        )
    review.conflict_of_interest = True
    review.conflict_note = note[: Review._meta.get_field("conflict_note").max_length]
    _history(review, review.reviewer, "review.conflict_declared", reason=review.conflict_note)
    review.save()
    notify(
        "review.conflict_declared",
        OfficersView(review),
        review.reviewer,
        recipients=street_officers(review.application.round.street_id),
    )
    return review


def check_scores(criteria, scores):
    """The scores as {criterion pk: (score, comment)}, and what is wrong with them (messages
    naming the criterion). `scores` maps a criterion pk to a score or to (score, comment)."""
    known = {criterion.pk for criterion in criteria}
    cleaned, problems = {}, []
    for criterion in criteria:
        given = scores.get(criterion.pk)
        score, comment = given if isinstance(given, (tuple, list)) else (given, "")
        if score is None or score == "":
            problems.append(
                _("Give “%(criterion)s” a score from 0 to 10.") % {"criterion": criterion.name}
            )
            continue
        try:
            number = int(score)
        except (TypeError, ValueError):
            number = None
        if number is None or str(score).strip() != str(number) or number not in SCORE_RANGE:
            problems.append(
                _("“%(criterion)s” is scored with a whole number from 0 to 10, not %(score)s.")
                % {"criterion": criterion.name, "score": score}
            )
            continue
        cleaned[criterion.pk] = (number, (comment or "").strip())
    if set(scores) - known:
        problems.append(_("A score was given for a criterion this round does not have."))
    return cleaned, problems


@transaction.atomic
def submit_review(review, scores, recommendation, comment=""):
    """Every criterion scored 0–10 and a recommendation, or nothing is saved. Final."""
    review = _lock_for_reviewer(review)
    application = review.application
    if application.status != ApplicationState.IN_REVIEW:
        raise ValidationError(
            _("“%(title)s” is no longer in review; reviews cannot be submitted now.")
            % {"title": application.title}
        )
    criteria = list(application.round.criteria.all())
    cleaned, problems = check_scores(criteria, scores)
    comment = (comment or "").strip()
    if recommendation not in Recommendation.values:
        problems.append(_("Choose your recommendation."))
    elif recommendation == Recommendation.FUND_WITH_CHANGES and not comment:
        problems.append(_("Say which changes the project needs to be funded."))
    if problems:
        raise ValidationError(problems)
    Score.objects.bulk_create(
        Score(review=review, criterion_id=pk, score=score, comment=text)
        for pk, (score, text) in cleaned.items()
    )
    review.recommendation = recommendation
    review.comment = comment
    review.submitted_at = timezone.now()
    _history(review, review.reviewer, "review.submitted")
    review.save()
    return review


# Scores and the ranking.


def weighted_total(scores):
    """Σ score × weight / 10 over (score, weight) pairs: out of 100 when the weights add up to
    100 (out of 100 − the residents' share when the residents vote). Exact, in tenths."""
    points = sum(int(score) * int(weight) for score, weight in scores)
    return (Decimal(points) / 10).quantize(TENTH)


def review_total(review):
    return weighted_total((s.score, s.criterion.weight) for s in review.scores.all())


def combined_score(reviewers_average, residents_score=None, residents_weight=0):
    """The ranking's score, out of 100: the reviewers' average weighted total (the criteria's
    weights cover 100 − the residents' weight) plus the residents' vote share (0–100) at its
    weight. Without a vote yet, the reviewers' part alone."""
    if reviewers_average is None:
        return None
    if not residents_weight or residents_score is None:
        return reviewers_average
    share = Decimal(residents_score) * residents_weight / 100
    return (reviewers_average + share).quantize(CENT, ROUND_HALF_UP)


def residents_scores(round):
    """{application pk: the residents' vote share, 0–100} once the round's residents' vote has
    counted; empty until then (projects.resident_vote says how it is worked out)."""
    from .resident_vote import residents_scores as scores

    return scores(round)


@dataclass
class RankedApplication:
    application: Application
    totals: list = field(default_factory=list)  # weighted total of each counted review
    recommendations: Counter = field(default_factory=Counter)
    assigned: int = 0
    conflicts: int = 0
    residents_score: Decimal | None = None
    score: Decimal | None = None
    rank: int | None = None
    running_total: Decimal = Decimal("0.00")
    within_budget: bool = True
    budget_runs_out: bool = False

    @property
    def requested(self):
        return self.application.requested_total

    @property
    def reviews(self):
        return len(self.totals)

    @property
    def average(self):
        if not self.totals:
            return None
        return (sum(self.totals) / len(self.totals)).quantize(CENT, ROUND_HALF_UP)

    @property
    def spread(self):
        return max(self.totals) - min(self.totals) if self.totals else None

    @property
    def counted_amount(self):
        """What the row takes from the budget: the award once awarded, the request while in
        review, nothing once declined or waitlisted."""
        status = self.application.status
        if status == ApplicationState.AWARDED:
            return self.application.awarded_amount or Decimal("0.00")
        if status == ApplicationState.IN_REVIEW:
            return self.requested
        return Decimal("0.00")

    def recommendation_counts(self):
        return [
            (choice, label, self.recommendations[choice])
            for choice, label in Recommendation.choices
        ]


def ranking(round, residents=None):
    """The round's applications in review (and decided from review), best score first, with a
    running total of what they ask against the round's budget. Three queries."""
    residents = residents_scores(round) if residents is None else residents
    applications = (
        Application.objects.filter(round=round, status__in=RANKED_STATES)
        .with_totals()
        .select_related("organisation")
        .order_by("pk")
    )
    rows = {app.pk: RankedApplication(app) for app in applications}
    reviews = (
        Review.objects.filter(application_id__in=rows)
        .annotate(points=Sum(F("scores__score") * F("scores__criterion__weight")))
        .values_list(
            "application_id", "conflict_of_interest", "submitted_at", "recommendation", "points"
        )
        .order_by("pk")
    )
    for application_id, conflicted, submitted_at, recommendation, points in reviews:
        row = rows[application_id]
        row.assigned += 1
        if conflicted:
            row.conflicts += 1
        elif submitted_at is not None:
            row.totals.append((Decimal(points or 0) / 10).quantize(TENTH))
            row.recommendations[recommendation] += 1
    for row in rows.values():
        row.residents_score = residents.get(row.application.pk)
        row.score = combined_score(row.average, row.residents_score, round.residents_say_weight)
    # Best score first; unreviewed last; equal scores in the order the applications came in.
    ordered = sorted(
        rows.values(),
        key=lambda row: (row.score is None, -(row.score or 0), row.application.pk),
    )
    running, ran_out = Decimal("0.00"), False
    for rank, row in enumerate(ordered, start=1):
        row.rank = rank
        running += row.counted_amount
        row.running_total = running
        row.within_budget = running <= round.total_budget
        if not row.within_budget and not ran_out:
            row.budget_runs_out = ran_out = True
    return ordered


# People, links and notifications.


class OfficersView:
    """A review as the street office is told of it: the link leads to the assignment screen in
    the admin, not to the reviewer's page (which is the reviewer's alone)."""

    def __init__(self, review):
        self.review = review

    def notification_params(self):
        return self.review.notification_params()

    def get_absolute_url(self):
        return reverse("projects_review_assign", args=[self.review.application_id])


def round_reviewers(round):
    """The round's reviewers, each with how many of its applications they were assigned, have
    submitted and declared a conflict on."""
    in_round = Q(user__reviews__application__round=round)
    return (
        Reviewer.objects.filter(round=round)
        .select_related("user")
        .annotate(
            assigned=Count("user__reviews", filter=in_round),
            submitted=Count(
                "user__reviews", filter=in_round & Q(user__reviews__submitted_at__isnull=False)
            ),
            conflicts=Count(
                "user__reviews", filter=in_round & Q(user__reviews__conflict_of_interest=True)
            ),
        )
        .order_by("pk")
    )
