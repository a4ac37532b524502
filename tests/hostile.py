"""Hostile input for the property tests: the text strategies, the forms found on the pages, requests sent as an
attacker's client sends them (bytes that need not be valid UTF-8), and a check that nothing was written.

Every generated input is counted in ``TRIED`` and the total printed at the end of the run (tests/conftest.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

from django.apps import apps
from django.db import connection
from hypothesis import strategies as st

# Generated inputs tried, by what they were thrown at, and the slowest import among them (seconds): printed in the
# terminal summary.
TRIED: Counter[str] = Counter()
SLOWEST: dict[str, float] = {}

# Each piece broke a page or a command once: NUL (PostgreSQL refuses it), a lone surrogate (not UTF-8), a character
# that grows 18-fold under NFKC (U+FDFA), line breaks and quotes (headers, file names), an integer past int()'s
# 4,300-digit limit, a right-to-left override, a bell (openpyxl refuses it), and sheer length.
PIECES = [
    "\x00",
    "\ud800",
    "\udfff",
    "\ufdfa",
    "\r\n",
    '"',
    "'",
    "\\",
    "%00",
    "\u202e",
    "\x07",
    "\x1b",
    "<script>",
    "9" * 5000,
    "x" * 10_000,
    "\ufdfa" * 40,
    "e\u0301",
    "-1",
    "0",
    "99999999999999999999",
    "2026-02-30",
]
hostile_text = st.one_of(
    st.sampled_from(PIECES),  # a piece alone
    st.tuples(st.text(max_size=6), st.sampled_from(PIECES), st.text(max_size=6)).map("".join),  # inside other text
    st.text(max_size=30),  # anything (Hypothesis favours NUL and the other control characters)
)


def wire(text: str) -> bytes:
    """Text as a client puts it on the wire: UTF-8, with a lone surrogate sent as the bytes it would have been."""
    return text.encode("utf-8", "surrogatepass")


# --- forms on a page ------------------------------------------------------------------------------------------


@dataclass
class FormSeen:
    """A form as the page renders it: where it goes and the values a browser would send unchanged."""

    method: str
    action: str
    multipart: bool
    htmx: bool
    fields: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return self.method, urlsplit(self.action).path

    def names(self) -> list[str]:
        return sorted({*self.fields, *self.files} - {"csrfmiddlewaretoken"})


class FormParser(HTMLParser):
    """The forms of a page with their current values (inputs, checked boxes, selected options, textareas)."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[FormSeen] = []
        self._form: FormSeen | None = None
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "option":
            self._option(a)
            return
        if tag == "form":
            action = a.get("hx-post") or a.get("hx-get") or a.get("action") or self.page_url
            method = "post" if "hx-post" in a else "get" if "hx-get" in a else a.get("method", "get").lower()
            multipart = "multipart" in a.get("enctype", "") + a.get("hx-encoding", "")
            htmx = "hx-post" in a or "hx-get" in a
            self._form = FormSeen(method=method, action=action, multipart=multipart, htmx=htmx)
            self.forms.append(self._form)
        form, name = self._form, a.get("name")
        if form is None or not name:
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind == "file":
                form.files.append(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "reset", "image"):
                form.fields[name] = a.get("value", "")
        elif tag == "select":
            self._select, self._first_option = name, None
        elif tag == "textarea":
            self._textarea = name
            form.fields[name] = ""

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._form is not None and self._select:
            if self._select not in self._form.fields and self._first_option is not None:
                self._form.fields[self._select] = self._first_option
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def _option(self, a: dict[str, str]) -> None:
        if self._form is None or not self._select:
            return
        value = a.get("value", "")
        if self._first_option is None:
            self._first_option = value
        if "selected" in a:
            self._form.fields[self._select] = value


def forms_on(page_url: str, html: str) -> list[FormSeen]:
    parser = FormParser(page_url)
    parser.feed(html)
    parser.close()
    return parser.forms


# --- requests as bytes ----------------------------------------------------------------------------------------

BOUNDARY = "hostileBoundary7MA4YWxkTrZu0gW"


def urlencoded(fields: dict[str, str]) -> str:
    return "&".join(f"{quote(wire(name))}={quote(wire(value))}" for name, value in fields.items())


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart body; file names as given (quotes escaped, as browsers do)."""
    parts = []
    for name, value in fields.items():
        head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{_q(name)}"\r\n\r\n'
        parts.append(wire(head) + wire(value) + b"\r\n")
    for name, (filename, content) in files.items():
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{_q(name)}"; filename="{_q(filename)}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(wire(head) + content + b"\r\n")
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={BOUNDARY}"


def _q(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


# --- nothing written ------------------------------------------------------------------------------------------

# Written by reading a page (the access log), by logging in, or by the session: not the data under test.
# Bookkeeping, not facts: who saw what, sessions, login attempts, and the import job whose result lines say what an
# import wrote or refused.
NOT_DATA = frozenset(
    {"teams_accesslogentry", "django_session", "axes_accessattempt", "axes_accesslog", "assets_importjob"}
)


def data_tables() -> list[str]:
    return sorted(
        model._meta.db_table
        for app in ("teams", "assets", "diligence")
        for model in apps.get_app_config(app).get_models()
        if model._meta.db_table not in NOT_DATA and not model._meta.proxy
    )


def row_counts() -> dict[str, int]:
    """Rows in every table of the project's data, history included (an update adds a history row), in one query."""
    quote = connection.ops.quote_name
    # The names are the models' own tables, quoted; nothing here comes from input.
    counts = [f"SELECT '{table}', COUNT(*) FROM {quote(table)}" for table in data_tables()]  # noqa: S608
    sql = " UNION ALL ".join(counts)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


def refused(content: bytes) -> bool:
    """Whether a page says it refused something (a form error, an alert)."""
    return any(
        mark in content for mark in (b'class="errorlist', b'role="alert"', b"form-error", b'aria-invalid="true"')
    )
