"""Registry dates as written in the wild: ``2010-05``, ``August 1, 2017``, ``September 2018``, ``20/02/2020``."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from assets.models.common import DatePrecision

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name} | {
    name.lower(): number for number, name in enumerate(calendar.month_abbr) if name
}
_ISO = re.compile(r"^(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?.*)?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")  # ICTRP's dd/mm/yyyy
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")  # ICTRP's Date_registration3
_WORDS = re.compile(r"^([A-Za-z]+)\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})$")  # August 1, 2017 / September 2018


def parse_partial_date(text: str) -> tuple[dt.date, str]:
    """The first day of what is known and its precision; ValueError (with the expected forms) otherwise."""
    value = text.strip()
    if match := _ISO.match(value):
        return _date(match.group(1), match.group(2), match.group(3), value)
    if match := _DAY_FIRST.match(value):
        return _date(match.group(3), match.group(2), match.group(1), value)
    if match := _COMPACT.match(value):
        return _date(match.group(1), match.group(2), match.group(3), value)
    if (match := _WORDS.match(value)) and match.group(1).lower() in _MONTHS:
        month = str(_MONTHS[match.group(1).lower()])
        return _date(match.group(3), month, match.group(2), value)
    raise ValueError(f"{value!r} is not a date (expected e.g. 2010, 2010-05, 2010-05-03 or May 3, 2010)")


def _date(year: str, month: str | None, day: str | None, text: str) -> tuple[dt.date, str]:
    precision = DatePrecision.DAY if day else DatePrecision.MONTH if month else DatePrecision.YEAR
    try:
        return dt.date(int(year), int(month or 1), int(day or 1)), precision
    except ValueError:
        raise ValueError(f"{text!r} is not a real calendar date") from None


def date_kind(text: str) -> str:
    """``ACTUAL`` -> actual; ``ESTIMATED`` or legacy ``Anticipated`` -> estimated; anything else -> unknown ("")."""
    word = text.strip().lower()
    if word == "actual":
        return "actual"
    if word in {"estimated", "anticipated", "expected"}:
        return "estimated"
    return ""
