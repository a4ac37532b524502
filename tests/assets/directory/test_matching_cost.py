"""The matcher scores a site only against its own city's names, plus the few elsewhere that could still reach
review: the same outcome, candidates and scores as scoring every name of the directory, checked here against that
exhaustive reference on a generated directory of many cities."""

from __future__ import annotations

import random

from rapidfuzz import fuzz, process

from assets.directory.keys import city_key, name_keys
from assets.directory.matching import (
    ELSEWHERE_SCORE,
    LINK_SCORE,
    MAX_CANDIDATES,
    OTHER_CITY,
    REVIEW_SCORE,
    Candidate,
    Directory,
    Outcome,
    SiteMatch,
    _ordinals,
    site_match,
)
from assets.models import Hospital

WORDS = [
    "people's", "hospital", "first", "second", "affiliated", "university", "medical", "provincial", "cancer",
    "center", "ruijin", "huashan", "xiangya", "tongji", "union", "peking", "fudan", "zhongshan", "west", "china",
    "children's", "maternity", "tumor", "chest", "eye", "no. 3", "no. 4", "central", "renji", "zhejiang",
]  # fmt: skip
CHINESE = [
    "北京",
    "上海",
    "协和",
    "瑞金",
    "华山",
    "湘雅",
    "同济",
    "人民",
    "第一",
    "附属",
    "医院",
    "肿瘤",
    "大学",
    "中山",
]
CITIES = ["Beijing", "Shanghai", "Guangzhou", "Chengdu", "Wuhan", "Hangzhou", "Changsha", ""]


def reference_match(directory: Directory, *, names: list[str], city: str) -> SiteMatch:
    """Every name of the directory scored, as the matcher's rules state them."""
    site_city = city_key(city)
    scores: dict[int, int] = {}
    for name in names:
        if not name.strip():
            continue
        keys = name_keys(name)
        found = [(pk, LINK_SCORE) for pk in directory.by_key.get(keys.key, ())]
        if not keys.chinese:
            found += [(pk, LINK_SCORE) for pk in directory.by_pinyin.get(keys.pinyin, ())]
        pool = directory.chinese if keys.chinese else directory.english
        ordinals = _ordinals(keys.key)
        for key, similarity, _i in process.extract(
            keys.key, pool, scorer=fuzz.WRatio, score_cutoff=REVIEW_SCORE, limit=None
        ):
            if key == keys.key or (ordinals and (other := _ordinals(key)) and other != ordinals):
                continue
            found += [(pk, min(int(similarity), LINK_SCORE - 1)) for pk in directory.by_key[key]]
        for pk, similarity in found:
            elsewhere = site_city and directory.cities[pk] and directory.cities[pk] != site_city
            scores[pk] = max(scores.get(pk, 0), similarity - (OTHER_CITY if elsewhere else 0))
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    exact = [Candidate(pk, score) for pk, score in ranked if score >= LINK_SCORE]
    if len(exact) == 1:
        return SiteMatch(Outcome.LINK, tuple(exact))
    near = [Candidate(pk, score) for pk, score in ranked if score >= REVIEW_SCORE][:MAX_CANDIDATES]
    return SiteMatch(Outcome.REVIEW, tuple(near)) if near else SiteMatch(Outcome.NEW)


def made_up_word(rng: random.Random) -> str:
    return "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(4, 9)))


def generated_directory(rng: random.Random) -> Directory:
    """400 hospitals over seven cities and none, most with a word of their own, many sharing the common ones."""
    directory = Directory()
    for pk in range(1, 401):
        words = rng.sample(WORDS, rng.randint(1, 4))
        if rng.random() < 0.7:
            words.insert(rng.randrange(len(words) + 1), made_up_word(rng))
        name_en = " ".join(words)
        name_zh = "".join(rng.sample(CHINESE, rng.randint(2, 5))) if rng.random() < 0.5 else ""
        directory.add_hospital(Hospital(pk=pk, name_en=name_en, name_zh=name_zh, city=rng.choice(CITIES)))
    return directory


def variant(rng: random.Random, name: str) -> str:
    """A registry's spelling of a name: a word dropped or added, a letter lost, or another name altogether."""
    words = name.split()
    match rng.randrange(5):
        case 0 if len(words) > 1:
            words.pop(rng.randrange(len(words)))
        case 1:
            words.insert(rng.randrange(len(words) + 1), rng.choice(WORDS))
        case 2:
            word = rng.randrange(len(words))
            if len(words[word]) > 3:
                cut = rng.randrange(len(words[word]))
                words[word] = words[word][:cut] + words[word][cut + 1 :]
        case 3:
            return " ".join(made_up_word(rng) for _ in range(rng.randint(2, 4)))
    return " ".join(words)


def test_the_city_partitioned_matcher_agrees_with_scoring_every_name():
    rng = random.Random(20261207)  # noqa: S311 - a reproducible sample, not a secret
    directory = generated_directory(rng)
    outcomes: dict[Outcome, int] = dict.fromkeys(Outcome, 0)
    reviewed_elsewhere = 0
    for _ in range(1500):
        hospital = directory.hospitals[rng.randint(1, 400)]
        names = [variant(rng, hospital.name_en)]
        if hospital.name_zh and rng.random() < 0.3:
            names.append(hospital.name_zh[: rng.randint(2, len(hospital.name_zh))])
        city = rng.choice(CITIES)
        expected = reference_match(directory, names=names, city=city)
        assert site_match(directory, names=names, city=city) == expected, (names, city)
        outcomes[expected.outcome] += 1
        site_city = city_key(city)
        reviewed_elsewhere += expected.outcome is Outcome.REVIEW and any(
            site_city and directory.cities[c.hospital_id] not in ("", site_city) for c in expected.candidates
        )
    # The generated sites exercise every outcome, and candidates found only by the elsewhere search.
    assert min(outcomes.values()) > 50, outcomes
    assert reviewed_elsewhere > 10


def test_only_near_identical_names_elsewhere_can_reach_review():
    """The elsewhere search is exact only while it looks above WRatio's scaled partial scores (90 at most)."""
    assert ELSEWHERE_SCORE == REVIEW_SCORE + OTHER_CITY and ELSEWHERE_SCORE > 90
