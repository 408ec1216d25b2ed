"""Funding applications in the access-matrix world (tests/access/world.py).

Street 一 runs a round; an organisation serving 甲 has submitted an application to it, which
only its representatives, the street office of 一 and 甲's staff (in the admin) may see, so
its title is private. The same organisation's draft is its own alone: its title is secret,
shown to nobody but a superuser, street office included. Two other applications serving 甲
are in review and on the residents' vote of 甲, whose page is public. 乙's organisation
applied to street 二's round.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from projects.models import (
    Activity,
    Application,
    ApplicationState,
    Evaluation,
    EvaluationStage,
    Expense,
    GeneratedReport,
    IndicatorReading,
    Measure,
    Project,
    ReportKind,
    ResidentVote,
    ResidentVoteOption,
    Review,
)
from projects.resident_vote import open_resident_vote
from tests.organisations.factories import OrganisationFactory, representative_of

from .delivery import activity, funded_project
from .factories import application, funding_round
from .reviewing import in_review, reviewer_of


def add_to_world(world):
    round_1 = funding_round(
        world.places["street_1"], title="一街道公益创投", residents_say_weight=20
    )
    round_2 = funding_round(world.places["street_2"], title="二街道公益创投")
    organisation_a = OrganisationFactory(
        street=world.places["street_1"], communities=[world.places["a"]], name="甲社区书画社"
    )
    organisation_b = OrganisationFactory(
        street=world.places["street_2"], communities=[world.places["b"]], name="乙社区合唱队"
    )
    submitted = application(
        round_1,
        organisation_a,
        title="甲社区秘密申请书法课堂",
        status=ApplicationState.SUBMITTED,
        submitted_at=timezone.now(),
    )
    draft = application(round_1, organisation_a, title="甲社区未提交草稿项目")
    theirs = application(
        round_2,
        organisation_b,
        title="乙社区合唱进楼栋",
        status=ApplicationState.SUBMITTED,
        submitted_at=timezone.now(),
    )
    world.add(round_1, round_2)  # the rounds' own staff screens (reviewers, ranking) name them
    world.add(submitted, theirs)
    world.private |= {submitted.title}
    world.secret |= {draft.title}
    world.url_objects["projects"] = Application
    people_locked_out(world, round_1, organisation_a)
    world.add(residents_vote(world, round_1, organisation_a, number=submitted.pk))
    funded_project_of_a(world, organisation_a)


def funded_project_of_a(world, organisation):
    """甲's organisation carries out a funded project of street 一 (public, like its activities);
    its receipts, evidence, evaluators' words and generated reports are private. The URLs
    naming them take their own records' ids (route_objects), an activity's code its QR code."""
    project = funded_project(world.places["street_1"], organisation, title="甲社区长者课堂项目")
    held = activity(project, signed_in=3, offline=2)
    world.url_values["code"] = held.code
    expense = Expense.objects.create(
        project=project,
        budget_line=project.application.budget_lines.first(),
        spent_on=project.starts_on,
        amount=Decimal("100.00"),
        description="甲社区秘密发票用途",
        receipt="projects/receipt.pdf",
    )
    manual = project.application.indicators.get(measure=Measure.MANUAL)
    reading = IndicatorReading.objects.create(
        project=project, indicator=manual, value=10, note="甲社区秘密测量方法", evidence="x.pdf"
    )
    expert = reviewer_of(project.round, username="evaluator-a")
    sheet = Evaluation.objects.create(
        project=project,
        stage=EvaluationStage.MIDTERM,
        evaluator=expert,
        comment="甲社区秘密评估意见",
    )
    report = GeneratedReport.objects.create(
        kind=ReportKind.LEDGER,
        community=world.places["a"],
        period_start=project.starts_on,
        period_end=project.ends_on,
        categories=["consultation", "projects"],
        requested_by=world.users["officer_1"],
        status=GeneratedReport.Status.DONE,
        pdf=b"%PDF-1.4 secret",
    )
    for record in (project, held, expense, reading, sheet, report):
        world.add(record)
    world.private |= {"甲社区秘密发票用途", "甲社区秘密测量方法", "甲社区秘密评估意见"}
    for name in ("project", "record", "activity_add", "expense_add", "reading_add",
                 "project_report"):  # fmt: skip
        world.route_objects[f"projects:{name}"] = Project
    for name in ("activity_edit", "activity_qr"):
        world.route_objects[f"projects:{name}"] = Activity
    world.route_objects["projects:expense_receipt"] = Expense
    world.route_objects["projects:reading_evidence"] = IndicatorReading
    world.route_objects["projects:evaluation"] = Evaluation
    world.reviewer_routes.add("projects:evaluation")  # reviewers of round 一 evaluate nothing here
    for name in ("report_status", "report_download"):
        world.route_objects[f"projects:{name}"] = GeneratedReport


def residents_vote(world, round, organisation, number):
    """甲's residents' vote on two projects in review. The matrix fills a public projects URL's
    `pk` with the application's (url_objects), so the vote takes that number too: its page is
    then tried as every role."""
    shortlist = [
        in_review(round, organisation, title="甲社区长者手机课堂"),
        in_review(round, organisation, title="甲社区楼道花园"),
    ]
    now = timezone.now()
    [vote], _left_out = open_resident_vote(
        round,
        world.users["officer_1"],
        applications=shortlist,
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=3),
        franchise="resident",
    )
    ResidentVote.objects.filter(pk=vote.pk).update(id=number)
    ResidentVoteOption.objects.filter(vote_id=vote.pk).update(vote_id=number)
    return ResidentVote.objects.get(pk=number)


def people_locked_out(world, round, organisation):
    """Three roles of the matrix with no staff role who must find nothing of 甲's applications:
    the representative of another organisation of 甲, a reviewer of the round not assigned to
    甲's application in review, and one assigned to it who declared a conflict of interest. The
    reviewer pages (reviews/<pk>/…) are tried on the conflicted reviewer's assignment, and 404
    for both reviewers; none of the three is ever shown the private or secret titles."""
    other = OrganisationFactory(
        street=round.street, communities=[world.places["a"]], name="甲社区舞蹈队"
    )
    world.users["representative_other"] = representative_of(other)
    reviewed = in_review(round, organisation, title="甲社区评审中的敬老项目")
    world.users["reviewer_unassigned"] = reviewer_of(round, username="reviewer-unassigned")
    conflicted = reviewer_of(round, username="reviewer-conflicted")
    world.users["reviewer_conflicted"] = conflicted
    assignment = Review.objects.create(
        application=reviewed,
        reviewer=conflicted,
        conflict_of_interest=True,
        conflict_note="我是该组织的顾问",
    )
    world.add(assignment)
    # Not private: the conflicted reviewer's own list still names what they were assigned.
    for name in ("projects:review", "projects:review_conflict", "projects:review_attachment"):
        world.route_objects[name] = Review
        world.reviewer_routes.add(name)
