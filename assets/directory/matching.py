"""Scoring a registry's site string against the directory: link, review, or new.

A site is named in English, in Chinese, or both, with a city. Its score against a hospital is the best similarity
(0-100) between one of its names and one of the hospital's (its English and Chinese names and every alias): 100 when
their match keys are equal, else rapidfuzz's WRatio of the keys (which weighs in shared words and a short form found
inside a long one, "瑞金医院" in "上海交通大学医学院附属瑞金医院"), at most 99. A hospital in another city, when both
cities are known, loses ``OTHER_CITY``.

- **link**: exactly one hospital scores ``LINK_SCORE`` (a key equal to one of its names, in a compatible city: the
  same, or one of the two unknown). Only equality links: "First" and "Second Affiliated" differ by one word, so no
  similarity short of equality is trusted with a grade that decides findings.
- **review**: two or more hospitals score ``LINK_SCORE``, or at least one scores ``REVIEW_SCORE`` or more: the string
  goes to the curators' queue with those candidates. Names whose numbers differ ("First" and "Second Affiliated",
  "No. 3" and "No. 4") are never candidates of each other: numbered hospitals are different hospitals.
- **new**: nothing comes close: a new hospital, flagged unreviewed until a curator looks at it.

Cost: a site is scored with WRatio only against the names of hospitals in its own city (or of unknown city). A
hospital elsewhere can still reach review only with a similarity of ``REVIEW_SCORE + OTHER_CITY`` (95) or more, and
WRatio reaches 95 only when the plain ratio does or when one name's words are a subset of the other's (its partial
scores are scaled to 90 at most); those two are found cheaply (``Directory.near_elsewhere``). The outcome is the
same as scoring every name, for a fraction of the work: a directory spread over ten cities costs a tenth.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from django.db.models import Q, StringAgg, Value
from django.db.models.functions import Concat
from rapidfuzz import fuzz, process

from assets.directory.keys import NameKeys, city_key, name_keys
from assets.models import Hospital

LINK_SCORE = 100
REVIEW_SCORE = 80
OTHER_CITY = 15
MAX_CANDIDATES = 5
# The similarity a hospital in another city needs to reach review. ``near_elsewhere`` finds every such name exactly
# only while this is above 90, the most WRatio's partial scores can give.
ELSEWHERE_SCORE = REVIEW_SCORE + OTHER_CITY


class Outcome(StrEnum):
    LINK = "link"
    REVIEW = "review"
    NEW = "new"


@dataclass(frozen=True)
class Candidate:
    hospital_id: int
    score: int


@dataclass(frozen=True)
class SiteMatch:
    outcome: Outcome
    candidates: tuple[Candidate, ...] = ()

    @property
    def hospital_id(self) -> int | None:
        """The linked hospital; None unless the outcome is a link."""
        return self.candidates[0].hospital_id if self.outcome is Outcome.LINK else None


@dataclass
class Directory:
    """Every name of every hospital as match keys, loaded once per import (two queries)."""

    hospitals: dict[int, Hospital] = field(default_factory=dict)
    cities: dict[int, str] = field(default_factory=dict)
    by_key: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_pinyin: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    english: list[str] = field(default_factory=list)
    chinese: list[str] = field(default_factory=list)
    # Derived from the above on first use, dropped whenever a name is added.
    _pools: dict[tuple[str, bool], list[str]] = field(default_factory=dict, repr=False)
    _words: tuple[dict[str, set[str]], dict[str, list[str]]] | None = field(default=None, repr=False)

    def add(self, hospital_id: int, keys: NameKeys) -> None:
        if not keys.key:
            return
        if keys.key not in self.by_key:
            (self.chinese if keys.chinese else self.english).append(keys.key)
        self.by_key[keys.key].add(hospital_id)
        self.by_pinyin[keys.pinyin].add(hospital_id)
        self._pools.clear()
        self._words = None

    def add_hospital(self, hospital: Hospital) -> None:
        """A hospital this import just created, so a later site of the same import finds it."""
        self.hospitals[hospital.pk] = hospital
        self.cities[hospital.pk] = city_key(hospital.city)
        for name in (hospital.name_en, hospital.name_zh):
            if name:
                self.add(hospital.pk, name_keys(name))

    def identical(self) -> dict[tuple[str, str], Hospital]:
        """The hospitals by the directory's unique key (English name and city as ``normalise_name`` folds them)."""
        return {(hospital.name_key, hospital.city_key): hospital for hospital in self.hospitals.values()}

    def pool(self, site_city: str, *, chinese: bool) -> list[str]:
        """The names a site in ``site_city`` is scored against: those of a hospital in that city or of unknown
        city; every name when the site's city is unknown."""
        names = self.chinese if chinese else self.english
        if not site_city:
            return names
        if (site_city, chinese) not in self._pools:
            self._pools[site_city, chinese] = [
                key for key in names if any(self.cities.get(pk, "") in ("", site_city) for pk in self.by_key[key])
            ]
        return self._pools[site_city, chinese]

    def near_elsewhere(self, keys: NameKeys) -> list[tuple[str, float]]:
        """Every name whose WRatio with ``keys`` is ``ELSEWHERE_SCORE`` or more, wherever its hospital is: those
        whose plain ratio is that high, and those whose words contain the site's or are contained in them (equal
        lengths within 1.5, as WRatio requires before it trusts word sets)."""
        pool = self.chinese if keys.chinese else self.english
        found = {
            key
            for key, _score, _i in process.extract(
                keys.key, pool, scorer=fuzz.ratio, score_cutoff=ELSEWHERE_SCORE, limit=None
            )
        }
        if not keys.chinese:  # a Chinese key is one word: its word sets meet only when the keys are equal
            found |= self._word_subsets(keys.key)
        near = [(key, fuzz.WRatio(keys.key, key)) for key in found]
        return [(key, score) for key, score in near if score >= ELSEWHERE_SCORE]

    def _word_subsets(self, key: str) -> set[str]:
        """English names whose words all appear in ``key``'s, or which hold all of ``key``'s words, of a length
        within 1.5 of it. Looked up by rare words: a name holding all the site's words holds its rarest one, and a
        name within the site's words has its own rarest word among them."""
        postings, by_rarest = self._word_index()
        site = set(key.split())
        shortest, longest = len(key) / 1.5, len(key) * 1.5
        rarest = min(site, key=lambda word: len(postings.get(word, ())))
        found = {other for other in postings.get(rarest, ()) if site <= set(other.split())}
        for word in site:
            found.update(other for other in by_rarest.get(word, ()) if set(other.split()) <= site)
        return {other for other in found if shortest < len(other) < longest}

    def _word_index(self) -> tuple[dict[str, set[str]], dict[str, list[str]]]:
        """The English names by each of their words, and by their rarest word."""
        if self._words is None:
            postings: dict[str, set[str]] = defaultdict(set)
            for key in self.english:
                for word in key.split():
                    postings[word].add(key)
            by_rarest: dict[str, list[str]] = defaultdict(list)
            for key in self.english:
                by_rarest[min(key.split(), key=lambda word: len(postings[word]))].append(key)
            self._words = (postings, by_rarest)
        return self._words


# Alias keys are folded names, without control characters: these two separate the aliases and, in each, its key
# from its pinyin.
_ALIAS_SEPARATOR, _PINYIN_SEPARATOR = "\x1e", "\x1f"


def directory_load() -> Directory:
    """Every hospital with its aliases' keys, in one query."""
    directory = Directory()
    hospitals = Hospital.objects.annotate(
        alias_keys=StringAgg(
            Concat("aliases__key", Value(_PINYIN_SEPARATOR), "aliases__pinyin_key"),
            Value(_ALIAS_SEPARATOR),
            filter=Q(aliases__isnull=False),
            default="",
        )
    )
    for hospital in hospitals:
        directory.add_hospital(hospital)
        for alias in filter(None, hospital.alias_keys.split(_ALIAS_SEPARATOR)):
            key, pinyin = alias.split(_PINYIN_SEPARATOR)
            directory.add(hospital.pk, NameKeys(key=key, pinyin=pinyin, chinese=not key.isascii()))
    return directory


def site_match(directory: Directory, *, names: list[str], city: str) -> SiteMatch:
    """Where one site string belongs (see the module's rules). ``names``: its English and/or Chinese name."""
    site_city = city_key(city)
    scores: dict[int, int] = {}
    for name in names:
        if not name.strip():
            continue
        keys = name_keys(name)
        for hospital_id, similarity in _similar(directory, keys, site_city):
            score = similarity - (OTHER_CITY if _other_city(directory, hospital_id, site_city) else 0)
            scores[hospital_id] = max(scores.get(hospital_id, 0), score)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    exact = [Candidate(pk, score) for pk, score in ranked if score >= LINK_SCORE]
    if len(exact) == 1:
        return SiteMatch(Outcome.LINK, tuple(exact))
    near = [Candidate(pk, score) for pk, score in ranked if score >= REVIEW_SCORE][:MAX_CANDIDATES]
    return SiteMatch(Outcome.REVIEW, tuple(near)) if near else SiteMatch(Outcome.NEW)


def _similar(directory: Directory, keys: NameKeys, site_city: str) -> list[tuple[int, int]]:
    """(hospital, similarity) for every hospital with a name near this one that could score ``REVIEW_SCORE``."""
    found: list[tuple[int, int]] = [(pk, LINK_SCORE) for pk in directory.by_key.get(keys.key, ())]
    if not keys.chinese:  # a name spelt in pinyin meets a Chinese name; Chinese meets Chinese by its characters
        found += [(pk, LINK_SCORE) for pk in directory.by_pinyin.get(keys.pinyin, ())]
    pool = directory.pool(site_city, chinese=keys.chinese)
    # Every name above the cutoff, not the first few: numbered names are dropped below, and must not crowd out
    # the ones that stay.
    near: dict[str, float] = {
        key: score
        for key, score, _i in process.extract(keys.key, pool, scorer=fuzz.WRatio, score_cutoff=REVIEW_SCORE, limit=None)
    }
    if site_city:
        near.update(directory.near_elsewhere(keys))
    ordinals = _ordinals(keys.key)
    for key, similarity in near.items():
        if key == keys.key or (ordinals and (other := _ordinals(key)) and other != ordinals):
            continue
        found += [(pk, min(int(similarity), LINK_SCORE - 1)) for pk in directory.by_key[key]]
    return found


_ORDINAL = re.compile(
    r"\b(?:\d+|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\b|第[一二三四五六七八九十百\d]+"
)


@lru_cache(maxsize=2**16)
def _ordinals(key: str) -> frozenset[str]:
    """The numbers in a name: "No. 3", "Second Affiliated", "第一医院". Two names that both carry numbers, and not the
    same ones, are two hospitals however alike the rest; one with a number and one without may be the same.

    Cached: a site is compared with every near name of its city, so the directory's names are read again and again
    (a 1,148-site record asked for 230,000 of them)."""
    return frozenset(_ORDINAL.findall(key))


def _other_city(directory: Directory, hospital_id: int, site_city: str) -> bool:
    known = directory.cities.get(hospital_id, "")
    return bool(site_city and known and known != site_city)
