"""A name pair's score in [0, 1] and its reasons, from the word alignment of `entities.names`.

The score is a logistic function of a few features an analyst would name (share of each name's
letters found in the other, words on both sides without a counterpart, numbers that differ,
typos, sound-alikes, initials, legal forms that differ). Its weights were fitted on a random half
(seed 16) of the nomenklatura name benchmark (opensanctions/nomenklatura, contrib/name_bench,
MIT) by `bench/name_bench.py --fit`; `bench/results/name_bench.md` reports the other half.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from balise.entities.names import NameFeatures, PreparedName, align
from balise.entities.normalise import PARTICLES

ORG_SCHEMAS = frozenset({"Company", "Organization", "LegalEntity", "Vessel", "PublicBody"})
"""FtM schemata compared as organisations (a swapped word weighs more in `Berliner Motoren
Werke` than in a long Arabic name)."""

FEATURES = (
    "min_share", "max_share", "substitution", "substituted_letters", "numbers_differ",
    "joined_similarity", "edit_share", "sound_alikes", "initials", "out_of_order",
    "forms_differ", "single_word", "organisation", "organisation_min_share",
    "organisation_substitution", "weak_share", "organisation_weak_share", "acronym",
    "multi_edit_words",
)  # fmt: skip
"""The names of the features, in the order of `WEIGHTS`."""

WEIGHTS = (
    -0.90, 1.22, -4.89, 1.75, -1.00, 2.71, -0.09, -3.53, 0.41, 0.10, -3.14, 0.12, 0.93, -0.83,
    -0.24, -6.70, 1.07, 1.68, -0.75, -0.41,
)  # fmt: skip
"""Logistic weights of `FEATURES`, then the intercept: fitted by `bench/name_bench.py --fit` on
the dev half (seed 16) of the nomenklatura name benchmark, L2 penalty 0.1."""


SAME_WORDS_SCORE = 0.95
"""Least score of two names made of the same words in another order (`PUTIN Vladimir`): lists
write the family name first as often as last. Balise judgement."""


@dataclass(frozen=True)
class NameScore:
    """A name comparison: its score, the features it was made from, and the reasons."""

    score: float
    features: NameFeatures
    reasons: tuple[str, ...]


def _significant(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w for w in words if w not in PARTICLES and len(w) > 1)


def feature_vector(
    features: NameFeatures, left: PreparedName, right: PreparedName, organisation: bool
) -> tuple[float, ...]:
    """The values of `FEATURES` for one alignment."""
    shares = (features.matched_share("left"), features.matched_share("right"))
    extra_left = sum(len(w) for w in _significant(features.left_extra))
    extra_right = sum(len(w) for w in _significant(features.right_extra))
    total = max(features.left_letters, features.right_letters, 1)
    substitution = 1.0 if min(extra_left, extra_right) > 0 else 0.0
    weak = sum(len(p.left) for p in features.pairs if p.how in ("weak", "prefix", "reversed"))
    org = 1.0 if organisation else 0.0
    return (
        min(shares), max(shares), substitution, min(extra_left, extra_right) / total,
        float(features.numbers_differ), features.joined_similarity,
        sum(p.edits for p in features.pairs) / total,
        float(sum(p.how == "sound" for p in features.pairs)),
        float(sum(p.how == "initial" for p in features.pairs)),
        float(not features.in_order), float(features.forms_differ),
        float(min(len(left.words), len(right.words)) <= 1), org, org * min(shares),
        org * substitution, weak / total, org * weak / total,
        float(any(p.how == "acronym" for p in features.pairs)),
        float(sum(p.how == "typo" and p.edits >= 2 for p in features.pairs)),
    )  # fmt: skip


def logistic(values: tuple[float, ...], weights: tuple[float, ...] = WEIGHTS) -> float:
    """The logistic of the weighted sum of `values` plus the intercept (last weight)."""
    total = weights[-1] + sum(w * v for w, v in zip(weights, values, strict=False))
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


def score_names(left: PreparedName, right: PreparedName, organisation: bool) -> NameScore:
    """Score two prepared names in [0, 1] with the reasons an analyst reads."""
    features = align(left, right)
    score = logistic(feature_vector(features, left, right, organisation))
    if left.words and left.numbers == right.numbers and not features.forms_differ:
        if left.words == right.words:
            score = 1.0  # the same name once transliterated, titles and legal forms aside
        elif sorted(left.words) == sorted(right.words):
            score = max(score, SAME_WORDS_SCORE)
    return NameScore(score, features, tuple(_reasons(features, left, right)))
