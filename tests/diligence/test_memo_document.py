"""The memo document: its frozen snapshot, its HTML and PDF (real WeasyPrint, text read back with pypdf), its stamp."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import json
import re
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from pypdf import PdfReader

from assets.models import Asset, DealTerms
from assets.services import fact_save
from diligence.memos.fetcher import MEMO_ORIGIN, MemoFetchRefused, MemoUrlFetcher
from diligence.memos.render import STYLESHEET, RenderedPdf, render_memo_html, render_memo_pdf, stamp_pdf
from diligence.memos.snapshot import CHECKED_REGULATIONS, build_snapshot, snapshot_changes
from diligence.models import Finding, Review
from diligence.rules.citations import CITATIONS
from diligence.services.checklists import evidence_add, review_item_update, review_start
from teams.models import User
from tests.conftest import MINIMAL_PDF
from tests.factories import AssetFactory, DealTeamFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 26)
GENERATED_AT = dt.datetime(2026, 11, 26, 6, 3, tzinfo=dt.UTC)  # 14:03 in Shanghai
HEADINGS = [
    "1. Data integrity",
    "2. Consent and ethics",
    "3. HGR and data export",
    "4. Ownership",
    "5. Registration plan",
]
HOSTILE = '<script>alert(1)</script><img src="http://127.0.0.1:9/x.png"> file:///etc/passwd'


def demo_asset(code: str = "DEMO-RISK") -> Asset:
    call_command("seed_demo", stdout=io.StringIO())
    return Asset.objects.select_related("team").get(team__slug="phoenix", code=code)


def snapshot_of(asset: Asset, *, version: int = 1, previous: dict | None = None, review: bool = True) -> dict:
    started = review_start(asset=asset, user=None) if review else None
    return build_snapshot(
        asset=asset,
        review=started,
        team=asset.team,
        version=version,
        previous=previous,
        today=TODAY,
        generated_at=GENERATED_AT,
    )


@functools.cache
def pdf_of(html: str) -> tuple[RenderedPdf, float]:
    """One WeasyPrint render per distinct HTML for the whole run: the PDF depends on the HTML alone."""
    started = time.perf_counter()
    rendered = render_memo_pdf(html)
    return rendered, time.perf_counter() - started


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def only_json_types(value: object) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and only_json_types(v) for k, v in value.items())
    if isinstance(value, list):
        return all(only_json_types(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)


# --- the PDF a partner signs -----------------------------------------------------------------------------------


def test_demo_risk_memo_pdf_shows_everything_a_partner_signs(record_property):
    asset = demo_asset()
    html = render_memo_html(snapshot_of(asset))
    rendered, seconds = pdf_of(html)
    record_property("demo_risk_render_seconds", round(seconds, 2))
    record_property("demo_risk_pages", rendered.pages)
    print(f"\nDEMO-RISK memo: {rendered.pages} pages rendered in {seconds:.2f} s")  # measured, not asserted

    texts = page_texts(rendered.pdf)
    text = "\n".join(texts)
    assert len(texts) == rendered.pages
    assert "Demo risk CAR-T" in text
    for heading in HEADINGS:
        assert heading in text
    citations = set(Finding.objects.filter(asset=asset, status__in=Finding.ACTIVE).values_list("citation", flat=True))
    assert {"ORDER-818", "HGR-2024", "CFR-312.120", "ICH-E17", "NMPA-86", "US-APPROP", "DEAL-TRAP"} <= citations
    assert "DQ-OWNERSHIP" in citations
    for citation in citations:
        assert citation in text
    assert "云山县人民医院" in text  # extracted as text: the CJK font is embedded, not drawn as shapes
    assert "Confidential: prepared for Phoenix" in text
    assert "Illustrative data" in texts[0]
    assert "Does this data travel?" in text
    for number, page_text in enumerate(texts, start=1):
        assert f"page {number} of {rendered.pages}" in page_text
        if number > 1:  # the running header: asset, confidentiality, memo version
            assert "DEMO-RISK · Demo risk CAR-T" in page_text and "Memo version 1" in page_text
    assert rendered.pages <= 13  # a bound that catches a layout gone wrong (the memo lists every open item)


def test_contents_give_the_page_each_section_starts_on():
    html = render_memo_html(snapshot_of(demo_asset()))
    texts = page_texts(pdf_of(html)[0].pdf)
    contents = texts[0][texts[0].index("Contents") :]
    for heading in HEADINGS:
        match = re.search(rf"{re.escape(heading)}[ .]*?(\d+)\s*$", contents, flags=re.MULTILINE)
        assert match, heading
        assert heading in texts[int(match.group(1)) - 1]


def test_stamp_pdf_puts_the_stamp_on_every_page_and_keeps_the_page_count():
    rendered, _ = pdf_of(render_memo_html(snapshot_of(demo_asset())))
    stamp = "Downloaded by Pat Partner on 2026-11-26 14:03 CST"
    stamped = stamp_pdf(rendered.pdf, stamp)
    texts = page_texts(stamped)
    assert len(texts) == rendered.pages
    assert all(stamp in page_text for page_text in texts)
    assert all("Demo risk CAR-T" in page_text for page_text in texts)  # the memo is still under the stamp
    assert len(stamped) < 2 * len(rendered.pdf)


def test_stamp_pdf_escapes_and_keeps_a_chinese_name():
    pdf = render_memo_pdf("<p>one</p><p style='break-before: page'>two</p>").pdf
    texts = page_texts(stamp_pdf(pdf, "Downloaded by 王伟 <b>on</b> 2026-11-26"))
    assert texts and all("Downloaded by 王伟 <b>on</b> 2026-11-26" in t for t in texts)


# --- the snapshot ---------------------------------------------------------------------------------------------


def test_snapshot_is_plain_json_and_re_renders_to_the_same_html():
    snapshot = snapshot_of(demo_asset())
    assert only_json_types(snapshot)
    loaded = json.loads(json.dumps(snapshot))
    assert loaded == snapshot
    assert render_memo_html(loaded) == render_memo_html(snapshot)


def test_snapshot_holds_what_the_memo_shows():
    asset = demo_asset()
    review = review_start(asset=asset, user=None)
    item = review.items.get(key="order818-host-grade")
    evidence_add(item=item, user=None, upload=SimpleUploadedFile("grade-letter.pdf", MINIMAL_PDF))
    snapshot = snapshot_of(asset)

    memo = snapshot["memo"]
    assert (memo["version"], memo["team"], memo["today"], memo["generated_on"]) == (1, "Phoenix", *["2026-11-26"] * 2)
    assert memo["generated_display"] == "2026-11-26 14:03 CST"
    assert snapshot["illustrative"] is True
    assert snapshot["dossier"]["asset"]["code"] == "DEMO-RISK"
    assert snapshot["verdict"]["answer"] == "no" and snapshot["verdict"]["light"] == "red"
    assert [q["heading"] for q in snapshot["verdict"]["questions"]] == HEADINGS
    assert [q["heading"] for q in snapshot["questions"]] == HEADINGS
    items = {i["key"]: i for q in snapshot["questions"] for i in q["items"]}
    assert items["order818-host-grade"]["status"] == "blocked"
    assert items["order818-host-grade"]["assignee"] == "Mei Member"
    assert items["order818-host-grade"]["evidence"] == ["grade-letter.pdf"]
    rules = {(f["rule"], f["citation"]) for f in snapshot["findings"]}
    assert ("overpayment-trap", "DEAL-TRAP") in rules and ("order818-nhc-filing", "ORDER-818") in rules
    clocks = {c["key"]: c for c in snapshot["timelines"]}
    nhc = clocks["nhc-filing"]  # due on the 5th working day, a make-up Saturday after National Day; filed on the 6th
    assert (nhc["due"], nhc["done_on"], nhc["status"], nhc["estimated"]) == ("2026-10-10", "2026-10-12", "late", False)
    assert {"nmpa-acceptance", "nmpa-review", "first-dose"} <= set(clocks)
    deal = snapshot["deal"]
    assert (deal["upfront"], deal["total"], deal["upfront_share"]) == ("150000000.00", "1000000000.00", "0.1500")
    assert deal["limits"]["max_upfront_share"] == "0.1000" and deal["trap"] is True
    assert len(deal["milestones"]) == 5
    assert any(site["hospital_zh"].startswith("云山县人民医院") for site in snapshot["sites"])
    regulations = {r["id"]: r for r in snapshot["regulations"]}
    assert set(CHECKED_REGULATIONS) | {"DEAL-TRAP", "DQ-OWNERSHIP"} <= set(regulations)
    assert all(r["summary"] == CITATIONS[cid] for cid, r in regulations.items())
    assert snapshot["changes"]["since_version"] is None and snapshot["changes"]["count"] == 0


def test_memo_without_a_checklist_says_so():
    demo_asset()
    # The demo's one asset with no checklist is atlas's (CT053's was started for its requests to the licensor).
    asset = Asset.objects.select_related("team").get(team__slug="atlas", code="ATL-101")
    assert not Review.objects.filter(asset=asset).exists()
    snapshot = snapshot_of(asset, review=False)
    assert snapshot["review"] is None and all(q["items"] is None for q in snapshot["questions"])
    html = render_memo_html(snapshot)
    assert "No checklist has been started for this asset." in html and "No checklist started" in html


# --- changes since the previous version ------------------------------------------------------------------------


def test_changes_since_the_previous_version_from_real_edits():
    asset = demo_asset()
    first = snapshot_of(asset)
    deal = DealTerms.objects.get(asset=asset)
    deal.upfront = Decimal("50000000.00")  # 5.3 % of the new total, under USD 80M: the trap closes
    fact_save(instance=deal, user=None)
    item = Review.objects.get(asset=asset).items.get(key="milestones-priced")
    review_item_update(
        item=item, user=User.objects.get(username="lead"), changes={"status": "done"}, expected_version=None
    )

    second = snapshot_of(asset, version=2, previous=first)
    changes = second["changes"]
    assert changes["since_version"] == 1
    assert [f["rule"] for f in changes["findings_resolved"]] == ["overpayment-trap"]
    assert changes["findings_raised"] == []
    moved = {i["key"]: (i["before"], i["after"]) for i in changes["items_changed"]}
    assert moved == {"milestones-priced": ("Not started", "Done")}
    deal_changes = {c["field"]: (c["before"], c["after"]) for c in changes["deal_changed"]}
    assert deal_changes["Upfront"] == ("USD 150.0M", "USD 50.0M")
    assert snapshot_changes(second, first)["findings_raised"][0]["rule"] == "overpayment-trap"
    html = render_memo_html(second)
    assert "Changes since version 1" in html and "Findings resolved (1)" in html


def test_snapshot_changes_by_rule_and_subject():
    previous = snapshot_of(demo_asset())
    current = copy.deepcopy(previous) | {"memo": previous["memo"] | {"version": 2}}
    dropped = current["findings"].pop(0)
    added = dict(dropped, rule="new-rule", title="A new finding")
    current["findings"].append(added)
    current["findings"][0] = dict(current["findings"][0], status="acknowledged", status_display="Acknowledged")
    current["questions"][0]["items"][0] = dict(current["questions"][0]["items"][0], status_display="Done")

    changes = snapshot_changes(previous, current)
    assert [(f["rule"], f["subject"]) for f in changes["findings_resolved"]] == [(dropped["rule"], dropped["subject"])]
    assert [(f["rule"], f["subject"]) for f in changes["findings_raised"]] == [("new-rule", dropped["subject"])]
    assert changes["findings_changed"][0]["moves"] == [{"field": "Status", "before": "Open", "after": "Acknowledged"}]
    assert [i["after"] for i in changes["items_changed"]] == ["Done"]
    assert changes["deal_changed"] == [] and changes["count"] == 4
    assert snapshot_changes(None, current)["count"] == 0


# --- user text and URLs ---------------------------------------------------------------------------------------


def test_user_text_is_escaped_and_never_fetched(monkeypatch):
    team = DealTeamFactory(name="Phoenix <b>team</b>")
    asset = AssetFactory(team=team, name=HOSTILE, notes=HOSTILE)
    review = review_start(asset=asset, user=None)
    item = review.items.order_by("pk")[0]
    review_item_update(item=item, user=UserFactory(), changes={"notes": HOSTILE}, expected_version=None)
    snapshot = build_snapshot(
        asset=asset, review=review, team=team, version=1, previous=None, today=TODAY, generated_at=GENERATED_AT
    )

    html = render_memo_html(snapshot, stamp="<script>stamp()</script>")
    assert "<script" not in html and "<img" not in html and "<b>team" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;script&gt;stamp()" in html

    fetched: list[str] = []
    original = MemoUrlFetcher.fetch

    def spy(self: MemoUrlFetcher, url: str, headers: dict | None = None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(MemoUrlFetcher, "fetch", spy)
    rendered = render_memo_pdf(html)
    assert fetched == ["https://memo.invalid/static/memos/memo.css"]
    text = "\n".join(page_texts(rendered.pdf))
    assert "file:///etc/passwd" in text  # shown as the text it is
    assert b"root:x:0:0" not in rendered.pdf


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.png",
        "https://example.com/static/memos/memo.css",
        "file:///etc/passwd",
        (Path(__file__).resolve().parents[2] / "static" / "memos" / "memo.css").as_uri(),  # our own file, by path
        "https://memo.invalid/static/memos/../../../etc/passwd",
        "https://memo.invalid/static/css/app.css",
        "https://memo.invalid/static/memos/memo.css?x=1",
        "data:text/css,body{}",
    ],
)
def test_the_fetcher_refuses_anything_but_our_memo_stylesheet(url):
    with pytest.raises(MemoFetchRefused):
        MemoUrlFetcher().fetch(url)


def test_the_fetcher_serves_our_stylesheet_and_a_refused_url_stops_the_render():
    served = MemoUrlFetcher().fetch(MEMO_ORIGIN + STYLESHEET.lstrip("/"))
    assert b"@page" in served.read()
    with pytest.raises(MemoFetchRefused):
        render_memo_pdf('<p>x</p><img src="file:///etc/passwd">')


@pytest.mark.parametrize(("direction", "trap"), [("in", True), ("out", False)])
def test_the_memos_deal_section_judges_the_upfront_as_the_rule_does(direction, trap):
    from assets.dossier import dossier_export
    from diligence.memos.deal import deal_section
    from tests.factories import DealTermsFactory, MilestoneFactory, StudyFactory

    asset = StudyFactory(sponsor_type="iit").asset
    assert asset is not None
    deal = DealTermsFactory(asset=asset, direction=direction, upfront=Decimal("200000000"))
    MilestoneFactory(deal=deal, amount=Decimal("800000000"))
    section = deal_section(dossier_export(asset=asset))
    assert section is not None and (section["trap"], section["in_licensing"]) == (trap, direction == "in")
    assert section["limits"]["max_upfront_usd_display"].startswith("USD 80")
    html = render_memo_html(snapshot_of(asset, review=False))
    assert ("Overpayment trap." in html) is trap and ("Out-licensing." in html) is not trap
