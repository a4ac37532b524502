"""The search box: what it finds (Chinese, registry ids, file text), for whom (the information barrier), and how the
index follows the records (marks sent on commit, a real worker rewriting the entries)."""

from __future__ import annotations

import io
import sqlite3
import zipfile
from importlib import import_module

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from weasyprint import HTML

from diligence.models import SearchEntry
from diligence.search import query as search_query
from diligence.search.index import search_index, search_index_rebuild
from diligence.search.query import search_entries, snippet
from diligence.search.terms import index_terms, query_words
from diligence.services.checklists import evidence_add, item_comment_add, review_item_update
from tests import factories as f
from tests.workers import running_worker, wait_for

SEARCH = reverse("diligence:search")
MIGRATION = import_module("diligence.migrations.0003_search_entries")


def found(user_team_ids: list[int], query: str) -> dict[str, list[str]]:
    results = search_entries(query=query, team_ids=user_team_ids)
    return {group.kind: [hit.title for hit in group.hits] for group in results.groups}


# --- words ----------------------------------------------------------------------------------------------------


def test_chinese_is_indexed_as_overlapping_pairs_and_other_text_as_folded_words():
    assert index_terms("中山大学附属肿瘤医院") == "中山 山大 大学 学附 附属 属肿 肿瘤 瘤医 医院"
    assert index_terms("Xi'an Jiaotong", "ＬＣＡＲ－Ｂ３８Ｍ", "NCT03090659") == "xi an jiaotong lcar b38m nct03090659"
    assert query_words("中山") == [("中山", False)]
    assert query_words("中") == [("中", True)]  # one character: the pairs that start with it
    assert query_words("Xi'an  xi") == [("xi", True), ("an", True)]
    assert query_words("\x00 ' -- ;") == []  # nothing to search for


def test_a_snippet_escapes_what_people_wrote_and_marks_the_words():
    body = "Before <script>alert(1)</script> the 中山大学 ethics letter, approved 2019."
    html = snippet(body, "中山 ETHICS")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<mark>中山</mark>" in html and "<mark>ethics</mark>" in html
    long = "x " * 500 + "needle" + " y" * 500
    assert snippet(long, "needle").startswith("…") and snippet(long, "needle").endswith("…")


# --- finding things, and the barrier ----------------------------------------------------------------------------


@pytest.fixture
def indexed(world):
    facts = world.facts
    hospital = facts.site.hospital
    hospital.name_en, hospital.name_zh = "Sun Yat-sen University Cancer Center", "中山大学肿瘤防治中心"
    hospital.save()
    f.StudySiteFactory(
        study=facts.study,
        hospital=f.HospitalFactory(
            name_en="Second Affiliated Hospital of Xi'an Jiaotong University", name_zh="西安交通大学第二附属医院"
        ),
    )
    facts.review_item.notes = "Ethics letter from the Zhongshan committee: see reference KY-2019-088."
    facts.review_item.save()
    item_comment_add(
        item=facts.review_item, user=world.member, body="Asked the licensor for the <b>translated</b> letter."
    )
    atlas_asset = f.AssetFactory(team=world.atlas, code="ATL-7", name="Atlas antibody")
    f.StudyFactory(asset=atlas_asset, nct_id="NCT04000001", title="Atlas secret study")
    search_index_rebuild()
    return facts


def test_a_member_finds_assets_studies_hospitals_findings_items_and_comments(world, indexed):
    phoenix = [world.phoenix.pk]
    assert found(phoenix, "PHX-1")["asset"] == ["PHX-1 · Phoenix CAR-T"]
    assert indexed.study.title in found(phoenix, "NCT03090659")["study"][0]
    assert found(phoenix, "中山")["hospital"] == ["Sun Yat-sen University Cancer Center · 中山大学肿瘤防治中心"]
    assert found(phoenix, "中山大学")["hospital"] == ["Sun Yat-sen University Cancer Center · 中山大学肿瘤防治中心"]
    assert found(phoenix, "Xi'an Jiaotong")["hospital"][0].startswith("Second Affiliated Hospital of Xi'an Jiaotong")
    assert found(phoenix, "西安交通")["hospital"][0].startswith("Second Affiliated Hospital")
    assert found(phoenix, "KY-2019-088")["item"] == [indexed.review_item.template_item.text]
    assert found(phoenix, "translated licensor")["comment"]
    assert found(phoenix, indexed.finding.title.split()[0] + " " + indexed.finding.title.split()[-1])["finding"]


def test_nobody_finds_another_teams_records_only_the_shared_directory(world, indexed, client_as):
    atlas = [world.atlas.pk]
    assert found(atlas, "PHX-1") == {}
    assert found(atlas, "NCT03090659") == {}
    assert found(atlas, "KY-2019-088") == {}
    assert found(atlas, "中山") == {"hospital": ["Sun Yat-sen University Cancer Center · 中山大学肿瘤防治中心"]}
    assert found([world.phoenix.pk], "Atlas secret") == {}
    page = client_as("outsider").get(SEARCH, {"q": "PHX-1"})
    assert page.status_code == 200 and "Nothing you can see matches" in page.content.decode()
    page = client_as("member").get(SEARCH, {"q": "PHX-1"})
    assert "PHX-1 · Phoenix CAR-T" in page.content.decode()
    staff = client_as("staff").get(SEARCH, {"q": "PHX-1"})  # staff administer users and templates, not deal data
    assert "Phoenix CAR-T" not in staff.content.decode()


def test_the_search_page_groups_results_escapes_and_lists_one_kind_in_full(world, indexed, client_as):
    client = client_as("member")
    body = client.get(SEARCH, {"q": "licensor translated"}).content.decode()
    assert '<h2 id="search-comment">Comments' in body
    assert "&lt;b&gt;<mark>translated</mark>&lt;/b&gt;" in body
    for n in range(7):
        f.StudyFactory(asset=indexed.asset, title=f"Extension study {n} of the phoenix programme")
    search_index([("asset", indexed.asset.pk)])
    grouped = client.get(SEARCH, {"q": "phoenix programme"}).content.decode()
    assert grouped.count('<li>\n        <a href="/assets/') == 5 and "All 7 studies" in grouped
    alone = client.get(SEARCH, {"q": "phoenix programme", "kind": "study"}).content.decode()
    assert alone.count('<li>\n        <a href="/assets/') == 7
    partial = client.get(SEARCH, {"q": "phoenix programme"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and "All 7 studies" in partial


@pytest.mark.parametrize(
    "raw_query",
    ["%27%22%26%7C%21%28%29%3A%2A", "a" * 5000, "%ED%A0%80", "%E4%B8%AD" * 300, "NOT+AND+OR+NEAR", "--%3B+drop"],
)
def test_hostile_queries_are_a_page_not_an_error(world, indexed, client_as, raw_query):
    # tsquery and FTS5 operators, a lone surrogate's bytes, 300 Chinese characters, SQL: sent as a browser would.
    response = client_as("member").get(f"{SEARCH}?q={raw_query}")
    assert response.status_code == 200
    assert "search-page-q" in response.content.decode()


def test_a_nul_in_the_query_is_refused_with_a_message(world, indexed, client_as):
    response = client_as("member").get(f"{SEARCH}?q=PHX%00")
    assert response.status_code == 400 and "q" in response.content.decode()


def test_the_search_runs_in_a_fixed_number_of_queries(world, indexed, client_as):
    client = client_as("member")

    def queries(q: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(SEARCH, {"q": q}).status_code == 200
        return len(captured)

    few = queries("KY-2019-088")
    for n in range(30):
        f.StudyFactory(asset=indexed.asset, title=f"Study {n} with KY-2019-088 in its title")
    search_index([("asset", indexed.asset.pk)])
    assert queries("KY-2019-088") == few


# --- files ------------------------------------------------------------------------------------------------------


def docx(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def test_the_text_of_pdf_and_word_evidence_and_of_memos_is_found(world, indexed):
    pdf = HTML(string="<p>Approval of the 伦理委员会 dated 2019-05-02, protocol QX-2231 version 3.</p>").write_pdf()
    evidence_add(item=indexed.review_item, user=world.member, upload=SimpleUploadedFile("approval.pdf", pdf))
    evidence_add(
        item=indexed.review_item,
        user=world.member,
        upload=SimpleUploadedFile("minutes.docx", docx("Minutes on HGR form 4471")),
    )
    search_index([("item", indexed.review_item.pk)])
    phoenix = [world.phoenix.pk]
    assert found(phoenix, "QX-2231")["evidence"] == ["approval.pdf"]
    assert found(phoenix, "伦理委员会")["evidence"] == ["approval.pdf"]
    assert found(phoenix, "hgr 4471")["evidence"] == ["minutes.docx"]
    assert found(phoenix, "minutes")["evidence"] == ["minutes.docx"]  # the name alone too
    memo_word = indexed.asset.name.split()[0]  # the memo's PDF names the asset
    assert found(phoenix, memo_word)["memo"] == [f"Memo v{indexed.memo.version} on PHX-1"]
    assert found([world.atlas.pk], "QX-2231") == {}


def test_a_deleted_asset_takes_its_entries_with_it(world, indexed):
    assert SearchEntry.objects.filter(asset=indexed.asset).exists()
    indexed.asset.delete()
    assert found([world.phoenix.pk], "KY-2019-088") == {}
    assert not SearchEntry.objects.filter(team=world.phoenix).exists()


# --- the SQLite index, on a real SQLite ----------------------------------------------------------------------------


def test_the_sqlite_text_index_and_query_find_what_postgresql_finds():
    assert search_query.TABLE == "diligence_searchentry"
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE TABLE diligence_searchentry (id INTEGER PRIMARY KEY, kind TEXT, object_id INT, team_id INT,"
        ' asset_id INT, title TEXT, "where" TEXT, path TEXT, body TEXT, terms TEXT)'
    )
    for statement in MIGRATION.SQLITE[0]:
        db.execute(statement)
    rows = [
        (1, "hospital", None, "中山大学肿瘤防治中心", "Sun Yat-sen University Cancer Center 中山大学肿瘤防治中心"),
        (2, "study", 7, "LEGEND-2", "NCT03090659 LEGEND-2 Xi'an Jiaotong"),
        (3, "study", 8, "Other team's study", "NCT03090659 copy"),
    ]
    for pk, kind, team, title, text in rows:
        db.execute(
            "INSERT INTO diligence_searchentry VALUES (?, ?, ?, ?, NULL, ?, '', '', ?, ?)",
            (pk, kind, pk, team, title, text, index_terms(text)),
        )
    db.execute("DELETE FROM diligence_searchentry WHERE id = 3")  # the trigger takes it out of the text index too

    def titles(q: str, team_ids: list[int]) -> list[str]:
        sql, params = search_query._sqlite(query_words(q), team_ids, None, 5)
        return [row[1] for row in db.execute(sql.replace("%s", "?"), params)]

    assert titles("中山", [7]) == ["中山大学肿瘤防治中心"]
    assert titles("nct0309", [7]) == ["LEGEND-2"]
    assert titles("xi'an jiaotong", [7]) == ["LEGEND-2"]
    assert titles("NCT03090659", []) == []
    assert titles("copy", [8]) == []


# --- the index follows the records, through a real worker ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_saved_note_is_found_once_the_worker_has_indexed_it(world):
    facts = world.facts
    search_index_rebuild()
    phoenix = [world.phoenix.pk]
    assert found(phoenix, "Wenzhou") == {}
    with running_worker(queues="default"):
        review_item_update(
            item=facts.review_item,
            user=world.member,
            changes={"notes": "Site visit to Wenzhou confirmed the consent forms."},
            expected_version=facts.review_item.version,
        )  # autocommit: the marks go to the queue at once
        wait_for(lambda: "item" in found(phoenix, "Wenzhou"), timeout=60, what="the worker to index the note")
    assert found([world.atlas.pk], "Wenzhou") == {}
