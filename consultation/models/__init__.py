"""Consultation records: topics and their discussion (topics.py), ballots (ballots.py)."""

from .ballots import Ballot, BallotOption, BallotPaper, BallotStatus, Franchise, Voter
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
    "Ballot",
    "BallotOption",
    "BallotPaper",
    "BallotStatus",
    "Category",
    "Comment",
    "CommentReport",
    "ConsultationSettings",
    "Franchise",
    "Meeting",
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
    "topic_photo_path",
]
