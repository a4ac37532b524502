"""Bytes to documents: which format a file is, its text, and where in it a value sits (for located errors).

JSON errors carry a line and column: the standard library gives them for syntax errors, and ``json_place`` finds
them for a value named by its path by walking the text (only when reporting, so imports pay nothing for it).
XML is parsed with defusedxml (no entity expansion, no external references) and every element's line and column
is recorded while parsing, since ElementTree itself forgets them.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from assets.registry.errors import RecordProblem, line_column
from teams.untrusted import UntrustedInput, json_loads_untrusted

Path = Sequence[str | int]

_XML_DECLARATION = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def sniff(raw: bytes) -> str:
    """``json`` or ``xml`` by the first character that is not whitespace (file names are often wrong)."""
    encoding = "utf-16" if raw.startswith(_UTF16_BOMS) else "utf-8"
    head = raw[:256].decode(encoding, errors="ignore").lstrip("\ufeff \t\r\n")
    if not head:
        raise RecordProblem("", "the file is empty")
    if head[0] in "{[":
        return "json"
    if head[0] == "<":
        return "xml"
    raise RecordProblem("line 1, column 1", f"neither JSON nor XML: the file starts with {head[:20]!r}")


def text_encoding(raw: bytes) -> str:
    """UTF-8 unless a byte-order mark says UTF-16 (Windows tools save JSON so)."""
    return "utf-16" if raw.startswith(_UTF16_BOMS) else "utf-8"


def decode(raw: bytes, encoding: str = "utf-8") -> str:
    """The text, or a problem naming the first byte that is not valid in the encoding (and where it is)."""
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise RecordProblem("line 1, column 1", f"the file declares the unknown encoding {encoding!r}") from None
    try:
        text = raw.decode(codec.name)
    except LookupError:  # a codec that is not for text: "hex", "base64", "rot13"
        raise RecordProblem(
            "line 1, column 1", f"the file declares {encoding!r}, which is not a text encoding"
        ) from None
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        message = f"not {codec.name.upper()} text: byte 0x{raw[error.start]:02x} is not valid {codec.name.upper()}"
        raise RecordProblem(f"line {line}, column {column}", f"{message} (save the file as UTF-8)") from None
    except UnicodeError:  # a text codec that fails without saying where ("idna" on anything but a domain name)
        raise RecordProblem(
            "line 1, column 1", f"the file cannot be read as {encoding!r}, the encoding it declares"
        ) from None
    return text.removeprefix("\ufeff")


# --- JSON ----------------------------------------------------------------------------------------------------


def json_load(text: str) -> Any:
    """The document, or a located problem: a syntax error, or what cannot be stored (``teams.untrusted``)."""
    try:
        return json_loads_untrusted(text)
    except json.JSONDecodeError as error:
        raise RecordProblem(f"line {error.lineno}, column {error.colno}", f"not valid JSON: {error.msg}") from None
    except UntrustedInput as error:
        raise RecordProblem(error.place, error.message) from None


def json_path(path: Path) -> str:
    """``["studies", 0, "protocolSection"]`` -> ``$.studies[0].protocolSection``."""
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)


def json_place(text: str, path: Path) -> str:
    """The path and, when the value can be found in the text, its line and column."""
    index = json_index(text, path)
    return json_path(path) if index is None else f"{json_path(path)} ({line_column(text, index)})"


@dataclass(frozen=True)
class JsonPlace:
    """A place found only when shown: locating every site of a 1,000-site file up front would cost seconds."""

    text: str = field(repr=False)
    path: tuple[str | int, ...]

    def __str__(self) -> str:
        return json_place(self.text, self.path)


def json_index(text: str, path: Path) -> int | None:
    """Where the value at ``path`` starts in the text; None if it is not there (e.g. a missing key)."""
    decoder = json.JSONDecoder()
    index: int | None = _space(text, 0)
    for part in path:
        if index is None:
            return None
        index = _item(text, index, part, decoder) if isinstance(part, int) else _member(text, index, part, decoder)
    return index


def json_spans(text: str, path: Path) -> list[tuple[int, int]]:
    """The start and end of each item of the array at ``path``: each study's own text in a search response."""
    decoder = json.JSONDecoder()
    index = json_index(text, path)
    spans: list[tuple[int, int]] = []
    if index is None or text[index : index + 1] != "[":
        return spans
    index = _space(text, index + 1)
    while text[index : index + 1] not in ("]", ""):
        _value, end = decoder.raw_decode(text, index)
        spans.append((index, end))
        index = _space(text, end)
        index = _space(text, index + 1) if text[index : index + 1] == "," else index
    return spans


def _space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _member(text: str, index: int, key: str, decoder: json.JSONDecoder) -> int | None:
    if text[index : index + 1] != "{":
        return None
    index = _space(text, index + 1)
    while text[index : index + 1] == '"':
        # The json module's own string scanner, which typeshed does not list.
        name, index = json.decoder.scanstring(text, index + 1)  # type: ignore[attr-defined]
        index = _space(text, _space(text, index) + 1)  # past the colon
        if name == key:
            return index
        _value, index = decoder.raw_decode(text, index)
        index = _space(text, index)
        index = _space(text, index + 1) if text[index : index + 1] == "," else index
    return None


def _item(text: str, index: int, position: int, decoder: json.JSONDecoder) -> int | None:
    if text[index : index + 1] != "[":
        return None
    index = _space(text, index + 1)
    for _ in range(position):
        if text[index : index + 1] in ("]", ""):
            return None
        _value, index = decoder.raw_decode(text, index)
        index = _space(text, index)
        index = _space(text, index + 1) if text[index : index + 1] == "," else index
    return None if text[index : index + 1] in ("]", "") else index


# --- XML -----------------------------------------------------------------------------------------------------


@dataclass
class XmlDocument:
    """A parsed XML file: the root element and each element's line and column."""

    root: Element
    text: str
    positions: dict[int, tuple[int, int]] = field(default_factory=dict)

    def place(self, element: Element) -> str:
        line, column = self.positions.get(id(element), (0, 0))
        return f"<{element.tag}> at line {line}, column {column}" if line else f"<{element.tag}>"


class _LinedParser(DefusedXMLParser):
    """defusedxml's parser, noting where each element starts (expat knows; ElementTree drops it)."""

    def __init__(self) -> None:
        super().__init__(target=TreeBuilder())
        self.positions: dict[int, tuple[int, int]] = {}

    def _start(self, tag: str, attr_list: list[str]) -> Element:  # called by expat for each start tag
        element = super()._start(tag, attr_list)  # type: ignore[misc]  # XMLParser's private hook, not in typeshed
        self.positions[id(element)] = (self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber + 1)
        return element


def xml_text(raw: bytes) -> str:
    """XML bytes as text in the encoding they declare (GBK and GB18030 too, which expat cannot read itself)."""
    if raw.startswith(_UTF16_BOMS):
        return decode(raw, "utf-16")
    match = _XML_DECLARATION.match(raw.removeprefix(b"\xef\xbb\xbf"))
    return decode(raw, match.group(1).decode("ascii") if match else "utf-8")


def xml_load(text: str) -> XmlDocument:
    """Parse the text (already decoded, so the declared encoding is not applied twice)."""
    parser = _LinedParser()
    try:
        parser.feed(text)
        root = parser.close()
    except ParseError as error:
        line, column = error.position
        reason = str(error).split(":", 1)[0]
        raise RecordProblem(f"line {line}, column {column + 1}", f"not well-formed XML: {reason}") from None
    except DefusedXmlException:
        message = "refused for safety: XML entity declarations and external references are not accepted"
        raise RecordProblem(line_column(text, 0), message) from None
    return XmlDocument(root=root, text=text, positions=parser.positions)
