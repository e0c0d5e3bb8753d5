"""Keys under which the romanisations of one Chinese or Korean syllable meet.

A name written in Han characters or Hangul is read syllable by syllable (`normalise.to_latin`:
Hanyu Pinyin for Han, the Revised Romanisation for Hangul, both from `anyascii`), while lists
write the same name in whichever romanisation the person or the clerk used: Wade-Giles beside
Pinyin (`Mao Tse-tung`, `Mao Zedong`; `Teng Hsiao-p'ing`, `Deng Xiaoping`), McCune-Reischauer
and the spellings Koreans choose beside the Revised Romanisation (`Kim Jong Un`, `Gim Jeong
Eun`; `Park`, `Bak`; `Lee`, `I`). `romanisation_key` folds the letters in which these systems
differ, so that a Latin word and a run of syllables meet when their keys are equal
(`balise.entities.name_alignment`).

Japanese names written in kanji are not read here: the readings of kanji in names are a matter
of dictionaries (`安倍晋三` is `Abe Shinzō`, which no character-by-character reading gives), and
no dictionary of them is among Balise's dependencies (docs/decisions/0015-cjk-romanisations.md).
"""

from __future__ import annotations

import re
from functools import lru_cache

HANGUL_RE = re.compile("[\uac00-\ud7af]")
"""A Hangul syllable: a name with one is read as Korean (`romanisation_key`)."""

_COMMON_RULES = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"hs", "s"), (r"t[sz]", "z"), (r"zh|ch|q", "j"), (r"sh|x", "s"), (r"c", "z"),
        (r"k", "g"), (r"t", "d"), (r"p", "b"), (r"ung", "ong"), (r"ou", "o"), (r"oo|uu", "u"),
        (r"ee", "i"), (r"^y(?=i)", ""), (r"(?<=[aeiou])h(?![aeiou])", ""), (r"(.)\1+", r"\1"),
    )
)  # fmt: skip
"""Wade-Giles against Pinyin (`hs`/`x`, `ts`/`z`, `ch`/`zh`/`j`/`q`, aspiration marks gone:
`k`/`g`, `t`/`d`, `p`/`b`; `-ung`/`-ong`; `-ieh`/`-ie`; `i`, `ing` for `yi`, `ying`), the same
unvoiced and voiced stops of McCune-Reischauer and the Revised Romanisation, and the long
vowels and silent `h` of English spellings (`Yoon`, `Lee`, `Ahn`, `Oh`)."""

_KOREAN_RULES = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"^rh", "r"), (r"^[lr](?=[iy])", ""), (r"eo|eu|u", "o"),
        (r"oi", "oe"), (r"r(?![aeiouwy])", ""),
    )
)  # fmt: skip
"""Korean only: the initial `ㄹ` that South Korea no longer says before `i` and `y` (`이`:
`Lee`, `Rhee`, `I`; `임`: `Lim`, `Im`; `류`: `Ryu`, `Yu`), the vowels `ㅓ`, `ㅡ`, `ㅜ`, `ㅗ`
that spellings mix (`정`: `Jeong`, `Jong`, `Jung`, `Chung`; `은`: `Eun`, `Un`), `Choi` for
`Choe`, and the English `r` that lengthens a vowel (`Park` for `Bak`)."""


@lru_cache(maxsize=100_000)
def romanisation_key(word: str, korean: bool) -> str:
    """The key of a romanised Chinese (`korean` False) or Korean syllable or run of syllables
    (lower-case ASCII): `xiaoping`, `hsiaoping` -> `siaobing`; `jeong`, `chung` -> `jong`;
    `lee`, `i` -> `i`. The Korean rules that look at a word's start apply to the start of the
    word: a run of syllables is keyed syllable by syllable (`syllable_runs`)."""
    for pattern, repl in _COMMON_RULES:
        word = pattern.sub(repl, word)
    if korean:
        for pattern, repl in _KOREAN_RULES:
            word = pattern.sub(repl, word)
    return word


MAX_SYLLABLES_IN_WORD = 4
"""Most CJK syllables one Latin word is read as (`syllable_runs`): a Chinese given name has one
or two, a Korean name three syllables in all, a romanised name written as one word
(`Kimjongun`) a few more."""


def _free_run(keys: list[str], free: set[int], size: int, target: str) -> int | None:
    """The first position of `size` consecutive free syllables whose keys make `target`."""
    for start in range(len(keys) - size + 1):
        span = range(start, start + size)
        if all(k in free for k in span) and "".join(keys[k] for k in span) == target:
            return start
    return None


def syllable_runs(
    syllables: tuple[str, ...],
    words: tuple[str, ...],
    syllables_free: set[int],
    words_free: set[int],
    korean: bool,
) -> list[tuple[str, str]]:
    """The words of a Latin name (`words`) that are runs of consecutive `syllables` of a CJK
    name under `romanisation_key`, each syllable keyed on its own (`jinping`, `jin ping`;
    `jong`, `jeong`; `park`, `bag`), longest words first, as (run, word), the run's syllables
    spaced; the positions paired are taken out of the free sets. A word written as its one
    syllable is left to the word alignment (a `same` pair)."""
    keys = [romanisation_key(syllable, korean) for syllable in syllables]
    found: list[tuple[str, str]] = []
    for j in sorted(words_free, key=lambda k: -len(words[k])):
        word = words[j]
        target = romanisation_key(word, korean)
        for size in range(min(MAX_SYLLABLES_IN_WORD, len(syllables)), 0, -1):
            start = _free_run(keys, syllables_free, size, target)
            if start is None:
                continue
            run = syllables[start : start + size]
            if run != (word,):
                found.append((" ".join(run), word))
                syllables_free.difference_update(range(start, start + size))
                words_free.discard(j)
            break
    return found


def syllable_letters(words: tuple[str, ...], korean: bool) -> str:
    """The letters of the keys of a name's words (`romanisation_key`), sorted: equal for a name
    in CJK characters and its romanisations in any order and spacing (`김정은`, `Jong-un Kim`),
    so that screening finds the one from the other without comparing every pair
    (`blocking.ListIndex`)."""
    return "".join(sorted("".join(romanisation_key(word, korean) for word in words)))
