"""Public notice (公示) with objections (异议): one mechanism for every decision published
for a period, a consultation topic's outcome as a funding round's awards.

A subject (what is on notice) is any model instance offering:

- `notice_scope()` → {"community": c} or {"street": s}: whose staff answer the objections;
- `objection_refused(user)` → None, or the message saying why this user may not object
  (a topic: only verified residents of its community; a round: residents of its street's
  communities and the organisations that applied);
- `notice_ended(notice)`: the notice period is over with every objection answered and none
  upheld (a topic is carried out; a round's awards become final); a ValidationError leaves
  the notice running for staff to act;
- `notice_staff()`: who is told an objection was filed; `notice_event_prefix`: the prefix of
  its events ("topic" → "topic.objection_filed", "topic.objection_answered");
- `notification_params()` and `get_absolute_url()`, as for notify().

A model that should not carry these itself (a Wagtail page another app owns) registers a class
that wraps its instance and offers them: `register_rules(FundingRoundPage, RoundOnNotice)`.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Objection, PublicNotice
from .permissions import managed_communities, managed_streets

_RULES = {}


def register_rules(model, rules):
    _RULES[model] = rules


def rules_for(subject):
    """What offers the subject's rules: its registered wrapper, or the subject itself."""
    rules = _RULES.get(type(subject))
    return rules(subject) if rules is not None else subject


def notices_of(subject):
    """Every notice `subject` was ever published under, the latest first."""
    return PublicNotice.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
    )


def current_notice(subject):
    """The notice `subject` was published under last (running or ended), or None."""
    return notices_of(subject).order_by("-pk").first()


def objections_to(subject):
    """Objections to `subject` under every notice, oldest first."""
    return Objection.objects.filter(
        notice__subject_type=ContentType.objects.get_for_model(subject),
        notice__subject_id=subject.pk,
    )


def notices_in_scope(queryset, user):
    """The notices (or a queryset of their objections, `prefix` "notice__") a staff member
    answers for: their communities' (a street officer: the street's communities') and their
    streets'."""
    return queryset.filter(_scope_q(user, prefix="notice__" if queryset.model is Objection else ""))


def _scope_q(user, prefix=""):
    from django.db.models import Q

    return Q(**{f"{prefix}community__in": managed_communities(user)}) | Q(
        **{f"{prefix}street__in": managed_streets(user)}
    )


def may_answer(user, notice):
    """Staff of the notice's community (or of its street), or officers of its street."""
    if not (user.is_authenticated and user.is_active):
        return False
    return notices_in_scope(PublicNotice.objects.filter(pk=notice.pk), user).exists()


@transaction.atomic
def open_notice(subject, actor, starts, ends, content=None):
    """Publish `subject` for notice from `starts` to `ends`. A notice of the same subject
    still running ends now: what is published again is objected to afresh."""
    if ends <= starts:
        raise ValidationError(_("The notice period must end after it starts."))
    for earlier in notices_of(subject).select_for_update().filter(ended_at__isnull=True):
        end_notice(earlier, actor, starts)
    notice = PublicNotice(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        starts_at=starts,
        ends_at=ends,
        content=content or {},
        opened_by=actor,
        **rules_for(subject).notice_scope(),
    )
    notice._history_user = actor
    notice.save()
    return notice


def end_notice(notice, actor, now=None):
    """Mark the notice ended (its period is over, or the decision was taken back)."""
    notice.ended_at = now or timezone.now()
    notice._history_user = actor
    notice.save(update_fields=["ended_at"])
    return notice


class _StaffView:
    """An objection as the staff who answer it are told: the link leads to the answer form."""

    def __init__(self, objection, subject):
        self.objection = objection
        self.subject = subject

    def followers_for(self, event):
        return self.subject.notice_staff()

    def notification_params(self):
        return self.subject.notification_params()

    def get_absolute_url(self):
        try:
            return reverse("answer_objection", args=[self.objection.pk])
        except NoReverseMatch:  # the admin's screens are not mounted
            return self.subject.get_absolute_url()


def file_objection(notice, user, body):
    """异议 during the notice period, by whom the subject allows, once per notice."""
    period_message = _("Objections can be filed only during the notice period.")
    if notice is None:
        raise ValidationError(period_message)
    subject = rules_for(notice.subject)
    if refusal := subject.objection_refused(user):
        raise ValidationError(refusal)
    if not notice.is_running(timezone.now()):
        raise ValidationError(period_message)
    body = body.strip()
    if not body:
        raise ValidationError(_("Say what you object to."))
    try:
        with transaction.atomic():
            objection = Objection(notice=notice, author=user, body=body)
            objection._history_user = user
            objection.save()
    except IntegrityError:
        raise ValidationError(_("You have already filed an objection to this outcome.")) from None
    _notify(f"{subject.notice_event_prefix}.objection_filed", _StaffView(objection, subject), user)
    return objection


@transaction.atomic
def answer_objection(objection, staff, *, answer, upheld):
    """The public answer, upheld or not, by staff of the notice's scope (others: refused)."""
    objection = Objection.objects.select_for_update().select_related("notice").get(pk=objection.pk)
    if not may_answer(staff, objection.notice):
        raise PermissionDenied
    if objection.answered_at is not None:
        raise ValidationError(_("This objection has been answered already."))
    answer = answer.strip()
    if not answer:
        raise ValidationError(_("Write the answer residents will read."))
    objection.answer = answer
    objection.upheld = bool(upheld)
    objection.answered_by = staff
    objection.answered_at = timezone.now()
    objection._history_user = staff
    objection.save()
    subject = rules_for(objection.notice.subject)
    _notify(
        f"{subject.notice_event_prefix}.objection_answered",
        subject,
        staff,
        recipients=[objection.author],
    )
    return objection


def _notify(event, obj, actor, recipients=None):
    from .notifications import notify

    notify(event, obj, actor, recipients=recipients)


def unanswered(notice):
    return notice.objections.filter(answered_at__isnull=True)


def upheld(notice):
    return notice.objections.filter(upheld=True)


def notice_can_end(notice, now=None):
    """Its period is over, every objection has its answer and none was upheld."""
    now = now or timezone.now()
    return (
        notice.ended_at is None
        and notice.ends_at <= now
        and not unanswered(notice).exists()
        and not upheld(notice).exists()
    )


def end_due_notices(now=None):
    """The clock's step: every notice whose period is over and whose objections are all
    answered (none upheld) ends, and its subject moves on. Locked and checked again, so two
    clocks at once end it once; a subject that refuses leaves it running for staff."""
    now = now or timezone.now()
    due = PublicNotice.objects.filter(ended_at__isnull=True, ends_at__lte=now)
    ended = 0
    for pk in list(due.values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                notice = PublicNotice.objects.select_for_update().get(pk=pk)
                if not notice_can_end(notice, now):
                    continue
                rules_for(notice.subject).notice_ended(notice)
                end_notice(notice, None, now)
        except ValidationError:
            continue
        ended += 1
    return ended


def notice_context(subject, user, action_url):
    """What the public partial (templates/communities/_notice.html) shows on the subject's
    page: the notice, every objection with its public answer, and the form for who may object
    now and has not yet."""
    from .forms import ObjectionForm

    notice = current_notice(subject)
    in_notice = notice is not None and notice.is_running(timezone.now())
    rules = rules_for(subject)
    objections = list(objections_to(subject).select_related("author__resident", "answered_by"))
    may_object = (
        in_notice
        and user.is_authenticated
        and rules.objection_refused(user) is None
        and not any(o.author_id == user.pk and o.notice_id == notice.pk for o in objections)
    )
    return {
        "notice": notice,
        "in_notice": in_notice,
        "objections": objections,
        "objection_form": ObjectionForm() if may_object else None,
        "objection_action": action_url,
    }
