"""公示 of a round's awards: published once every application is decided, objected to by the
street's residents and the applicants during the notice period, answered in public by the
round's street office; decisions locked while it runs; final when it ends with every objection
answered and none upheld; reopened after an upheld objection."""

import json
import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from communities import notices
from communities.models import Notification, Objection, PublicNotice
from projects import awards, decisions, workflow
from projects.models import ApplicationState
from tests.factories import CommunityFactory, UserFactory, VerifiedResidentFactory
from tests.organisations.factories import OrganisationFactory, representative_of

from .factories import funding_round
from .reviewing import in_review, officer_of, reviewer_of

S = ApplicationState
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def refusal(call):
    with pytest.raises(ValidationError) as error:
        call()
    return " ".join(error.value.messages)


@pytest.fixture
def round(db):
    return funding_round(total_budget=Decimal("100000.00"), grant_ceiling=Decimal("50000.00"))


@pytest.fixture
def officer(round):
    return officer_of(round.street)


@pytest.fixture
def decided(round, officer):
    """Two awards and a declined application, every one decided."""
    first = in_review(round, title="书法进社区", requested="40000.00")
    second = in_review(round, title="老人助餐", requested="30000.00")
    third = in_review(round, title="旧物改造", requested="20000.00")
    decisions.decide(first, "award", officer, reason="好", amount=Decimal("35000.50"))
    decisions.decide(second, "award", officer, reason="好", amount=Decimal("30000"))
    decisions.decide(third, "decline", officer, reason="预算不清")
    return first, second, third


@pytest.fixture
def resident(round):
    community = CommunityFactory(street=round.street)
    return VerifiedResidentFactory(community=community).user


def test_publishing_needs_every_application_decided(round, officer, decided):
    waiting = in_review(round, title="还在评审")
    assert "still to be decided" in refusal(lambda: awards.publish_awards(round, officer))
    assert not PublicNotice.objects.exists()
    decisions.decide(waiting, "waitlist", officer, reason="候补")
    notice = awards.publish_awards(round, officer, days=7)
    assert notice.ends_at - notice.starts_at == timedelta(days=7)
    assert notice.street == round.street and notice.opened_by == officer


def test_the_list_has_organisation_project_amount_score_and_a_total_that_adds_up(
    round, officer, decided
):
    notice = awards.publish_awards(round, officer)
    lines = notice.content["lines"]
    assert {line["title"] for line in lines} == {"书法进社区", "老人助餐", "旧物改造"}
    amounts = {line["title"]: line["amount"] for line in lines}
    assert amounts == {"书法进社区": "35000.50", "老人助餐": "30000.00", "旧物改造": "0.00"}
    assert notice.content["total"] == "65000.50"
    assert sum(Decimal(line["amount"]) for line in lines) == Decimal(notice.content["total"])
    assert all(line["organisation"] for line in lines)


def test_applicants_are_told_when_the_notice_opens_and_when_awards_are_final(
    round, officer, decided
):
    awards.publish_awards(round, officer)
    told = set(
        Notification.objects.filter(event="funding_round.awards_on_notice").values_list(
            "recipient", flat=True
        )
    )
    assert told == {representative_of(a.organisation).pk for a in decided}
    assert notices.end_due_notices(timezone.now() + timedelta(days=8)) == 1
    assert awards.awards_final_at(round) is not None
    assert Notification.objects.filter(event="funding_round.awards_final").count() == 3


def test_decisions_are_locked_while_the_notice_runs_and_once_final(round, officer, decided):
    late = in_review(round, title="候补项目", requested="1000.00")
    decisions.decide(late, "waitlist", officer, reason="候补")
    awards.publish_awards(round, officer)
    text = refusal(
        lambda: decisions.decide(late, "award", officer, reason="好", amount=Decimal("1000"))
    )
    assert "on public notice" in text
    late.refresh_from_db()
    assert late.status == S.WAITLISTED
    notices.end_due_notices(timezone.now() + timedelta(days=8))
    assert "are final" in refusal(
        lambda: decisions.decide(late, "award", officer, reason="好", amount=Decimal("1000"))
    )
    assert "are final" in refusal(lambda: awards.publish_awards(round, officer))


def test_a_resident_of_the_street_and_an_applicant_may_object_once_per_notice(
    round, officer, decided, resident
):
    notice = awards.publish_awards(round, officer)
    notices.file_objection(notice, resident, "旧物改造的评分不公开。")
    applicant = representative_of(decided[2].organisation)
    notices.file_objection(notice, applicant, "请说明拒绝理由。")
    assert "already filed" in refusal(lambda: notices.file_objection(notice, resident, "再一次"))
    assert notice.objections.count() == 2
    # The street office is told, with a link to answer.
    assert Notification.objects.filter(
        event="funding_round.objection_filed", recipient=officer
    ).exists()


def test_someone_of_another_street_cannot_object(client, round, officer, decided):
    notice = awards.publish_awards(round, officer)
    stranger = VerifiedResidentFactory().user  # a community of another street
    assert "Only verified residents" in refusal(
        lambda: notices.file_objection(notice, stranger, "我反对。")
    )
    client.force_login(stranger)
    response = client.post(
        reverse("projects:object_to_awards", args=[round.pk]), {"body": "我反对。"}
    )
    assert response.status_code == 302
    assert not Objection.objects.exists()


def test_an_objection_outside_the_period_is_refused_with_a_message(
    round, officer, decided, resident
):
    notice = awards.publish_awards(round, officer, days=3)
    PublicNotice.objects.filter(pk=notice.pk).update(
        starts_at=timezone.now() - timedelta(days=3), ends_at=timezone.now() - timedelta(minutes=1)
    )
    notice.refresh_from_db()
    assert "only during the notice period" in refusal(
        lambda: notices.file_objection(notice, resident, "晚了。")
    )
    assert not Objection.objects.exists()


def test_an_officer_of_another_street_cannot_answer(client, round, officer, decided, resident):
    notice = awards.publish_awards(round, officer)
    objection = notices.file_objection(notice, resident, "评分不公开。")
    other = officer_of(CommunityFactory().street)
    with pytest.raises(PermissionDenied):
        notices.answer_objection(objection, other, answer="不予采纳。", upheld=False)
    client.force_login(other)
    url = reverse("answer_objection", args=[objection.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"answer": "不予采纳。", "upheld": "false"}).status_code == 404
    assert client.get(reverse("objections:inspect", args=[objection.pk])).status_code == 404
    assert Objection.objects.get(pk=objection.pk).answered_at is None


def test_the_rounds_officer_answers_on_the_one_objections_screen(
    client, round, officer, decided, resident
):
    notice = awards.publish_awards(round, officer)
    objection = notices.file_objection(notice, resident, "评分不公开。")
    client.force_login(officer)
    listing = client.get(reverse("objections:index"))
    assert "评分不公开" in listing.content.decode()
    response = client.post(
        reverse("answer_objection", args=[objection.pk]),
        {"answer": "评分表已在公示页公开。", "upheld": "false"},
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.answered_by == officer and objection.upheld is False
    assert objection.history.latest().history_user == officer
    assert Notification.objects.filter(
        event="funding_round.objection_answered", recipient=resident
    ).exists()


def test_awards_are_final_only_after_the_end_with_every_objection_answered(
    round, officer, decided, resident
):
    notice = awards.publish_awards(round, officer)
    objection = notices.file_objection(notice, resident, "评分不公开。")
    after = timezone.now() + timedelta(days=8)
    assert notices.end_due_notices(timezone.now()) == 0  # still running
    assert notices.end_due_notices(after) == 0  # an objection waits for its answer
    assert awards.awards_final_at(round) is None
    notices.answer_objection(objection, officer, answer="已公开评分表。", upheld=False)
    assert notices.end_due_notices(after) == 1
    assert awards.awards_final_at(round) is not None


def test_an_upheld_objection_reopens_decisions_and_the_awards_go_on_notice_again(
    round, officer, decided, resident
):
    notice = awards.publish_awards(round, officer)
    objection = notices.file_objection(notice, resident, "旧物改造应获资助。")
    assert "only after an upheld objection" in refusal(
        lambda: awards.reopen_decisions(round, officer)
    )
    notices.answer_objection(objection, officer, answer="异议成立。", upheld=True)
    assert notices.end_due_notices(timezone.now() + timedelta(days=8)) == 0
    declined = decided[2]
    assert "only after an upheld objection" in refusal(
        lambda: workflow.perform(declined, "decide_again", officer, reason="重新评审")
    )
    awards.reopen_decisions(round, officer)
    assert awards.awards_final_at(round) is None and awards.decisions_locked(round) is None
    workflow.perform(declined, "decide_again", officer, reason="异议成立，重新评审")
    declined.refresh_from_db()
    assert declined.status == S.IN_REVIEW and declined.history.latest().history_user == officer
    assert "still to be decided" in refusal(lambda: awards.publish_awards(round, officer))
    decisions.decide(declined, "award", officer, reason="重新评审后资助", amount=Decimal("20000"))
    again = awards.publish_awards(round, officer)
    assert again.content["total"] == "85000.50"
    assert again.pk != notice.pk
    # A new notice: the same resident may object afresh.
    notices.file_objection(again, resident, "仍有异议。")


def test_the_round_page_shows_the_list_the_objections_and_final(
    client, round, officer, decided, resident
):
    assert 'id="awards"' not in client.get(round.url).content.decode()
    notice = awards.publish_awards(round, officer)
    objection = notices.file_objection(notice, resident, "评分不公开。")
    notices.answer_objection(objection, officer, answer="评分表已公开。", upheld=False)
    client.force_login(resident)
    page = client.get(round.url).content.decode()
    assert "书法进社区" in page and "35000.50" in page and "65000.50" in page
    assert "评分表已公开。" in page and "On public notice" in page
    assert 'name="body"' not in page  # objected once already
    notices.end_due_notices(timezone.now() + timedelta(days=8))
    page = client.get(round.url).content.decode()
    assert "these awards are final" in page


def test_the_public_form_files_an_objection(client, round, officer, decided, resident):
    awards.publish_awards(round, officer)
    client.force_login(resident)
    page = client.get(round.url).content.decode()
    assert 'name="body"' in page
    response = client.post(
        reverse("projects:object_to_awards", args=[round.pk]), {"body": "请公开评分细则。"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#objections")
    assert Objection.objects.get().author == resident


def test_the_officer_publishes_from_the_ranking_and_others_get_404(client, round, officer, decided):
    url = reverse("projects_publish_awards", args=[round.pk])
    for person in (officer_of(CommunityFactory().street), reviewer_of(round), UserFactory()):
        client.force_login(person)
        assert client.post(url, {"days": "7"}).status_code in {302, 404}
    assert not PublicNotice.objects.exists()
    client.force_login(officer)
    ranking = client.get(reverse("projects_ranking", args=[round.pk])).content.decode()
    assert f'href="{url}"' in ranking
    assert client.post(url, {"days": "0"}).status_code == 200  # refused, nothing saved
    assert not PublicNotice.objects.exists()
    assert client.post(url, {"days": "5"}).status_code == 302
    notice = PublicNotice.objects.get()
    assert notice.ends_at - notice.starts_at == timedelta(days=5)


def test_the_printable_notice_lists_the_awards(client, round, officer, decided, tmp_path):
    url = reverse("projects:awards_notice_pdf", args=[round.pk])
    assert client.get(url).status_code == 404  # nothing published yet
    awards.publish_awards(round, officer)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "notice.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "书法进社区" in text and "35000.50" in text and "65000.50" in text


def test_an_organisation_of_another_round_cannot_object(round, officer, decided):
    notice = awards.publish_awards(round, officer)
    elsewhere = OrganisationFactory()
    assert "Only verified residents" in refusal(
        lambda: notices.file_objection(notice, representative_of(elsewhere), "我反对。")
    )


def test_decide_again_is_offered_on_the_application_only_once_decisions_are_reopened(
    client, round, officer, decided, resident
):
    declined = decided[2]
    screen = reverse("applications_screen", args=[declined.pk, "decide_again"])
    client.force_login(officer)
    inspect = reverse("applications_admin:inspect", args=[declined.pk])
    assert screen not in client.get(inspect).content.decode()
    notice = awards.publish_awards(round, officer)
    objection = notices.file_objection(notice, resident, "旧物改造应获资助。")
    notices.answer_objection(objection, officer, answer="异议成立。", upheld=True)
    client.post(reverse("projects_reopen_decisions", args=[round.pk]))
    assert screen in client.get(inspect).content.decode()
    response = client.post(screen, {"reason": "异议成立，重新评审"})
    assert response.status_code == 302
    declined.refresh_from_db()
    assert declined.status == S.IN_REVIEW


def test_my_objection_to_awards_is_in_my_data_download(client, round, officer, decided, resident):
    notice = awards.publish_awards(round, officer)
    notices.file_objection(notice, resident, "旧物改造项目也应资助。")
    client.force_login(resident)

    data = json.loads(client.get(reverse("communities:my_data")).content)

    [entry] = data["objections"]
    assert entry["objection"] == "旧物改造项目也应资助。"
    assert entry["on"]["title"] == round.title
    assert entry["on"]["link"] == round.get_url()


def test_the_published_list_says_each_decision_and_no_amount_for_a_decline(
    client, round, officer, decided
):
    awards.publish_awards(round, officer)
    page = client.get(round.url).content.decode()
    declined_row = next(row for row in page.split("<tr>") if "旧物改造" in row)
    assert "Declined" in declined_row and "—" in declined_row and "0.00" not in declined_row
    awarded_row = next(row for row in page.split("<tr>") if "书法进社区" in row)
    assert "Awarded" in awarded_row and "35000.50" in awarded_row
