"""Evaluators' pages: my evaluations, and one evaluation with the project's record beside the
scoring form; a submitted evaluation is final and shows its total; nobody else reaches it.
Pages whose words are read are asked for in English, under /en/."""

import pytest
from django.utils import translation

from consultation.models import Satisfaction
from projects.evaluation import assign_evaluator
from projects.models import EvaluationScore, EvaluationStage
from tests.factories import UserFactory

from .delivery import activity, feedback, funded_project, representative
from .reviewing import officer_of, reviewer_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def project():
    project = funded_project()
    criterion = project.round.evaluation_criteria.first()
    criterion.guidance = "对照申报书的指标逐项核对"
    criterion.save()
    record = activity(project, offline=30)
    feedback(record, Satisfaction.SATISFIED)
    feedback(record, Satisfaction.DISSATISFIED)
    return project


@pytest.fixture
def evaluator(project):
    return reviewer_of(project.round)


@pytest.fixture
def evaluation(project, evaluator):
    return assign_evaluator(
        project, EvaluationStage.FINAL, evaluator, officer_of(project.round.street)
    )


def scores_data(project, *scores, comment="做得扎实"):
    criteria = list(project.round.evaluation_criteria.all())
    data = {"comment": comment}
    for criterion, score in zip(criteria, scores, strict=True):
        data[f"score_{criterion.pk}"] = score
        data[f"comment_{criterion.pk}"] = f"关于{criterion.name}"
    return data


def test_my_evaluations_lists_what_i_am_asked_to_evaluate(client, evaluation, evaluator):
    client.force_login(evaluator)
    page = client.get("/en/evaluations/").content.decode()
    assert "长者智能手机课堂" in page
    assert f"/evaluations/{evaluation.pk}/" in page


def test_the_evaluation_page_shows_the_record_beside_the_criteria(
    client, evaluation, evaluator, django_assert_max_num_queries
):
    client.force_login(evaluator)
    client.get("/en/evaluations/")
    with django_assert_max_num_queries(25):
        response = client.get(f"/en/evaluations/{evaluation.pk}/")
    page = response.content.decode()
    for text in (
        "What the record says",
        "50.0%",  # verified satisfaction: 1 of 2
        "30 participants",
        "目标和指标的完成",  # the round's evaluation criteria
        "对照申报书的指标逐项核对",  # with their guidance
        "Submit the evaluation",
        "<svg",  # indicators against their targets
    ):
        assert text in page, text


def test_an_evaluator_submits_scores_and_sees_the_total(client, project, evaluation, evaluator):
    client.force_login(evaluator)
    response = client.post(
        f"/en/evaluations/{evaluation.pk}/",
        scores_data(project, 8, 6, 10),
        follow=True,
    )
    evaluation.refresh_from_db()
    assert evaluation.submitted_at is not None
    assert evaluation.comment == "做得扎实"
    assert sorted(EvaluationScore.objects.values_list("score", flat=True)) == [6, 8, 10]
    page = response.content.decode()
    assert "78.0" in page  # 8×5 + 6×3 + 10×2
    assert "Submit the evaluation" not in page


def test_a_second_submission_is_refused_and_changes_nothing(client, project, evaluation, evaluator):
    client.force_login(evaluator)
    client.post(f"/evaluations/{evaluation.pk}/", scores_data(project, 8, 6, 10))
    response = client.post(
        f"/en/evaluations/{evaluation.pk}/",
        scores_data(project, 0, 0, 0, comment="改主意了"),
        follow=True,
    )
    assert "can no longer be changed" in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.comment == "做得扎实"
    assert sorted(EvaluationScore.objects.values_list("score", flat=True)) == [6, 8, 10]


def test_a_missing_or_out_of_range_score_is_shown_on_its_criterion_and_nothing_saved(
    client, project, evaluation, evaluator
):
    client.force_login(evaluator)
    data = scores_data(project, 11, "", 5)
    response = client.post(f"/en/evaluations/{evaluation.pk}/", data)
    page = response.content.decode()
    assert "Score “目标和指标的完成” from 0 to 10." in page
    assert "Give “服务质量和居民评价” a score from 0 to 10." in page
    evaluation.refresh_from_db()
    assert evaluation.submitted_at is None
    assert not EvaluationScore.objects.exists()


@pytest.mark.parametrize("who", ["stranger", "other_reviewer", "representative", "officer"])
def test_nobody_but_the_evaluator_reaches_the_evaluation(client, project, evaluation, who):
    person = {
        "stranger": UserFactory,
        "other_reviewer": lambda: reviewer_of(project.round),
        "representative": lambda: representative(project),
        "officer": lambda: officer_of(project.round.street),
    }[who]()
    client.force_login(person)
    assert client.get(f"/evaluations/{evaluation.pk}/").status_code == 404
    assert (
        client.post(f"/evaluations/{evaluation.pk}/", scores_data(project, 8, 6, 10)).status_code
        == 404
    )
    assert not EvaluationScore.objects.exists()


def test_an_evaluator_no_longer_reviewing_the_round_loses_the_evaluation(
    client, project, evaluation, evaluator
):
    project.round.reviewers.filter(user=evaluator).delete()
    client.force_login(evaluator)
    assert client.get(f"/evaluations/{evaluation.pk}/").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, evaluation):
    assert client.get(f"/evaluations/{evaluation.pk}/").status_code == 302
