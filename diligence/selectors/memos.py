"""Reads for memos, their review and notifications, scoped by the access policy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import QuerySet
from django.db.models.fields.json import KT

from diligence.memos.diff import snapshot_diff
from diligence.models import Memo, MemoComment, Notification
from teams import access
from teams.models import Membership

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from teams.models import User

    AnyUser = User | AnonymousUser


def memo_get_for_user_or_404(*, user: AnyUser, memo_id: int) -> Memo:
    memos = Memo.objects.select_related("asset", "team", "requested_by", "decided_by", "submitted_by")
    return access.get_for_user_or_404(memos, user=user, pk=memo_id)


def asset_memos(*, asset_id: int) -> QuerySet[Memo]:
    return Memo.objects.filter(asset_id=asset_id).select_related("requested_by", "decided_by").order_by("-version")


def review_queue(*, user: AnyUser) -> QuerySet[Memo]:
    """Memos awaiting review on the teams where the user is a partner, oldest first, each with the answer its
    snapshot gives (read from the snapshot in the query, not by loading every snapshot)."""
    partner_teams = [team for team, role in access.team_roles(user).items() if role == Membership.Role.PARTNER]
    return (
        Memo.objects.filter(team_id__in=partner_teams, review_state=Memo.ReviewState.IN_REVIEW)
        .select_related("asset", "team", "submitted_by", "requested_by")
        .defer("snapshot")
        .annotate(verdict_headline=KT("snapshot__verdict__headline"), verdict_light=KT("snapshot__verdict__light"))
        .order_by("submitted_at", "pk")
    )


def earlier_comments(*, memo: Memo) -> QuerySet[MemoComment]:
    """Comments and change requests on the asset's earlier versions since its last approved one: what the team was
    asked to change stays in view on the version that answers it."""
    last_approved = (
        Memo.objects.filter(asset_id=memo.asset_id, version__lt=memo.version, review_state=Memo.ReviewState.APPROVED)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return (
        MemoComment.objects.filter(
            memo__asset_id=memo.asset_id, memo__version__lt=memo.version, memo__version__gt=last_approved or 0
        )
        .exclude(kind=MemoComment.Kind.APPROVAL)
        .select_related("author", "memo")
        .order_by("memo__version", "created_at", "pk")
    )


def same_facts_as_refused(*, memo: Memo) -> Memo | None:
    """The version just before ``memo``, if changes were requested on it and ``memo`` changes none of its facts:
    approving such a re-render approves what was sent back."""
    previous = (
        Memo.objects.filter(asset_id=memo.asset_id, version__lt=memo.version, status=Memo.Status.READY)
        .order_by("-version")
        .first()
    )
    if previous is None or previous.review_state != Memo.ReviewState.CHANGES_REQUESTED:
        return None
    if not previous.snapshot or not memo.snapshot:
        return None

    def facts(snapshot: dict) -> dict:
        return {key: value for key, value in snapshot.items() if key != "memo"}  # its version and date always differ

    return None if snapshot_diff(old=facts(previous.snapshot), new=facts(memo.snapshot)) else previous


def notifications_for(*, user: AnyUser, limit: int = 50) -> list[Notification]:
    """The user's own notifications, only for teams they are still on."""
    if not user.is_authenticated:
        return []
    teams = list(access.team_roles(user))
    return list(Notification.objects.filter(user=user, team_id__in=teams).select_related("memo", "memo__asset")[:limit])


# The name the unread count is registered under with the memberships read (``teams.access.MEMBERSHIP_FIGURES``).
UNREAD = "unread_notifications"


def unread_per_team() -> str:
    """A membership's unread notifications, as SQL over the membership row ``m``: the user's own on that team, so
    none from a team they have left (counted by the index on user and read_at)."""
    quote = connection.ops.quote_name
    return (
        f"SELECT count(*) FROM {quote(Notification._meta.db_table)} n "  # noqa: S608 - our table and columns
        f"WHERE n.{quote('user_id')} = m.{quote('user_id')} AND n.{quote('team_id')} = m.{quote('team_id')} "
        f"AND n.{quote('read_at')} IS NULL"
    )
