"""A funded project's life, as data, and the record it keeps (以项目代台账).

The street office starts a project from a final award (the awards' notice has ended with no
objection upheld), with its period and the tranches paid at each milestone; the tranches add up
to the award. The project is then under way: its representatives and the staff of the
communities it serves record activities, expenses and indicator readings, while it is under way
or mid-term evaluated. The street office completes the mid-term evaluation, then the final one
(which fixes the final score and grade by rule, projects/evaluation.py), then closes the
project once every tranche is paid.

under way → mid-term evaluated → final evaluated → closed (a project may skip the mid-term).
Every step is in history with its actor and a reason key; representatives are told of each.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.history_reasons import history_reason, register_reason, typed_reason_or
from communities.notifications import notify, register_event
from communities.transitions import Table, row
from communities.uploads import validate_photo

from ..figures import indicator_completion, indicator_progress, satisfaction, spent_on_line
from ..models import (
    Activity,
    ActivityPhoto,
    Application,
    ApplicationState,
    EvaluationStage,
    Feedback,
    Milestone,
    Project,
)
from ..models import ProjectState as P
from ..permissions import is_project_officer, records_for

OFFICER = "officer"
# While these last, the project keeps its record: activities, expenses, readings.
RECORDING = frozenset({P.ACTIVE, P.MIDTERM_EVALUATED})


def _day(value):
    return date_format(value, "Y-m-d")


def _stage_submitted(stage):
    def guard(project, data):
        sheets = project.evaluations.filter(stage=stage)
        if not sheets.filter(submitted_at__isnull=False).exists():
            return _("No evaluator has submitted the %(stage)s yet.") % {
                "stage": EvaluationStage(stage).label
            }
        waiting = sheets.filter(submitted_at__isnull=True).count()
        if waiting:
            return _(
                "%(count)s evaluator(s) have not submitted yet; remove their assignment or wait."
            ) % {"count": waiting}
        return None

    return guard


def _tranches_paid(project, data):
    unpaid = project.milestones.filter(paid_on__isnull=True)
    if unpaid.exists():
        return _("Tranches still to pay: %(names)s. Record their payment before closing.") % {
            "names": "、".join(unpaid.values_list("title", flat=True))
        }
    return None


TRANSITIONS = Table(
    row("complete_midterm", {P.ACTIVE}, P.MIDTERM_EVALUATED, {OFFICER},
        gettext_lazy("Complete the mid-term evaluation"),
        _stage_submitted(EvaluationStage.MIDTERM)),
    row("complete_final", RECORDING, P.FINAL_EVALUATED, {OFFICER},
        gettext_lazy("Complete the final evaluation"), _stage_submitted(EvaluationStage.FINAL)),
    row("close", {P.FINAL_EVALUATED}, P.CLOSED, {OFFICER}, gettext_lazy("Close the project"),
        _tranches_paid),
)  # fmt: skip

EVENT_TEXTS = {
    "start": gettext_lazy("“%(title)s” is under way: record its activities as they happen."),
    "complete_midterm": gettext_lazy("The mid-term evaluation of “%(title)s” is complete."),
    "complete_final": gettext_lazy(
        "The final evaluation of “%(title)s” is complete: %(score)s points, graded %(grade)s."
    ),
    "close": gettext_lazy("“%(title)s” is closed."),
    "tranche_paid": gettext_lazy("The tranche “%(milestone)s” of “%(title)s” was paid."),
}
for _action, _text in EVENT_TEXTS.items():
    register_event(f"project.{_action}", _text)
register_reason("project.start", gettext_lazy("Project started from the award"))
for _transition in TRANSITIONS:
    register_reason(f"project.{_transition.action}", typed_reason_or(_transition.label))
register_reason("project.activity_recorded", gettext_lazy("Activity recorded"))
register_reason("project.activity_changed", gettext_lazy("Activity changed"))
register_reason("project.expense_recorded", gettext_lazy("Expense recorded"))
register_reason("project.reading_recorded", gettext_lazy("Indicator reading recorded"))
register_reason("project.tranche_paid", gettext_lazy("Tranche paid"))


def roles_of(user, project):
    return {OFFICER} if user is not None and is_project_officer(user, project) else set()


def available_actions(project, user):
    return TRANSITIONS.available(project.status, roles_of(user, project))


def _history(record, actor, key, **params):
    record._history_user = actor
    record._change_reason = history_reason(key, **params)


# Starting a project.


def start_refusal(application):
    """Why `application` cannot become a project now, or None."""
    from ..awards import awards_final_at

    if application.status != ApplicationState.AWARDED:
        return _("Only an awarded application becomes a project.")
    if Project.objects.filter(application=application).exists():
        return _("“%(title)s” is already a project.") % {"title": application.title}
    if awards_final_at(application.round) is None:
        return _(
            "The awards of “%(round)s” are not final yet: a project starts once their public "
            "notice has ended with no objection upheld."
        ) % {"round": application.round.title}
    return None


@transaction.atomic
def start_project(application, actor, starts_on, ends_on, milestones):
    """Turn a final award into a project. `milestones` are (title, due date, tranche) and their
    tranches add up to the award; each falls due within the period."""
    application = (
        Application.objects.select_for_update().select_related("round").get(pk=application.pk)
    )
    if not is_project_officer(actor, Project(application=application)):
        raise PermissionDenied
    problems = [p for p in [start_refusal(application)] if p]
    if ends_on < starts_on:
        problems.append(_("The project must end after it starts."))
    if not milestones:
        problems.append(_("Add at least one milestone with the tranche paid at it."))
    total = sum((tranche for _title, _due, tranche in milestones), 0)
    if milestones and total != application.awarded_amount:
        problems.append(
            _("The tranches add up to %(total)s yuan; the award is %(award)s yuan.")
            % {"total": f"{total:.2f}", "award": f"{application.awarded_amount:.2f}"}
        )
    for title, due_on, _tranche in milestones:
        if not starts_on <= due_on <= ends_on:
            problems.append(
                _("“%(milestone)s” falls due on %(due)s, outside the project's period.")
                % {"milestone": title, "due": _day(due_on)}
            )
    if problems:
        raise ValidationError(problems)
    project = Project(
        application=application, starts_on=starts_on, ends_on=ends_on, created_by=actor
    )
    _history(project, actor, "project.start")
    project.save()
    Milestone.objects.bulk_create(
        Milestone(project=project, title=title, due_on=due_on, tranche=tranche, position=i)
        for i, (title, due_on, tranche) in enumerate(milestones)
    )
    notify("project.start", project, actor)
    return project


# The street office's steps.


@transaction.atomic
def perform(project, action, actor):
    """Take `action` on `project` as `actor`; returns it updated."""
    from ..evaluation import evaluators_mean, final_score, grade_for

    project = (
        Project.objects.select_for_update().select_related("application__round").get(pk=project.pk)
    )
    TRANSITIONS.check(action, project, roles_of(actor, project), {}, project.get_status_display())
    project.status = TRANSITIONS[action].target
    params = {}
    if action == "complete_final":
        rate = satisfaction(Feedback.objects.filter(activity__project=project))["rate"]
        completion = indicator_completion(indicator_progress(project))
        project.final_score = final_score(
            evaluators_mean(project, EvaluationStage.FINAL), completion, rate
        )
        project.grade = grade_for(project.final_score)
        params = {"score": str(project.final_score), "grade": project.get_grade_display()}
    _history(project, actor, f"project.{action}")
    project.save()
    notify(f"project.{action}", project, actor, params=params or None)
    return project


@transaction.atomic
def pay_tranche(milestone, actor, paid_on):
    milestone = Milestone.objects.select_for_update().select_related("project").get(pk=milestone.pk)
    if not is_project_officer(actor, milestone.project):
        raise PermissionDenied
    if milestone.paid_on is not None:
        raise ValidationError(
            _("“%(milestone)s” was paid on %(day)s.")
            % {"milestone": milestone.title, "day": _day(milestone.paid_on)}
        )
    milestone.paid_on = paid_on
    _history(milestone, actor, "project.tranche_paid")
    milestone.save()
    notify("project.tranche_paid", milestone.project, actor, params={"milestone": milestone.title})
    return milestone


# The record: activities, expenses, readings.


def _lock_for_recording(project, actor):
    """The project, locked, if `actor` may record on it now; else PermissionDenied (not theirs)
    or ValidationError (why not now)."""
    project = (
        Project.objects.select_for_update().select_related("application__round").get(pk=project.pk)
    )
    if not records_for(actor, project):
        raise PermissionDenied
    if project.status not in RECORDING:
        raise ValidationError(
            _("“%(title)s” is “%(state)s”: its record is complete and can no longer change.")
            % {"title": project.title, "state": project.get_status_display()}
        )
    return project


def activity_problems(project, held_on, community, indicators):
    """What is wrong with an activity's date, community and indicators for `project`."""
    problems = []
    if held_on is not None and not project.covers(held_on):
        problems.append(
            _("The project runs from %(start)s to %(end)s; an activity on %(day)s is outside it.")
            % {"start": _day(project.starts_on), "end": _day(project.ends_on), "day": _day(held_on)}
        )
    served = set(project.application.communities.values_list("pk", flat=True))
    if community is not None and community.pk not in served:
        problems.append(
            _("“%(title)s” does not serve %(community)s.")
            % {"title": project.title, "community": community.name}
        )
    if any(i.application_id != project.application_id for i in indicators):
        problems.append(_("An indicator chosen is not one of this project's."))
    return problems


@transaction.atomic
def record_activity(project, actor, activity, indicators=(), photos=()):
    """Save `activity` (new or changed, its fields set by a form) with the indicators it serves
    and new photos, or nothing at all."""
    project = _lock_for_recording(project, actor)
    problems = activity_problems(project, activity.held_on, activity.community, indicators)
    for image in photos:
        try:
            validate_photo(image)
        except ValidationError as error:
            problems += error.messages
    if problems:
        raise ValidationError(problems)
    new = activity.pk is None
    activity.project = project
    if new:
        activity.recorded_by = actor
    _history(activity, actor, "project.activity_recorded" if new else "project.activity_changed")
    activity.save()
    activity.indicators.set(indicators)
    start = activity.photos.count()
    ActivityPhoto.objects.bulk_create(
        ActivityPhoto(activity=activity, image=image, position=start + i)
        for i, image in enumerate(photos)
    )
    return activity


@transaction.atomic
def record_expense(project, actor, expense):
    """Save `expense`; refused when it would take its budget line past what the grant pays
    for it. Expenses of a project are summed under the project's row lock."""
    project = _lock_for_recording(project, actor)
    line = expense.budget_line
    if line.application_id != project.application_id:
        raise ValidationError(_("The budget line chosen is not one of this project's."))
    left = line.requested - spent_on_line(line, project)
    if expense.amount > left:
        raise ValidationError(
            _("“%(item)s” has %(left)s yuan of its %(budgeted)s yuan left; an expense of "
              "%(amount)s yuan does not fit.")
            % {"item": line.item, "left": f"{left:.2f}", "budgeted": f"{line.requested:.2f}",
               "amount": f"{expense.amount:.2f}"}
        )  # fmt: skip
    if expense.spent_on and expense.spent_on > date.today():
        raise ValidationError(_("An expense is recorded once it is paid, not before."))
    expense.project = project
    expense.recorded_by = actor
    _history(expense, actor, "project.expense_recorded")
    expense.save()
    return expense


@transaction.atomic
def record_reading(project, actor, reading):
    project = _lock_for_recording(project, actor)
    if reading.indicator.application_id != project.application_id:
        raise ValidationError(_("An indicator chosen is not one of this project's."))
    reading.project = project
    reading.recorded_by = actor
    _history(reading, actor, "project.reading_recorded")
    reading.save()
    return reading


def activity_for_scan(code):
    """The activity a QR code names, or None."""
    return (
        Activity.objects.select_related("project__application__organisation", "community")
        .filter(code=code)
        .first()
    )
