"""General name knowledge of the matcher: names written in an abjad (Arabic, Persian, Hebrew)
against their Latin spellings, honorifics and ship prefixes at the start of a name, legal forms
of more countries and scripts, given-name spellings across Slavic and Arabic romanisations."""

from __future__ import annotations

import pytest

from balise.entities.name_score import score_names
from balise.entities.name_words import compare_words, consonant_key, is_nickname, script_pair
from balise.entities.names import prepare_name
from balise.entities.normalise import name_tokens, split_legal_forms, to_latin


def _score(left: str, right: str, organisation: bool = False) -> float:
    return score_names(prepare_name(left), prepare_name(right), organisation).score


@pytest.mark.parametrize(
    ("abjad", "latin"),
    [
        ("محمد بن سلمان", "Mohammed bin Salman"),
        ("صدام حسين", "Saddam Hussein"),
        ("مسعود پزشکیان", "Masoud Pezeshkian"),
        ("بشار الأسد", "Bashar al-Assad"),
        ("أبو بكر البغدادي", "Abu Bakr al-Baghdadi"),
        ("اسامة بن لادن", "Osama bin Laden"),
        ("בנימין נתניהו", "Benjamin Netanyahu"),
        ("יחיא סינוואר", "Yahya Sinwar"),
    ],
)
def test_a_name_in_an_abjad_meets_its_latin_spelling(abjad: str, latin: str) -> None:
    assert prepare_name(abjad).abjad
    assert not prepare_name(latin).abjad
    assert _score(abjad, latin) >= 0.8
    assert _score(latin, abjad) >= 0.8  # either side


@pytest.mark.parametrize(
    ("abjad", "latin"),
    [
        ("صدام حسين", "Sadiq Hassan"),
        ("محمد بن سلمان", "Mohammed bin Rashid"),
        ("علي خامنئي", "Ali Khan"),
        ("בנימין נתניהו", "Benjamin Franklin"),
    ],
)
def test_an_abjad_name_stays_apart_from_other_latin_names(abjad: str, latin: str) -> None:
    assert _score(abjad, latin) < 0.5


def test_consonant_keys_read_the_letters_an_abjad_writes() -> None:
    assert consonant_key("muhammad") == consonant_key("mhmd") == "mhmd"
    assert consonant_key("hussein") == consonant_key("hsyn") == "hsn"
    assert consonant_key("benjamin") == "bnjmn"
    assert consonant_key("vnymyn") == "bnmn"
    assert consonant_key("synvvr") == consonant_key("sinwar") == "snr"
    pair = script_pair("smh", "osama")  # a final `ة`, written `h`
    assert pair is not None
    assert pair.how == "script"
    assert script_pair("ly", "ali") is not None  # a one-consonant key for a short word
    assert script_pair("lyyy", "lee") is None
    assert script_pair("mhmd", "ahmad") is None


def test_the_arabic_article_is_a_word_of_its_own() -> None:
    assert to_latin("البغدادي").split() == ["al", "bghddy"]
    assert prepare_name("أبو بكر البغدادي").words == ("bw", "bkr", "al", "bghddy")
    # two names in the same script still compare letter by letter
    assert _score("محمد بن سلمان", "محمد بن سلمان") == 1.0
    assert _score("مسعود پزشک\u200cفر", "مسعود پزشکیان") < 0.9


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Herr Dr. Hans Müller", ("hans", "muller")),
        ("Señora Ana Ruiz", ("ana", "ruiz")),
        ("His Excellency Sheikh Tamim", ("tamim",)),
        ("Präsident Barack Obama", ("barack", "obama")),
        ("Datuk Seri Najib", ("seri", "najib")),
        ("M/V Ever Given", ("ever", "given")),
        ("m/t Hellas Fighter", ("hellas", "fighter")),
        ("F/V Ocean Star", ("ocean", "star")),
        ("RV Polarstern", ("polarstern",)),
    ],
)
def test_honorifics_and_ship_prefixes_at_the_start_are_dropped(
    name: str, words: tuple[str, ...]
) -> None:
    assert name_tokens(name) == words


def test_leading_titles_stay_inside_a_name_and_as_its_only_word() -> None:
    assert name_tokens("Juan Ruiz Sr") == ("juan", "ruiz", "sr")
    assert name_tokens("M. V. Ramana") == ("m", "v", "ramana")  # initials, not a ship prefix
    assert name_tokens("Herr") == ("herr",)
    assert name_tokens("Ing Bank") == ("bank",)
    assert name_tokens("Bank Ing") == ("bank", "ing")


@pytest.mark.parametrize(
    ("name", "core", "form_class"),
    [
        (
            "中国远洋海运集团有限公司",
            ("zhong", "guo", "yuan", "yang", "hai", "yun", "ji", "tuan"),
            "ltd",
        ),
        ("トヨタ自動車株式会社", ("toyota", "zi", "dong", "che"), "kk"),
        ("Volvo Aktiebolag", ("volvo",), "ab"),
        ("Nokia Osakeyhtiö", ("nokia",), "oy"),
        ("Hellenic Shipping A.E.", ("hellenic", "shipping"), "sa"),
        ("Petronas Sendirian Berhad", ("petronas",), "ltd"),
        ("Acme Pte", ("acme",), "ltd"),
        ("Navios Lda", ("navios",), "ltda"),
    ],
)
def test_legal_forms_of_more_countries_and_scripts(
    name: str, core: tuple[str, ...], form_class: str
) -> None:
    words, forms = split_legal_forms(name_tokens(name))
    assert words == core
    assert forms[0].form_class == form_class


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("volodymyr", "vladimir"),
        ("oleksandr", "alexander"),
        ("serhiy", "sergei"),
        ("mykola", "nikolai"),
        ("hussein", "husayn"),
        ("mohamed", "muhammad"),
        ("youssef", "yusuf"),
        ("heinz", "heinrich"),
        ("paco", "francisco"),
    ],
)
def test_given_name_spellings_across_romanisations_meet(left: str, right: str) -> None:
    assert is_nickname(left, right)
    pair = compare_words(left, right)
    assert pair is not None
    assert pair.how == "nickname"


def test_full_names_of_different_people_do_not_meet_through_the_table() -> None:
    assert not is_nickname("terence", "theresa")  # both `terry`
    assert not is_nickname("andrei", "andrew")
    assert not is_nickname("pavel", "paul")
