"""Names prepared for comparison: their words, legal forms, numbers and script."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from balise.entities.name_numbers import compound_numbers, is_number, number_of
from balise.entities.name_words import max_edits, word_weight
from balise.entities.normalise import ABJAD_RE, CJK_RE, LegalForm, name_tokens, split_legal_forms
from balise.entities.romanisation import HANGUL_RE


@dataclass(frozen=True, slots=True)
class PreparedName:
    """A name ready for comparison: its words without legal forms, the forms, numbers, the
    words run together (`siemensag`), and whether it was written in a CJK script (where each
    syllable is a name part, and one syllable changed is another name: `김정은`, `김종은`)."""

    text: str
    words: tuple[str, ...]
    forms: tuple[LegalForm, ...]
    numbers: frozenset[str]
    joined: str
    cjk: bool = False

    letters: float = 0.0
    """Letters the words count for (`word_weight`)."""
    form_classes: frozenset[str] = frozenset()
    """The classes of the legal forms."""
    longest: int = 0
    """Letters of the longest word."""
    shortest_run: int = 0
    """The least letters a word must have to be two neighbouring words of this name run
    together, edits allowed (`neighbour_runs`; 0 when no two words of more than one letter
    neighbour), so that `name_alignment._joined_pairs` looks for runs only when the other name
    has a word that long."""
    initials: str = ""
    """The first letters of the words, for `name_alignment._acronym_pairs`."""
    abjad: bool = False
    """Written in the Hebrew or Arabic script (`normalise.ABJAD_RE`): its words have no short
    vowels, and are compared with those of a Latin name by their consonants (`script_pair`)."""
    hangul: bool = False
    """Written in Hangul: its syllables meet a Latin name's words under the Korean rules of
    `romanisation.romanisation_key` (`name_alignment._cjk_latin_pairs`)."""


@lru_cache(maxsize=4096)
def _form_classes(forms: tuple[LegalForm, ...]) -> frozenset[str]:
    """The classes of `forms`, one set shared by the names with the same forms."""
    return frozenset(f.form_class for f in forms)


def neighbour_runs(words: tuple[str, ...]) -> list[tuple[int, str, int]]:
    """Each two neighbouring words of more than one letter run together: the position of the
    first, the run, and the edits allowed against a word that is the run (half `max_edits`)."""
    return [
        (j, run, max_edits(len(run)) // 2)
        for j in range(len(words) - 1)
        if len(words[j]) > 1 and len(words[j + 1]) > 1
        for run in (words[j] + words[j + 1],)
    ]


def prepare_name(text: str, roman: bool = True) -> PreparedName:
    """`text` as a `PreparedName` (transliterated, titles and legal forms set aside; Roman
    numerals read as numbers unless `roman` is False, `is_number`)."""
    tokens, forms = split_legal_forms(compound_numbers(name_tokens(text)))
    kept: list[str] = []
    numbers: set[str] = set()
    count = len(tokens)
    for position, word in enumerate(tokens):
        number = number_of(word)
        if number is None or not is_number(word, position, count, roman):
            kept.append(word)
        else:
            numbers.add(number)
    words = tuple(kept)
    cjk = CJK_RE.search(text) is not None
    sizes = [len(w) for w in words]
    run_sizes = [a + b for a, b in pairwise(sizes) if a > 1 and b > 1]  # as `neighbour_runs`
    return PreparedName(
        text, words, forms, frozenset(numbers), "".join(words), cjk,
        letters=sum(word_weight(w) for w in words),
        form_classes=_form_classes(forms),
        longest=max(sizes, default=0),
        shortest_run=min((n - max_edits(n) // 2 for n in run_sizes), default=0),
        initials="".join(word[0] for word in words),
        abjad=ABJAD_RE.search(text) is not None,
        hangul=cjk and HANGUL_RE.search(text) is not None,
    )  # fmt: skip


@lru_cache(maxsize=4096)
def _without_numerals(text: str) -> PreparedName:
    return prepare_name(text, roman=False)


def against_cjk(left: PreparedName, right: PreparedName) -> tuple[PreparedName, PreparedName]:
    """The two names as compared: when one is written in CJK characters without numbers and the
    other in Latin letters with a Roman numeral, the numeral is read as a word (`Jinping Xi`,
    `习近平`: a syllable of the name, not the number 11)."""
    if left.cjk == right.cjk:
        return left, right
    cjk, latin = (left, right) if left.cjk else (right, left)
    if cjk.numbers or not latin.numbers:
        return left, right
    reread = _without_numerals(latin.text)
    return (left, reread) if left.cjk else (reread, right)
