"""What marks the search index for rewriting: the facts' change signal and saves and deletes of the records the
index holds. Written rows only: a queryset ``update()`` sends no signal, and none of ours changes searchable text."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from assets.models import Asset, Hospital
from assets.signals import facts_changed
from diligence.models import (
    CounterpartyRequest,
    Evidence,
    Finding,
    ItemComment,
    Memo,
    RequestList,
    RequestMessage,
    Review,
    ReviewItem,
)
from diligence.search.index import search_index_later


@receiver(facts_changed, dispatch_uid="diligence.search.facts")
def facts_marked(sender: object, *, team_id: int, asset_ids: set[int], **kwargs: object) -> None:
    search_index_later("team", team_id)  # the team's studies that belong to no asset
    for asset_id in asset_ids:
        search_index_later("asset", asset_id)


@receiver([post_save, post_delete], sender=Hospital, dispatch_uid="diligence.search.hospital")
def hospital_marked(sender: type, instance: Hospital, **kwargs: object) -> None:
    search_index_later("hospital", instance.pk)


@receiver(post_save, sender=Asset, dispatch_uid="diligence.search.asset")
def asset_marked(sender: type, instance: Asset, **kwargs: object) -> None:
    search_index_later("asset", instance.pk)  # a deleted asset's entries go with it (a foreign key cascade)


@receiver([post_save, post_delete], sender=Review, dispatch_uid="diligence.search.review")
def review_marked(sender: type, instance: Review, **kwargs: object) -> None:
    search_index_later("asset", instance.asset_id)


@receiver([post_save, post_delete], sender=ReviewItem, dispatch_uid="diligence.search.item")
def item_marked(sender: type, instance: ReviewItem, **kwargs: object) -> None:
    search_index_later("review", instance.review_id)


@receiver([post_save, post_delete], sender=ItemComment, dispatch_uid="diligence.search.comment")
@receiver([post_save, post_delete], sender=Evidence, dispatch_uid="diligence.search.evidence")
def item_part_marked(sender: type, instance: ItemComment | Evidence, **kwargs: object) -> None:
    search_index_later("item", instance.item_id)


@receiver([post_save, post_delete], sender=Finding, dispatch_uid="diligence.search.finding")
def finding_marked(sender: type, instance: Finding, **kwargs: object) -> None:
    search_index_later("asset", instance.asset_id)


@receiver(post_save, sender=Memo, dispatch_uid="diligence.search.memo")
def memo_marked(sender: type, instance: Memo, **kwargs: object) -> None:
    if instance.status == Memo.Status.READY:  # its text is read once it has a PDF; deletes cascade with the asset
        search_index_later("asset", instance.asset_id)


@receiver(post_save, sender=CounterpartyRequest, dispatch_uid="diligence.search.request")
def request_marked(sender: type, instance: CounterpartyRequest, **kwargs: object) -> None:
    search_index_later("request", instance.pk)


@receiver(post_delete, sender=CounterpartyRequest, dispatch_uid="diligence.search.request_deleted")
def request_deleted(sender: type, instance: CounterpartyRequest, **kwargs: object) -> None:
    # Gone, so it cannot lead to its asset: its list does (a list deleted with its asset takes the entries along).
    for asset_id in RequestList.objects.filter(pk=instance.request_list_id).values_list("asset_id", flat=True):
        search_index_later("asset", asset_id)


@receiver(post_save, sender=RequestMessage, dispatch_uid="diligence.search.request_message")
def request_message_marked(sender: type, instance: RequestMessage, **kwargs: object) -> None:
    search_index_later("request", instance.request_id)
