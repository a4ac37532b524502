"""Templates (published versions frozen), reviews (pinned, upgradable), items, comments and evidence uploads."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from assets.services import StaleEdit
from diligence.checklist_defaults import item_count
from diligence.models import Review, ReviewItem, TemplateItem, TemplateVersion
from diligence.services.checklists import (
    default_template_ensure,
    evidence_add,
    review_item_update,
    review_items_bulk_update,
    review_start,
    review_upgrade,
    template_diff,
    template_new_draft,
    template_publish,
)
from tests.factories import AssetFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = bytes.fromhex("89504E470D0A1A0A0000000D49484452") + b"\x00" * 64


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_the_default_template_has_the_five_questions_and_at_least_25_items():
    version = default_template_ensure()
    assert version.is_published and version.number == 1
    assert [q.key for q in version.questions.all()] == [
        "data_integrity",
        "consent_ethics",
        "hgr_export",
        "ownership",
        "registration",
    ]
    assert version.items.count() == item_count() >= 25
    texts = " ".join(version.items.values_list("text", flat=True))
    assert "dated before first enrolment" in texts and "cross-border transfer" in texts


def test_a_published_version_never_changes():
    version = default_template_ensure()
    item = version.items.all()[0]
    item.text = "Changed"
    with pytest.raises(ValidationError):
        item.save()
    with pytest.raises(ValidationError):
        item.delete()
    version.change_note = "Edited"
    with pytest.raises(ValidationError):
        version.save()
    assert TemplateItem.objects.get(pk=item.pk).text != "Changed"


def edited_version_2(user) -> tuple[TemplateVersion, TemplateVersion]:
    v1 = default_template_ensure()
    draft = template_new_draft(template=v1.template, user=user)
    assert (draft.number, draft.status, draft.items.count()) == (2, "draft", v1.items.count())
    assert template_new_draft(template=v1.template, user=user) == draft  # one draft at a time
    changed = draft.items.get(key="consent-versions")
    changed.text = "Consent form versions match the approved protocol versions, site by site"
    changed.save()
    draft.items.get(key="hgr-defined-cases").delete()
    TemplateItem.objects.create(
        question=draft.questions.get(key="ownership"),
        key="licensor-standing",
        text="The licensor is duly organised and may grant the licence",
        order=9,
    )
    return v1, template_publish(version=draft, user=user)


def test_new_draft_publish_and_diff(world):
    v1, v2 = edited_version_2(world.staff)
    assert v2.is_published and v2.published_by == world.staff
    diff = template_diff(old=v1, new=v2)
    assert [i.key for i in diff.added] == ["licensor-standing"]
    assert [i.key for i in diff.removed] == ["hgr-defined-cases"]
    assert [new.key for _old, new in diff.changed] == ["consent-versions"]
    assert len(diff.unchanged) == item_count() - 2


def test_publishing_an_empty_draft_is_refused(world):
    v1 = default_template_ensure()
    draft = template_new_draft(template=v1.template, user=world.staff)
    TemplateItem.objects.filter(version=draft).delete()
    with pytest.raises(ValidationError, match="at least one item"):
        template_publish(version=draft, user=world.staff)


def test_review_pins_the_latest_published_version_and_is_started_once(world):
    asset = AssetFactory(team=world.phoenix)
    review = review_start(asset=asset, user=world.member)
    assert review.template_version == default_template_ensure()
    assert review.items.count() == item_count()
    assert review_start(asset=asset, user=world.lead) == review


def test_upgrade_carries_answers_over_and_archives_removed_items(world):
    asset = AssetFactory(team=world.phoenix)
    review = review_start(asset=asset, user=world.member)
    kept = review.items.get(key="ethics-every-site")
    review_item_update(
        item=kept, user=world.member, changes={"status": "done", "notes": "All 4 letters"}, expected_version=1
    )
    removed = review.items.get(key="hgr-defined-cases")
    review_item_update(item=removed, user=world.member, changes={"status": "in_progress"}, expected_version=1)
    _v1, v2 = edited_version_2(world.staff)

    result = review_upgrade(review=review, user=world.lead)
    assert (result.carried, result.added, result.archived) == (item_count() - 2, 2, 2)
    review.refresh_from_db()
    assert review.template_version == v2
    kept.refresh_from_db()
    assert (kept.status, kept.notes, kept.template_item.version) == ("done", "All 4 letters", v2)
    removed.refresh_from_db()
    assert removed.archived_at is not None and removed.status == "in_progress"  # archived, never deleted
    live = review.items.filter(archived_at__isnull=True)
    assert live.count() == item_count() - 1 + 1
    assert live.get(key="consent-versions").status == "not_started"
    with pytest.raises(ValidationError, match="latest published"):
        review_upgrade(review=review, user=world.lead)
    with pytest.raises(ValidationError, match="archived"):
        review_item_update(item=removed, user=world.member, changes={"status": "done"}, expected_version=None)


def test_a_stale_item_edit_is_refused(world):
    item = review_start(asset=AssetFactory(team=world.phoenix), user=world.member).items.all()[0]
    review_item_update(item=item, user=world.member, changes={"status": "in_progress"}, expected_version=1)
    with pytest.raises(StaleEdit) as refused:
        review_item_update(item=item, user=world.lead, changes={"status": "done"}, expected_version=1)
    assert refused.value.current.status == "in_progress"


def test_not_applicable_needs_a_reason_in_the_service_and_the_database(world):
    item = review_start(asset=AssetFactory(team=world.phoenix), user=world.member).items.all()[0]
    with pytest.raises(ValidationError):
        review_item_update(item=item, user=world.member, changes={"status": "not_applicable"}, expected_version=1)
    done = review_item_update(
        item=item, user=world.member, changes={"status": "not_applicable", "na_reason": "No HGR"}, expected_version=1
    )
    assert done.na_reason == "No HGR"
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewItem.objects.filter(pk=item.pk).update(na_reason="")


def test_assignee_must_be_on_the_team(world):
    review = review_start(asset=AssetFactory(team=world.phoenix), user=world.member)
    item = review.items.all()[0]
    with pytest.raises(ValidationError):
        review_item_update(item=item, user=world.member, changes={"assignee": world.outsider}, expected_version=1)
    with pytest.raises(ValidationError):
        review_items_bulk_update(
            review=review, item_ids=[item.pk], user=world.member, assignee=world.outsider, set_assignee=True
        )


def test_bulk_assign_and_due_dates_touch_only_this_reviews_items(world):
    review = review_start(asset=AssetFactory(team=world.phoenix), user=world.member)
    other = review_start(asset=AssetFactory(team=world.phoenix), user=world.member)
    ids = list(review.items.values_list("pk", flat=True)[:3]) + [other.items.all()[0].pk]
    count = review_items_bulk_update(
        review=review,
        item_ids=ids,
        user=world.lead,
        assignee=world.member,
        due_on=dt.date(2026, 12, 1),
        set_assignee=True,
        set_due_on=True,
    )
    assert count == 3
    assert review.items.filter(assignee=world.member, due_on=dt.date(2026, 12, 1)).count() == 3
    assert other.items.filter(assignee__isnull=False).count() == 0


# --- evidence uploads -----------------------------------------------------------------------------------------


@pytest.fixture
def item(world):
    return review_start(asset=AssetFactory(team=world.phoenix), user=world.member).items.all()[0]


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("letter.pdf", PDF_BYTES, "application/pdf"),
        ("scan.png", PNG_BYTES, "image/png"),
        ("report.docx", None, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (
            "sites.csv",
            "site,city,enrolled\n西安交通大学第二附属医院,Xi'an,12\nRuijin,Shanghai,9\n".encode(),
            "text/csv",
        ),
    ],
)
def test_accepted_evidence_is_stored_under_a_generated_name(world, item, name, content, content_type):
    upload = SimpleUploadedFile(name, content if content is not None else docx_bytes())
    evidence = evidence_add(item=item, user=world.member, upload=upload)
    assert evidence.content_type == content_type
    assert evidence.original_name == name
    assert evidence.file.name is not None
    assert name not in evidence.file.name and evidence.file.name.startswith(f"evidence/{world.phoenix.pk}/")
    assert len(evidence.sha256) == 64 and evidence.size > 0


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64),  # a Windows executable named .pdf
        ("page.pdf", b"<html><script>alert(1)</script></html>"),
        ("archive.docx", None),  # a plain zip, not an Office document
        ("empty.csv", b""),
        ("notes.txt", b"just one line of prose without delimiters"),
    ],
)
def test_refused_evidence_says_why_and_writes_nothing(world, item, name, content):
    if content is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("payload.bin", "x")
        content = buffer.getvalue()
    with pytest.raises(ValidationError) as refused:
        evidence_add(item=item, user=world.member, upload=SimpleUploadedFile(name, content))
    assert name in str(refused.value)
    assert item.evidence.count() == 0


def test_evidence_added_with_no_uploader_records_none(world, item):
    evidence = evidence_add(item=item, user=None, upload=SimpleUploadedFile("letter.pdf", PDF_BYTES))
    assert evidence.uploaded_by is None and item.evidence.get() == evidence


def test_oversized_evidence_is_refused(world, item, settings):
    settings.DILIGENCE_MAX_UPLOAD_BYTES = 1024
    with pytest.raises(ValidationError, match="limit is"):
        evidence_add(item=item, user=world.member, upload=SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * 2048))


def test_a_user_factory_member_can_be_assigned(world):
    newcomer = UserFactory(username="newcomer")
    from teams.services import membership_set

    membership_set(team=world.phoenix, user=newcomer, role="member", actor=world.lead)
    item = review_start(asset=AssetFactory(team=world.phoenix), user=world.member).items.all()[0]
    assert (
        review_item_update(item=item, user=world.lead, changes={"assignee": newcomer}, expected_version=1).assignee
        == newcomer
    )


# --- wording-only edits, identical versions, keys from text -------------------------------------------------------


def _draft_edit(user, key: str, **changes) -> TemplateVersion:
    published = default_template_ensure()
    draft = template_new_draft(template=published.template, user=user)
    item = draft.items.get(key=key)
    for name, value in changes.items():
        setattr(item, name, value)
    item.save()
    return template_publish(version=draft, user=user)


def latest(review: Review) -> TemplateVersion:
    version = review.template.latest_published()
    assert version is not None
    return version


def _answered(world, key: str) -> tuple[Review, ReviewItem]:
    review = review_start(asset=AssetFactory(team=world.phoenix), user=world.member)
    item = review.items.get(key=key)
    review_item_update(item=item, user=world.member, changes={"status": "done", "notes": "Seen"}, expected_version=1)
    return review, item


def test_a_wording_only_edit_keeps_the_teams_answer_and_an_unmarked_one_does_not(world):
    review, item = _answered(world, "consent-versions")
    _draft_edit(
        world.staff, "consent-versions", text="Consent form versions match the protocol versions.", wording_only=True
    )
    diff = template_diff(old=review.template_version, new=latest(review))
    assert [new.key for _old, new in diff.reworded] == ["consent-versions"] and not diff.changed
    assert review_upgrade(review=review, user=world.lead).archived == 0
    item.refresh_from_db()
    assert (item.status, item.notes, item.archived_at) == ("done", "Seen", None)

    other, other_item = _answered(world, "ethics-every-site")  # on version 2; version 3 rewords without the mark
    _draft_edit(world.staff, "ethics-every-site", text="Every site has its own ethics approval letter.")
    assert review_upgrade(review=other, user=world.lead).archived == 1
    other_item.refresh_from_db()
    assert other_item.archived_at is not None


def test_marked_wording_only_but_changed_in_substance_is_a_change(world):
    review, item = _answered(world, "consent-versions")
    _draft_edit(world.staff, "consent-versions", rule_ids=["hgr-export"], wording_only=True)
    diff = template_diff(old=review.template_version, new=latest(review))
    assert [new.key for _old, new in diff.changed] == ["consent-versions"] and not diff.reworded


def test_over_several_versions_every_rewording_must_be_marked(world):
    review, _item = _answered(world, "consent-versions")  # on version 1
    _draft_edit(world.staff, "consent-versions", text="Reworded once.", wording_only=True)  # version 2
    v3 = _draft_edit(world.staff, "ethics-every-site", guidance="Ask for each letter.")  # version 3: not this item
    assert [n.key for _o, n in template_diff(old=review.template_version, new=v3).reworded] == ["consent-versions"]
    v4 = _draft_edit(world.staff, "consent-versions", text="Reworded twice, meaning changed.")  # unmarked
    diff = template_diff(old=review.template_version, new=v4)
    assert "consent-versions" in [n.key for _o, n in diff.changed]


def test_publishing_a_draft_identical_to_the_last_version_is_refused(world):
    v1 = default_template_ensure()
    draft = template_new_draft(template=v1.template, user=world.staff)
    with pytest.raises(ValidationError, match="same as published version 1"):
        template_publish(version=draft, user=world.staff)
    question = draft.questions.get(key="ownership")
    question.title = "Ownership of the data and the IP"
    question.save()
    assert template_publish(version=draft, user=world.staff).is_published  # a question's title is a change


def test_an_item_without_a_key_gets_one_from_its_text(world):
    v1 = default_template_ensure()
    draft = template_new_draft(template=v1.template, user=world.staff)
    question = draft.questions.get(key="ownership")
    first = TemplateItem.objects.create(question=question, text="The licensor's board approved the licence", order=20)
    second = TemplateItem.objects.create(question=question, text="The licensor's board approved the licence!", order=21)
    assert first.key == "the-licensors-board-approved-the-licence"
    assert second.key == "the-licensors-board-approved-the-licence-2"


def test_the_upgrade_page_says_what_happens_to_each_answer(world, client_as):
    review, _item = _answered(world, "consent-versions")
    ethics = review.items.get(key="ethics-every-site")
    review_item_update(item=ethics, user=world.member, changes={"status": "in_progress"}, expected_version=1)
    published = default_template_ensure()
    draft = template_new_draft(template=published.template, user=world.staff)
    reworded = draft.items.get(key="consent-versions")
    reworded.text, reworded.wording_only = "Consent versions match, reworded.", True
    reworded.save()
    changed = draft.items.get(key="ethics-every-site")
    changed.criticality = "minor"
    changed.save()
    template_publish(version=draft, user=world.staff)
    page = client_as("member").get(reverse("diligence:review_upgrade", args=[review.pk])).content.decode()
    rows = page.split('<tr class="upgrade-')[1:]
    reworded_row = next(row for row in rows if "Consent versions match, reworded." in row)
    assert reworded_row.startswith("reworded") and "Answer kept: the wording changed" in reworded_row
    assert "Done · notes: Seen" in reworded_row
    changed_row = next(row for row in rows if row.startswith("changed"))
    assert "criticality" in changed_row and "In progress" in changed_row
    assert "<strong>Archived with its answer, files and comments; the item starts again.</strong>" in changed_row
