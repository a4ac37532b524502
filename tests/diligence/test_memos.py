"""Memo jobs: claimed once, stored with their digest, failed readably, swept, reviewed and signed off."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assets.models import Asset
from diligence.models import Memo, MemoDownload, Notification
from diligence.services import memos
from diligence.services.checklists import review_start
from tests.factories import StudySiteFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def asset(world) -> Asset:
    site = StudySiteFactory(
        study__asset__team=world.phoenix,
        study__asset__code="MEMO-1",
        study__asset__name="Memo test CAR-T",
        hospital__name_zh="西安交通大学第二附属医院",
    )
    assert site.study.asset is not None
    review_start(asset=site.study.asset, user=world.member)
    return site.study.asset


def rendered(asset: Asset, user) -> Memo:
    memo = memos.memo_request(asset=asset, user=user)
    assert memos.memo_render(memo_id=memo.pk) is True
    memo.refresh_from_db()
    return memo


def test_versions_count_up_per_asset_and_start_queued(world, asset, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = memos.memo_request(asset=asset, user=world.member)
        second = memos.memo_request(asset=asset, user=world.lead)
    assert (first.version, second.version, first.status) == (1, 2, "queued")
    assert len(callbacks) == 2  # each render is sent only after its row is committed


def test_render_stores_the_pdf_with_digest_pages_and_snapshot(world, asset):
    memo = rendered(asset, world.member)
    assert (memo.status, memo.stage, memo.attempts) == ("ready", "done", 1)
    data = memo.pdf.read()
    assert hashlib.sha256(data).hexdigest() == memo.sha256 and len(data) == memo.size
    assert memo.pages is not None and len(PdfReader(io.BytesIO(data)).pages) == memo.pages > 1
    assert memo.review is not None
    assert memo.snapshot and memo.template_version == memo.review.template_version
    assert Notification.objects.get(user=world.member).kind == "memo_ready"
    assert mail.outbox == []  # the email is a task, handed to the queue after commit (test_notifications.py)


def test_a_redelivered_task_does_nothing_twice(world, asset):
    memo = rendered(asset, world.member)
    assert memos.memo_render(memo_id=memo.pk) is False
    memo.refresh_from_db()
    assert memo.attempts == 1 and Memo.objects.filter(asset=asset).count() == 1


def test_the_sweeper_requeues_a_memo_left_rendering_by_a_dead_worker(world, asset):
    memo = memos.memo_request(asset=asset, user=world.member)
    Memo.objects.filter(pk=memo.pk).update(status="rendering", started_at=timezone.now() - dt.timedelta(hours=1))
    assert memos.memo_sweep().requeued == [memo.pk]
    assert memos.memo_render(memo_id=memo.pk) is True
    memo.refresh_from_db()
    assert memo.status == "ready" and memo.attempts == 1


def test_the_sweeper_leaves_a_fresh_render_alone(world, asset):
    memo = memos.memo_request(asset=asset, user=world.member)
    Memo.objects.filter(pk=memo.pk).update(status="rendering", started_at=timezone.now())
    assert memo.pk not in memos.memo_sweep().requeued


def test_a_render_whose_worker_stopped_says_it_was_interrupted_and_when_it_will_be_retried(
    world, asset, client_as, settings
):
    from config import heartbeats

    memo = memos.memo_request(asset=asset, user=world.member)
    started = timezone.now()
    Memo.objects.filter(pk=memo.pk).update(status="rendering", stage="rendering", started_at=started, worker="celery@a")
    heartbeats.record("celery@a")  # its worker is alive: the progress bar
    status = client_as("member").get(reverse("diligence:memo_status", args=[memo.pk]))
    assert status.status_code == 200 and b"<progress" in status.content and b"interrupted" not in status.content
    heartbeats.forget("celery@a")  # its worker stopped (killed: no clean shutdown needed, it stops beating)
    heartbeats.record("celery@b")  # another one is alive
    status = client_as("member").get(reverse("diligence:memo_status", args=[memo.pk]))
    retry = timezone.localtime(started + dt.timedelta(seconds=settings.DILIGENCE_MEMO_HARD_TIME_LIMIT + 30 + 60))
    text = status.content.decode()
    assert "was interrupted:</strong> the worker rendering it stopped." in text
    assert f"It will be retried automatically by about {retry:%H:%M}" in text
    assert 'hx-trigger="every 1s"' in text  # still polled: the retry will show as it happens
    heartbeats.forget("celery@b")


def test_the_sweeper_resends_a_queued_memo_only_once_its_message_is_old(world, asset):
    memo = memos.memo_request(asset=asset, user=world.member)
    two_days_ago, an_hour_ago = timezone.now() - dt.timedelta(days=2), timezone.now() - dt.timedelta(hours=1)
    # Asked for long ago and just handed to the broker again (a user's retry): its message is on its way.
    Memo.objects.filter(pk=memo.pk).update(requested_at=two_days_ago, enqueued_at=timezone.now())
    assert memo.pk not in memos.memo_sweep().requeued
    # Handed over an hour ago and still queued: the message is lost; sent again, and the time of sending recorded.
    Memo.objects.filter(pk=memo.pk).update(enqueued_at=an_hour_ago)
    assert memos.memo_sweep().requeued == [memo.pk]  # sent to the test broker; no worker takes it here
    memo.refresh_from_db()
    assert memo.enqueued_at is not None and memo.enqueued_at > an_hour_ago
    assert memo.pk not in memos.memo_sweep().requeued  # not again at the next sweep
    # Never handed over (the broker was down when it was asked for): sent once it has waited long enough.
    Memo.objects.filter(pk=memo.pk).update(enqueued_at=None)
    assert memos.memo_sweep().requeued == [memo.pk]


def test_only_a_failed_memo_can_be_retried(world, asset):
    memo = rendered(asset, world.member)
    with pytest.raises(ValidationError):
        memos.memo_retry(memo=memo, user=world.member)
    Memo.objects.filter(pk=memo.pk).update(status="failed", error="WeasyPrint: out of memory")
    retried = memos.memo_retry(memo=memo, user=world.member)
    assert (retried.status, retried.error) == ("queued", "")


def test_review_flow_request_changes_new_version_approve(world, asset):
    first = rendered(asset, world.member)
    memos.memo_submit(memo=first, user=world.member)
    assert Notification.objects.filter(user=world.partner, kind="review_requested").exists()
    with pytest.raises(ValidationError):
        memos.memo_request_changes(memo=first, partner=world.partner, comment=" ")
    changed = memos.memo_request_changes(memo=first, partner=world.partner, comment="Cite the NHC filing date.")
    assert changed.review_state == "changes_requested"
    assert Notification.objects.filter(user=world.member, kind="changes_requested").exists()

    second = rendered(asset, world.member)
    assert second.version == 2
    memos.memo_submit(memo=second, user=world.lead)
    approved = memos.memo_approve(memo=second, partner=world.partner)
    assert (approved.review_state, approved.decided_by, approved.is_locked) == ("approved", world.partner, True)
    assert Notification.objects.filter(user=world.lead, kind="approved").exists()
    with pytest.raises(ValidationError):
        memos.memo_approve(memo=second, partner=world.partner)
    with pytest.raises(ValidationError):
        memos.memo_comment_add(memo=second, user=world.member, section="general", body="Too late")


def test_download_is_stamped_recorded_and_an_attachment(world, asset, client_as):
    memo = rendered(asset, world.member)
    response = client_as("partner").get(reverse("diligence:memo_download", args=[memo.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="MEMO-1-memo-v{memo.version}.pdf"'
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == memo.pages
    assert all(
        "Downloaded by" in page.extract_text() and str(world.partner) in page.extract_text() for page in reader.pages
    )
    assert MemoDownload.objects.get().user == world.partner
    assert client_as("outsider").get(reverse("diligence:memo_download", args=[memo.pk])).status_code == 404


def test_progress_fragment_polls_until_finished(world, asset, client_as):
    client = client_as("member")
    response = client.post(reverse("diligence:memo_create", args=[asset.pk]), **HTMX)
    memo = Memo.objects.get(asset=asset)
    assert 'hx-trigger="every 1s"' in response.content.decode()
    polling = client.get(reverse("diligence:memo_status", args=[memo.pk]), **HTMX)
    assert polling.status_code == 200 and "Waiting for a worker" in polling.content.decode()
    memos.memo_render(memo_id=memo.pk)
    done = client.get(reverse("diligence:memo_status", args=[memo.pk]), **HTMX)
    assert done.status_code == 286 and "every 1s" not in done.content.decode() and "Ready" in done.content.decode()


def test_partner_review_in_the_browser(world, asset, client_as):
    memo = rendered(asset, world.member)
    client_as("member").post(reverse("diligence:memo_submit_edit", args=[memo.pk]))
    queue = client_as("partner").get(reverse("diligence:memo_review_queue")).content.decode()
    assert f"Version {memo.version}</a>" in queue
    assert f'<a href="/assets/{asset.pk}/">{asset.code}</a>' in queue
    assert memo.snapshot is not None
    assert memo.snapshot["verdict"]["headline"] in queue and str(world.member) in queue
    assert (
        client_as("member")
        .post(reverse("diligence:memo_review_edit", args=[memo.pk]), {"decision": "approve"})
        .status_code
        == 404
    )
    partner = client_as("partner")
    review_url = reverse("diligence:memo_review_edit", args=[memo.pk])
    for unconfirmed in ({"decision": "approve"}, {"decision": "approve", "version_read": str(memo.version + 1)}):
        partner.post(review_url, unconfirmed)
        memo.refresh_from_db()
        assert memo.review_state == "in_review"  # no sign-off without confirming the version read
    partner.post(review_url, {"decision": "approve", "version_read": str(memo.version)})
    memo.refresh_from_db()
    assert memo.review_state == "approved"
    page = client_as("member").get(reverse("diligence:memo_detail", args=[memo.pk])).content.decode()
    assert "Signed off by" in page and "locked" in page


def test_outsiders_cannot_list_poll_read_or_review(world, asset, client_as):
    memo = rendered(asset, world.member)
    client = client_as("outsider")
    for name in (
        "diligence:memo_detail",
        "diligence:memo_status",
        "diligence:memo_read",
        "diligence:memo_download",
        "diligence:memo_diff",
    ):
        assert client.get(reverse(name, args=[memo.pk])).status_code == 404
    assert client.get(reverse("diligence:asset_memos", args=[asset.pk])).status_code == 404
    assert (
        client.post(reverse("diligence:memo_review_edit", args=[memo.pk]), {"decision": "approve"}).status_code == 404
    )
    assert (
        reverse("diligence:memo_detail", args=[memo.pk])
        not in client.get(reverse("diligence:memo_review_queue")).content.decode()
    )


def test_memo_diff_shows_what_changed_between_versions(world, asset, client_as):
    rendered(asset, world.member)
    site = asset.studies.get().sites.get()
    site.hospital.name_en = "Renamed Hospital"
    site.hospital.save()
    second = rendered(asset, world.member)
    body = client_as("partner").get(reverse("diligence:memo_diff", args=[second.pk])).content.decode()
    assert "Renamed Hospital" in body


def test_an_approved_memo_carries_its_sign_off_on_every_downloaded_page(world, asset, client_as):
    memo = rendered(asset, world.member)
    memos.memo_submit(memo=memo, user=world.member)
    memos.memo_approve(memo=memo, partner=world.partner, version_read=memo.version)
    reader = PdfReader(io.BytesIO(client_as("member").get(reverse("diligence:memo_download", args=[memo.pk])).content))
    for page in reader.pages:
        text = " ".join(page.extract_text().split())
        assert f"Version {memo.version} approved by {world.partner} on" in text
        assert f"Downloaded by {world.member}" in text


def test_a_draft_memo_download_says_nothing_of_approval(world, asset, client_as):
    memo = rendered(asset, world.member)
    reader = PdfReader(io.BytesIO(client_as("member").get(reverse("diligence:memo_download", args=[memo.pk])).content))
    assert "approved by" not in reader.pages[0].extract_text()


def test_change_requests_stay_in_view_until_a_version_is_approved_and_an_unchanged_rerender_is_flagged(
    world, asset, client_as
):
    first = rendered(asset, world.member)
    memos.memo_submit(memo=first, user=world.member)
    memos.memo_comment_add(memo=first, user=world.partner, section="ownership", body="Name the rights holder.")
    memos.memo_request_changes(memo=first, partner=world.partner, comment="Cite the NHC filing date.")
    second = rendered(asset, world.member)
    memos.memo_submit(memo=second, user=world.member)
    page = client_as("partner").get(reverse("diligence:memo_detail", args=[second.pk])).content.decode()
    earlier = page.split('<ol class="comments earlier">')[1].split("</ol>")[0]
    assert "Cite the NHC filing date." in earlier and "Name the rights holder." in earlier
    assert "4. Ownership" in earlier and "· ownership" not in earlier  # the section by its name
    assert "the same as version 1, on which changes were requested" in page

    StudySiteFactory(study=asset.studies.first())  # a fact changes: the next version is not the same
    memos.memo_approve(memo=second, partner=world.partner, version_read=second.version)
    third = rendered(asset, world.member)
    memos.memo_submit(memo=third, user=world.member)
    page = client_as("partner").get(reverse("diligence:memo_detail", args=[third.pk])).content.decode()
    assert "From earlier versions" not in page  # version 2 was approved: what came before it is settled
    assert "on which changes were requested" not in page


def test_a_sign_off_never_lands_on_another_version_than_the_one_read(world, asset):
    memo = rendered(asset, world.member)
    memos.memo_submit(memo=memo, user=world.member)
    with pytest.raises(ValidationError, match="not version"):
        memos.memo_approve(memo=memo, partner=world.partner, version_read=memo.version + 1)
