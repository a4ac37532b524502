"""Cleaning registry text: escaped Markdown, stray whitespace, and site fields filled in the wrong box."""

from __future__ import annotations

import re

# CommonMark lets any ASCII punctuation be escaped; API v2 text often arrives as "Phase 1\/2" or "CAR\-T".
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_SPACE = re.compile(r"\s+")
_INSTITUTION = re.compile(
    r"hospital|universit|clinic|cent(?:er|re)|institut|college|medical|infirmary|research site|"
    r"医院|大学|中心|研究|学院|诊所",
    re.IGNORECASE,
)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
_EMPTY_BRACKETS = re.compile(r"[(（]\s*[)）]")


def clean(value: str) -> str:
    """One line of plain text: Markdown escapes undone, runs of whitespace (newlines too) made one space."""
    return _SPACE.sub(" ", _MARKDOWN_ESCAPE.sub(r"\1", value)).strip()


def unique(values: list[str]) -> list[str]:
    """In first-seen order, without blanks or repeats (compared without case)."""
    seen: set[str] = set()
    kept = []
    for value in values:
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            kept.append(value)
    return kept


def split_list(value: str) -> list[str]:
    """ICTRP packs lists into one field, separated by semicolons (sometimes Chinese ones) or line breaks."""
    return unique([clean(part) for part in re.split(r"[;；\n]+", value)])


def looks_like_institution(value: str) -> bool:
    return bool(_INSTITUTION.search(value))


def site_fields(facility: str, city: str) -> tuple[str, str]:
    """Put a hospital and its city back in their boxes: registries swap them, or repeat the city in the name."""
    if looks_like_institution(city) and not looks_like_institution(facility):
        facility, city = city, facility
    if city and facility.casefold().endswith(f", {city.casefold()}"):
        facility = facility[: -len(city) - 2].rstrip()
    return facility, city


def split_names(facility: str) -> tuple[str, str]:
    """An English name and a Chinese one from "Ruijin Hospital (上海交通大学医学院附属瑞金医院)" and the like.

    A name in Chinese only is its own English-name key too: the directory needs one, and matching still works.
    """
    runs = _CJK.findall(facility)
    if not runs:
        return facility, ""
    chinese = max(runs, key=len).strip("（）() ")
    english = clean(_EMPTY_BRACKETS.sub("", facility.replace(chinese, " ")))
    if not re.search(r"[A-Za-z]", english):
        english = facility
    return english, chinese
