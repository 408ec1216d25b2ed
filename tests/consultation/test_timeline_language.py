"""One language per page: a topic's timeline is stored as steps' keys and read in the reader's
language, whoever acted and in whatever language they acted. Rows stored as sentences before
keys existed are mapped back to keys; what a person typed stays as typed."""

import importlib

import pytest
from django.apps import apps
from django.utils import translation

from communities.history_reasons import history_reason, render_reason
from consultation import workflow
from consultation.models import Topic
from tests.factories import CommunityFactory, GridFactory

from .factories import TopicFactory

pytestmark = pytest.mark.django_db

reason_keys = importlib.import_module("consultation.migrations.0008_history_reason_keys")
community_reason_keys = importlib.import_module(
    "communities.migrations.0007_grid_number_and_reason_keys"
)


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    with translation.override(None):
        yield


def timeline_text(client, topic, language):
    prefix = "/en" if language == "en" else ""
    with translation.override(None):
        url = topic.get_absolute_url()
    response = client.get(prefix + url)
    assert response.status_code == 200
    return response.text


def test_steps_taken_in_chinese_read_in_english_on_the_english_page(
    client, community, author, staff
):
    with translation.override("zh-hans"):
        topic = workflow.create_draft(
            author=author, community=community, title="楼道灯坏了", description="三号楼。"
        )
        workflow.perform(topic, "submit", author)
        workflow.perform(topic, "decline", staff, reason="已转物业维修。")

    english = timeline_text(client, topic, "en")
    assert "Draft written" in english
    assert "Submit for support" in english
    assert "已转物业维修。" in english  # a person's words stay as typed
    assert "撰写草稿" not in english and "提交征集附议" not in english

    chinese = timeline_text(client, topic, "zh-hans")
    assert "撰写草稿" in chinese
    assert "Draft written" not in chinese and "Submit for support" not in chinese


def test_staff_entry_names_its_source_in_the_readers_language(community, staff):
    with translation.override("en"):
        topic = workflow.enter_on_behalf(
            staff=staff, community=community, source="hotline", raised_by="张大爷",
            title="电梯异响", description="5号楼电梯。",
        )  # fmt: skip
    reason = topic.history.get().history_change_reason
    with translation.override("zh-hans"):
        chinese = render_reason(reason)
    assert "张大爷" in chinese and "Community hotline" not in chinese and "Entered" not in chinese


def test_stored_sentences_are_mapped_back_to_keys_and_typed_text_is_left(community, staff):
    topic = TopicFactory(community=community)
    with translation.override("zh-hans"):
        legacy = [
            translation.gettext("Draft written"),
            translation.gettext("Submit for support"),
            translation.gettext("Entered by staff (%(source)s): raised by %(name)s")
            % {"source": translation.gettext("Home visit"), "name": "李阿姨"},
        ]
    legacy += ["Duplicate of “路灯维修”.", "属于物业维修范围，已转物业处理。"]
    history = topic.history.model
    for sentence in legacy:
        history.objects.create(
            **{f.attname: getattr(topic, f.attname) for f in history.tracked_fields},
            history_date=topic.submitted_at,
            history_type="~",
            history_change_reason=sentence,
        )

    reason_keys.sentences_to_keys(apps, None)

    stored = list(
        history.objects.filter(history_change_reason__isnull=False)
        .order_by("history_id")
        .values_list("history_change_reason", flat=True)
    )[-len(legacy) :]
    with translation.override("en"):
        assert [render_reason(reason) for reason in stored] == [
            "Draft written",
            "Submit for support",
            "Entered by staff (Home visit): raised by 李阿姨",
            "Duplicate of “路灯维修”.",
            "属于物业维修范围，已转物业处理。",
        ]
    assert stored[-1] == "属于物业维修范围，已转物业处理。"

    reason_keys.keys_to_sentences(apps, None)
    back = history.objects.filter(history_change_reason=legacy[0]).count()
    assert back == 1


def test_verification_sentences_are_mapped_back_to_keys(verified_resident):
    history = verified_resident.history.model
    record = verified_resident.history.first()
    with translation.override("zh-hans"):
        sentence = translation.gettext("Verified: %(method)s") % {
            "method": translation.gettext("In person, with an identity document")
        }
    history.objects.filter(pk=record.pk).update(history_change_reason=sentence)

    community_reason_keys.forwards(apps, None)

    record.refresh_from_db()
    assert record.history_change_reason == history_reason("resident.verified", method="in_person")


def test_unknown_or_broken_stored_reasons_show_as_stored():
    assert render_reason(None) == ""
    assert render_reason("{not json") == "{not json"
    assert render_reason(history_reason("gone.away", reason="写下的话")) == "写下的话"


def test_grids_are_listed_by_the_number_in_their_name():
    community = CommunityFactory()
    for name in ("第三网格", "第十二网格", "第一网格", "第二网格", "第10网格", "中心网格"):
        GridFactory(community=community, name=name)

    names = list(community.grids.values_list("name", flat=True))

    assert names == ["中心网格", "第一网格", "第二网格", "第三网格", "第10网格", "第十二网格"]


def test_a_renamed_grid_moves_to_its_place():
    community = CommunityFactory()
    first = GridFactory(community=community, name="第一网格")
    GridFactory(community=community, name="第二网格")
    first.name = "第五网格"
    first.save()

    assert list(community.grids.values_list("name", flat=True)) == ["第二网格", "第五网格"]


def test_the_grid_migration_numbers_existing_grids():
    community = CommunityFactory()
    grid = GridFactory(community=community, name="第七网格")
    type(grid).objects.filter(pk=grid.pk).update(number=0)

    community_reason_keys.forwards(apps, None)

    grid.refresh_from_db()
    assert grid.number == 7
    assert Topic.objects.count() == 0


def test_a_ballot_closed_early_reads_in_the_readers_language(db, community):
    from django.utils.translation import override

    from communities.history_reasons import render_reason
    from communities.models import Role
    from communities.roles import grant_role
    from consultation import voting
    from tests.consultation.ballot_factories import BallotFactory
    from tests.factories import UserFactory

    staff = UserFactory()
    grant_role(staff, Role.COMMUNITY_STAFF, community=community)
    ballot = BallotFactory(topic__community=community)
    with override("zh-hans"):
        voting.close_ballot(ballot, actor=staff, reason="业主大会已召开")
    stored = ballot.history.latest().history_change_reason

    with override("en"):
        assert render_reason(stored) == "Closed early: 业主大会已召开"
    with override("zh-hans"):
        assert "业主大会已召开" in render_reason(stored)
        assert "Closed" not in render_reason(stored)
