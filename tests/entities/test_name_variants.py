"""Name variants the matcher reads as one name (legal forms with a typo, compound number words,
given names and their short forms, the same letters split otherwise, patronymics, katakana) and
the ones it keeps apart (an initial against another word, a swapped `bin`, short prefixes)."""

from __future__ import annotations

import csv
import io
from importlib import resources

import pytest

from balise.entities.name_numbers import compound_numbers
from balise.entities.name_score import (
    ONE_WORD_INSIDE_SCORE,
    SAME_WORDS_SCORE,
    nasab_swapped,
    score_names,
)
from balise.entities.name_words import compare_words, given_name_groups, is_nickname, word_weight
from balise.entities.names import prepare_name
from balise.entities.normalise import (
    PARTICLES,
    form_word,
    name_tokens,
    normalise_name,
    split_legal_forms,
)


def _score(left: str, right: str, organisation: bool = False) -> float:
    return score_names(prepare_name(left), prepare_name(right), organisation).score


@pytest.mark.parametrize(
    ("name", "form_class"),
    [
        ("Acme Shipping Limted", "ltd"),
        ("Acme Shipping Corporaton", "corp"),
        ("Siemens Aktiengeselschaft", "ag"),
        ("Acme Incorparated", "inc"),
    ],
)
def test_a_long_legal_form_with_a_typo_is_set_aside(name: str, form_class: str) -> None:
    words, forms = split_legal_forms(name_tokens(name))
    assert words[0] in ("acme", "siemens")
    assert len(words) <= 2
    assert forms[0].form_class == form_class


def test_short_forms_and_near_name_words_are_not_taken_for_forms() -> None:
    # one edit from `ltd` or `ag` is another word, and `corporate`, `compass` are name words
    assert split_legal_forms(name_tokens("Acme Ltx"))[0] == ("acme", "ltx")
    assert split_legal_forms(name_tokens("Acme Ab"))[1][0].form_class != "ag"
    assert split_legal_forms(name_tokens("Acme Corporate"))[0] == ("acme", "corporate")
    assert split_legal_forms(name_tokens("Acme Compass"))[0] == ("acme", "compass")
    assert form_word("limted") == "limited"
    assert form_word("lima") == "lima"


def test_a_legal_form_with_a_typo_matches_its_abbreviation() -> None:
    assert _score("Siemens Aktiengeselschaft", "Siemens AG", True) == 1.0
    assert _score("Acme Trading Limted", "ACME TRADING LTD", True) == 1.0


def test_compound_number_words_are_one_number() -> None:
    assert compound_numbers(("brigade", "forty", "four")) == ("brigade", "44")
    assert compound_numbers(("twenty", "one", "pilots")) == ("21", "pilots")
    assert compound_numbers(("twenty", "pilots")) == ("twenty", "pilots")
    assert prepare_name("Brigade Fourty-Four").numbers == frozenset({"44"})
    assert _score("Brigade Forty-Four", "Brigade 44", True) == 1.0
    assert _score("Brigade Forty-Four", "Brigade 45", True) < 0.9


def test_a_given_name_meets_its_short_forms() -> None:
    assert is_nickname("ted", "theodore")
    assert is_nickname("bill", "william")
    assert is_nickname("bill", "will")  # both short for William
    assert not is_nickname("alexander", "alexandra")  # two full names never meet this way
    assert not is_nickname("harold", "henry")  # though `harry` is short for both
    assert is_nickname("harry", "henry")
    assert is_nickname("harry", "harold")
    assert "al" not in given_name_groups()  # an Arabic particle, not a short form here
    pair = compare_words("ted", "theodore")
    assert pair is not None
    assert pair.how == "nickname"


def test_a_short_given_name_scores_as_the_full_one() -> None:
    assert _score("Ted Doe", "Theodore Doe") > 0.75
    assert _score("Bill Clinton", "William Clinton") > 0.75
    assert _score("Ted Doe", "Theodore Smith") < 0.5


def test_the_same_letters_split_otherwise_match() -> None:
    assert _score("vanderbilt corp", "van der bilt corp", True) >= SAME_WORDS_SCORE
    scored = score_names(prepare_name("Goodwill Company"), prepare_name("Good Will Company"), True)
    assert scored.score >= SAME_WORDS_SCORE
    assert "same letters, split into words otherwise" in scored.reasons
    # the same letters in another order are not
    other = score_names(prepare_name("Hans Friedrich"), prepare_name("Friedrichhans"), False)
    assert "same letters, split into words otherwise" not in other.reasons


def test_a_patronymic_counts_half_its_letters() -> None:
    assert word_weight("viktorovich") == len("viktorovich") / 2
    assert word_weight("ivanovna") == len("ivanovna") / 2
    assert word_weight("victoria") == len("victoria")
    with_patronymic = _score("Sergey Viktorovich Lavrov", "Sergey Lavrov")
    with_other_word = _score("Sergey Konstantin Lavrov", "Sergey Lavrov")
    assert with_patronymic > with_other_word


def test_a_word_split_in_two_is_joined_whatever_the_word_counts() -> None:
    scored = score_names(
        prepare_name("Nikolai Patr ushev"), prepare_name("Nikolai Platonovich Patrushev"), False
    )
    assert any(p.how == "joined" for p in scored.features.pairs)
    assert scored.score > 0.6


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Hans O Friedrich", "Hans Joachim Friedrich"),
        ("A. Nazarbayev", "Nursultan Nazarbayev"),
    ],
)
def test_an_initial_against_another_word_is_at_most_a_near_miss(left: str, right: str) -> None:
    scored = score_names(prepare_name(left), prepare_name(right), False)
    assert scored.score <= ONE_WORD_INSIDE_SCORE
    assert "an initial against another word" in scored.reasons
    # the initial of the same word still meets it
    assert _score("J. Smith", "John Smith") > 0.75
    assert _score("Hans J Friedrich", "Hans Joachim Friedrich") > 0.75


def test_son_and_father_swapped_are_another_person() -> None:
    assert nasab_swapped(("salman", "bin", "muhammad"), ("muhammad", "bin", "salman"))
    assert not nasab_swapped(("osama", "bin", "laden"), ("usama", "bin", "laden"))
    scored = score_names(
        prepare_name("SALMAN BIN MUHAMMAD AL-RAWI"),
        prepare_name("MUHAMMAD BIN SALMAN AL-RAWI"),
        False,
    )
    assert scored.score <= ONE_WORD_INSIDE_SCORE
    assert "son and father swapped (bin)" in scored.reasons


def test_a_prefix_needs_four_letters_and_half_the_word() -> None:
    for short, long in (("bay", "baykal"), ("lind", "lindemann")):
        found = compare_words(short, long)
        assert found is None or found.how != "prefix"
    pair = compare_words("vanderb", "vanderbilt")
    assert pair is not None
    assert pair.how in ("prefix", "typo")
    assert _score("OOO Bay", "OOO Baykal", True) < 0.5


def test_katakana_words_are_kept_whole() -> None:
    assert prepare_name("バラク・オバマ").words == ("baraku", "obama")
    assert not prepare_name("バラク・オバマ").cjk
    assert prepare_name("习近平").cjk
    assert prepare_name("习近平").words == ("xi", "jin", "ping")
    assert _score("Barack Obama", "バラク・オバマ") > 0.6


def test_a_roman_numeral_opening_a_name_is_a_name() -> None:
    assert prepare_name("Xi Jinping").words == ("xi", "jinping")
    assert prepare_name("Xi Jinping").numbers == frozenset()
    assert prepare_name("Apollo Fund XI").numbers == frozenset({"11"})
    assert prepare_name("Henry IV").numbers == frozenset({"4"})
    assert _score("Xi Jinping", "习近平") >= SAME_WORDS_SCORE


def test_the_given_name_table_is_clean() -> None:
    text = resources.files("balise.data").joinpath("given_names.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    names = [row["name"] for row in rows]
    assert len(names) == len(set(names))
    for row in rows:
        words = [row["name"], *row["short_forms"].split()]
        assert all(w == normalise_name(w) and " " not in w for w in words)
        assert row["short_forms"].split()
        assert not set(words) & PARTICLES  # `al`, `de` would pair particles as names
    assert resources.files("balise.data").joinpath("given_names.md").is_file()
