"""Two names compared word by word: the words aligned (in any order, typos, initials, words run
together or split), what is left over on each side, and the numbers they carry.

The alignment is what an analyst does by eye: pair each word with its closest counterpart (the
closest pairs first), accept a pair when the words are near enough for their length (one typo in
a short word, a quarter of a long one), take an initial for a word it begins, and look at the
words no counterpart was found for. `NameFeatures` holds what the alignment saw; the weights that
turn it into a score are in `balise.entities.match`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from itertools import pairwise

from rapidfuzz.distance import OSA, Levenshtein

from balise.entities.normalise import (
    ABJAD_RE,
    CJK_RE,
    COMMON_WORDS,
    PARTICLES,
    LegalForm,
    name_tokens,
    split_legal_forms,
)
from balise.entities.romanisation import HANGUL_RE, syllable_runs

_ROMAN = frozenset(["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"])
_NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "second": "2", "third": "3",
    "fourth": "4", "fifth": "5", "1st": "1", "2nd": "2", "3rd": "3", "4th": "4", "5th": "5",
    "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14", "fifteen": "15",
    "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20",
    "thirty": "30", "forty": "40", "fourty": "40", "fifty": "50", "sixty": "60",
    "seventy": "70", "eighty": "80", "ninety": "90",
}  # fmt: skip
"""English number words (and the common misspelling `fourty`) read as their numbers."""
_TENS = frozenset(["twenty", "thirty", "forty", "fourty", "fifty", "sixty", "seventy", "eighty",
                   "ninety"])  # fmt: skip
_UNITS = frozenset(["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
_ROMAN_VALUE = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7",
                "viii": "8", "ix": "9", "x": "10", "xi": "11", "xii": "12"}  # fmt: skip

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


def number_of(word: str) -> str | None:
    """The number a word stands for (`2`, `ii`, `second`), else None."""
    if word.isdigit():
        return str(int(word))
    return _NUMBER_WORDS.get(word) or _ROMAN_VALUE.get(word)


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
    together, edits allowed (`_runs`; 0 when no two words of more than one letter neighbour),
    so that `_joined_pairs` looks for runs only when the other name has a word that long."""
    initials: str = ""
    """The first letters of the words, for `_acronym_pairs`."""
    abjad: bool = False
    """Written in the Hebrew or Arabic script (`normalise.ABJAD_RE`): its words have no short
    vowels, and are compared with those of a Latin name by their consonants (`script_pair`)."""
    hangul: bool = False
    """Written in Hangul: its syllables meet a Latin name's words under the Korean rules of
    `romanisation.romanisation_key` (`_cjk_latin_pairs`)."""


def compound_numbers(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """`tokens` with each tens word followed by a unit word read as one number (`twenty one`,
    `Twenty-One` → `21`), so that `Brigade Forty-Four` and `Brigade 44` carry the same number."""
    if not any(t in _TENS for t in tokens[:-1]):
        return tokens
    out: list[str] = []
    skip = False
    for i, token in enumerate(tokens):
        if skip:
            skip = False
            continue
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in _TENS and following in _UNITS:
            out.append(str(int(_NUMBER_WORDS[token]) + int(_NUMBER_WORDS[following])))
            skip = True
        else:
            out.append(token)
    return tuple(out)


def _is_number(word: str, position: int, count: int, roman: bool = True) -> bool:
    """Whether the word at `position` of a name of `count` words is read as a number: not `i`
    nor `v` (a pronoun, an initial), nor a Roman numeral that opens a longer name (`Xi
    Jinping`, `Vi Nguyen`: a name, where `Fund XI` ends with its number), nor any Roman numeral
    unless `roman`."""
    if word in ("i", "v") or number_of(word) is None:
        return False
    if word in _ROMAN_VALUE:
        return roman and not (position == 0 and count > 1)
    return True


@lru_cache(maxsize=4096)
def _form_classes(forms: tuple[LegalForm, ...]) -> frozenset[str]:
    """The classes of `forms`, one set shared by the names with the same forms."""
    return frozenset(f.form_class for f in forms)


def _runs(words: tuple[str, ...]) -> list[tuple[int, str, int]]:
    """Each two neighbouring words of more than one letter run together: the position of the
    first, the run, and the edits allowed against a word that is the run (half `_max_edits`)."""
    return [
        (j, run, _max_edits(len(run)) // 2)
        for j in range(len(words) - 1)
        if len(words[j]) > 1 and len(words[j + 1]) > 1
        for run in (words[j] + words[j + 1],)
    ]


def prepare_name(text: str, roman: bool = True) -> PreparedName:
    """`text` as a `PreparedName` (transliterated, titles and legal forms set aside; Roman
    numerals read as numbers unless `roman` is False, `_is_number`)."""
    tokens, forms = split_legal_forms(compound_numbers(name_tokens(text)))
    kept: list[str] = []
    numbers: set[str] = set()
    count = len(tokens)
    for position, word in enumerate(tokens):
        number = number_of(word)
        if number is None or not _is_number(word, position, count, roman):
            kept.append(word)
        else:
            numbers.add(number)
    words = tuple(kept)
    cjk = CJK_RE.search(text) is not None
    sizes = [len(w) for w in words]
    run_sizes = [a + b for a, b in pairwise(sizes) if a > 1 and b > 1]  # as `_runs`
    return PreparedName(
        text, words, forms, frozenset(numbers), "".join(words), cjk,
        letters=sum(word_weight(w) for w in words),
        form_classes=_form_classes(forms),
        longest=max(sizes, default=0),
        shortest_run=min((n - _max_edits(n) // 2 for n in run_sizes), default=0),
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


@dataclass(frozen=True)
class WordPair:
    """Two aligned words and how they met: `same`, `typo` (edits), `sound` (same skeleton),
    `initial` or `joined` (one word is two of the other side run together)."""

    left: str
    right: str
    how: str
    similarity: float
    edits: int


@dataclass(frozen=True)
class NameFeatures:
    """What the alignment of two names saw (words are counted in letters, so that `al` weighs
    less than `stanekzai`)."""

    pairs: tuple[WordPair, ...]
    left_extra: tuple[str, ...]
    right_extra: tuple[str, ...]
    left_letters: float
    right_letters: float
    in_order: bool
    numbers_differ: bool
    joined_similarity: float
    forms_differ: bool
    cjk: bool = False
    """Both names written in CJK characters (a syllable changed is another name); a CJK name
    against a Latin one is read by `_cjk_latin_pairs`."""

    def matched_share(self, side: str) -> float:
        """Share of a side's letters in aligned words, each weighed by its pair's similarity."""
        total = self.left_letters if side == "left" else self.right_letters
        if total == 0:
            return 0.0
        got = sum(
            word_weight(p.left if side == "left" else p.right) * p.similarity for p in self.pairs
        )
        return min(1.0, got / total)

    def extra_letters(self, side: str) -> float:
        return sum(
            word_weight(w) for w in (self.left_extra if side == "left" else self.right_extra)
        )


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


def _max_edits(length: int) -> int:
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
    if edits <= _max_edits(longer):
        return WordPair(left, right, "typo", 1.0 - edits / longer, edits)
    if longer <= 3 and shorter >= 2 and edits == 1:
        return WordPair(left, right, "short", 1.0 - edits / longer, edits)  # `un`, `on`
    if (shorter >= 3 or longer == 3) and skeleton(left) == skeleton(right):
        return WordPair(left, right, "sound", 0.9, edits)
    sk_edits = Levenshtein.distance(skeleton(left), skeleton(right))
    if shorter >= 4 and sk_edits <= _max_edits(shorter) - 1 + (shorter > 5):
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


def _compare(left: str, right: str, script: int) -> WordPair | None:
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


def _joined_pairs(
    left: PreparedName, right: PreparedName, left_free: set[int], right_free: set[int]
) -> list[WordPair]:
    """Words of one side that are two neighbouring free words of the other run together."""
    pairs: list[WordPair] = []
    for side_a, free_a, side_b, free_b, flip in (
        (left, left_free, right, right_free, False),
        (right, right_free, left, left_free, True),
    ):
        if not side_b.shortest_run or side_b.shortest_run > side_a.longest:
            continue  # no word of side_a is long enough to be a run of side_b
        words_b = side_b.words
        runs = _runs(words_b)
        for i, word in enumerate(side_a.words):
            for j, run, allowed in runs:
                if abs(len(word) - len(run)) > allowed:
                    continue  # at least that many edits: not worth computing
                if i not in free_a or j not in free_b or j + 1 not in free_b:
                    continue
                edits = Levenshtein.distance(word, run)
                if edits <= allowed:
                    joined = words_b[j] + " " + words_b[j + 1]
                    sim = 1.0 - edits / len(run)
                    pair = (
                        WordPair(joined, word, "joined", sim, edits)
                        if flip
                        else WordPair(word, joined, "joined", sim, edits)
                    )
                    pairs.append(pair)
                    free_a.discard(i)
                    free_b.difference_update((j, j + 1))
    return pairs


def _acronym_pairs(
    left: PreparedName, right: PreparedName, left_free: set[int], right_free: set[int]
) -> list[WordPair]:
    """A free word of one side that is the initials of neighbouring free words of the other
    (`jc`, `jean claude`; `pla`, `peoples liberation army`)."""
    pairs: list[WordPair] = []
    for name_a, free_a, name_b, free_b, flip in (
        (left, left_free, right, right_free, False),
        (right, right_free, left, left_free, True),
    ):
        side_a, side_b, initials = name_a.words, name_b.words, name_b.initials
        for i in sorted(free_a):
            word = side_a[i]
            size = len(word)
            if not 2 <= size <= 5 or word not in initials:
                continue  # not the initials of any words of the other side
            for j in sorted(free_b):
                span = range(j, j + size)
                if all(k in free_b for k in span) and "".join(side_b[k][0] for k in span) == word:
                    run = " ".join(side_b[k] for k in span)
                    pair = (
                        WordPair(run, word, "acronym", 0.8, 0)
                        if flip
                        else WordPair(word, run, "acronym", 0.8, 0)
                    )
                    pairs.append(pair)
                    free_a.discard(i)
                    free_b.difference_update(span)
                    break
    return pairs


def align(left: PreparedName, right: PreparedName) -> NameFeatures:
    """The word alignment of two prepared names (closest pairs first, each word used once)."""
    lw, rw = left.words, right.words
    left_free, right_free = set(range(len(lw))), set(range(len(rw)))
    joined = _cjk_latin_pairs(left, right, left_free, right_free) if left.cjk != right.cjk else []
    joined += _joined_pairs(left, right, left_free, right_free)
    # (-similarity, i, j, pair): sorted closest first, then by position (no two alike)
    script = left.abjad - right.abjad
    found = [
        (-pair.similarity, i, j, pair)
        for i, a in enumerate(lw)
        for j, b in enumerate(rw)
        if (pair := compare_words(a, b) if not script else _compare(a, b, script)) is not None
    ]
    found.sort()
    pairs: list[tuple[int, int, WordPair]] = []
    for _, i, j, pair in found:
        if i in left_free and j in right_free:
            pairs.append((i, j, pair))
            left_free.discard(i)
            right_free.discard(j)
    if left_free and right_free:
        joined += _acronym_pairs(left, right, left_free, right_free)
    order = [j for _, j, _ in sorted(pairs)]
    forms_l, forms_r = left.form_classes, right.form_classes
    return NameFeatures(
        pairs=tuple([p for _, _, p in pairs] + joined),
        left_extra=tuple([lw[i] for i in sorted(left_free)]) if left_free else (),
        right_extra=tuple([rw[j] for j in sorted(right_free)]) if right_free else (),
        left_letters=left.letters,
        right_letters=right.letters,
        in_order=all(a < b for a, b in pairwise(order)),
        numbers_differ=left.numbers != right.numbers,
        joined_similarity=Levenshtein.normalized_similarity(left.joined, right.joined),
        forms_differ=bool(forms_l and forms_r and not forms_l & forms_r),
        cjk=left.cjk and right.cjk,
    )


def _cjk_latin_pairs(
    left: PreparedName, right: PreparedName, left_free: set[int], right_free: set[int]
) -> list[WordPair]:
    """Words of the Latin name of the two that are runs of syllables of the CJK one
    (`romanisation.syllable_runs`): `joined` when written alike (`jin ping`, `jinping`),
    else `script` (`jeong`, `jong`; `xiao ping`, `hsiaoping`)."""
    cjk, latin = (left, right) if left.cjk else (right, left)
    cjk_free, latin_free = (left_free, right_free) if left.cjk else (right_free, left_free)
    pairs: list[WordPair] = []
    for run, word in syllable_runs(cjk.words, latin.words, cjk_free, latin_free, cjk.hangul):
        how, similarity = (
            ("joined", 1.0) if run.replace(" ", "") == word else ("script", SCRIPT_SIMILARITY)
        )
        a, b = (run, word) if left.cjk else (word, run)
        pairs.append(WordPair(a, b, how, similarity, 0))
    return pairs
