"""How staff screens name a person: Chinese names surname first, without a space."""

import pytest
from django.urls import reverse

from communities.templatetags.people import person_name
from projects import reviews
from tests.factories import UserFactory
from tests.projects.factories import funding_round
from tests.projects.reviewing import officer_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("first", "last", "email", "shown"),
    [
        ("建国", "王", "w@example.cn", "王建国"),
        ("王建国", "", "w@example.cn", "王建国"),
        ("Jane", "Doe", "j@example.org", "Jane Doe"),
        ("", "", "nobody@example.cn", "nobody@example.cn"),
    ],
)
def test_names_read_in_their_own_order(first, last, email, shown):
    user = UserFactory(first_name=first, last_name=last, email=email)
    assert person_name(user) == shown


def test_the_assign_screen_names_reviewers_surname_first(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    round = funding_round()
    officer = officer_of(round.street)
    reviews.add_reviewer(round, UserFactory(first_name="淑芬", last_name="陈"), by=officer)
    client.force_login(officer)
    page = client.get(reverse("projects_review_round", args=[round.pk])).content.decode()
    assert "陈淑芬" in page and "淑芬 陈" not in page
