"""Consultation records: topics and their discussion (topics.py), ballots (ballots.py)."""

from communities.models import Objection  # the shared notice mechanism's, re-exported

from ..pages import OutcomePage  # noqa: E402  (page models register with the app's models)
from .ballots import Ballot, BallotCounter, BallotOption, BallotStatus, Franchise, Voter
from .outcomes import (
    ProgressPhoto,
    ProgressUpdate,
    Rating,
    Satisfaction,
    progress_photo_path,
    satisfaction_of,
)
from .topics import (
    Category,
    Comment,
    CommentReport,
    ConsultationSettings,
    Meeting,
    MeetingAttachment,
    Source,
    Stance,
    Support,
    Topic,
    TopicPhoto,
    TopicQuerySet,
    TopicState,
    meeting_attachment_path,
    topic_photo_path,
)

__all__ = [
    "OutcomePage",
    "Ballot",
    "BallotCounter",
    "BallotOption",
    "BallotStatus",
    "Category",
    "Comment",
    "CommentReport",
    "ConsultationSettings",
    "Franchise",
    "Meeting",
    "Objection",
    "ProgressPhoto",
    "ProgressUpdate",
    "Rating",
    "Satisfaction",
    "MeetingAttachment",
    "Source",
    "Stance",
    "Support",
    "Topic",
    "TopicPhoto",
    "TopicQuerySet",
    "TopicState",
    "Voter",
    "meeting_attachment_path",
    "progress_photo_path",
    "satisfaction_of",
    "topic_photo_path",
]
