"""Two words of names compared: typos, sound-alikes, initials, short forms, particles, scripts."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from rapidfuzz.distance import OSA, Levenshtein

from balise.entities.normalise import COMMON_WORDS, PARTICLES


@dataclass(frozen=True)
class WordPair:
    """Two aligned words and how they met: `same`, `typo` (edits), `sound` (same skeleton),
    `initial` or `joined` (one word is two of the other side run together)."""

    left: str
    right: str
    how: str
    similarity: float
    edits: int


_SKELETON_RULES = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"ph", "f"), (r"ck", "k"), (r"q", "k"), (r"c(?=[aou]|$)", "k"), (r"x", "ks"),
        (r"kh", "h"), (r"gh", "g"), (r"th", "t"), (r"dh", "d"), (r"sch", "s"), (r"sh", "s"),
        (r"ch", "s"), (r"tsch", "c"), (r"y", "i"), (r"w", "v"), (r"z", "s"), (r"j", "i"),
        (r"ou", "u"), (r"oo", "u"), (r"ee", "i"), (r"(.)\1+", r"\1"), (r"(?<=[^aeiou])h", ""),
    )
)  # fmt: skip


@lru_cache(maxsize=200_000)
def skeleton(word: str) -> str:
    """A rough phonetic key of a Latin word, so that transliteration variants meet (`yusuf`,
    `jusuf`, `youssouf` → `iusuf`; `mohammed`, `muhammad` differ only in vowels)."""
    for pattern, repl in _SKELETON_RULES:
        word = pattern.sub(repl, word)
    return word


@lru_cache(maxsize=200_000)
def word_weight(word: str) -> float:
    """Letters a word counts for: particles and initials count one, common words
    (`normalise.COMMON_WORDS`) half their letters, words run together their parts'."""
    if " " in word:
        return sum(word_weight(part) for part in word.split())
    if word in PARTICLES or len(word) == 1:
        return 1.0
    common = word in COMMON_WORDS or PATRONYMIC_RE.search(word) is not None
    return len(word) / 2 if common else float(len(word))


PATRONYMIC_RE = re.compile(r"(?:ovich|evich|ovych|evych|ovna|evna|ivna|ichna)$")
"""The endings of Russian, Ukrainian and Belarusian patronymics (`Viktorovich`,
`Oleksandrovych`, `Ivanovna`): a middle name from the father's, that Latin-script lists often
leave out (`Sergey Viktorovich Lavrov`, `Sergejs Lavrovs`), so it counts half its letters like
a common word (`word_weight`). Balise judgement (issue 16: the benchmark's dev half has five
such pairs, all matches)."""


def max_edits(length: int) -> int:
    """Edits accepted between two words of this (longer) length: none up to 3 letters, one up
    to 5, two up to 8, then a quarter. Balise judgement, near logic-v2's allowance."""
    if length <= 3:
        return 0
    if length <= 5:
        return 1
    if length <= 8:
        return 2
    return length // 4


_PARTICLE_CLASS = {
    "bin": "bin",
    "ibn": "bin",
    "ben": "bin",
    "bint": "bin",
    "al": "al",
    "el": "al",
    "abd": "abd",
    "abdul": "abd",
    "abdel": "abd",
    "de": "de",
    "da": "de",
    "di": "de",
    "do": "de",
    "del": "de",
    "van": "van",
    "von": "van",
    "der": "der",
    "den": "der",
}


NICKNAME_SIMILARITY = 0.9
"""Similarity of a given name and its short form (`theodore`, `ted`): as strong as a
sound-alike, a little less than the same word, since a short form can stand for several names
(`harry`: Harold, Henry). Balise judgement."""


@cache
def given_name_groups() -> dict[str, frozenset[str]]:
    """The full given names each word stands for, from the shipped table
    (`balise/data/given_names.csv`): a full name stands for itself, a short form for the
    names it is short for (`harry` → `harold`, `henry`)."""
    text = resources.files("balise.data").joinpath("given_names.csv").read_text("utf-8")
    groups: dict[str, set[str]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        name = row["name"]
        groups.setdefault(name, set()).add(name)
        for short in row["short_forms"].split():
            groups.setdefault(short, set()).add(name)
    return {word: frozenset(names) for word, names in groups.items()}


def is_nickname(left: str, right: str) -> bool:
    """One word is a short form of the other (`ted`, `theodore`), or both are short forms of one
    name (`bill`, `will`); two full names never meet this way (`alexander`, `alexandra`)."""
    groups = given_name_groups()
    mine, theirs = groups.get(left), groups.get(right)
    return mine is not None and theirs is not None and not mine.isdisjoint(theirs)


@lru_cache(maxsize=500_000)
def compare_words(left: str, right: str) -> WordPair | None:
    """How two words meet, or None when they are different words; `short` is one edit in a
    word of two or three letters (`Kim Jong On`, `Kim Jong Un`); `nickname` a given name and
    its short form (`is_nickname`)."""
    if left == right:
        return WordPair(left, right, "same", 1.0, 0)
    particle = _PARTICLE_CLASS.get(left)
    if particle is not None and particle == _PARTICLE_CLASS.get(right):
        return WordPair(left, right, "same", 1.0, 0)
    groups = given_name_groups()
    mine = groups.get(left)
    if mine is not None:
        theirs = groups.get(right)
        if theirs is not None and not mine.isdisjoint(theirs):  # `is_nickname`
            return WordPair(left, right, "nickname", NICKNAME_SIMILARITY, 0)
    if len(left) == 1 or len(right) == 1:
        short, long = (left, right) if len(left) == 1 else (right, left)
        if len(long) > 1 and long.startswith(short):
            return WordPair(left, right, "initial", 0.8, 0)
        return None
    edits = OSA.distance(left, right)  # a transposition (`masnour`) is one edit
    shorter, longer = (len(left), len(right)) if len(left) < len(right) else (len(right), len(left))
    if edits <= max_edits(longer):
        return WordPair(left, right, "typo", 1.0 - edits / longer, edits)
    if longer <= 3 and shorter >= 2 and edits == 1:
        return WordPair(left, right, "short", 1.0 - edits / longer, edits)  # `un`, `on`
    if (shorter >= 3 or longer == 3) and skeleton(left) == skeleton(right):
        return WordPair(left, right, "sound", 0.9, edits)
    sk_edits = Levenshtein.distance(skeleton(left), skeleton(right))
    if shorter >= 4 and sk_edits <= max_edits(shorter) - 1 + (shorter > 5):
        similarity = 1.0 - (sk_edits + 1) / max(len(left), len(right))
        return WordPair(left, right, "sound", max(similarity, 0.5), edits)
    prefix = left.startswith(right) or right.startswith(left)
    # a common given name is not short for a longer word (`john`, `johnson`), nor is a word of
    # three letters or less than half the other (`bay`, `baykal`; `lind`, `lindemann`)
    cut = shorter >= 4 and 2 * shorter >= longer
    if cut and prefix and min(left, right, key=len) not in COMMON_WORDS:
        return WordPair(left, right, "prefix", shorter / longer, edits)
    if shorter >= 4 and left[::-1] == right:
        return WordPair(left, right, "reversed", 0.6, edits)
    similarity = 1.0 - edits / max(len(left), len(right))
    if similarity >= 0.5:
        return WordPair(left, right, "weak", similarity, edits)
    return None


SCRIPT_SIMILARITY = 0.9
"""Similarity of a word written in the Hebrew or Arabic script and a Latin word with the same
consonants (`script_pair`): as a sound-alike, since the vowels the script does not write are
exactly where romanisations differ. One consonant apart (a final `ו`, a `ج` written `g`) gives
0.75. Balise judgement."""
_CONSONANT_DIGRAPHS = (("kh", "h"), ("sh", "s"), ("th", "t"), ("dh", "d"), ("gh", "g"),
                       ("ch", "s"), ("ph", "f"), ("zh", "j"), ("ts", "s"))  # fmt: skip


_CONSONANT_CLASSES = str.maketrans("vpfqckgzx", "bbbkkkksk")


_NOT_CONSONANTS_RE = re.compile(r"[aeiouyw]+")


@lru_cache(maxsize=100_000)
def consonant_key(word: str) -> str:
    """The consonants of a Latin-letter word as an abjad writes them: digraphs as one letter,
    letters one script letter stands for as one (`b v p f`; `q k c g`; `s z`), vowels and the
    half-vowels `w`, `y` (written as vowel letters) out, doubled letters once: `muhammad`,
    `mhmd` → `mhmd`; `hussein`, `hsyn` → `hsn`; `benjamin` → `bnjmn`, `vnymyn` → `bnmn`."""
    word = word.replace("vv", "w")  # Hebrew `וו`, a `w`
    for pair, one in _CONSONANT_DIGRAPHS:
        word = word.replace(pair, one)
    word = _NOT_CONSONANTS_RE.sub("", word.translate(_CONSONANT_CLASSES))
    return re.sub(r"(.)\1+", r"\1", word)


@lru_cache(maxsize=200_000)
def script_pair(abjad: str, latin: str) -> WordPair | None:
    """How a word of a name in the Hebrew or Arabic script (`abjad`, transliterated) meets a
    word of a Latin name: the same consonants (`consonant_key`, a final `h` aside; a
    one-consonant key only for a word of at most three letters, `ly` and `ali`), or one
    consonant apart from four, the first the same; else None."""
    mine, theirs = consonant_key(abjad), consonant_key(latin)
    if not mine or not theirs:
        return None
    if mine != theirs and len(mine) > 2 and len(theirs) > 1:
        # a final `ة` or `ه` is written `h` and read `a` (`اسامة`, `smh`: `Osama`)
        mine = mine.removesuffix("h") if mine.removesuffix("h") == theirs else mine
    if mine == theirs and (len(mine) > 1 or len(abjad) <= 3):
        return WordPair(abjad, latin, "script", SCRIPT_SIMILARITY, 0)
    if (
        max(len(mine), len(theirs)) >= 4
        and mine[0] == theirs[0]  # `mhmd` is not `ahmad` (`hmd`)
        and Levenshtein.distance(mine, theirs) <= 1
    ):
        return WordPair(abjad, latin, "script", 0.75, 1)
    return None


def cross_script(left: str, right: str, script: int) -> WordPair | None:
    """`compare_words`; when one name is in an abjad and the other not (`script`: 1 the left
    one, -1 the right one, 0 neither), a `script_pair` if there is one (with the larger
    similarity of the two), unless the words are the same or a given name and its short form:
    a Latin spelling of a vowel-less word is no sound-alike of another name."""
    pair = compare_words(left, right)
    if not script:
        return pair
    other = script_pair(left, right) if script > 0 else script_pair(right, left)
    if other is None or (pair is not None and pair.how in ("same", "nickname")):
        return pair
    similarity = other.similarity if pair is None else max(pair.similarity, other.similarity)
    return WordPair(left, right, "script", similarity, other.edits)
