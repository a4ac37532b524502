"""The work: people and teams, checklist templates and reviews, findings."""

from diligence.models.checklists import (
    ChecklistTemplate,
    Evidence,
    EvidenceDownload,
    ItemComment,
    QuestionKey,
    Review,
    ReviewItem,
    TemplateItem,
    TemplateQuestion,
    TemplateVersion,
)
from diligence.models.findings import Finding, Severity
from diligence.models.memos import Memo, MemoComment, MemoDownload, Notification
from teams.models.access_log import AccessLogEntry, AppendOnlyError
from teams.models.teams import DealTeam, Membership, User

__all__ = [
    "AccessLogEntry",
    "AppendOnlyError",
    "ChecklistTemplate",
    "DealTeam",
    "Evidence",
    "EvidenceDownload",
    "Finding",
    "ItemComment",
    "Membership",
    "Memo",
    "MemoComment",
    "MemoDownload",
    "Notification",
    "QuestionKey",
    "Review",
    "ReviewItem",
    "Severity",
    "TemplateItem",
    "TemplateQuestion",
    "TemplateVersion",
    "User",
]
