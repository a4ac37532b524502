"""The work: checklist templates and reviews, findings, memos and notifications."""

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
from diligence.models.findings import UNKNOWN_SEVERITY, Finding, FindingKind, Severity
from diligence.models.memos import Memo, MemoComment, MemoDownload, Notification
from diligence.models.policy import HousePolicy
from diligence.models.search import SearchEntry, SearchKind

__all__ = [
    "ChecklistTemplate",
    "Evidence",
    "EvidenceDownload",
    "Finding",
    "HousePolicy",
    "ItemComment",
    "Memo",
    "MemoComment",
    "MemoDownload",
    "Notification",
    "QuestionKey",
    "Review",
    "ReviewItem",
    "SearchEntry",
    "SearchKind",
    "Severity",
    "UNKNOWN_SEVERITY",
    "FindingKind",
    "TemplateItem",
    "TemplateQuestion",
    "TemplateVersion",
]
