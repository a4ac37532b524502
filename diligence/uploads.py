"""Evidence files: checked by what they contain, never by their name."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

PDF, CSV = "application/pdf", "text/csv"
IMAGES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/tiff"}
OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # legacy .doc / .xls / .ppt
OLE2 = "application/x-ole-storage"
ALLOWED_DESCRIPTION = "PDF, Word, Excel or PowerPoint documents, CSV, or PNG/JPEG/GIF/WebP/TIFF images"


def max_upload_bytes() -> int:
    return int(getattr(settings, "DILIGENCE_MAX_UPLOAD_BYTES", 25 * 1024 * 1024))


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    sha256: str


def check_upload(upload: UploadedFile) -> CheckedFile:
    """The file's real type from its bytes, its size and digest; a ValidationError naming what is wrong."""
    limit = max_upload_bytes()
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            f"“{upload.name}” is {upload.size / 1_048_576:.1f} MB; the limit is {limit / 1_048_576:.0f} MB."
        )
    upload.seek(0)
    head = upload.read(8192)
    content_type = sniff(head, upload)
    if content_type is None:
        raise ValidationError(
            f"“{upload.name}” is not an accepted file type ({ALLOWED_DESCRIPTION}), whatever its name says."
        )
    digest, size = hashlib.sha256(), 0
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    if size == 0:
        raise ValidationError(f"“{upload.name}” is empty.")
    return CheckedFile(content_type, size, digest.hexdigest())


def sniff(head: bytes, upload: UploadedFile) -> str | None:
    kind = filetype.guess(head)
    if kind is not None:
        if kind.mime == PDF or kind.mime in IMAGES:
            return kind.mime
        if kind.mime in {"application/zip", *OOXML.values()}:
            return _office_open_xml(upload)
        return None
    if head.startswith(OLE2_MAGIC):
        return OLE2
    return CSV if _looks_like_csv(head) else None


def _office_open_xml(upload: UploadedFile) -> str | None:
    """A zip is an Office document only if it carries Office's content-types part and one of its folders."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return None
    if "[Content_Types].xml" not in names:
        return None
    for folder, mime in OOXML.items():
        if any(name.startswith(folder) for name in names):
            return mime
    return None


def _looks_like_csv(head: bytes) -> bool:
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        # A cut in the middle of a multi-byte character at the end of the sample is not an encoding error.
        try:
            text = head[:-3].decode("utf-8-sig")
        except UnicodeDecodeError:
            return False
    if "\x00" in text or "<" in text[:200].lstrip()[:1]:
        return False
    lines = [line for line in text.splitlines() if line.strip()][:20]
    if not lines:
        return False
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t")
    except csv.Error:
        return False
    rows = list(csv.reader(io.StringIO("\n".join(lines)), dialect))
    return len(rows[0]) > 1 and all(len(row) == len(rows[0]) for row in rows[:-1])
