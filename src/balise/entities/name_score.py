"""A name pair's score in [0, 1] and its reasons, from the word alignment (`name_alignment`).

The score is a logistic function of features an analyst would name (share of each name's
letters found in the other, common words counting half; words on both sides without a
counterpart; words on one side only; numbers that differ; typos, sound-alikes, initials). Its
weights were fitted on a random half (seed 16) of the nomenklatura name benchmark
(opensanctions/nomenklatura, contrib/name_bench, MIT) by `bench/name_bench.py --fit`;
`bench/results/name_bench.md` reports the other half. A few fixed rules sit on top, each with
its reason in the output: the same words score 1 (the same letters split otherwise at least
`SAME_WORDS_SCORE`), a single word inside a longer name, an initial against another word and a
swapped `bin` at most `ONE_WORD_INSIDE_SCORE`, two CJK names a character apart at most
`CJK_OTHER_SYLLABLE_SCORE`, another legal form takes `FORMS_DIFFER_PENALTY` off.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

from balise.entities.name_alignment import NameFeatures, align
from balise.entities.name_words import WordPair, skeleton, word_weight
from balise.entities.names import PreparedName, against_cjk
from balise.entities.normalise import COMMON_WORDS, PARTICLES

ORG_SCHEMAS = frozenset({"Company", "Organization", "LegalEntity", "Vessel", "PublicBody"})
"""FtM schemata compared as organisations (a swapped word weighs more in `Berliner Motoren
Werke` than in a long Arabic name)."""

FEATURES = (
    "min_share", "max_share", "substitution", "substituted_letters", "numbers_differ",
    "joined_similarity", "edit_share", "sound_alikes", "initials", "out_of_order",
    "single_word", "organisation", "organisation_min_share", "organisation_substitution",
    "weak_share", "organisation_weak_share", "acronym", "multi_edit_words", "subsumed",
    "subsumed_letters", "initial_conflict", "initials_only", "common_only", "short_typos",
    "cjk_syllable_changed", "weak_words", "one_word_inside", "numbers_conflict", "near_sounds",
    "short_words_changed", "prefixes", "shuffled",
)  # fmt: skip
"""The names of the features, in the order of `WEIGHTS`."""

WEIGHTS = (
    0.0, 1.22, -4.28, 0.0, -0.62, 0.0, 0.0, -1.57, 0.0, -0.54, 0.44, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    0.0, -0.29, -0.42, -1.3, 0.0, 0.0, 0.58, -1.42, 0.64, -1.83, -0.33, -1.57, 0.0, 0.84, -0.21,
    0.93,
)  # fmt: skip
"""Logistic weights of `FEATURES`, then the intercept: fitted on the dev half (seed 16) of the
nomenklatura name benchmark, L2 penalty 1 (the best of 0.3 to 100), 17 features (the others
weigh 0): the 15 that `bench/name_bench.py --select` kept by repeated 5-fold cross-validation
on that half in folds of whole name clusters (cases sharing a name never split between
fitting and scoring), and the two number features it dropped on a tie (`numbers_differ`,
`numbers_conflict`: the dev half has three pairs with other numbers; `Fund VIII` is not `Fund
IX`), kept at no cost (F1 0.944 either way; all 32 features 0.942). `bench/name_bench.py
--fit` refits them (`WEIGHTED` there)."""


SAME_WORDS_SCORE = 0.95
"""Least score of two names made of the same words with the family name moved from the end to
the front or back (`PUTIN Vladimir`): lists write it first as often as last; and of two names
of the same letters split into words otherwise (`Vanderbilt Corp`, `van der Bilt Corp`;
`Goodwill`, `Good Will`: the nine such pairs of the benchmark's dev half are all matches).
Another shuffle (`Salman bin Muhammad`, `Muhammad bin Salman`) is left to the features. Balise
judgement."""

FORMS_DIFFER_PENALTY = 0.12
"""Taken off the name score when both names carry legal forms of different classes (`S.A.`,
`Limited`): a firm keeps its name when it registers in another country, so another form is
weak evidence against, never a veto. Balise judgement (nomenklatura's logic-v2 likewise sets
legal forms aside as symbols of the name rather than ruling a pair out on them)."""


ONE_WORD_INSIDE_SCORE = 0.45
"""Most a pair scores when a single word of one name is all that is found in the other and the
other has words of its own left (`Maria`, `Maria Gonzalez`; `PEARL`, `PEARL OF LONDON`), or when
initials are all the two share (`N.N.`, `Nursultan Nazarbayev`): one shared word is a family, a
first name or a trade, not an identity. Also when an initial of one name is left against
another word of the other (`Hans O Friedrich`, `Hans Joachim Friedrich`; `A. Nazarbayev`,
`Nursultan Nazarbayev`: the five such pairs of the benchmark's dev half are all different
people), and when the son and the father of a `bin` are swapped (`Salman bin Muhammad`,
`Muhammad bin Salman`). Below the 0.5 where the
threshold grid of `screen.match_threshold` starts. Balise judgement (issue 16: such pairs were
false positives)."""

CJK_OTHER_SYLLABLE_SCORE = 0.3
"""Most a pair of names both written in Chinese, Japanese or Korean characters scores when a
character differs: each is a syllable of the name chosen as such (`김정은`, `김종은` are two
people), not a spelling variant. Likewise a name in CJK characters against a Latin one when a
syllable is not found in any romanisation of it (`romanisation.romanisation_key`) or is left
over: `习近平` is not `Li Jinping` nor `Xi Jinming`, `李克强` (Li Keqiang) not `Li Qiang`.
Balise judgement."""

_READ_SYLLABLES = frozenset(["same", "joined", "script"])
"""How a CJK syllable meets a Latin word when it is read as written
(`name_alignment._cjk_latin_pairs`)."""


def _cjk_syllable_changed(features: NameFeatures, left: PreparedName, right: PreparedName) -> bool:
    """Both names in CJK characters and their words differ; or one in CJK characters, and a
    syllable of it is left over or met otherwise than in a romanisation of it (a typo, a
    sound-alike, a run of syllables with edits)."""
    if left.cjk and right.cjk:
        return left.words != right.words
    if left.cjk == right.cjk:
        return False
    left_over = features.left_extra if left.cjk else features.right_extra
    return bool(left_over) or any(p.how not in _READ_SYLLABLES or p.edits for p in features.pairs)


@dataclass(frozen=True)
class NameScore:
    """A name comparison: its score, the features it was made from, and the reasons."""

    score: float
    features: NameFeatures
    reasons: tuple[str, ...]


def _significant(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w for w in words if w not in PARTICLES and len(w) > 1)


def _initial_conflict(features: NameFeatures) -> bool:
    """An initial on one side left without a word it begins, while the other side has a word
    left over (`Hans O Friedrich`, `Hans Joachim Friedrich`): the middle names disagree."""
    left, right = features.left_extra, features.right_extra
    return bool(
        (any(len(w) == 1 for w in left) and right) or (any(len(w) == 1 for w in right) and left)
    )


def _one_word_inside(
    features: NameFeatures, sig_left: tuple[str, ...], sig_right: tuple[str, ...]
) -> bool:
    """One side's only significant word is found in the other, which has significant words
    (`sig_left`, `sig_right`: `_significant` of the words left over) left over (the other side
    has none left) weighing at least as much as the word found (in `word_weight`: `Maria` found
    in `Maria Gonzalez` is, `Gonzalez` is not, quite)."""
    if bool(sig_left) == bool(sig_right) or _words_matched(features) > 1:
        return False
    side = "left" if sig_left else "right"
    found = sum(word_weight(p.left if side == "left" else p.right) for p in features.pairs)
    return features.extra_letters(side) >= found


def _words_matched(features: NameFeatures) -> int:
    """Significant words found in both names (an acronym counts the words it stands for)."""
    return sum(
        max(len(p.left.split()), len(p.right.split()))
        for p in features.pairs
        if len(p.left) > 1 and p.left not in PARTICLES
    )


def _common_only(features: NameFeatures) -> bool:
    """The words the names share are all common ones (`Maria`, `Management`) and something is
    left over: what they have in common hardly tells two names apart."""
    if not (features.left_extra or features.right_extra):
        return False
    shared = [p.left for p in features.pairs if p.how != "initial" and len(p.left) > 1]
    return bool(shared) and all(w in COMMON_WORDS or w in PARTICLES for w in shared)


def _pair_kinds(pairs: tuple[WordPair, ...]) -> tuple[float, ...]:
    """Counts over the aligned pairs, in one pass: edits, sound-alikes, initials, acronyms,
    typos of two edits or more, typos in short words, weak pairs, their letters, near sounds,
    one-edit short words, prefixes, pairs other than same or joined, weak pairs and prefixes
    and reversed words."""
    edits = sound = initial = acronym = typo2 = short_typo = weak = weak_letters = 0
    near_sound = short = prefix = changed = loose = 0
    for p in pairs:
        how = p.how
        edits += p.edits
        if how not in ("same", "joined"):
            changed += 1
        if how == "typo":
            typo2 += p.edits >= 2
            short_typo += p.edits > 0 and len(p.left) <= 5
        elif how == "sound":
            sound += 1
            near_sound += skeleton(p.left) != skeleton(p.right)
        elif how == "initial":
            initial += 1
        elif how == "acronym":
            acronym += 1
        elif how == "short":
            short += 1
        elif how in ("weak", "prefix", "reversed"):
            weak += how == "weak"
            prefix += how == "prefix"
            loose += 1
            weak_letters += len(p.left)
    return (
        edits, sound, initial, acronym, typo2, short_typo, weak, weak_letters, near_sound, short,
        prefix, changed, loose,
    )  # fmt: skip


def feature_vector(
    features: NameFeatures, left: PreparedName, right: PreparedName, organisation: bool
) -> tuple[float, ...]:
    """The values of `FEATURES` for one alignment."""
    return _features_and_cap(features, left, right, organisation)[0]


def pair_features(left: PreparedName, right: PreparedName, organisation: bool) -> tuple[float, ...]:
    """The values of `FEATURES` for two names, as `score_names` weighs them."""
    left, right = against_cjk(left, right)
    return feature_vector(align(left, right), left, right, organisation)


def _features_and_cap(
    features: NameFeatures, left: PreparedName, right: PreparedName, organisation: bool
) -> tuple[tuple[float, ...], str]:
    """The values of `FEATURES`, and why the score is capped at `ONE_WORD_INSIDE_SCORE` (one
    word inside a longer name, initials alone in common, an initial against another word, the
    son and the father swapped), or "" when it is not."""
    pairs = features.pairs
    left_total, right_total = features.left_letters, features.right_letters
    if pairs:
        got_left = sum([word_weight(p.left) * p.similarity for p in pairs])
        got_right = sum([word_weight(p.right) * p.similarity for p in pairs])
    else:
        got_left = got_right = 0.0
    # `NameFeatures.matched_share` of each side
    share_left = min(1.0, got_left / left_total) if left_total else 0.0
    share_right = min(1.0, got_right / right_total) if right_total else 0.0
    low, high = min(share_left, share_right), max(share_left, share_right)
    sig_left, sig_right = _significant(features.left_extra), _significant(features.right_extra)
    extra_left = sum([word_weight(w) for w in sig_left])
    extra_right = sum([word_weight(w) for w in sig_right])
    total = max(left_total, right_total, 1.0)
    (edits, sound, initial, acronym, typo2, short_typo, weak, weak_letters, near_sound, short,
     prefix, changed, loose) = _pair_kinds(pairs)  # fmt: skip
    substitution = 1.0 if min(extra_left, extra_right) > 0 or weak else 0.0
    subsumed = 1.0 if bool(sig_left) != bool(sig_right) else 0.0
    org = 1.0 if organisation else 0.0
    inside = _one_word_inside(features, sig_left, sig_right)
    conflict = _initial_conflict(features)
    in_order = features.in_order
    values = (
        low, high, substitution, min(extra_left, extra_right) / total,
        float(features.numbers_differ), features.joined_similarity, edits / total,
        float(sound), float(initial), float(not in_order),
        float(min(len(left.words), len(right.words)) <= 1), org, org * low,
        org * substitution, weak_letters / total, org * weak_letters / total, float(acronym > 0),
        float(typo2), subsumed, subsumed * max(extra_left, extra_right) / total,
        float(conflict),
        float(bool(pairs) and initial + acronym == len(pairs)),
        float(_common_only(features)), float(short_typo), float(features.cjk and changed > 0),
        float(loose), float(inside),
        float(features.numbers_differ and bool(left.numbers) and bool(right.numbers)),
        float(near_sound), float(short), float(prefix),
        float(not in_order and not _rotated(left.words, right.words)),
    )  # fmt: skip
    if inside or (bool(pairs) and initial == len(pairs)):
        cap = "one word or initials in common only"
    elif conflict:
        cap = "an initial against another word"
    elif nasab_swapped(left.words, right.words):
        cap = "son and father swapped (bin)"
    else:
        cap = ""
    return values, cap


def logistic(values: tuple[float, ...], weights: tuple[float, ...] = WEIGHTS) -> float:
    """The logistic of the weighted sum of `values` plus the intercept (last weight)."""
    total = weights[-1] + sum(map(operator.mul, weights, values))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, total))))


def _reasons(features: NameFeatures, left: PreparedName, right: PreparedName) -> list[str]:
    reasons: list[str] = []
    same = [p for p in features.pairs if p.how == "same"]
    if (
        same
        and len(same) == len(features.pairs)
        and not features.left_extra
        and not features.right_extra
    ):
        reasons.append("same words" + ("" if features.in_order else " in another order"))
    else:
        if same:
            reasons.append(f"{len(same)} word{'s' if len(same) > 1 else ''} in common")
        for pair in features.pairs:
            if pair.how != "same":
                reasons.append(f"{pair.how}: {pair.left!r} ~ {pair.right!r}")
        if not features.in_order:
            reasons.append("words in another order")
    if features.left_extra:
        reasons.append("only in the query: " + " ".join(features.left_extra))
    if features.right_extra:
        reasons.append("only in the list: " + " ".join(features.right_extra))
    if features.numbers_differ:
        reasons.append("numbers differ")
    if features.forms_differ:
        mine = "/".join(f.form_class for f in left.forms)
        theirs = "/".join(f.form_class for f in right.forms)
        reasons.append(f"legal forms differ: {mine} vs {theirs}")
    return reasons


_NASAB = frozenset(["bin", "ibn", "ben", "bint"])


def _nasab_links(words: tuple[str, ...]) -> set[tuple[str, str]]:
    """(son, father) of each `X bin Y` in a name's words."""
    return {
        (words[i - 1], words[i + 1])
        for i in range(1, len(words) - 1)
        if words[i] in _NASAB and words[i - 1] not in _NASAB
    }


def nasab_swapped(left: tuple[str, ...], right: tuple[str, ...]) -> bool:
    """True when one name says `X bin Y` and the other `Y bin X` (`Salman bin Muhammad`,
    `Muhammad bin Salman`): the son of one is the father in the other, another person."""
    if not (_NASAB.intersection(left) and _NASAB.intersection(right)):
        return False
    mine = _nasab_links(left)
    return any((father, son) in mine for son, father in _nasab_links(right))


def _rotated(left: tuple[str, ...], right: tuple[str, ...]) -> bool:
    """True when `right` is `left` with its last word moved to the front or its first to the
    back (`Putin Vladimir`, `Vladimir Putin`)."""
    return right in (left[-1:] + left[:-1], left[1:] + left[:1])


def score_names(
    left: PreparedName,
    right: PreparedName,
    organisation: bool,
    weights: tuple[float, ...] = WEIGHTS,
) -> NameScore:
    """Score two prepared names in [0, 1] with the reasons an analyst reads (`weights`: other
    logistic weights than `WEIGHTS`, for cross-validation in `bench/name_bench.py`)."""
    left, right = against_cjk(left, right)
    features = align(left, right)
    reasons = _reasons(features, left, right)
    if left.words and left.numbers == right.numbers and left.words == right.words:
        score = 1.0  # the same name once transliterated, titles and legal forms aside
    else:
        values, capped = _features_and_cap(features, left, right, organisation)
        score = logistic(values, weights)
        if left.words and left.numbers == right.numbers and _rotated(left.words, right.words):
            score = max(score, SAME_WORDS_SCORE)
        elif left.joined and left.numbers == right.numbers and left.joined == right.joined:
            score = max(score, SAME_WORDS_SCORE)  # `Vanderbilt`, `van der Bilt`
            reasons.append("same letters, split into words otherwise")
            capped = ""
        if capped and score > ONE_WORD_INSIDE_SCORE:
            score = ONE_WORD_INSIDE_SCORE
            reasons.append(capped)
    if _cjk_syllable_changed(features, left, right) and score > CJK_OTHER_SYLLABLE_SCORE:
        score = CJK_OTHER_SYLLABLE_SCORE
        reasons.append("another CJK syllable")
    if features.forms_differ:
        score = max(0.0, score - FORMS_DIFFER_PENALTY)
    return NameScore(score, features, tuple(reasons))
