"""The application page opens for a reviewer assigned to it, and closes once they declare a
conflict or their reviewer role in the round ends."""

import pytest

from projects import reviews
from projects.models import Reviewer

from .factories import funding_round
from .reviewing import in_review, officer_of, reviewer_of

pytestmark = pytest.mark.django_db


def test_the_page_closes_for_a_conflicted_reviewer_and_a_former_one(client):
    round = funding_round()
    officer = officer_of(round.street)
    application = in_review(round)
    url = application.get_absolute_url()
    conflicted, former = reviewer_of(round), reviewer_of(round)
    conflicted_review = reviews.assign(application, conflicted, officer)
    reviews.assign(application, former, officer)

    for person in (conflicted, former):
        client.force_login(person)
        assert client.get(url).status_code == 200

    reviews.declare_conflict(conflicted_review, "申报组织负责人是我的亲属。")
    Reviewer.objects.filter(round=round, user=former).delete()
    for person in (conflicted, former):
        client.force_login(person)
        assert client.get(url).status_code == 404
