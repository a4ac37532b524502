"""``export_team`` / ``import_team``: a whole team out to one archive and back into an install without it.

The round trip exports team phoenix with everything it has (facts, a review with comments and evidence, triaged
findings, a memo through change requests to approval), removes the team, its people, its stored files and the checklist
template, restores the archive, and exports again: the two archives must hold the same documents and the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from assets.dossier import dossier_dumps, dossier_export
from assets.dossier.schema import schema_problems
from assets.models import Asset, Company, StudySite
from assets.services import fact_delete, fact_save
from diligence.checklist_defaults import TEMPLATE_SLUG
from diligence.models import (
    ChecklistTemplate,
    Evidence,
    Finding,
    ItemComment,
    Memo,
    MemoComment,
    Review,
    ReviewItem,
    TemplateVersion,
)
from diligence.services.checklists import evidence_add, item_comment_add, review_item_update, review_start
from diligence.services.findings import finding_set_status, findings_recompute
from diligence.services.memos import (
    memo_approve,
    memo_comment_add,
    memo_render,
    memo_request,
    memo_request_changes,
    memo_submit,
)
from diligence.team_archive import restore
from diligence.team_archive.subjects import Subjects
from teams.models import DealTeam, Membership, User
from teams.services.memberships import membership_remove, membership_set
from tests import factories as f
from tests.conftest import MINIMAL_PDF

pytestmark = pytest.mark.django_db

ATLAS_PDF = MINIMAL_PDF.replace(b"%%EOF", b"% atlas only\n%%EOF")
PHOENIX_PEOPLE = ["alumna", "lead", "member", "partner"]


# --- the world ----------------------------------------------------------------------------------------------------


@pytest.fixture
def phoenix(world):
    """Team phoenix at work: every kind of fact, a review in progress, triaged findings, an approved memo, and a
    former member whose comment is still on the checklist."""
    facts = world.facts
    gone = f.StudySiteFactory(study=facts.study)
    originator = fact_save(instance=Company(team=world.phoenix, name="Legend Biotech", country="China"), user=None)
    facts.asset.originator = originator
    fact_save(instance=facts.asset, user=world.member)
    fact_save(instance=Company(team=world.phoenix, name="Westbridge Therapeutics", country="US"), user=None)
    findings_recompute(asset_id=facts.asset.pk)  # the factories wrote facts without the recompute a service does
    fact_delete(instance=gone, user=world.member)  # its findings stay behind, resolved

    items = list(facts.review.items.order_by("order", "pk"))
    review_item_update(
        item=items[0],
        user=world.member,
        expected_version=None,
        changes={"status": "in_progress", "assignee": world.member, "due_on": dt.date(2026, 7, 1), "notes": "Asked"},
    )
    review_item_update(
        item=items[1],
        user=world.lead,
        expected_version=None,
        changes={"status": "not_applicable", "na_reason": "No biobank samples were collected."},
    )
    item_comment_add(item=items[0], user=world.member, body="The hospital sent the approval letter.")
    alumna = f.UserFactory(username="alumna")
    membership = membership_set(team=world.phoenix, user=alumna, role=Membership.Role.MEMBER, actor=world.lead)
    item_comment_add(item=items[0], user=alumna, body="Chase the 2024 amendment.")
    membership_remove(membership=membership, actor=world.lead)

    active = Finding.objects.filter(asset=facts.asset, status=Finding.Status.OPEN).order_by("rule_id", "subject")
    first, second = active[0], active[1]
    finding_set_status(finding=first, user=world.lead, status=Finding.Status.ACKNOWLEDGED, note="Known; priced in.")
    finding_set_status(finding=second, user=world.member, status=Finding.Status.MITIGATED, note="Re-consent done.")

    memo = facts.memo
    memo_submit(memo=memo, user=world.lead)
    memo_comment_add(memo=memo, user=world.partner, section="verdict", body="Say which sites lack consent.")
    memo_request_changes(memo=memo, partner=world.partner, comment="Name the sites.")
    memo_submit(memo=memo, user=world.lead)
    memo_approve(memo=memo, partner=world.partner)
    return world


@pytest.fixture
def atlas(world):
    """Team atlas with an asset, a review with its own evidence file, a memo and a company of its own."""
    company = f.CompanyFactory(team=world.atlas, name="Atlas Secret Biotech")
    asset = f.AssetFactory(team=world.atlas, code="ATL-SECRET", name="Atlas secret asset", originator=company)
    review = review_start(asset=asset, user=world.outsider)
    item = review.items.order_by("pk")[0]
    evidence_add(item=item, user=world.outsider, upload=SimpleUploadedFile("atlas.pdf", ATLAS_PDF))
    item_comment_add(item=item, user=world.outsider, body="Atlas-only remark")
    memo_render(memo_id=memo_request(asset=asset, user=world.outsider).pk)
    return world


# --- helpers ------------------------------------------------------------------------------------------------------


def run(command: str, *args: str) -> str:
    stdout = io.StringIO()
    call_command(command, *args, stdout=stdout, stderr=io.StringIO())
    return stdout.getvalue()


def export(path: Path, slug: str = "phoenix") -> Path:
    run("export_team", slug, "--output", str(path))
    return path


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def comparable(archive: dict[str, bytes]) -> dict[str, object]:
    """JSON members parsed (the manifest without its export time), files as bytes."""
    result: dict[str, object] = {}
    for name, data in archive.items():
        if name.endswith(".json"):
            document = json.loads(data)
            if name == "manifest.json":
                document.pop("exported_at")
            result[name] = document
        else:
            result[name] = data
    return result


def rewrite(path: Path, target: Path, **changes: bytes) -> Path:
    """A copy of the archive with some members' bytes replaced (the manifest left as it was)."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as out:
        for name in source.namelist():
            out.writestr(name, changes.get(name, source.read(name)))
    return target


def stored_files() -> set[Path]:
    return {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


def wipe(team: DealTeam, *, template: bool) -> None:
    """An install without the team: its rows, its stored files and its people gone (and, if asked, the template)."""
    for evidence in Evidence.objects.filter(item__review__team=team):
        evidence.file.delete(save=False)
    for memo in Memo.objects.filter(team=team).exclude(pdf=""):
        memo.pdf.delete(save=False)
    team.delete()
    User.objects.filter(username__in=PHOENIX_PEOPLE).delete()
    if template:
        ChecklistTemplate.objects.filter(slug=TEMPLATE_SLUG).delete()


def table_counts() -> dict[str, int]:
    models = [
        DealTeam,
        User,
        Membership,
        Asset,
        Company,
        Review,
        ReviewItem,
        ItemComment,
        Evidence,
        Finding,
        Memo,
        MemoComment,
        TemplateVersion,
    ]
    return {model.__name__: model._default_manager.count() for model in models}


def state(team: DealTeam) -> dict[str, object]:
    """What a person sees of the team's work, by names that mean the same on any install."""
    asset = Asset.objects.get(team=team)
    subjects = Subjects(asset)
    items = ReviewItem.objects.filter(review__team=team).select_related("assignee")
    memo = Memo.objects.get(team=team)
    return {
        "members": sorted((m.user.username, m.role) for m in Membership.objects.filter(team=team)),
        "items": sorted(
            (i.key, i.status, i.na_reason, i.assignee.username if i.assignee else None, i.due_on, i.notes, i.version)
            for i in items
        ),
        "comments": sorted(
            (c.item.key, c.author.username if c.author else None, c.body, c.created_at)
            for c in ItemComment.objects.filter(item__review__team=team)
        ),
        "findings": sorted(
            (
                x.rule_id,
                subjects.portable(x.subject),
                x.status,
                x.note,
                x.status_changed_by.username if x.status_changed_by else None,
                x.first_raised_at,
            )
            for x in Finding.objects.filter(team=team)
        ),
        "memo": (
            memo.version,
            memo.status,
            memo.review_state,
            memo.decided_by.username if memo.decided_by else None,
            memo.decided_at,
            memo.pages,
        ),
        "memo_comments": [
            (c.kind, c.section, c.author.username if c.author else None, c.body)
            for c in memo.comments.order_by("created_at", "pk")
        ],
        "evidence": [
            (e.original_name, e.sha256, e.uploaded_at) for e in Evidence.objects.filter(item__review__team=team)
        ],
    }


def evidence_bytes(team: DealTeam) -> list[bytes]:
    return [e.file.read() for e in Evidence.objects.filter(item__review__team=team)]


def memo_pdf(team: DealTeam) -> bytes:
    memo = Memo.objects.get(team=team)
    with memo.pdf.open("rb") as pdf:
        return pdf.read()


# --- the round trip -----------------------------------------------------------------------------------------------


def test_a_team_restored_into_an_install_without_it_exports_the_same_archive(phoenix, tmp_path):
    first = export(tmp_path / "first.zip")
    archived = json.loads(members(first)["findings.json"])["findings"]
    assert {f["kind"] for f in archived} == {"breach", "unknown"}  # open items travel as open items
    before = state(phoenix.phoenix)
    evidence_before, pdf_before = evidence_bytes(phoenix.phoenix), memo_pdf(phoenix.phoenix)
    wipe(phoenix.phoenix, template=True)

    output = run("import_team", str(first))

    team = DealTeam.objects.get(slug="phoenix")
    assert output.startswith("Restored team phoenix (Phoenix): 1 asset, 3 memberships, 4 people,")
    assert "Created 4 users this install did not have, inactive and without a usable password" in output
    assert output.rstrip().endswith(": alumna, lead, member, partner.")
    for user in User.objects.filter(username__in=PHOENIX_PEOPLE):
        assert not user.is_active and not user.has_usable_password()

    assert state(team) == before
    assert evidence_bytes(team) == evidence_before == [MINIMAL_PDF]
    assert memo_pdf(team) == pdf_before and pdf_before.startswith(b"%PDF")
    assert Memo.objects.get(team=team).is_locked
    recreated = TemplateVersion.objects.get(template__slug=TEMPLATE_SLUG)
    assert recreated.is_published and recreated.items.count() == 28
    assert sorted(Company.objects.filter(team=team).values_list("name", flat=True)) == [
        "Legend Biotech",
        "Westbridge Therapeutics",
    ]

    second = comparable(members(export(tmp_path / "second.zip")))
    assert second == comparable(members(first))


def test_the_archive_holds_valid_dossiers_checksums_and_portable_subjects(phoenix, tmp_path):
    archive = members(export(tmp_path / "phoenix.zip"))
    manifest = json.loads(archive["manifest.json"])
    asset = phoenix.facts.asset

    assert (manifest["format"], manifest["version"], manifest["team"]) == (
        "iit-diligence-team-archive",
        1,
        {"name": "Phoenix", "slug": "phoenix"},
    )
    assert dt.datetime.fromisoformat(manifest["exported_at"]).tzinfo is not None
    assert set(manifest["files"]) == set(archive) - {"manifest.json"}
    for name, listed in manifest["files"].items():
        assert listed == {"sha256": hashlib.sha256(archive[name]).hexdigest(), "size": len(archive[name])}
    assert manifest["counts"] | {"findings": 0} == {
        "assets": 1,
        "memberships": 3,
        "users": 4,
        "companies": 2,
        "checklist_versions": 1,
        "reviews": 1,
        "review_items": 28,
        "item_comments": 2,
        "evidence_files": 1,
        "findings": 0,
        "memos": 1,
        "memo_pdfs": 1,
        "memo_comments": 3,
    }
    assert manifest["counts"]["findings"] == Finding.objects.filter(team=phoenix.phoenix).count()

    dossier = json.loads(archive["dossiers/PHX-1.json"])
    assert schema_problems(dossier) == []
    assert archive["dossiers/PHX-1.json"].decode() == dossier_dumps(dossier_export(asset=asset))
    assert archive[f"evidence/{hashlib.sha256(MINIMAL_PDF).hexdigest()}"] == MINIMAL_PDF
    assert archive["memos/PHX-1-v1.pdf"] == memo_pdf(phoenix.phoenix)

    team = json.loads(archive["team.json"])
    assert [c["name"] for c in team["companies"]] == ["Legend Biotech", "Westbridge Therapeutics"]
    assert dossier["asset"]["originator"] == "Legend Biotech"
    assert [(m["username"], m["role"]) for m in team["memberships"]] == [
        ("lead", "lead"),
        ("member", "member"),
        ("partner", "partner"),
    ]
    assert [u["username"] for u in team["users"]] == PHOENIX_PEOPLE
    review = json.loads(archive["reviews.json"])
    template = review["checklist_templates"][0]
    assert (template["slug"], [v["number"] for v in template["versions"]]) == (TEMPLATE_SLUG, [1])
    assert sum(len(q["items"]) for q in template["versions"][0]["questions"]) == 28
    first_item = next(i for i in review["reviews"][0]["items"] if i["comments"])
    assert [c["author"] for c in first_item["comments"]] == ["member", "alumna"]
    assert first_item["evidence"][0]["original_name"] == "letter.pdf"

    findings = json.loads(archive["findings.json"])["findings"]
    subjects = {x["subject"] for x in findings}
    assert not [s for s in subjects if re.fullmatch(r"[a-z_]+:\d+(:.*)?", s)]  # no database id travels
    assert {s.split("@")[0] for s in subjects if "@$" in s} >= {"study", "site"}
    gone = [x for x in findings if "@gone:" in x["subject"]]
    assert gone and all(x["status"] == "resolved" for x in gone)
    triaged = {(x["status"], x["note"], x["status_changed_by"]) for x in findings if x["status_changed_by"]}
    assert triaged == {("acknowledged", "Known; priced in.", "lead"), ("mitigated", "Re-consent done.", "member")}

    memo = json.loads(archive["memos.json"])["memos"][0]
    assert (memo["review_state"], memo["decided_by"], memo["pdf"]) == ("approved", "partner", "memos/PHX-1-v1.pdf")
    assert [(c["kind"], c["section"]) for c in memo["comments"]] == [
        ("comment", "verdict"),
        ("changes_requested", ""),
        ("approval", ""),
    ]
    assert all("@" in row["subject"] or ":" not in row["subject"] for row in memo["snapshot"]["findings"])


def test_the_archive_holds_nothing_of_another_team(phoenix, atlas, tmp_path):
    archive = members(export(tmp_path / "phoenix.zip"))

    everything = b"".join(archive.values())
    for secret in [b"ATL-SECRET", b"Atlas secret asset", b"Atlas Secret Biotech", b"Atlas-only remark", b"outsider"]:
        assert secret not in everything
    assert ATLAS_PDF not in archive.values()
    atlas_memo = Memo.objects.get(team=atlas.atlas)
    assert atlas_memo.status == Memo.Status.READY and memo_pdf(atlas.atlas) not in archive.values()
    assert [n for n in archive if n.startswith("dossiers/")] == ["dossiers/PHX-1.json"]
    assert [n for n in archive if n.startswith("memos/")] == ["memos/PHX-1-v1.pdf"]
    assert [n for n in archive if n.startswith("evidence/")] == [f"evidence/{hashlib.sha256(MINIMAL_PDF).hexdigest()}"]
    memos = json.loads(archive["memos.json"])["memos"]
    assert [(m["asset"], m["version"]) for m in memos] == [("PHX-1", 1)]
    assert {r["asset"] for r in json.loads(archive["reviews.json"])["reviews"]} == {"PHX-1"}
    assert {x["asset"] for x in json.loads(archive["findings.json"])["findings"]} == {"PHX-1"}


# --- refusals: nothing written ------------------------------------------------------------------------------------


def test_importing_a_team_that_exists_is_refused_and_writes_nothing(phoenix, tmp_path):
    archive = export(tmp_path / "phoenix.zip")
    rows, files = table_counts(), stored_files()

    with pytest.raises(CommandError, match="A deal team with the slug 'phoenix' already exists here"):
        run("import_team", str(archive))

    assert table_counts() == rows and stored_files() == files


@pytest.mark.parametrize(
    ("member", "change", "message"),
    [
        ("evidence", lambda data: data.replace(b"Catalog", b"Catalox"), "sha256 does not match the manifest"),
        ("memos/PHX-1-v1.pdf", lambda data: data[:-10], "sha256 does not match the manifest"),
        ("reviews.json", lambda data: data.replace(b'"in_progress"', b'"done"'),
         "sha256 does not match the manifest"),
        ("dossiers/PHX-1.json", lambda data: data.replace(b"Phoenix CAR-T", b"Phoenix CAR-X"),
         "sha256 does not match the manifest"),
        ("manifest.json", lambda data: data.replace(b'"version": 1', b'"version": 2'),
         "format version 2 cannot be read"),
        ("manifest.json", lambda data: b"{not json", "is not valid JSON"),
    ],
)  # fmt: skip
def test_a_damaged_or_altered_archive_is_refused_naming_the_member_and_writes_nothing(
    phoenix, tmp_path, member, change, message
):
    original = export(tmp_path / "phoenix.zip")
    if member == "evidence":
        member = f"evidence/{hashlib.sha256(MINIMAL_PDF).hexdigest()}"
    tampered = rewrite(original, tmp_path / "tampered.zip", **{member: change(members(original)[member])})
    wipe(phoenix.phoenix, template=True)
    rows, files = table_counts(), stored_files()

    with pytest.raises(CommandError, match=message) as refused:
        run("import_team", str(tampered))

    assert f"{member}: " in str(refused.value) and "nothing was written" in str(refused.value)
    assert table_counts() == rows and stored_files() == files
    assert not DealTeam.objects.filter(slug="phoenix").exists()


def test_a_member_the_manifest_does_not_list_is_refused(phoenix, tmp_path):
    original = export(tmp_path / "phoenix.zip")
    with zipfile.ZipFile(original, "a") as archive:
        archive.writestr("evidence/extra", b"smuggled")
    wipe(phoenix.phoenix, template=True)

    with pytest.raises(CommandError, match="evidence/extra: is in the archive but not listed in the manifest"):
        run("import_team", str(original))

    assert not DealTeam.objects.filter(slug="phoenix").exists()


def test_a_restore_that_fails_midway_rolls_back_and_removes_the_files_it_wrote(phoenix, tmp_path, monkeypatch):
    archive = export(tmp_path / "phoenix.zip")
    wipe(phoenix.phoenix, template=False)
    rows, files = table_counts(), stored_files()
    written: list[str] = []
    store, memos = restore._Restorer._store, restore._Restorer._memos

    def recording_store(self, file, data):
        store(self, file, data)
        written.append(file.name)

    def failing_memos(self):
        memos(self)
        raise RuntimeError("the disk filled up")

    monkeypatch.setattr(restore._Restorer, "_store", recording_store)
    monkeypatch.setattr(restore._Restorer, "_memos", failing_memos)

    with pytest.raises(RuntimeError, match="the disk filled up"):
        run("import_team", str(archive))

    assert len(written) == 2 and any(name.startswith("evidence/") for name in written)  # evidence and the memo PDF
    assert table_counts() == rows and stored_files() == files


def test_a_template_version_that_differs_here_is_refused(phoenix, tmp_path):
    archive = export(tmp_path / "phoenix.zip")
    wipe(phoenix.phoenix, template=False)
    version = TemplateVersion.objects.get(template__slug=TEMPLATE_SLUG, number=1)
    # A published version never changes through the app; an install whose copy differs is not the same version.
    version.items.filter(pk=version.items.order_by("pk")[0].pk).update(text="Something else entirely")

    with pytest.raises(
        CommandError, match="reviews.json: checklist template 'china-iit-diligence' version 1 here is not"
    ):
        run("import_team", str(archive))

    assert not DealTeam.objects.filter(slug="phoenix").exists()


# --- the commands -------------------------------------------------------------------------------------------------


def test_export_writes_slug_and_date_here_by_default_and_never_overwrites(phoenix, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    output = run("export_team", "phoenix")

    name = f"phoenix-{timezone.localdate():%Y-%m-%d}.zip"
    assert (tmp_path / name).is_file() and output.startswith(f"Exported team phoenix (Phoenix) to {name}: 1 asset,")
    assert list(tmp_path.glob(".*partial")) == []
    with pytest.raises(CommandError, match=f"{name} already exists"):
        run("export_team", "phoenix")


def test_export_refuses_an_unknown_team(world, tmp_path):
    with pytest.raises(CommandError, match="No deal team with the slug 'nobody'."):
        run("export_team", "nobody", "--output", str(tmp_path / "x.zip"))
    assert not (tmp_path / "x.zip").exists()


def test_import_refuses_what_is_not_an_archive(world, tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    with pytest.raises(CommandError, match="is not a readable zip archive"):
        run("import_team", str(junk))
    with pytest.raises(CommandError, match="does not exist"):
        run("import_team", str(tmp_path / "missing.zip"))


def test_existing_people_are_reused_and_only_missing_ones_created(phoenix, tmp_path):
    archive = export(tmp_path / "phoenix.zip")
    lead_pk = phoenix.lead.pk
    wipe(phoenix.phoenix, template=False)
    kept = f.UserFactory(username="lead")
    versions = TemplateVersion.objects.count()

    output = run("import_team", str(archive))

    assert TemplateVersion.objects.count() == versions  # the install's own copy of the pinned version is used

    assert kept.pk != lead_pk  # a different person record with the same username: the install's own is used
    team = DealTeam.objects.get(slug="phoenix")
    assert Membership.objects.get(team=team, user__username="lead").user == kept
    kept.refresh_from_db()
    assert kept.is_active and kept.has_usable_password()
    assert output.rstrip().endswith(
        "Created 3 users this install did not have, inactive and without a usable "
        "password (activate them and set a password to let them log in): alumna, member, "
        "partner."
    )
    assert StudySite.objects.filter(study__asset__team=team).count() == 1
