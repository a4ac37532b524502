"""How alike two registrations' words are: titles (English and Chinese), organisations, people, outcome text.

Text is folded as the hospital directory folds names (width, case, traditional to simplified Chinese); Chinese text,
which has no spaces between words, is compared character by character, English text word by word in any order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz

from assets.directory.keys import is_chinese, name_keys, to_simplified

# Outcome text that scores at least this (rapidfuzz token_set_ratio, 0-100) is taken as the same outcome: two
# registries seldom word one endpoint alike, and the shorter wording found inside the longer one scores 100.
OUTCOMES_AGREE = 70
SAME_ORGANISATION = 90
_WORD = re.compile(r"[^\w]+")
# Legal forms that one registry writes and another leaves out ("Intellia Therapeutics" and "... Inc.").
_LEGAL_FORMS = re.compile(
    r"\b(?:inc|incorporated|ltd|limited|co|corp|corporation|company|llc|plc|gmbh|ag|sa|bv|kk)\b|"
    r"股份有限公司|有限责任公司|有限公司",
    re.IGNORECASE,
)


def fold(text: str) -> str:
    """Text as compared: width and case folded, Chinese simplified, punctuation a space."""
    folded = to_simplified(unicodedata.normalize("NFKC", text)).casefold()
    return " ".join(_WORD.sub(" ", folded).split())


def text_score(first: str, second: str) -> int:
    """0-100: Chinese by characters in order, anything else by shared words."""
    a, b = fold(first), fold(second)
    if not a or not b:
        return 0
    if is_chinese(a) and is_chinese(b):
        return round(fuzz.ratio(a.replace(" ", ""), b.replace(" ", "")))
    return round(fuzz.token_set_ratio(a, b))


def best_score(firsts: Iterable[str], seconds: Iterable[str]) -> int | None:
    """The best score of any pair; None when either side has nothing to compare."""
    pairs = [(a, b) for a in firsts if a.strip() for b in seconds if b.strip()]
    return max((text_score(a, b) for a, b in pairs), default=None)


def organisation_key(name: str) -> str:
    return " ".join(_LEGAL_FORMS.sub(" ", fold(name)).split())


def same_organisation(first: str, second: str) -> bool:
    a, b = organisation_key(first), organisation_key(second)
    return bool(a and b) and (a == b or fuzz.token_set_ratio(a, b) >= SAME_ORGANISATION)


def organisation_score(first: str, second: str) -> int | None:
    a, b = organisation_key(first), organisation_key(second)
    if not a or not b:
        return None
    return 100 if a == b else round(fuzz.token_set_ratio(a, b))


def person_score(firsts: Iterable[str], seconds: Iterable[str]) -> int | None:
    """People's names in any word order ("Zhang Wanggang", "Wanggang Zhang"), Chinese also by pinyin."""
    a, b = (
        {_person_key(name) for name in firsts if name.strip()},
        {_person_key(name) for name in seconds if name.strip()},
    )
    if not a or not b:
        return None
    return max(round(fuzz.token_sort_ratio(x, y)) for x in a for y in b)


def _person_key(name: str) -> str:
    keys = name_keys(name)
    return keys.pinyin if keys.chinese else keys.key


def outcomes_agree(firsts: list[str], seconds: list[str]) -> bool:
    """Whether two registrations' primary outcomes are the same endpoints, however each words them."""
    return fuzz.token_set_ratio(fold(" ".join(firsts)), fold(" ".join(seconds))) >= OUTCOMES_AGREE
