"""Match keys and the matcher's three outcomes on the shipped directory: variants of one name meet (traditional,
full-width, pinyin, word order, apostrophes), near names wait for review, and nothing near links by similarity."""

from __future__ import annotations

import pytest

from assets.directory.keys import city_key, name_keys
from assets.directory.loading import DEFAULT_FILE, directory_file_load, directory_file_read
from assets.directory.matching import LINK_SCORE, REVIEW_SCORE, Outcome, directory_load, site_match
from assets.models import Hospital

XIAN_FIRST = "First Affiliated Hospital of Xi'an Jiaotong University"
XIAN_SECOND = "Second Affiliated Hospital of Xi'an Jiaotong University"


@pytest.mark.parametrize(
    "variant",
    [
        "Xi'an Jiaotong University First Affiliated Hospital",
        "Xian Jiaotong University First Affiliated Hospital",
        "THE FIRST AFFILIATED HOSPITAL OF XI’AN JIAOTONG UNIVERSITY",
        "ｆｉｒｓｔ　Ａｆｆｉｌｉａｔｅｄ Hospital, Xi'an Jiaotong University",  # full-width letters and space
    ],
)
def test_english_variants_share_one_key(variant):
    assert name_keys(variant).key == name_keys(XIAN_FIRST).key


def test_traditional_and_full_width_chinese_share_the_simplified_key():
    simplified = name_keys("西安交通大学第一附属医院")
    assert name_keys("西安交通大學第一附屬醫院") == simplified
    assert name_keys("西安交通大学第一附属医院（ ）") == simplified  # full-width brackets are punctuation
    assert simplified.chinese and simplified.pinyin == "xianjiaotongdaxuediyifushuyiyuan"


def test_a_name_spelt_in_pinyin_has_the_chinese_names_pinyin():
    assert name_keys("Xi'an Jiaotong Daxue Diyi Fushu Yiyuan").pinyin == name_keys("西安交通大學第一附屬醫院").pinyin


def test_cities_meet_in_any_script():
    assert city_key("Xi'an") == city_key("Xian") == city_key("西安") == city_key("西安市") == "xian"
    assert city_key("") == ""


@pytest.fixture
def directory(db):
    directory_file_load(data=directory_file_read(DEFAULT_FILE), user=None)
    return directory_load()


def linked(directory, *names: str, city: str = "") -> str | None:
    match = site_match(directory, names=list(names), city=city)
    return Hospital.objects.get(pk=match.hospital_id).name_en if match.hospital_id else None


@pytest.mark.parametrize(
    "names",
    [
        ("Xian Jiaotong University First Affiliated Hospital",),
        ("西安交通大学第一附属医院",),
        ("西安交通大學第一附屬醫院",),
        ("Xi'an Jiaotong Daxue Diyi Fushu Yiyuan",),
        ("西安交大一附院",),  # its common short form, an alias
    ],
)
def test_every_form_of_the_first_affiliated_hospital_links_to_it(directory, names):
    assert linked(directory, *names, city="西安") == XIAN_FIRST


def test_first_and_second_affiliated_hospitals_never_meet(directory):
    assert linked(directory, "Xi'an Jiaotong University Second Affiliated Hospital", city="Xi'an") == XIAN_SECOND
    assert linked(directory, "西安交通大學第二附屬醫院", city="Xi'an") == XIAN_SECOND


def test_aliases_link_former_names_and_university_variants(directory):
    assert linked(directory, "Guangci Hospital", city="Shanghai") == (
        "Ruijin Hospital, Shanghai Jiao Tong University School of Medicine"
    )
    assert linked(directory, "南京医科大学第一附属医院", city="南京") == "Jiangsu Province Hospital"
    assert linked(directory, "華西醫院") == "West China Hospital, Sichuan University"  # traditional, no city
    assert linked(directory, "SYSUCC", city="Guangzhou") == "Sun Yat-sen University Cancer Center"


def test_an_ambiguous_name_goes_to_review_with_its_candidates(directory):
    match = site_match(directory, names=["Peking University Hospital"], city="Beijing")
    assert match.outcome is Outcome.REVIEW and match.hospital_id is None
    names = {Hospital.objects.get(pk=c.hospital_id).name_en for c in match.candidates}
    assert {"Peking University First Hospital", "Peking University Third Hospital"} <= names
    assert all(REVIEW_SCORE <= c.score < LINK_SCORE for c in match.candidates)


def test_a_near_name_is_never_linked_by_similarity_alone(directory):
    match = site_match(directory, names=["Ruijin Hospital Shanghai Jiaotong University"], city="Shanghai")
    assert match.outcome is Outcome.REVIEW
    assert Hospital.objects.get(pk=match.candidates[0].hospital_id).name_en.startswith("Ruijin Hospital")


def test_the_same_name_in_another_city_is_not_linked(directory):
    match = site_match(directory, names=["Jiangsu Province Hospital"], city="Suzhou")
    assert match.outcome is Outcome.REVIEW and match.candidates[0].score == LINK_SCORE - 15


def test_names_that_conflict_go_to_review(directory):
    """An English name of one hospital with the Chinese name of another: neither is trusted."""
    match = site_match(directory, names=["Jiangsu Province Hospital", "上海长征医院"], city="")
    assert match.outcome is Outcome.REVIEW
    exact = {Hospital.objects.get(pk=c.hospital_id).name_en for c in match.candidates if c.score == LINK_SCORE}
    assert exact == {"Jiangsu Province Hospital", "Changzheng Hospital"}


def test_a_name_like_nothing_in_the_directory_is_new(directory):
    assert site_match(directory, names=["Qinghai Plateau Cardiology Institute"], city="Xining").outcome is Outcome.NEW
