"""The text of evidence files and memo PDFs, for the search index. Read by a worker, never in a web request.

A file whose text cannot be read (an image, a legacy Office file, a damaged PDF) is found by its name alone.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile

from defusedxml import ElementTree
from django.db.models.fields.files import FieldFile
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from diligence.search.terms import MAX_TERMS_CHARS

logger = logging.getLogger(__name__)

# The parts of an Office Open XML file that hold what a reader sees.
OOXML_TEXT_PARTS = re.compile(r"word/(document|footnotes|endnotes)\.xml|xl/sharedStrings\.xml|ppt/slides/slide\d+\.xml")
PDF, CSV = "application/pdf", "text/csv"
OOXML_PREFIX = "application/vnd.openxmlformats-officedocument."


def pdf_text(data: bytes) -> str:
    pages: list[str] = []
    size = 0
    for page in PdfReader(io.BytesIO(data)).pages:
        text = page.extract_text() or ""
        pages.append(text)
        size += len(text)
        if size >= MAX_TERMS_CHARS:
            break
    return "\n".join(pages)


def ooxml_text(data: bytes) -> str:
    """The text nodes of a Word, Excel or PowerPoint file's visible parts, in order (entity tricks refused)."""
    texts: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in sorted(n for n in archive.namelist() if OOXML_TEXT_PARTS.fullmatch(n)):
            with archive.open(name) as part:
                tree = ElementTree.parse(part)
            texts.extend(node.text for node in tree.iter() if node.text and node.tag.rsplit("}", 1)[-1] == "t")
    return " ".join(texts)


def file_text(field: FieldFile, content_type: str) -> str:
    """The readable text of a stored file, or "" when it has none we can read."""
    try:
        with field.open("rb") as handle:
            data = handle.read()
        if content_type == PDF:
            return pdf_text(data)
        if content_type.startswith(OOXML_PREFIX):
            return ooxml_text(data)
        if content_type == CSV:
            return data.decode("utf-8", errors="replace")
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, PyPdfError, ElementTree.ParseError) as error:
        logger.warning("no text read from %s (%s): %s", field.name, content_type, error)
    return ""
