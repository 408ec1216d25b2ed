"""Representatives file on plain pages; the directory shows filed organisations only."""

import pytest
from django.urls import reverse

from communities.models import Notification, Role
from communities.roles import grant_role
from organisations.models import Organisation, OrganisationState
from tests.factories import CommunityFactory, StreetFactory, UserFactory

from .factories import OrganisationFactory, credit_code, representative_of

pytestmark = pytest.mark.django_db


def filing(community, **changes):
    data = {
        "name": "幸福里书法社",
        "kind": "registered",
        "credit_code": credit_code(42),
        "category": "culture",
        "communities": [community.pk],
        "description": "每周二、周四下午在社区活动室练习书法。",
        "member_count": "18",
        "contact_name": "张老师",
        "contact_phone": "13800002222",
        "contact_email": "",
    }
    data.update(changes)
    return data


def test_a_resident_files_an_organisation_and_the_street_office_is_told(client):
    community = CommunityFactory()
    officer = UserFactory()
    grant_role(officer, Role.STREET_OFFICER, street=community.street)
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("organisations:file"), filing(community))
    organisation = Organisation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == organisation.get_absolute_url()
    assert organisation.street == community.street
    assert organisation.status == OrganisationState.APPLIED
    assert representative_of(organisation) == user
    assert Notification.objects.filter(recipient=officer, event="organisation.applied").exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"credit_code": "91350100M000100Y44"}, "credit_code", "not valid"),
        ({"credit_code": ""}, "credit_code", "needs its unified social credit code"),
        ({"member_count": "-3"}, "member_count", ""),
        ({"member_count": "十八"}, "member_count", ""),
        ({"communities": []}, "communities", "at least one community"),
    ],
)
def test_bad_filings_are_refused_with_a_message_and_nothing_saved(client, changes, field, message):
    community = CommunityFactory()
    client.force_login(UserFactory())
    response = client.post("/en/organisations/new/", filing(community, **changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert not Organisation.objects.exists()


def test_communities_of_two_streets_are_refused(client):
    a, b = CommunityFactory(), CommunityFactory()
    client.force_login(UserFactory())
    response = client.post("/en/organisations/new/", filing(a, communities=[a.pk, b.pk]))
    assert "one street" in " ".join(response.context["form"].errors["communities"])
    assert not Organisation.objects.exists()


def test_the_same_name_cannot_file_twice_with_one_street(client):
    existing = OrganisationFactory()
    community = existing.communities.get()
    client.force_login(UserFactory())
    response = client.post("/en/organisations/new/", filing(community, name=existing.name))
    assert "already filed" in " ".join(response.context["form"].errors["name"])


def test_a_community_based_group_files_without_a_code(client):
    community = CommunityFactory()
    client.force_login(UserFactory())
    client.post("/organisations/new/", filing(community, kind="filed", credit_code=""))
    assert Organisation.objects.get().credit_code == ""


def test_an_open_filing_is_seen_by_its_representative_and_the_street_office_only(client):
    organisation = OrganisationFactory(status=OrganisationState.APPLIED, name="秘密合唱团")
    url = organisation.get_absolute_url()
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(representative_of(organisation))
    assert client.get(url).status_code == 200
    officer = UserFactory()
    grant_role(officer, Role.STREET_OFFICER, street=organisation.street)
    client.force_login(officer)
    assert client.get(url).status_code == 200
    other_officer = UserFactory()
    grant_role(other_officer, Role.STREET_OFFICER, street=StreetFactory())
    client.force_login(other_officer)
    assert client.get(url).status_code == 404


def test_directory_lists_filed_organisations_only(client, django_assert_max_num_queries):
    for n in range(12):
        OrganisationFactory(name=f"已备案组织{n}")
    OrganisationFactory(name="未备案组织", status=OrganisationState.APPLIED)
    with django_assert_max_num_queries(8):
        response = client.get("/organisations/")
    body = response.content.decode()
    assert "已备案组织11" in body
    assert "未备案组织" not in body


def test_another_organisations_filing_cannot_be_edited(client):
    mine = OrganisationFactory(status=OrganisationState.RETURNED)
    theirs = OrganisationFactory(status=OrganisationState.RETURNED)
    client.force_login(representative_of(mine))
    assert client.get(f"/organisations/{theirs.pk}/edit/").status_code == 404
    assert client.post(f"/organisations/{theirs.pk}/resubmit/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == OrganisationState.RETURNED


def test_a_returned_filing_is_changed_and_resubmitted(client):
    organisation = OrganisationFactory(status=OrganisationState.RETURNED)
    community = organisation.communities.get()
    client.force_login(representative_of(organisation))
    response = client.post(
        f"/organisations/{organisation.pk}/edit/",
        filing(
            community,
            name=organisation.name,
            credit_code=organisation.credit_code,
            member_count="30",
        ),
    )
    assert response.status_code == 302
    client.post(f"/organisations/{organisation.pk}/resubmit/")
    organisation.refresh_from_db()
    assert organisation.member_count == 30
    assert organisation.status == OrganisationState.APPLIED


def test_a_filed_organisation_is_not_edited_by_its_representative(client):
    organisation = OrganisationFactory()
    client.force_login(representative_of(organisation))
    response = client.get(f"/organisations/{organisation.pk}/edit/")
    assert response.status_code == 302
