"""ORM models, by area; `from quizapp.models import X` works for every model."""

from .base import now_utc, UTCDateTime
from .accounts import User, UserSession, ThrottleEvent, Accommodation
from .banks import Track, Question, QuestionVersion, QuestionTranslation
from .attempts import AttemptStatus, Attempt, AttemptQuestion, AttemptEvent, ItemTally
from .reports import ReportReason, ReportStatus, QuestionReport
from .practice import PracticeSession, PracticeItem, ReviewCard

__all__ = [
    "now_utc",
    "UTCDateTime",
    "User",
    "UserSession",
    "ThrottleEvent",
    "Accommodation",
    "Track",
    "Question",
    "QuestionVersion",
    "QuestionTranslation",
    "AttemptStatus",
    "Attempt",
    "AttemptQuestion",
    "AttemptEvent",
    "ItemTally",
    "ReportReason",
    "ReportStatus",
    "QuestionReport",
    "PracticeSession",
    "PracticeItem",
    "ReviewCard",
]
