"""Match keys for hospital names and cities: two spellings of one name get the same key.

``normalise_name`` already folds width (NFKC), case and punctuation. On top of it: apostrophes vanish ("Xi'an" and
"Xian" meet), traditional characters become simplified (OpenCC's t2s table), English words are compared in any
order, without "the", "of", "and", "at" and "to", and a Chinese name also gets its pinyin (pypinyin), so a name
spelt out in pinyin ("Xi'an Jiaotong Daxue Diyi Fushu Yiyuan") meets it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import opencc

from assets.models.hospitals import normalise_name

if TYPE_CHECKING:
    from collections.abc import Callable

_TO_SIMPLIFIED = opencc.OpenCC("t2s")
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc\u0060\u00b4]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_STOPWORDS = frozenset({"the", "of", "and", "at", "to"})
# A Chinese city name is often written with 市 (city) and an English one without it.
_CITY_SUFFIX = re.compile(r"市$")


@dataclass(frozen=True)
class NameKeys:
    """``key``: the name as compared, simplified Chinese without spaces, or English words sorted; ``pinyin``: the
    name's letters in order without spaces, Chinese characters spelt in pinyin; ``chinese``: whether it is Chinese."""

    key: str
    pinyin: str
    chinese: bool


def to_simplified(text: str) -> str:
    return _TO_SIMPLIFIED.convert(text)


def is_chinese(text: str) -> bool:
    return bool(_HAN.search(text))


@lru_cache(maxsize=1)
def _pinyin_of() -> Callable[[str], list[str]]:
    """pypinyin's ``lazy_pinyin``, imported on first use: its dictionaries take some 50 MB, which only a process
    that matches names needs (not every worker and web process that imports this module)."""
    from pypinyin import lazy_pinyin  # deferred on purpose, see above

    return lazy_pinyin


@lru_cache(maxsize=65_536)
def name_keys(text: str) -> NameKeys:
    folded = normalise_name(_TO_SIMPLIFIED.convert(_APOSTROPHES.sub("", unicodedata.normalize("NFKC", text))))
    words = folded.split()
    if is_chinese(folded):
        key = "".join(words)
        return NameKeys(key=key, pinyin="".join(_pinyin_of()(key)), chinese=True)
    kept = [word for word in words if word not in _STOPWORDS]
    return NameKeys(key=" ".join(sorted(kept)), pinyin="".join(kept), chinese=False)


def city_key(city: str) -> str:
    """A city as compared: "Xi'an", "Xian", "西安" and "西安市" meet."""
    folded = unicodedata.normalize("NFKC", city).strip()
    return name_keys(_CITY_SUFFIX.sub("", folded)).pinyin if folded else ""
