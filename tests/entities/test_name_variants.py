"""Name variants the matcher reads as one name: legal forms with a typo, compound number words,
given names and their short forms, the same letters split otherwise, patronymics."""

from __future__ import annotations

import pytest

from balise.entities.name_score import SAME_WORDS_SCORE, score_names
from balise.entities.names import (
    compare_words,
    compound_numbers,
    given_name_groups,
    is_nickname,
    prepare_name,
    word_weight,
)
from balise.entities.normalise import form_word, name_tokens, split_legal_forms


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
