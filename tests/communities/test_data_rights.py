"""Residents' rights over their data (PIPL): a copy of it, and closing the account.

Closing anonymises: what a resident did keeps counting (a published satisfaction rate, a
support count, a turnout), and nothing that names them is left, in the history tables either.
Deleting, by anyone, must not rewrite what the community already decided.
"""

import json
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext, override

from communities.accounts import close_account, protected_records
from communities.forms import VerifyResidentForm
from communities.models import Grid, Household, Resident
from communities.notifications import notify
from consultation.forms import TopicForm
from consultation.models import Rating, Satisfaction, Support, Topic, Voter
from consultation.outcomes import satisfaction
from consultation.voting import cast_vote
from tests.consultation.ballot_factories import BallotFactory
from tests.consultation.factories import (
    CommentFactory,
    DeliberatingTopicFactory,
    SupportFactory,
    TopicFactory,
    object_to,
)
from tests.factories import (
    PASSWORD,
    GridFactory,
    HouseholdFactory,
    UserFactory,
    VerifiedResidentFactory,
)

pytestmark = pytest.mark.django_db

MY_DATA = "/profile/my-data/"
CLOSE = "/profile/close/"


@pytest.fixture
def me(community):
    return VerifiedResidentFactory(
        community=community, real_name="陈秀兰", phone="13912345678", stated_address="和平路8号"
    )


@pytest.fixture
def neighbour(community):
    return VerifiedResidentFactory(community=community, real_name="王邻居")


@pytest.fixture
def rated_topic(community, me):
    """An outcome rated by four residents, three satisfied: 75.0%, and `me` is the fourth."""
    topic = TopicFactory(community=community, status="evaluating")
    for _ in range(3):
        Rating.objects.create(
            topic=topic,
            resident=VerifiedResidentFactory(community=community),
            rating=Satisfaction.SATISFIED,
        )
    Rating.objects.create(
        topic=topic, resident=me, rating=Satisfaction.DISSATISFIED, comment="路灯还是不亮"
    )
    assert satisfaction(topic) == {"rate": 75.0, "count": 4}
    return topic


@pytest.fixture
def supported_topic(community, me):
    topic = TopicFactory(community=community)
    SupportFactory(topic=topic, resident=me)
    SupportFactory.create_batch(2, topic=topic)
    return topic


@pytest.fixture
def ballots(community, me):
    """`me` voted 反对 on a secret ballot and 赞成 on an open one."""
    secret = BallotFactory(topic__community=community, question="是否加装电梯？")
    open_ = BallotFactory(topic__community=community, question="是否改建车棚？", secret=False)
    cast_vote(secret, me.user, [2])
    cast_vote(open_, me.user, [1])
    return secret, open_


def download(client, user):
    client.force_login(user)
    response = client.get(MY_DATA)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    return json.loads(response.content)


def close_with_password(client, resident, password=PASSWORD):
    client.force_login(resident.user)
    return client.post(CLOSE, {"password": password, "confirm": "on"})


def historical_rows(resident):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT real_name, phone, stated_address FROM communities_historicalresident "
            "WHERE id = %s",
            [resident.pk],
        )
        return cursor.fetchall()


# Download ---------------------------------------------------------------------------------


def test_download_holds_my_records(client, me, neighbour, rated_topic, supported_topic, ballots):
    mine = TopicFactory(community=me.community, author=me.user, title="楼道灯坏了")
    deliberating = DeliberatingTopicFactory(community=me.community)
    CommentFactory(topic=deliberating, author=me.user, body="我同意修灯。")
    CommentFactory(topic=deliberating, author=neighbour.user, body="邻居的意见，不是我的。")
    notify("topic.progress", mine, None, recipients=[me.user], params={"percent": 40})

    data = download(client, me.user)

    assert data["profile"]["real_name"] == "陈秀兰"
    assert data["profile"]["phone"] == "13912345678"
    assert data["household"]["address"] == me.household.address
    assert [t["title"] for t in data["topics"]] == ["楼道灯坏了"]
    assert [c["comment"] for c in data["comments"]] == ["我同意修灯。"]
    assert [s["topic"]["id"] for s in data["supports"]] == [supported_topic.pk]
    assert [(r["topic"]["id"], r["rating"]) for r in data["ratings"]] == [
        (rated_topic.pk, "dissatisfied")
    ]
    assert len(data["notifications"]) == 1
    assert {b["ballot"] for b in data["ballots"]} == {"是否加装电梯？", "是否改建车棚？"}
    assert "邻居的意见" not in json.dumps(data, ensure_ascii=False)
    assert "王邻居" not in json.dumps(data, ensure_ascii=False)


def test_download_never_says_how_i_voted(client, me, ballots):
    data = download(client, me.user)

    for entry in data["ballots"]:
        assert set(entry) == {"topic", "ballot", "voted_at", "receipt", "for_household"}
    text = json.dumps(data, ensure_ascii=False)
    assert "赞成" not in text and "反对" not in text
    assert Voter.objects.filter(resident=me).count() == 2


def test_download_lists_my_objections(client, me, community):
    topic = TopicFactory(
        community=community, status="notice", notice_ends_at=timezone.now() + timedelta(days=3)
    )
    object_to(topic, me.user, "公示期太短。")

    data = download(client, me.user)

    assert [o["objection"] for o in data["objections"]] == ["公示期太短。"]


def test_download_needs_sign_in(client):
    response = client.get(MY_DATA)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_resident_only_ever_downloads_their_own(client, me, neighbour, rated_topic):
    client.force_login(neighbour.user)

    assert client.get(f"{MY_DATA}{me.user.pk}/").status_code == 404
    data = download(client, neighbour.user)
    text = json.dumps(data, ensure_ascii=False)
    assert data["profile"]["real_name"] == "王邻居"
    assert "陈秀兰" not in text and "路灯还是不亮" not in text
    assert data["ratings"] == []


def test_profile_page_links_to_download_and_close(client, me):
    client.force_login(me.user)
    response = client.get("/profile/")
    assert f'href="{MY_DATA}"' in response.text
    assert f'href="{CLOSE}"' in response.text


# Closing ------------------------------------------------------------------------------------


def test_close_page_explains_what_happens(client, me):
    client.force_login(me.user)
    response = client.get(CLOSE)
    assert response.status_code == 200
    with override("zh-hans"):
        assert gettext("Close my account") in response.text
    assert 'name="password"' in response.text


def test_closing_keeps_every_count_and_the_published_rate(
    client, me, rated_topic, supported_topic, ballots
):
    secret, open_ = ballots
    supports_before = Topic.objects.with_support_count().get(pk=supported_topic.pk).support_count

    response = close_with_password(client, me)

    assert response.status_code == 302
    assert satisfaction(rated_topic) == {"rate": 75.0, "count": 4}
    support_count = Topic.objects.with_support_count().get(pk=supported_topic.pk).support_count
    assert support_count == supports_before == 3
    assert secret.voters.count() == 1 and open_.voters.count() == 1
    assert Support.objects.filter(resident=me).exists()


def test_closing_erases_name_phone_address_everywhere(client, me):
    me.real_name = "陈秀兰"
    me.save()  # a second history row with the name
    email = me.user.email
    assert historical_rows(me)

    close_with_password(client, me)

    me.refresh_from_db()
    assert (me.real_name, me.phone, me.stated_address) == ("", "", "")
    assert me.closed_at is not None
    rows = historical_rows(me)
    assert len(rows) >= 3
    assert set(rows) == {("", "", "")}
    user = me.user
    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password()
    assert user.email == "" and email.split("@")[0] not in user.username
    assert not EmailAddress.objects.filter(email=email).exists()
    assert not get_user_model().objects.filter(email=email).exists()


def test_closing_is_recorded_with_who_did_it(client, me):
    close_with_password(client, me)

    last = me.history.order_by("-history_date", "-history_id").first()
    assert last.history_user_id == me.user_id
    assert last.history_change_reason == "account closed"
    assert last.closed_at is not None


def test_closing_removes_second_factor_and_every_session(client, me):
    TOTP.activate(me.user, "JBSWY3DPEHPK3PXP")
    elsewhere = Client()
    elsewhere.force_login(me.user)
    assert elsewhere.get("/profile/").status_code == 200

    close_with_password(client, me)

    assert not Authenticator.objects.filter(user=me.user).exists()
    sessions = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert str(me.user_id) not in sessions
    assert elsewhere.get("/profile/").status_code == 302
    assert client.get("/profile/").status_code == 302


def test_a_closed_account_cannot_sign_in(client, me):
    email = me.user.email
    close_with_password(client, me)

    client.logout()
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})

    assert "_auth_user_id" not in client.session
    assert client.get("/profile/").status_code == 302
    assert not client.login(username=me.user.username, password=PASSWORD)
    assert response.status_code in (200, 302)


def test_a_wrong_password_closes_nothing(client, me):
    with override("en"):
        wrong = gettext("The password is not correct.")

    response = close_with_password(client, me, password="not-my-password")

    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    me.refresh_from_db()
    assert me.real_name == "陈秀兰" and me.closed_at is None and me.user.is_active
    assert wrong  # the message exists in English; zh_Hans comes with the merged catalogue


def test_closing_needs_the_confirmation_ticked(client, me):
    client.force_login(me.user)
    response = client.post(CLOSE, {"password": PASSWORD})
    assert response.status_code == 200
    me.refresh_from_db()
    assert me.closed_at is None


def test_comments_of_a_closed_account_stay_under_a_neutral_name(client, me):
    topic = DeliberatingTopicFactory(community=me.community)
    CommentFactory(topic=topic, author=me.user, body="我同意修灯。")
    client.force_login(me.user)
    assert "陈**" in client.get(topic.get_absolute_url()).text

    close_with_password(client, me)

    page = client.get(topic.get_absolute_url()).text
    assert "我同意修灯。" in page
    assert "陈**" not in page
    with override("zh-hans"):
        assert gettext("Closed account") in page


def test_closing_twice_changes_nothing_more(me, rated_topic):
    close_account(me.user, by=me.user)
    username = get_user_model().objects.get(pk=me.user_id).username

    close_account(me.user, by=me.user)

    assert get_user_model().objects.get(pk=me.user_id).username == username
    assert satisfaction(rated_topic)["rate"] == 75.0


# Deleting -----------------------------------------------------------------------------------


@pytest.fixture
def superuser_client(client):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    TOTP.activate(admin, "JBSWY3DPEHPK3PXP")
    client.force_login(admin)
    return client


@pytest.fixture
def staff_client(client, staff_with_totp):
    client.force_login(staff_with_totp)
    return client


def test_deleting_an_account_cannot_rewrite_a_published_rate(me, rated_topic):
    with pytest.raises(ProtectedError):
        me.user.delete()

    assert satisfaction(rated_topic) == {"rate": 75.0, "count": 4}


def test_deleting_a_supporter_cannot_lower_a_support_count(me, supported_topic):
    with pytest.raises(ProtectedError):
        me.delete()

    assert Support.objects.filter(topic=supported_topic).count() == 3


def test_superuser_deleting_an_account_in_the_admin_is_refused_with_a_reason(
    superuser_client, me, rated_topic
):
    url = reverse("wagtailusers_users:delete", args=[me.user_id])

    response = superuser_client.post(url, follow=True)

    assert response.redirect_chain == [(reverse("wagtailusers_users:index"), 302)]
    assert get_user_model().objects.filter(pk=me.user_id).exists()
    assert satisfaction(rated_topic) == {"rate": 75.0, "count": 4}
    shown = [str(m) for m in response.context["messages"]]
    assert len(shown) == 1 and me.user.get_username() in shown[0]
    assert str(capfirst(Rating._meta.verbose_name_plural)) in shown[0]


def test_superuser_may_still_delete_an_account_that_did_nothing(superuser_client):
    idle = UserFactory(username="idle")
    Resident.objects.create(user=idle)

    superuser_client.post(reverse("wagtailusers_users:delete", args=[idle.pk]))

    assert not get_user_model().objects.filter(pk=idle.pk).exists()


def test_protected_records_name_what_depends_on_a_place(me, supported_topic):
    assert protected_records(me) == {str(capfirst(Support._meta.verbose_name_plural)): 1}
    assert protected_records(GridFactory(community=me.community)) == {}


def post_delete(client, url):
    try:
        return client.post(url, follow=True)
    except ProtectedError:
        return None  # refused by the database all the same (a server error page)


@pytest.mark.parametrize("viewset", ["residents", "households"])
def test_superuser_deleting_a_resident_or_household_with_records_keeps_it(
    superuser_client, me, rated_topic, viewset
):
    pk = me.pk if viewset == "residents" else me.household_id

    post_delete(superuser_client, reverse(f"{viewset}:delete", args=[pk]))

    assert Resident.objects.filter(pk=me.pk, household_id=me.household_id).exists()
    assert satisfaction(rated_topic) == {"rate": 75.0, "count": 4}


def test_superuser_deleting_a_grid_with_households_keeps_it(superuser_client, community):
    grid = GridFactory(community=community)
    household = HouseholdFactory(community=community, grid=grid)

    post_delete(superuser_client, reverse("grids:delete", args=[grid.pk]))

    assert Grid.objects.filter(pk=grid.pk).exists()
    household.refresh_from_db()
    assert household.grid_id == grid.pk


def test_the_admin_says_why_a_grid_cannot_be_deleted(superuser_client, community):
    grid = GridFactory(community=community)
    HouseholdFactory(community=community, grid=grid)

    response = post_delete(superuser_client, reverse("grids:delete", args=[grid.pk]))

    assert response is not None and response.status_code == 200
    assert str(capfirst(Household._meta.verbose_name_plural)) in response.text


def test_staff_have_no_delete_at_all_for_people_and_places(staff_client, me):
    for url in (
        reverse("residents:delete", args=[me.pk]),
        reverse("households:delete", args=[me.household_id]),
        reverse("grids:delete", args=[me.household.grid_id]),
    ):
        assert post_delete(staff_client, url) is not None
    assert Resident.objects.filter(pk=me.pk).exists()
    assert Grid.objects.filter(pk=me.household.grid_id).exists()


def test_a_grid_a_topic_names_cannot_be_deleted(community):
    grid = GridFactory(community=community)
    topic = TopicFactory(community=community, grid=grid)

    with pytest.raises(ProtectedError):
        grid.delete()

    topic.refresh_from_db()
    assert topic.grid_id == grid.pk


def test_inactive_places_are_no_longer_offered(community, me):
    old_grid = GridFactory(community=community, name="旧网格", is_active=False)
    GridFactory(community=community, name="新网格")
    old_home = HouseholdFactory(community=community, address="拆迁楼1号", is_active=False)
    resident = VerifiedResidentFactory(community=community, verified_at=None)

    grids = TopicForm(community=community).fields["grid"].queryset
    households = VerifyResidentForm(resident=resident).fields["household"].queryset

    assert old_grid not in grids and grids.filter(name="新网格").exists()
    assert old_home not in households and me.household in households


def test_a_closed_account_leaves_the_electorate_but_its_cast_vote_stays_counted(community):
    from consultation.voting import eligible_count

    ballot = BallotFactory(topic__community=community)
    voted, silent, staying = (VerifiedResidentFactory(community=community) for _ in range(3))
    cast_vote(ballot, voted.user, [1])
    before = eligible_count(ballot)

    close_account(voted.user, by=voted.user)
    close_account(silent.user, by=silent.user)

    assert eligible_count(ballot) == before - 1
    assert Voter.objects.filter(ballot=ballot).count() == 1
