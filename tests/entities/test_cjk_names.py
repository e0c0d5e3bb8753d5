"""Names written in Chinese characters or Hangul against their romanisations: Pinyin and
Wade-Giles, the Revised Romanisation, McCune-Reischauer and the spellings Koreans choose, in
either order and spaced either way; a syllable changed or missing is another person; and
screening finds the one from the other in a crowd of names alike."""

from __future__ import annotations

import pytest

from balise.entities.blocking import ListIndex
from balise.entities.match import Entity
from balise.entities.name_score import CJK_OTHER_SYLLABLE_SCORE, score_names
from balise.entities.names import against_cjk, prepare_name
from balise.entities.params import ScreenParams
from balise.entities.romanisation import romanisation_key


def _score(left: str, right: str) -> float:
    return score_names(prepare_name(left), prepare_name(right), False).score


@pytest.mark.parametrize(
    ("cjk", "latin"),
    [
        ("习近平", "Xi Jinping"),
        ("习近平", "XI Jin Ping"),
        ("习近平", "Jinping Xi"),
        ("習近平", "Xi Jin-ping"),
        ("毛泽东", "Mao Zedong"),
        ("毛泽东", "Mao Tse-tung"),
        ("邓小平", "Teng Hsiao-ping"),
        ("胡锦涛", "Jintao Hu"),
        ("蔡英文", "Tsai Ing-wen"),
        ("김정은", "Kim Jong Un"),
        ("김정은", "Kim Jong-un"),
        ("김정은", "Kimjongun"),
        ("문재인", "Moon Jae-in"),
        ("윤석열", "Yoon Suk Yeol"),
        ("박근혜", "Park Geun-hye"),
        ("이재명", "Lee Jae-myung"),
        ("반기문", "Ban Ki-moon"),
        ("최룡해", "Choe Ryong Hae"),
    ],
)
def test_a_cjk_name_meets_its_romanisations(cjk: str, latin: str) -> None:
    assert _score(cjk, latin) >= 0.8
    assert _score(latin, cjk) >= 0.8  # either side


@pytest.mark.parametrize(
    ("cjk", "latin"),
    [
        ("习近平", "Xi Zhongxun"),
        ("习近平", "Hu Jintao"),
        ("毛泽东", "Mao Zemin"),
        ("李克强", "Li Qiang"),
        ("김정은", "Kim Jong Il"),
        ("김정은", "Kim Jong Nam"),
        ("김정은", "Kim Yo Jong"),
    ],
)
def test_another_syllable_is_another_person(cjk: str, latin: str) -> None:
    assert _score(cjk, latin) <= CJK_OTHER_SYLLABLE_SCORE
    assert _score(latin, cjk) <= CJK_OTHER_SYLLABLE_SCORE


def test_romanisation_keys_fold_the_systems_apart() -> None:
    assert romanisation_key("hsiaoping", False) == romanisation_key("xiaoping", False)
    assert romanisation_key("tsetung", False) == romanisation_key("zedong", False)
    assert romanisation_key("ing", False) == romanisation_key("ying", False)
    assert romanisation_key("xi", False) != romanisation_key("li", False)
    korean = {romanisation_key(w, True) for w in ("jeong", "jong", "jung", "chung")}
    assert len(korean) == 1
    assert romanisation_key("lee", True) == romanisation_key("i", True)
    assert romanisation_key("park", True) == romanisation_key("bag", True)
    assert romanisation_key("lee", False) != romanisation_key("i", False)  # Korean rules only


def test_a_roman_numeral_against_a_cjk_name_is_a_syllable() -> None:
    latin = prepare_name("Jinping Xi")
    assert latin.numbers == frozenset({"11"})  # `Louis XI`
    _, reread = against_cjk(prepare_name("习近平"), latin)
    assert reread.words == ("jinping", "xi")
    assert not reread.numbers
    fund = prepare_name("Fund XI")
    assert against_cjk(fund, prepare_name("Fund IX")) == (fund, prepare_name("Fund IX"))


def test_hangul_names_are_read_as_korean() -> None:
    assert prepare_name("김정은").hangul
    assert not prepare_name("习近平").hangul
    assert not prepare_name("Kim Jong Un").hangul


def _crowd() -> list[Entity]:
    """Latin names made of common Korean and Chinese name words, which share trigrams with
    every romanised name of the tests above."""
    given = ["Jin", "Jong", "Min", "Soo", "Hyun", "Jun", "Yong", "Sung", "Wei", "Ping"]
    family = ["Kim", "Lee", "Park", "Choi", "Jung", "Wang", "Zhang", "Liu", "Yoon", "Mao"]
    return [Entity(f"crowd-{a}-{b}-{c}", "Person", (f"{given[a]} {given[b]} {family[c]}",))
            for a in range(10) for b in range(10) for c in range(10)]  # fmt: skip


def test_screening_finds_a_cjk_entry_from_its_romanisation_and_back() -> None:
    index = ListIndex([*_crowd(), Entity("kju", "Person", ("김정은",)),
                       Entity("mao", "Person", ("毛泽东",)),
                       Entity("kju-latin", "Person", ("Kim Jong-un",))])  # fmt: skip
    params = ScreenParams(max_candidates=5, max_scored=2)
    for query, wanted in (("Jong Un Kim", "kju"), ("Mao Tse-tung", "mao"), ("김정은", "kju-latin")):
        matches = index.screen(Entity("q", "Person", (query,)), params)
        found = {m.candidate_id: m.score for m in matches}
        assert found.get(wanted, 0.0) >= 0.8, (query, matches[:3])
