"""Reviews: who reviews what, scoring rules, conflicts, what a reviewer sees, and the ranking the
street office decides from (on screen and as a spreadsheet)."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from communities.models import Notification
from projects import reviews
from projects.models import ApplicationState, Review, Reviewer, Score
from projects.wagtail_hooks.reviews import ranking_workbook
from tests.factories import UserFactory
from tests.organisations.factories import OrganisationFactory, representative_of

from .factories import funding_round
from .reviewing import in_review, officer_of, reviewer_of, scores

pytestmark = pytest.mark.django_db


def en_url(name, args=()):
    """The English address (the assertions read English text)."""
    with translation.override("en"):
        return reverse(name, args=args)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _in_english():
    """Messages and spreadsheets are asserted in English (pages use their /en/ address)."""
    with translation.override("en"):
        yield


@pytest.fixture
def round():
    return funding_round()  # criteria weigh 30, 30, 20 and 20


@pytest.fixture
def officer(round):
    return officer_of(round.street)


@pytest.fixture
def application(round):
    return in_review(round)


@pytest.fixture
def review(application, officer):
    return reviews.assign(application, reviewer_of(application.round), officer)


# Weighted totals


def test_weighted_total_is_exact_decimal_out_of_the_weights():
    # 8×30 + 7×30 + 6×20 + 9×20 = 750 points → 75.0 of 100
    assert reviews.weighted_total([(8, 30), (7, 30), (6, 20), (9, 20)]) == Decimal("75.0")
    # 7×33 + 7×33 + 7×34 = 700 → 70.0, with no float rounding on the way
    total = reviews.weighted_total([(7, 33), (7, 33), (7, 34)])
    assert isinstance(total, Decimal) and total == Decimal("70.0")
    assert reviews.weighted_total([(9, 15), (4, 85)]) == Decimal("47.5")


def test_residents_vote_counts_at_its_weight_beside_the_criteria():
    # Criteria weigh 80 (the reviewers' 60.0 is out of 80), the residents' vote 20:
    # 60.0 + 50 × 20 / 100 = 70.00
    assert reviews.combined_score(Decimal("60.0"), Decimal("50"), 20) == Decimal("70.00")
    assert reviews.combined_score(Decimal("60.0"), None, 20) == Decimal("60.0")
    assert reviews.combined_score(None, Decimal("90"), 20) is None


def test_a_submitted_review_has_the_weighted_total_of_its_scores(review, round):
    reviews.submit_review(review, scores(round, 8, 7, 6, 9), "fund", "好项目")
    review.refresh_from_db()
    assert review.submitted_at is not None
    assert reviews.review_total(review) == Decimal("75.0")


# Scoring rules


def test_a_missing_score_is_refused_naming_the_criterion_and_nothing_is_saved(review, round):
    given = scores(round, 8, 7, 6, 9)
    missing = list(round.criteria.all())[2]
    del given[missing.pk]
    with pytest.raises(ValidationError) as refused:
        reviews.submit_review(review, given, "fund", "")
    assert any(missing.name in message for message in refused.value.messages)
    review.refresh_from_db()
    assert review.submitted_at is None and review.recommendation == ""
    assert not Score.objects.exists()


@pytest.mark.parametrize("bad", [11, -1, "7.5", "seven", ""])
def test_a_score_outside_0_to_10_is_refused_naming_the_criterion(review, round, bad):
    given = scores(round, 8, 7, 6, bad)
    with pytest.raises(ValidationError) as refused:
        reviews.submit_review(review, given, "fund", "")
    last = list(round.criteria.all())[3]
    assert any(last.name in message for message in refused.value.messages)
    assert not Score.objects.exists()


def test_a_recommendation_is_needed_and_funding_with_changes_says_which(review, round):
    with pytest.raises(ValidationError) as refused:
        reviews.submit_review(review, scores(round, 5, 5, 5, 5), "", "")
    assert "Choose your recommendation." in refused.value.messages
    with pytest.raises(ValidationError) as refused:
        reviews.submit_review(review, scores(round, 5, 5, 5, 5), "fund_with_changes", " ")
    assert "Say which changes the project needs to be funded." in refused.value.messages
    assert not Score.objects.exists()


def test_a_submitted_review_is_final(review, round):
    reviews.submit_review(review, scores(round, 8, 7, 6, 9), "fund", "")
    with pytest.raises(ValidationError):
        reviews.submit_review(review, scores(round, 1, 1, 1, 1), "do_not_fund", "")
    assert sorted(Score.objects.values_list("score", flat=True)) == [6, 7, 8, 9]


def test_no_review_is_submitted_once_the_application_left_review(review, round, application):
    application.status = ApplicationState.DECLINED
    application.save()
    with pytest.raises(ValidationError):
        reviews.submit_review(review, scores(round, 8, 7, 6, 9), "fund", "")
    assert not Score.objects.exists()


def test_submitting_is_in_history_with_the_reviewer(review, round):
    reviews.submit_review(review, scores(round, 8, 7, 6, 9), "fund", "")
    last = review.history.latest("history_date")
    assert last.history_user == review.reviewer
    assert '"review.submitted"' in last.history_change_reason


# Reviewers and assignments


def test_only_an_officer_of_the_rounds_street_adds_reviewers(round, officer):
    person = UserFactory()
    with pytest.raises(PermissionDenied):
        reviews.add_reviewer(round, person, officer_of(OrganisationFactory().street))
    reviewer = reviews.add_reviewer(round, person, officer)
    assert reviewer.history.get().history_user == officer
    with pytest.raises(ValidationError):
        reviews.add_reviewer(round, person, officer)
    assert Reviewer.objects.filter(round=round, user=person).count() == 1


def test_a_reviewer_is_found_by_the_email_they_sign_in_with():
    person = UserFactory(email="li.ming@example.cn")
    assert reviews.find_person(" Li.Ming@example.cn ") == person
    assert reviews.find_person("nobody@example.cn") is None
    assert reviews.find_person("") is None


def test_only_reviewers_of_the_round_are_assigned(application, officer):
    with pytest.raises(ValidationError) as refused:
        reviews.assign(application, UserFactory(), officer)
    assert "not a reviewer of this round" in refused.value.messages[0]
    other_round = funding_round(application.round.street, slug="other")
    with pytest.raises(ValidationError):
        reviews.assign(application, reviewer_of(other_round), officer)
    assert not Review.objects.exists()


def test_an_officer_of_another_street_cannot_assign(application):
    reviewer = reviewer_of(application.round)
    with pytest.raises(PermissionDenied):
        reviews.assign(application, reviewer, officer_of(OrganisationFactory().street))
    assert not Review.objects.exists()


def test_a_representative_of_the_applicant_is_not_assigned_its_application(application, officer):
    representative = representative_of(application.organisation)
    Reviewer.objects.create(round=application.round, user=representative)
    with pytest.raises(ValidationError) as refused:
        reviews.assign(application, representative, officer)
    assert application.organisation.name in refused.value.messages[0]
    assert not Review.objects.exists()


def test_reviewers_are_assigned_only_while_the_application_is_in_review(round, officer):
    draft = in_review(round)
    draft.status = ApplicationState.SCREENING
    draft.save()
    with pytest.raises(ValidationError):
        reviews.assign(draft, reviewer_of(round), officer)
    assert not Review.objects.exists()


def test_a_reviewer_is_assigned_once(review, officer):
    with pytest.raises(ValidationError) as refused:
        reviews.assign(review.application, review.reviewer, officer)
    assert "already reviewing" in refused.value.messages[0]


def test_the_assigned_reviewer_is_notified_with_a_link_to_the_review(review, officer):
    notification = Notification.objects.get(recipient=review.reviewer)
    assert notification.event == "review.assigned"
    assert notification.actor == officer
    with translation.override(None):  # the recipient's link, without the actor's language
        assert notification.url == reverse("projects:review", args=[review.pk])
    assert review.application.title in notification.message


def test_removing_a_reviewer_withdraws_open_assignments_and_keeps_submitted_ones(
    round, officer, application
):
    reviewer = reviewer_of(round)
    done = reviews.assign(application, reviewer, officer)
    reviews.submit_review(done, scores(round, 5, 5, 5, 5), "fund", "")
    still_open = reviews.assign(in_review(round), reviewer, officer)
    reviews.remove_reviewer(Reviewer.objects.get(user=reviewer), officer)
    assert not Review.objects.filter(pk=still_open.pk).exists()
    assert Review.objects.filter(pk=done.pk).exists()
    assert not reviews.reviews_of(reviewer).exists()  # the membership ended: so did the access
    assert reviews.ranking(round)[0].reviews == 1


# Conflicts of interest


def test_a_conflict_needs_a_note_and_then_the_review_cannot_be_scored(review, round, officer):
    with pytest.raises(ValidationError):
        reviews.declare_conflict(review, "  ")
    reviews.declare_conflict(review, "我是该组织的顾问")
    review.refresh_from_db()
    assert review.conflict_of_interest and review.conflict_note == "我是该组织的顾问"
    assert review.history.latest("history_date").history_user == review.reviewer
    with pytest.raises(ValidationError):
        reviews.submit_review(review, scores(round, 8, 7, 6, 9), "fund", "")
    assert not Score.objects.exists()
    assert not reviews.reviewable_by(review.reviewer).exists()


def test_the_office_is_told_of_a_conflict_and_assigns_someone_else(review, round, officer):
    reviews.declare_conflict(review, "亲属在该组织工作")
    told = Notification.objects.get(recipient=officer)
    assert told.event == "review.conflict_declared"
    assert told.url == reverse("projects_review_assign", args=[review.application.pk])
    with pytest.raises(ValidationError) as refused:
        reviews.assign(review.application, review.reviewer, officer)
    assert "conflict of interest" in refused.value.messages[0]
    replacement = reviews.assign(review.application, reviewer_of(round), officer)
    assert replacement.pk != review.pk
    assert Review.objects.filter(pk=review.pk, conflict_of_interest=True).exists()


def test_a_conflicted_review_counts_for_nothing_in_the_ranking(review, round, officer):
    other = reviews.assign(review.application, reviewer_of(round), officer)
    reviews.submit_review(other, scores(round, 6, 6, 6, 6), "fund", "")
    reviews.declare_conflict(review, "亲属在该组织工作")
    (row,) = reviews.ranking(round)
    assert (row.reviews, row.assigned, row.conflicts) == (1, 2, 1)
    assert row.average == Decimal("60.00")


# What a reviewer sees


def test_other_reviews_are_shown_only_after_submitting_ones_own(client, review, round, officer):
    other = reviews.assign(review.application, reviewer_of(round), officer)
    verdict = "预算明显偏高，不建议资助"
    reviews.submit_review(other, scores(round, 3, 3, 3, 3), "do_not_fund", verdict)
    client.force_login(review.reviewer)
    url = en_url("projects:review", args=[review.pk])
    before = client.get(url).content.decode()
    assert "预算明显偏高" not in before
    assert "The other reviews" not in before
    reviews.submit_review(review, scores(round, 8, 7, 6, 9), "fund", "")
    after = client.get(url).content.decode()
    assert verdict in after
    assert "Reviewer 1" in after and "30.0" in after  # the other's weighted total


def test_the_review_page_shows_the_application_in_full_with_sums(client, round, officer):
    app = in_review(round)
    app.budget_lines.all().delete()
    for position, (item, unit, quantity, requested, cofunded) in enumerate(
        [("书法用纸", "12.35", 7, "60.45", "26.00"), ("讲师课时费", "300.00", 12, "3600.00", "0")]
    ):
        app.budget_lines.create(
            item=item, unit_cost=Decimal(unit), quantity=quantity, position=position,
            requested=Decimal(requested), cofunded=Decimal(cofunded),
        )  # fmt: skip
    review = reviews.assign(app, reviewer_of(round), officer)
    client.force_login(review.reviewer)
    page = client.get(en_url("projects:review", args=[review.pk])).content.decode()
    for text in (app.need, app.goals, app.activity_plan, "书法用纸", "开展活动"):
        assert text in page
    assert "3,660.45" in page  # requested: 60.45 + 3,600.00
    assert "cost 3,686.45" in page  # cost of the lines: 86.45 + 3,600.00


def test_without_javascript_the_preview_shows_the_total_and_submit_saves(client, review, round):
    client.force_login(review.reviewer)
    url = en_url("projects:review", args=[review.pk])
    data = {"recommendation": "fund", "comment": "值得支持"}
    for criterion, value in zip(round.criteria.all(), (8, 7, 6, 9), strict=True):
        data[f"score_{criterion.pk}"] = value
        data[f"comment_{criterion.pk}"] = f"{criterion.name}的意见"
    preview = client.post(url, {**data, "preview": "1"})
    assert preview.status_code == 200
    assert "<strong>75.0</strong> / 100" in preview.content.decode()
    assert 'name="submit"' in preview.content.decode()
    review.refresh_from_db()
    assert review.submitted_at is None  # the preview saves nothing
    back = client.post(url, {**data, "change": "1"})
    assert 'name="preview"' in back.content.decode()
    saved = client.post(url, {**data, "submit": "1"})
    assert saved.status_code == 302
    review.refresh_from_db()
    assert review.submitted_at is not None and review.recommendation == "fund"
    assert reviews.review_total(review) == Decimal("75.0")
    assert set(review.scores.values_list("comment", flat=True)) == {
        f"{c.name}的意见" for c in round.criteria.all()
    }


def test_the_form_refuses_a_missing_score_naming_the_criterion(client, review, round):
    client.force_login(review.reviewer)
    url = en_url("projects:review", args=[review.pk])
    criteria = list(round.criteria.all())
    data = {"recommendation": "fund", "submit": "1"}
    for criterion, value in zip(criteria[:3], (8, 7, 12), strict=True):
        data[f"score_{criterion.pk}"] = value
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert f"Give “{criteria[3].name}” a score from 0 to 10." in page
    assert f"Score “{criteria[2].name}” from 0 to 10." in page
    assert not Score.objects.exists()


def test_the_live_total_script_is_loaded_from_a_file_with_each_weight(client, review, round):
    client.force_login(review.reviewer)
    page = client.get(en_url("projects:review", args=[review.pk])).content.decode()
    assert "js/review-total.js" in page
    assert page.count("data-weight=") == round.criteria.count()
    assert "<script>" not in page


def test_my_reviews_lists_assignments_and_conflicts_without_a_link(client, review, round, officer):
    second = reviews.assign(in_review(round, title="社区花园共建"), review.reviewer, officer)
    reviews.declare_conflict(second, "我是该组织的顾问")
    client.force_login(review.reviewer)
    page = client.get(en_url("projects:my_reviews")).content.decode()
    assert reverse("projects:review", args=[review.pk]) in page
    assert "社区花园共建" in page
    assert reverse("projects:review", args=[second.pk]) not in page


# The ranking


def _reviewed(round, officer, title, requested, *totals):
    """An application whose reviewers scored every criterion with each of `totals` / 10."""
    app = in_review(round, title=title, requested=requested)
    for each in totals:
        review = reviews.assign(app, reviewer_of(round), officer)
        given = scores(round, *[each] * round.criteria.count())
        reviews.submit_review(review, given, "fund", "")
    return app


def test_ranking_orders_by_score_and_marks_where_the_budget_runs_out():
    round = funding_round(total_budget=Decimal("100000.00"), grant_ceiling=Decimal("50000.00"))
    officer = officer_of(round.street)
    middle = _reviewed(round, officer, "中", "40000.00", 7, 6)  # 70.0, 60.0 → 65.00
    best = _reviewed(round, officer, "优", "45000.00", 9, 8, 7)  # 80.00, spread 20.0
    unreviewed = in_review(round, title="未评", requested="1000.00")
    last = _reviewed(round, officer, "末", "30000.00", 5)  # 50.00
    rows = reviews.ranking(round)
    assert [row.application for row in rows] == [best, middle, last, unreviewed]
    assert [row.average for row in rows] == [Decimal("80.00"), Decimal("65.00"),
                                             Decimal("50.00"), None]  # fmt: skip
    assert rows[0].spread == Decimal("20.0") and rows[0].reviews == 3
    assert [row.running_total for row in rows] == [
        Decimal("45000.00"), Decimal("85000.00"), Decimal("115000.00"), Decimal("116000.00"),
    ]  # fmt: skip
    assert [row.within_budget for row in rows] == [True, True, False, False]
    assert [row.budget_runs_out for row in rows] == [False, False, True, False]


def test_ranking_takes_the_residents_vote_at_its_weight():
    round = funding_round(criteria=(("需求", 40), ("可行", 40)), residents_say_weight=20)
    officer = officer_of(round.street)
    liked = _reviewed(round, officer, "居民喜欢", "1000.00", 6)  # 48.0 of 80
    judged = _reviewed(round, officer, "评审看好", "1000.00", 7)  # 56.0 of 80
    rows = reviews.ranking(round, residents={liked.pk: Decimal("90"), judged.pk: Decimal("40")})
    # 48.0 + 90 × 0.2 = 66.00 beats 56.0 + 40 × 0.2 = 64.00
    assert [(row.application, row.score) for row in rows] == [
        (liked, Decimal("66.00")),
        (judged, Decimal("64.00")),
    ]


def test_decided_applications_stay_and_the_budget_counts_what_was_awarded(round, officer):
    awarded = _reviewed(round, officer, "已资助", "50000.00", 9)
    declined = _reviewed(round, officer, "未资助", "40000.00", 8)
    open_one = _reviewed(round, officer, "待定", "30000.00", 7)
    awarded.status, awarded.awarded_amount = ApplicationState.AWARDED, Decimal("42000.00")
    awarded.save()
    declined.status = ApplicationState.DECLINED
    declined.save()
    rows = reviews.ranking(round)
    assert [row.application for row in rows] == [awarded, declined, open_one]
    assert [row.running_total for row in rows] == [
        Decimal("42000.00"), Decimal("42000.00"), Decimal("72000.00"),
    ]  # fmt: skip


def test_the_ranking_page_shows_the_table_to_the_rounds_officer(client, round, officer):
    _reviewed(round, officer, "优秀项目", "45000.00", 9, 7)
    client.force_login(officer)
    page = client.get(reverse("projects_ranking", args=[round.pk])).content.decode()
    # The admin speaks Chinese by default, where money has no thousands separator.
    assert "优秀项目" in page and "<strong>80.00</strong>" in page and "45000.00" in page


def test_the_xlsx_has_numbers_as_numbers_money_with_two_decimals_and_no_formulas():
    round = funding_round(total_budget=Decimal("60000.00"), grant_ceiling=Decimal("50000.00"))
    officer = officer_of(round.street)
    first = _reviewed(round, officer, '=HYPERLINK("http://x")', "45000.50", 9, 7)
    first.organisation.name = "@SUM(A1)"
    first.organisation.save()
    _reviewed(round, officer, "第二名", "20000.00", 6)
    with translation.override("en"):  # the headers are in the officer's language
        workbook = load_workbook(BytesIO(ranking_workbook(round, reviews.ranking(round))))
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, [cell for cell in sheet[2]], strict=True))
    assert row["Application"].value == '\'=HYPERLINK("http://x")'
    assert row["Organisation"].value == "'@SUM(A1)"
    assert row["Rank"].value == 1
    assert row["Reviewers' average"].value == 80 and row["Spread"].value == 20
    assert row["Requested (yuan)"].value == pytest.approx(45000.50)
    assert row["Requested (yuan)"].number_format == "#,##0.00"
    assert row["Running total (yuan)"].number_format == "#,##0.00"
    assert row["Fund"].value == 2
    second = dict(zip(header, [cell.value for cell in sheet[3]], strict=True))
    assert second["Running total (yuan)"] == pytest.approx(65000.50)
    assert second["Within the budget"] == "no"
    assert all(not isinstance(cell.value, str) or not cell.value.startswith("=")
               for line in sheet.iter_rows() for cell in line)  # fmt: skip


def test_the_export_downloads_as_xlsx(client, round, officer):
    _reviewed(round, officer, "优秀项目", "45000.00", 9)
    client.force_login(officer)
    response = client.get(reverse("projects_ranking_export", args=[round.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert load_workbook(BytesIO(response.content)).active["B2"].value == "优秀项目"


@pytest.fixture
def forty_applications(round, officer):
    """40 applications with 3 submitted reviews each (and a conflicted one on each)."""
    criteria = list(round.criteria.all())
    people = [reviewer_of(round) for _ in range(4)]
    for number in range(40):
        app = in_review(round, title=f"项目{number}", requested=f"{1000 + number * 10}.00")
        for index, person in enumerate(people):
            review = Review.objects.create(application=app, reviewer=person)
            if index == 3:
                review.conflict_of_interest = True
                review.conflict_note = "顾问"
                review.save()
                continue
            Score.objects.bulk_create(
                Score(review=review, criterion=c, score=(number + index) % 11) for c in criteria
            )
            review.recommendation = "fund"
            review.submitted_at = review.assigned_at
            review.save()
    return round


def test_ranking_of_forty_applications_takes_a_fixed_number_of_queries(
    forty_applications, django_assert_max_num_queries
):
    # The applications with their totals, their reviews with points, the residents' vote.
    with django_assert_max_num_queries(3):
        rows = reviews.ranking(forty_applications)
    assert len(rows) == 40 and all(row.reviews == 3 and row.conflicts == 1 for row in rows)


def test_ranking_page_and_export_of_forty_applications_are_bounded(
    client, forty_applications, officer, django_assert_max_num_queries
):
    client.force_login(officer)
    with django_assert_max_num_queries(22):
        page = client.get(reverse("projects_ranking", args=[forty_applications.pk]))
    assert page.status_code == 200 and page.content.decode().count('class="num"><strong>') == 80
    with django_assert_max_num_queries(14):
        export = client.get(reverse("projects_ranking_export", args=[forty_applications.pk]))
    assert load_workbook(BytesIO(export.content)).active.max_row == 1 + 40 + 2


def test_the_review_page_and_my_reviews_take_a_bounded_number_of_queries(
    client, round, officer, django_assert_max_num_queries
):
    app = in_review(round)
    people = [reviewer_of(round) for _ in range(4)]
    assigned = [reviews.assign(app, person, officer) for person in people]
    for review in assigned:
        reviews.submit_review(review, scores(round, 7, 6, 5, 8), "fund", "可以资助")
    for number in range(5):
        reviews.assign(in_review(round, title=f"项目{number}"), people[0], officer)
    client.force_login(people[0])
    client.get(en_url("projects:my_reviews"))  # the site's settings are made on a first visit
    with django_assert_max_num_queries(15):
        page = client.get(en_url("projects:review", args=[assigned[0].pk]))
    assert page.content.decode().count("Reviewer ") >= 3  # the three others' reviews
    with django_assert_max_num_queries(8):
        listing = client.get(en_url("projects:my_reviews"))
    assert listing.content.decode().count('class="card topic-card"') == 6
