"""Two prepared names aligned word by word, and what the alignment saw (`NameFeatures`).

The alignment is what an analyst does by eye: pair each word with its closest counterpart (the
closest pairs first), accept a pair when the words are near enough for their length (one typo in
a short word, a quarter of a long one), take an initial for a word it begins, and look at the
words no counterpart was found for. `NameFeatures` holds what the alignment saw; the weights that
turn it into a score are in `balise.entities.match`.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from rapidfuzz.distance import Levenshtein

from balise.entities.name_words import (
    SCRIPT_SIMILARITY,
    WordPair,
    compare_words,
    cross_script,
    word_weight,
)
from balise.entities.names import PreparedName, neighbour_runs
from balise.entities.romanisation import syllable_runs


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
        if (pair := compare_words(a, b) if not script else cross_script(a, b, script)) is not None
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
        runs = neighbour_runs(words_b)
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
