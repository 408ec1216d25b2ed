"""What `consultation` holds about a person, for their own download (communities/accounts.py).

Ballots list which ballot they voted in and when, never what they chose: a secret ballot keeps
no link from voter to choice, and an open ballot's published choice is left out too, so the
file cannot be used to prove a vote to anyone.
"""

from communities.accounts import personal_data
from communities.personal_data import moment

from .models import Comment, CommentReport, Rating, Support, Topic, Voter


def topic_ref(topic):
    return {"id": topic.pk, "title": topic.title, "link": topic.get_absolute_url()}


@personal_data("topics")
def topics(user):
    return [
        {
            **topic_ref(topic),
            "description": topic.description,
            "category": topic.category,
            "place": topic.place,
            "grid": topic.grid.name if topic.grid else None,
            "status": topic.status,
            "created_at": moment(topic.created_at),
            "submitted_at": moment(topic.submitted_at),
            "photos": [photo.image.url for photo in topic.photos.all()],
        }
        for topic in Topic.objects.filter(author=user)
        .select_related("grid")
        .prefetch_related("photos")
        .order_by("created_at", "pk")
    ]


@personal_data("comments")
def comments(user):
    return [
        {
            "topic": topic_ref(comment.topic),
            "reply_to": comment.parent_id,
            "stance": comment.stance,
            "comment": comment.body,
            "written_at": moment(comment.created_at),
            "hidden_at": moment(comment.hidden_at),
            "reason_for_hiding": comment.hidden_reason,
        }
        for comment in Comment.objects.filter(author=user).select_related("topic")
    ]


@personal_data("comment_reports")
def comment_reports(user):
    return [
        {
            "comment": report.comment_id,
            "topic": topic_ref(report.comment.topic),
            "reason": report.reason,
            "reported_at": moment(report.created_at),
            "resolved_at": moment(report.resolved_at),
        }
        for report in CommentReport.objects.filter(reporter=user).select_related("comment__topic")
    ]


@personal_data("supports")
def supports(user):
    return [
        {"topic": topic_ref(support.topic), "supported_at": moment(support.created_at)}
        for support in Support.objects.filter(resident__user=user)
        .select_related("topic")
        .order_by("created_at", "pk")
    ]


@personal_data("ratings")
def ratings(user):
    return [
        {
            "topic": topic_ref(rating.topic),
            "rating": rating.rating,
            "comment": rating.comment,
            "rated_at": moment(rating.created_at),
        }
        for rating in Rating.objects.filter(resident__user=user).select_related("topic")
    ]


@personal_data("ballots")
def ballots(user):
    # .only(): the open ballot's choice column is never even read.
    return [
        {
            "topic": topic_ref(voter.ballot.topic) if voter.ballot.topic else None,
            "ballot": voter.ballot.question,
            "voted_at": moment(voter.voted_at),
            "receipt": voter.receipt,
            "for_household": voter.household.address if voter.household else None,
        }
        for voter in Voter.objects.filter(resident__user=user)
        .select_related("ballot__topic", "household")
        .only(
            "voted_at",
            "receipt",
            "ballot__question",
            "ballot__topic__title",
            "household__address",
        )
        .order_by("voted_at", "pk")
    ]
