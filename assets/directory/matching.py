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
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from rapidfuzz import fuzz, process

from assets.directory.keys import NameKeys, city_key, name_keys
from assets.models import Hospital, HospitalAlias

LINK_SCORE = 100
REVIEW_SCORE = 80
OTHER_CITY = 15
MAX_CANDIDATES = 5


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

    def add(self, hospital_id: int, keys: NameKeys) -> None:
        if not keys.key:
            return
        if keys.key not in self.by_key:
            (self.chinese if keys.chinese else self.english).append(keys.key)
        self.by_key[keys.key].add(hospital_id)
        self.by_pinyin[keys.pinyin].add(hospital_id)

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


def directory_load() -> Directory:
    directory = Directory()
    for hospital in Hospital.objects.all():
        directory.add_hospital(hospital)
    for hospital_id, key, pinyin in HospitalAlias.objects.values_list("hospital_id", "key", "pinyin_key"):
        directory.add(hospital_id, NameKeys(key=key, pinyin=pinyin, chinese=not key.isascii()))
    return directory


def site_match(directory: Directory, *, names: list[str], city: str) -> SiteMatch:
    """Where one site string belongs (see the module's rules). ``names``: its English and/or Chinese name."""
    site_city = city_key(city)
    scores: dict[int, int] = {}
    for name in names:
        if not name.strip():
            continue
        keys = name_keys(name)
        for hospital_id, similarity in _similar(directory, keys):
            score = similarity - (OTHER_CITY if _other_city(directory, hospital_id, site_city) else 0)
            scores[hospital_id] = max(scores.get(hospital_id, 0), score)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    exact = [Candidate(pk, score) for pk, score in ranked if score >= LINK_SCORE]
    if len(exact) == 1:
        return SiteMatch(Outcome.LINK, tuple(exact))
    near = [Candidate(pk, score) for pk, score in ranked if score >= REVIEW_SCORE][:MAX_CANDIDATES]
    return SiteMatch(Outcome.REVIEW, tuple(near)) if near else SiteMatch(Outcome.NEW)


def _similar(directory: Directory, keys: NameKeys) -> list[tuple[int, int]]:
    """(hospital, similarity) for every hospital with a name near this one."""
    found: list[tuple[int, int]] = [(pk, LINK_SCORE) for pk in directory.by_key.get(keys.key, ())]
    if not keys.chinese:  # a name spelt in pinyin meets a Chinese name; Chinese meets Chinese by its characters
        found += [(pk, LINK_SCORE) for pk in directory.by_pinyin.get(keys.pinyin, ())]
    pool = directory.chinese if keys.chinese else directory.english
    near = process.extract(keys.key, pool, scorer=fuzz.WRatio, score_cutoff=REVIEW_SCORE, limit=MAX_CANDIDATES * 4)
    ordinals = _ordinals(keys.key)
    for key, similarity, _index in near:
        if key == keys.key or (ordinals and (other := _ordinals(key)) and other != ordinals):
            continue
        found += [(pk, min(int(similarity), LINK_SCORE - 1)) for pk in directory.by_key[key]]
    return found


_ORDINAL = re.compile(
    r"\b(?:\d+|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\b|第[一二三四五六七八九十百\d]+"
)


def _ordinals(key: str) -> frozenset[str]:
    """The numbers in a name: "No. 3", "Second Affiliated", "第一医院". Two names that both carry numbers, and not the
    same ones, are two hospitals however alike the rest; one with a number and one without may be the same."""
    return frozenset(_ORDINAL.findall(key))


def _other_city(directory: Directory, hospital_id: int, site_city: str) -> bool:
    known = directory.cities.get(hospital_id, "")
    return bool(site_city and known and known != site_city)
