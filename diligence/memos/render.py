"""A memo snapshot as HTML and PDF, and a download stamp on an already-rendered PDF.

Rendering reads the snapshot only: the same snapshot gives the same HTML, whenever it is rendered.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import weasyprint
from django.template.loader import render_to_string
from django.utils.html import escape
from pypdf import PdfReader, PdfWriter
from weasyprint.urls import FatalURLFetchingError

from diligence.memos.fetcher import MEMO_ORIGIN, MemoFetchRefused, MemoUrlFetcher

TEMPLATE = "memos/memo.html"
STYLESHEET = "/static/memos/memo.css"
# DejaVu first: its subset is a few kB where a CJK subset is ~120 kB, added to every stamped download; a Chinese
# name in the stamp falls back to Noto CJK.
STAMP_CSS = (
    "html, body { margin: 0; background: transparent; }"
    "p { position: absolute; left: 0; right: 0; bottom: 4mm; margin: 0; text-align: center; font-size: 7pt;"
    ' color: #8a6d1d; font-family: "DejaVu Sans", "Noto Sans CJK SC", sans-serif; }'
)


@dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    pages: int


def render_memo_html(snapshot: dict, *, stamp: str | None = None) -> str:
    """The memo as one HTML document. Every value from the snapshot is auto-escaped by the template engine."""
    return render_to_string(TEMPLATE, memo_context(snapshot, stamp=stamp))


def memo_context(snapshot: dict, *, stamp: str | None = None) -> dict[str, Any]:
    """The snapshot, plus each question's findings grouped by rule (one block per rule, its subjects beneath)."""
    findings_by_question: dict[str, dict[str, dict[str, Any]]] = {}
    for finding in snapshot["findings"]:
        groups = findings_by_question.setdefault(finding["question"], {})
        group = groups.setdefault(finding["rule"], {**finding, "subjects": []})
        group["subjects"].append(finding)
    lights = {q["key"]: q for q in snapshot["verdict"]["questions"]}
    questions = [
        {
            **question,
            "light": lights[question["key"]]["light"],
            "light_label": lights[question["key"]].get("light_label", ""),
            "missing": lights[question["key"]].get("missing", []),
            "finding_groups": list(findings_by_question.get(question["key"], {}).values()),
        }
        for question in snapshot["questions"]
    ]
    estimated = any(clock["estimated"] for clock in snapshot["timelines"])
    return {**snapshot, "questions": questions, "clocks_estimated": estimated, "stamp": stamp, "stylesheet": STYLESHEET}


def render_memo_pdf(html: str) -> RenderedPdf:
    """The memo HTML as a PDF, fetching nothing but our own stylesheet (see ``MemoUrlFetcher``).

    A refused URL stops the render with ``MemoFetchRefused``: WeasyPrint's own error is a BaseException, which a
    task's ``except Exception`` would not catch, leaving a memo job stuck instead of failed."""
    try:
        document = weasyprint.HTML(string=html, base_url=MEMO_ORIGIN, url_fetcher=MemoUrlFetcher()).render()
    except FatalURLFetchingError as error:
        raise MemoFetchRefused(str(error.__cause__ or error)) from error
    return RenderedPdf(pdf=document.write_pdf(), pages=len(document.pages))


def stamp_pdf(pdf: bytes, text: str) -> bytes:
    """``text`` (e.g. who downloaded the memo, and when) on every page of ``pdf``, without re-rendering the memo:
    a one-page stamp is drawn once per page size and merged onto each page."""
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    stamps: dict[tuple[float, float], Any] = {}
    for page in writer.pages:
        size = (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2))
        if size not in stamps:
            stamps[size] = PdfReader(io.BytesIO(_stamp_page(text, *size))).pages[0]
        page.merge_page(stamps[size])
        page.compress_content_streams()  # the merged stream is written plain otherwise, doubling the file
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _stamp_page(text: str, width: float, height: float) -> bytes:
    """A transparent page of the given size (in points) with ``text`` as a thin line along its bottom edge."""
    page = f"@page {{ size: {width}pt {height}pt; margin: 0; }}"
    html = f"<style>{page}{STAMP_CSS}</style><p>{escape(text)}</p>"
    return weasyprint.HTML(string=html, base_url=MEMO_ORIGIN, url_fetcher=MemoUrlFetcher()).write_pdf()
