"""Text from outside the house (request parameters, uploaded JSON): what cannot be stored is refused where it
comes in, named with the place it was found, instead of failing later in the database or the driver.

PostgreSQL refuses NUL in text, and a lone UTF-16 surrogate (which JSON's ``\\ud800`` escapes can produce) is not
Unicode text at all, so UTF-8 cannot encode it. Python's json module also lets through what would crash whatever
reads the document next: nesting deep enough to exhaust the recursion limit, and integers of thousands of digits
(which ``int()`` refuses past 4,300 digits, with a ValueError nobody expects from a parser).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

# Deep enough for any document of ours (a dossier is six levels deep, a registry record about twelve).
MAX_JSON_DEPTH = 64
# More than any count, amount in minor units or identifier of ours (a 64-bit integer has 19 digits).
MAX_INTEGER_DIGITS = 30

_SURROGATE = re.compile("[\ud800-\udfff]")


class UntrustedInput(ValueError):
    """Input refused before anything read it: ``place`` says where (a JSON path, a parameter's name)."""

    def __init__(self, place: str, message: str) -> None:
        self.place = place
        self.message = message
        super().__init__(f"{place}: {message}" if place else message)


def unstorable(text: str) -> str | None:
    """Why the text cannot be stored, or None: a NUL character, or a lone surrogate."""
    if (index := text.find("\x00")) >= 0:
        return f"contains a NUL character (U+0000) at position {index + 1}, which cannot be stored"
    if match := _SURROGATE.search(text):
        return (
            f"contains a lone surrogate (U+{ord(match.group()):04X}) at position {match.start() + 1}, "
            "which is not Unicode text"
        )
    return None


def json_loads_untrusted(
    text: str,
    *,
    object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None,
    parse_constant: Callable[[str], Any] | None = None,
) -> Any:
    """``json.loads`` for a document from a user's file. Raises ``json.JSONDecodeError`` for a syntax error, and
    UntrustedInput (at the JSON path) for nesting deeper than MAX_JSON_DEPTH, an integer longer than
    MAX_INTEGER_DIGITS, or a key or string that cannot be stored. The hooks are json.loads's own."""
    try:
        document = json.loads(
            text, parse_int=_bounded_int, object_pairs_hook=object_pairs_hook, parse_constant=parse_constant
        )
    except RecursionError:
        raise UntrustedInput("$", f"nested more than {MAX_JSON_DEPTH} levels deep") from None
    for path, depth, value in _walk(document):
        if depth > MAX_JSON_DEPTH:
            raise UntrustedInput(path, f"nested more than {MAX_JSON_DEPTH} levels deep")
        if isinstance(value, str) and (problem := unstorable(value)):
            raise UntrustedInput(path, f"the text {problem}")
    return document


def _bounded_int(digits: str) -> int:
    length = len(digits.lstrip("-"))
    if length > MAX_INTEGER_DIGITS:
        raise UntrustedInput("$", f"a number of {length:,} digits (at most {MAX_INTEGER_DIGITS} are accepted)")
    return int(digits)


def _walk(document: Any) -> Iterator[tuple[str, int, Any]]:
    """Every key and value with its path and depth, without recursion (the document may be deep)."""
    stack: list[tuple[str, int, Any]] = [("$", 0, document)]
    while stack:
        path, depth, value = stack.pop()
        yield path, depth, value
        if isinstance(value, dict):
            for key, item in value.items():
                yield path, depth, key  # a key is checked as text too, reported at the object holding it
                where = f"{path}.{key}" if key.isidentifier() else f"{path}[{json.dumps(key)}]"
                stack.append((where, depth + 1, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{index}]", depth + 1, item) for index, item in enumerate(value))
