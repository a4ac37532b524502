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
from diligence.models.memos import Memo, MemoComment, MemoDownload
from diligence.models.notifications import Notification, NotificationPreference
from diligence.models.policy import HousePolicy
from diligence.models.requests import AnswerFile, CounterpartyRequest, RequestList, RequestMessage
from diligence.models.search import SearchEntry, SearchKind
from diligence.models.standing import AssetStanding
from diligence.models.webhooks import TeamWebhook, WebhookDelivery

__all__ = [
    "AnswerFile",
    "AssetStanding",
    "CounterpartyRequest",
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
    "NotificationPreference",
    "QuestionKey",
    "RequestList",
    "RequestMessage",
    "Review",
    "ReviewItem",
    "SearchEntry",
    "SearchKind",
    "Severity",
    "UNKNOWN_SEVERITY",
    "FindingKind",
    "TemplateItem",
    "TemplateQuestion",
    "TeamWebhook",
    "TemplateVersion",
    "WebhookDelivery",
]
