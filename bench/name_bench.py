"""F1 and the threshold curve of Balise's name matcher on the nomenklatura name benchmark.

    .venv/bin/python bench/name_bench.py          # writes results/name_bench.{json,md}
    .venv/bin/python bench/name_bench.py --fit    # refits WEIGHTED on the dev half, prints WEIGHTS
    .venv/bin/python bench/name_bench.py --cv     # 5-fold cross-validated F1 on the dev half
    .venv/bin/python bench/name_bench.py --select # L2 penalty and features, repeated CV on dev
    .venv/bin/python bench/name_bench.py --cv-model  # the model in use, repeated CV on dev
    .venv/bin/python bench/name_bench.py --fresh [--baseline-src OTHER/src]  # unseen checks
    .venv/bin/python bench/name_bench.py --speed --baseline-src OTHER/src  # pairs per CPU second

`--speed` scores the benchmark's 826 pairs (names prepared anew, caches cleared each round) with
this tree's scorer and with the scorer of another tree (`OTHER/src`, e.g. `git archive` of an
earlier commit), alternately in this one process, and prints pairs per CPU second of each: on a
shared machine only a ratio in one process is steady.

The benchmark (tests/data/nomenklatura-name-bench/cases.csv, MIT) has no split: the cases are
shuffled with seed 16 and halved; the weights of `balise.entities.name_score` are fitted on the
first (dev) half only, the figures are reported on the other (held-out) half and on all. The
baseline is nomenklatura's logic-v2 at 0.7: F1 0.796 on all cases (computed with nomenklatura
4.17.4, shared research note, finance-anchors §2.3). The threshold reported first is the one
with the best F1 on the dev half; `screen.match_threshold` is chosen elsewhere
(bench/screen_bench.py), and the table gives the held-out figures at every threshold.

`--fresh` scores, once, the whole-entity checks of nomenklatura's entity benchmark
(tests/data/nomenklatura-name-bench/entity_checks.yml, MIT) that are not among the 826 cases:
the query's name against the candidate's, label `match`; a check whose two names, once
normalised, form one of the cases (either order) is left out. It is for reporting only: no
threshold, weight or feature is chosen on it (the threshold is the dev half's).

Cross-validation (`--cv`, `--select`, `--cv-model`) splits the dev half into folds of whole
name clusters (`name_clusters`: cases sharing a name, transitively), so that the variants of
one name are never both fitted on and scored.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import time
from pathlib import Path
from types import ModuleType

import numpy as np

from balise.entities.name_score import FEATURES, ORG_SCHEMAS, pair_features, score_names
from balise.entities.names import PreparedName, prepare_name
from balise.entities.normalise import normalise_name
from source_trees import tree_modules

HERE = Path(__file__).parent
DATA = HERE.parent / "tests" / "data" / "nomenklatura-name-bench"
CASES = DATA / "cases.csv"
CHECKS = DATA / "entity_checks.yml"
FRESH_HEADING = "## A fresh test: nomenklatura's entity checks not among the cases"
SEED = 16
THRESHOLDS = [round(0.05 * i, 2) for i in range(4, 20)]
CJK_AND_FRESH = (
    "## Names in CJK characters against romanised names, and a fresh test (7 December "
    "2026)\n\n- Names in Han characters or Hangul against Latin names "
    "(`balise.entities.romanisation`: each Latin word paired with a run of one to four "
    "syllables under a key that folds Pinyin and Wade-Giles, the Revised Romanisation, "
    "McCune-Reischauer and common Korean spellings; a syllable changed or left over caps "
    "the score at 0.3; a Roman numeral of the Latin name read as a word, `Jinping Xi`). "
    "Hand-built cases of public figures (tests/entities/test_cjk_names.py): 18 pairs at "
    "least 0.8 either way (`윤석열` / `Yoon Suk Yeol` 0.004 -> 0.89, `毛泽东` / `Mao Tse-tung` "
    "0.03 -> 0.89), 7 pairs of other people at most 0.3 (`李克强` / `Li Qiang` 0.85 -> 0.3, "
    "`김정은` / `Kim Jong Il`). Japanese names in kanji are not read "
    "(docs/decisions/0015-cjk-romanisations.md). The dev half has no CJK name against a "
    "Latin one (its two CJK pairs are both in Hangul): its 413 scores and reasons are "
    "unchanged, and so is the cluster-fold F1 of the model in use (`python "
    "bench/name_bench.py --cv-model`: the 17 `WEIGHTED` features, L2 1, 10 shuffles of 5 "
    "folds of whole name clusters): **0.9443 before (main, c508f83), 0.9443 after**, "
    "threshold 0.6, standard deviation 0.0009. Weights not refitted; the held-out half not "
    "scored.\n- A fresh test (`python bench/name_bench.py --fresh --baseline-src OLD/src`, "
    "OLD = `git archive main src`; results/name_bench_fresh.json): nomenklatura's 228 "
    "whole-entity checks (tests/data/nomenklatura-name-bench/entity_checks.yml, MIT), the "
    "query's name against the candidate's, less the pairs whose normalised names form one "
    "of the 826 cases. 224 of the 228 are cases (the benchmark's `nk_checks` group was made "
    "from them); 4 pairs are left, all spellings of one name that the cases have "
    "(`Friedrich Lindenberg`, given in parts), 3 matches and 1 not. At the threshold 0.5 "
    "chosen on dev, scored once: P 1.0, R 1.0, F1 1.0 (3 true positives, 1 true negative), "
    "main the same. Four pairs of one person test nothing: the entity checks hold no fresh "
    "test of the matcher, and an unseen test needs another labelled source.\n- Speed against "
    "main (`python bench/name_bench.py --speed --baseline-src OLD/src`, OLD = `git archive "
    "main src`, c508f83; both alternately in one process, 7 rounds, median pairs per CPU "
    "second; three runs back to back, 2 CPUs, load average 14-16): names prepared and "
    "scored, ratio 0.91, 1.35, 1.02 (median 1.02); scored only 0.99, 1.00, 1.15 (median "
    "1.00); results/name_bench_speed_cjk.json. Within the 20 % allowed."
)
GROUPED = (
    "## Folds of whole name clusters, and general name knowledge (7 December 2026)\n\n"
    "The benchmark's halves are random over cases, and cases share names: 147 of the 413 dev "
    "cases share a name with another dev case (`Vladimir Putin` against nine spellings), and "
    "143 of the 413 held-out cases share one with a dev case (82 of the 119 `nk_checks`, 23 of "
    "the 37 `nk_unit_tests`, 26 of the 179 `synth_people`, 10 of the 71 `synth_companies`; "
    "counts only, no held-out case read). The dev half's 413 cases form 310 clusters of cases "
    "linked by a shared normalised name (`name_clusters`); cross-validation now keeps each "
    "cluster within one fold (`folds_of`). It changes little: all 32 features at L2 1, before "
    "this round, random folds 0.941, cluster folds 0.9395 (10 shuffles of 5 folds; standard "
    "deviation 0.001, 0.003). The fitted weights carry over within dev; "
    "the gap to the held-out half comes from what was chosen by looking at dev cases, which "
    "no fold can undo. So this round adds name knowledge that does not come from the "
    "benchmark's cases, and selects the model on cluster folds only:\n\n"
    "- given-name spellings across romanisations (src/balise/data/given_names.csv: Ukrainian "
    "and Belarusian beside Russian, `Volodymyr`/`Vladimir`, `Serhiy`/`Sergei`; Arabic names' "
    "Latin spellings, `Husayn`/`Hussein`/`Hossein`, `Muhammad`/`Mohamed`) and more short forms "
    "(English, Spanish, Italian, German): cluster-fold F1 0.9395 -> 0.9425;\n"
    "- names in the Arabic, Persian or Hebrew script (abjads: short vowels unwritten) against "
    "Latin names, word by word on their consonants (`script` pairs: `محمد بن سلمان` / "
    "`Mohammed bin Salman` 0.07 -> 0.88, `בנימין נתניהו` / `Benjamin Netanyahu` 0.07 -> 0.84; "
    "the Arabic article `ال` read as the word `al`); honorifics of other languages and ship "
    "prefixes (`Herr`, `Señora`, `Shri`, `Datuk`, `His Excellency`, `Präsident`; `M/V`, `F/V`, "
    "`RV`) dropped at the start of a name; legal forms of China, Japan and Korea in their "
    "scripts and romanised, of the Nordic countries, Greece, Portugal and Malaysia: no dev "
    "case has them but one (`Präsident Barack Obama`), cluster-fold F1 unchanged (0.942);\n"
    "- tried and dropped: the same consonants taken for a sound-alike in Latin words "
    "(`Husayn`/`Hussein`: no dev change, and `Hasan`/`Husayn` are two names); a gradient-boosted "
    "model over the same features (lightgbm, 2 to 8 leaves, with and without monotone "
    "constraints from the logistic weights' signs): cluster-fold F1 0.899 to 0.918 (3 "
    "shuffles), below the logistic's 0.940 on the same features.\n\n"
    "Model choice (`python bench/name_bench.py --select`, cluster folds, 10 shuffles): L2 "
    "penalty 0.3 0.940, **1 0.942**, 3 0.942, 10 0.938, 30 0.933, 100 0.929; features dropped "
    "backward at L2 1 while the F1 did not fall, down to 15 (F1 0.944, threshold 0.6, standard "
    "deviation 0.001); the two number features it dropped on a tie (`numbers_differ`, "
    "`numbers_conflict`; three dev pairs carry other numbers) put back, F1 unchanged 0.944, so "
    "that `Fund VIII` and `Fund IX`, `Brigade 44` and `Brigade 45` stay apart: 17 features, "
    "weights in `balise.entities.name_score.WEIGHTS`. That model is the one candidate scored "
    "on the held-out half, once: threshold chosen on dev **{chosen}** (dev F1 {dev_f1}), "
    "held-out P {hp}, R {hr}, **F1 {hf1}**; all 826 F1 {all_f1} (before: held-out F1 0.871 at "
    "0.5, all 0.907). By group (table below) the held-out F1 at 0.5 is what it was in "
    "`nk_checks` (0.853), `synth_people` (0.855), `nk_unit_tests` (0.875) and "
    "`synth_companies` (0.928); the gain is one of the four `cust_cases` pairs: the knowledge "
    "added here is not what the held-out half's errors need, and those errors stay unread. "
    "Aim of issue 16 (F1 >= 0.90 on the held-out half): {verdict}. Load "
    "average at the run: {load}."
)
HISTORY = (
    "Before the cluster folds and the name knowledge above (commit 84e16a9): threshold 0.5 "
    "chosen on dev, held-out F1 0.871, all 0.907. "
    "Before issue 16's matcher rework (commit 181acd0): best dev F1 0.911 at 0.5, held-out F1 "
    "0.855 there (0.868 at best, 0.6), all 0.883 (0.888 at best). After the rework, before the "
    "name variants below (commit d8fc6bc): threshold 0.65 chosen on dev, held-out F1 0.862 "
    "(0.863 at 0.5), all 0.892; cross-validated dev F1 0.916."
)
NOTES = (
    "The rework: a single word inside a longer name whose other words weigh at least as much, "
    "and initials alone in common, score at most 0.45; common given names and generic firm "
    "words count half their letters; a `weak` pair counts as a substituted word; another legal "
    "form takes 0.12 off (the benchmark labels `Deutsche Bank AG` and `Deutsche Bank GmbH` "
    "different); two CJK names a character apart at most 0.3; 13 features. Then the name "
    "variants, each kept because it raised the 5-fold cross-validated F1 of the dev half "
    "(`--cv`, L2 penalty 1, best of 0.1 to 10; from 0.916 to 0.941, best threshold 0.55): long "
    "legal-form words with a typo (`Limted`, `Corporaton`, `Aktiengeselschaft`); compound "
    "number words (`Forty-Four` = 44); given names and their short forms "
    "(src/balise/data/given_names.csv: `Ted` = `Theodore`); the same letters split otherwise "
    "(`Vanderbilt`, `van der Bilt`) at least 0.95; a word run together matched whatever the "
    "word counts (`Patr ushev`); patronymics counting half their letters; an initial left "
    "against another word (`Hans O Friedrich`, `Hans Joachim Friedrich`) and a swapped `bin` "
    "at most 0.45; a prefix only from four letters and half the word (`Bay` is not `Baykal`); "
    "katakana words kept whole (`バラク・オバマ` = `baraku obama`); a Roman numeral opening a "
    "name is a name (`Xi Jinping`). Tried and dropped (no cross-validated gain): counting the "
    "informative words left over when one name holds the other, a larger legal-form penalty "
    "(0.05 to 0.4). The held-out half was scored for two candidate models only: the first "
    "five variants (held-out F1 0.867 at the dev-chosen 0.75), then all (below). Aim of "
    "issue 16 (F1 >= 0.90 on the held-out half) not met: the dev half, in and out of fold, "
    "is at 0.94, the held-out half at 0.87; all 826 cases reach 0.907."
)

SELECTION = (
    "Earlier model choice (random folds) by repeated cross-validation on the dev half (7 "
    "December 2026; "
    "`python bench/name_bench.py --select`: 10 shuffles of 5 folds of the dev half, F1 at the "
    "threshold best on average; the held-out half not read). L2 penalty, all 32 features: 0.3 "
    "0.939, **1 0.941**, 3 0.940, 10 0.935, 30 0.932 (standard deviation across shuffles 0.001 "
    "to 0.003): stronger regularisation fits dev less well in and out of fold and was not "
    "taken. Features dropped backward at L2 1 (a drop kept while the F1 did not fall): "
    "`multi_edit_words`, `min_share`, `substituted_letters`, F1 0.942 (stopped there for time). "
    "That smaller model was the one candidate scored on the held-out half, once: threshold 0.5 "
    "chosen on dev (dev F1 0.942), held-out P 0.871, R 0.871, **F1 0.871**, all 0.907 -- the "
    "same as the model in use, which is therefore kept unchanged (weights, threshold 0.5). "
    "The gap between dev (0.94 in and out of fold) and the held-out half (0.87) is not one of "
    "fitted weights (cross-validated and in-sample dev F1 agree): the variants were chosen "
    "looking at dev cases, and regularisation cannot undo that. Aim F1 >= 0.90 on the held-out "
    "half: not met."
)

SPEED = (
    "Speed of the scorer against the tree before the name variants (`python bench/name_bench.py "
    "--speed --baseline-src OLD/src`, OLD = `git archive d8fc6bc src`; both alternately in one "
    "process, 7 rounds of the 826 pairs x 3 with cold caches, median pairs per CPU second; "
    "2 CPUs, load average 20-23): names prepared and scored 9,505 against 10,348 (ratio 0.92), "
    "scored only 11,658 against 13,027 (0.89); results/name_bench_speed.json. Two earlier runs "
    "of the same code, load 15-16: 0.91 and 0.94, 0.89 and 0.91. Within the 20 % allowed."
)

SPEED_2 = (
    "After the prepared names keep what the alignment reads (7 December 2026), against the "
    "tree before (`python bench/name_bench.py --speed --baseline-src OLD/src`, OLD = `git "
    "archive 5fb2eeb src`; same method; 2 CPUs, load average 13-17): names prepared and scored "
    "6,833 against 7,302 pairs per CPU second (ratio 0.94: preparing a name does a little "
    "more), scored only 9,184 against 8,328 (1.10); an earlier run (the shortest run still "
    "made from the runs), load 11-20: 0.89 and 1.12. Scores, reasons and features unchanged "
    "on all 826 cases. Within the 20 % allowed."
)


SPEED_3 = (
    "Speed after the cluster folds and the name knowledge (7 December 2026), against main "
    "(`python bench/name_bench.py --speed --baseline-src OLD/src`, OLD = `git archive main src`, "
    "51d4866; both alternately in one process, 7 rounds, median pairs per CPU second; 2 CPUs, "
    "load average 15-18): names prepared and scored 9,342 against 9,666 (ratio 0.97), scored only "
    "16,141 against 15,455 (1.04); a second run back to back: 0.975 and 0.98; "
    "results/name_bench_speed_knowledge.json. Within the 20 % allowed."
)


WEIGHTED = (
    "max_share", "substitution", "numbers_differ", "sound_alikes", "out_of_order", "single_word",
    "subsumed", "subsumed_letters", "initial_conflict", "short_typos", "cjk_syllable_changed",
    "weak_words", "one_word_inside", "numbers_conflict", "near_sounds", "prefixes", "shuffled",
)  # fmt: skip
"""The features `--fit` weighs (the others weigh 0): those `--select` kept on folds of name
clusters, and the two number features (`GROUPED`)."""


def load() -> list[dict[str, str]]:
    with CASES.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def split(n: int) -> tuple[list[int], list[int]]:
    order = list(range(n))
    random.Random(SEED).shuffle(order)
    return sorted(order[: n // 2]), sorted(order[n // 2 :])


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0) -> np.ndarray:
    """L2-penalised logistic regression by Newton's method (the intercept unpenalised)."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-xb @ w))
        grad = xb.T @ (p - y) + l2 * np.r_[w[:-1], 0]
        hess = (xb.T * (p * (1 - p))) @ xb + l2 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    return w


def prf(scores: np.ndarray, truth: np.ndarray, threshold: float) -> dict[str, float]:
    pred = scores >= threshold
    tp = int((pred & truth).sum())
    fp = int((pred & ~truth).sum())
    fn = int((~pred & truth).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"threshold": threshold, "precision": round(p, 3), "recall": round(r, 3),
            "f1": round(2 * tp / (2 * tp + fp + fn), 3)}  # fmt: skip


def cross_validate(
    cases: list[dict[str, str]], l2s: tuple[float, ...] = (0.1, 0.3, 1.0, 3.0, 10.0)
) -> dict[str, object]:
    """F1 at each threshold of 5-fold cross-validation within the dev half (four shuffles of
    the folds, mean; folds of whole `name_clusters`): weights fitted on four fifths, the fifth
    scored with `score_names` and its rules; the held-out half is not read."""
    dev, _ = split(len(cases))
    clusters = name_clusters(cases, dev)
    truth = np.array([cases[i]["is_match"] == "true" for i in dev])
    prepared = [(prepare_name(cases[i]["name1"]), prepare_name(cases[i]["name2"]),
                 cases[i]["schema"] in ORG_SCHEMAS) for i in dev]  # fmt: skip
    x = np.array([pair_features(a, b, org) for a, b, org in prepared])
    result: dict[str, object] = {"command": "python bench/name_bench.py --cv", "dev": len(dev)}
    for l2 in l2s:
        f1s: dict[float, list[float]] = {t: [] for t in THRESHOLDS}
        for shuffle in range(4):
            scores = np.zeros(len(dev))
            for fold in folds_of(clusters, len(dev), 100 + shuffle):
                held = set(fold)
                train = [i for i in range(len(dev)) if i not in held]
                weights = tuple(fit(x[train], truth[train].astype(float), l2))
                for i in held:
                    scores[i] = score_names(*prepared[i], weights).score
            for t in THRESHOLDS:
                f1s[t].append(prf(scores, truth, t)["f1"])
        curve = {t: round(float(np.mean(v)), 3) for t, v in f1s.items()}
        best = max(curve, key=lambda t: (curve[t], -t))
        result[f"l2={l2}"] = {"best_threshold": best, "best_f1": curve[best], "f1": curve}
    return result


def _dev_matrix(
    cases: list[dict[str, str]],
) -> tuple[list[tuple[PreparedName, PreparedName, bool]], np.ndarray, np.ndarray]:
    """The dev half's prepared pairs, their feature values and labels (the held-out half is not
    read)."""
    dev, _ = split(len(cases))
    truth = np.array([cases[i]["is_match"] == "true" for i in dev])
    prepared = [(prepare_name(cases[i]["name1"]), prepare_name(cases[i]["name2"]),
                 cases[i]["schema"] in ORG_SCHEMAS) for i in dev]  # fmt: skip
    x = np.array([pair_features(a, b, org) for a, b, org in prepared])
    return prepared, x, truth


def name_clusters(cases: list[dict[str, str]], idx: list[int]) -> list[int]:
    """A cluster number for each case of `idx`: cases that share a name (once normalised, one
    side or the other) are in one cluster, transitively (`Vladimir Putin` against nine
    spellings is one cluster of nine). Cross-validation folds made of whole clusters score each
    name's variants on weights fitted without them, as the held-out half meets names and
    patterns the variants were not chosen on."""
    parent: dict[object, object] = {}

    def find(x: object) -> object:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i in idx:
        for side in ("name1", "name2"):
            parent[find(("case", i))] = find(("name", normalise_name(cases[i][side])))
    roots: dict[object, int] = {}
    return [roots.setdefault(find(("case", i)), len(roots)) for i in idx]


def folds_of(clusters: list[int] | None, n: int, seed: int, k: int = 5) -> list[list[int]]:
    """`k` folds of positions 0..n-1, shuffled with `seed`: whole clusters (`name_clusters`),
    the largest first, each into the smallest fold so far; or, without clusters, every k-th
    position of the shuffle."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    if clusters is None:
        return [order[f::k] for f in range(k)]
    members: dict[int, list[int]] = {}
    for i in order:
        members.setdefault(clusters[i], []).append(i)
    folds: list[list[int]] = [[] for _ in range(k)]
    for group in sorted(members.values(), key=len, reverse=True):  # stable: shuffled ties
        min(folds, key=len).extend(group)
    return folds


def repeated_cv(
    prepared: list[tuple[PreparedName, PreparedName, bool]],
    x: np.ndarray,
    truth: np.ndarray,
    l2: float,
    kept: tuple[int, ...],
    seeds: int = 10,
    clusters: list[int] | None = None,
) -> tuple[float, float, float]:
    """Mean over `seeds` shuffles of 5-fold cross-validation within the dev half: the F1 at the
    threshold best on average, that threshold, and the standard deviation of the F1 across
    shuffles there; only the features `kept` (positions in `FEATURES`) are fitted, the others
    weigh 0; with `clusters` (`name_clusters`), folds of whole clusters (`folds_of`)."""
    cols = list(kept)
    f1s: dict[float, list[float]] = {t: [] for t in THRESHOLDS}
    for shuffle in range(seeds):
        scores = np.zeros(len(prepared))
        for held in folds_of(clusters, len(prepared), 1000 + shuffle):
            chosen = set(held)
            train = [i for i in range(len(prepared)) if i not in chosen]
            fitted = fit(x[np.ix_(train, cols)], truth[train].astype(float), l2)
            weights = np.zeros(len(FEATURES) + 1)
            weights[cols] = fitted[:-1]
            weights[-1] = fitted[-1]
            for i in held:
                scores[i] = score_names(*prepared[i], tuple(weights.tolist())).score
        for t in THRESHOLDS:
            f1s[t].append(prf(scores, truth, t)["f1"])
    best = max(THRESHOLDS, key=lambda t: (float(np.mean(f1s[t])), -t))
    return round(float(np.mean(f1s[best])), 4), best, round(float(np.std(f1s[best])), 4)


def select(cases: list[dict[str, str]], seeds: int = 10) -> dict[str, object]:
    """Model choice on the dev half only: the L2 penalty by repeated cross-validation
    (`repeated_cv`, `seeds` shuffles), then features dropped one at a time, backward, while
    dropping one raises the repeated cross-validated F1 (ties: fewer features)."""
    prepared, x, truth = _dev_matrix(cases)
    dev, _ = split(len(cases))
    clusters = name_clusters(cases, dev)
    everything = tuple(range(len(FEATURES)))
    result: dict[str, object] = {"command": "python bench/name_bench.py --select",
                                 "seeds": seeds, "dev": len(prepared)}  # fmt: skip
    result["all_features_l2_1_random_folds"] = repeated_cv(prepared, x, truth, 1.0, everything,
                                                           seeds)  # fmt: skip
    by_l2 = {l2: repeated_cv(prepared, x, truth, l2, everything, seeds, clusters)
             for l2 in (0.3, 1.0, 3.0, 10.0, 30.0, 100.0)}  # fmt: skip
    result["all_features_by_l2"] = {str(k): v for k, v in by_l2.items()}
    l2 = max(by_l2, key=lambda k: (by_l2[k][0], k))
    kept, score = everything, by_l2[l2]
    steps = []
    while len(kept) > 1:
        trials = {f: repeated_cv(prepared, x, truth, l2, tuple(k for k in kept if k != f), seeds,
                                 clusters)
                  for f in kept}  # fmt: skip
        drop = max(trials, key=lambda f: trials[f][0])
        if trials[drop][0] < score[0]:
            break
        kept = tuple(k for k in kept if k != drop)
        score = trials[drop]
        steps.append({"dropped": FEATURES[drop], "cv": score})
        sys.stderr.write(f"dropped {FEATURES[drop]}: {score}\n")
    result |= {"l2": l2, "steps": steps, "kept": [FEATURES[k] for k in kept], "cv": score}
    final = fit(x[:, list(kept)], truth.astype(float), l2)
    weights = np.zeros(len(FEATURES) + 1)
    weights[list(kept)] = final[:-1]
    weights[-1] = final[-1]
    result["weights"] = [round(float(w), 2) for w in weights]
    return result


def cv_model(cases: list[dict[str, str]], seeds: int = 10) -> dict[str, object]:
    """The model in use (the `WEIGHTED` features, L2 penalty 1) by `repeated_cv` on the dev
    half in folds of whole name clusters: F1, threshold and standard deviation."""
    prepared, x, truth = _dev_matrix(cases)
    dev, _ = split(len(cases))
    kept = tuple(FEATURES.index(f) for f in WEIGHTED)
    f1, threshold, sd = repeated_cv(prepared, x, truth, 1.0, kept, seeds,
                                    name_clusters(cases, dev))  # fmt: skip
    return {"command": "python bench/name_bench.py --cv-model", "seeds": seeds, "dev": len(dev),
            "f1": f1, "threshold": threshold, "sd": f1 and sd}  # fmt: skip


def _check_name(props: dict[str, str]) -> str:
    """An entity's name in a check: its `name`, else its name parts in the usual order."""
    parts = ("firstName", "middleName", "fatherName", "lastName")
    return props.get("name") or " ".join(props[p] for p in parts if p in props)


def _normalised_pair(pair: dict[str, str]) -> frozenset[str]:
    return frozenset((normalise_name(pair["name1"]), normalise_name(pair["name2"])))


def fresh_pairs(cases: list[dict[str, str]]) -> tuple[list[dict[str, str]], int]:
    """The entity checks as name pairs (`name1`, `name2`, `schema`, `is_match`), less those
    whose two normalised names form one of `cases` (either order); and how many were left out."""
    import yaml

    seen = {_normalised_pair(c) for c in cases}
    checks = yaml.safe_load(CHECKS.read_text(encoding="utf-8"))["checks"]
    pairs = [{"name1": _check_name(c["query"]), "name2": _check_name(c["candidate"]),
              "schema": c["schema"], "is_match": "true" if c["match"] else "false"}
             for c in checks]  # fmt: skip
    kept = [p for p in pairs if _normalised_pair(p) not in seen]
    return kept, len(pairs) - len(kept)


def _fresh_scores(pairs: list[dict[str, str]], names: ModuleType, score: ModuleType) -> np.ndarray:
    prepare = names.prepare_name
    return np.array([score.score_names(prepare(p["name1"]), prepare(p["name2"]),
                                       p["schema"] in ORG_SCHEMAS).score
                     for p in pairs])  # fmt: skip


def fresh(
    cases: list[dict[str, str]], baseline_src: str, threshold: float = 0.5
) -> dict[str, object]:
    """P, R, F1 and the counts of each outcome at `threshold` (chosen on the dev half) on
    `fresh_pairs`, by this tree's matcher and, with `baseline_src`, another tree's."""
    import balise.entities.name_score as score_mod
    import balise.entities.names as names_mod

    pairs, dropped = fresh_pairs(cases)
    names_seen = {normalise_name(c[side]) for c in cases for side in ("name1", "name2")}
    truth = np.array([p["is_match"] == "true" for p in pairs])
    trees = {"this": (names_mod, score_mod)}
    if baseline_src:
        names_old, score_old, _ = _scorer_of(baseline_src)
        trees["baseline"] = (names_old, score_old)
    command = "python bench/name_bench.py --fresh" + " --baseline-src OLD/src" * bool(baseline_src)
    sharing = sum(bool(_normalised_pair(p) & names_seen) for p in pairs)
    result: dict[str, object] = {
        "command": command, "checks": len(pairs) + dropped, "left_out_as_cases": dropped,
        "pairs": len(pairs), "matches": int(truth.sum()), "threshold": threshold,
        "pairs_with_a_name_of_the_cases": sharing,
    }  # fmt: skip
    for label, (names, score) in trees.items():
        pred = _fresh_scores(pairs, names, score) >= threshold
        outcomes = {"tp": int((pred & truth).sum()), "fp": int((pred & ~truth).sum()),
                    "fn": int((~pred & truth).sum()),
                    "tn": int((~pred & ~truth).sum())}  # fmt: skip
        result[label] = {**prf(pred.astype(float), truth, 1.0), "threshold": threshold, **outcomes}
    return result


def _scorer_of(src: str) -> tuple[ModuleType, ModuleType, list[ModuleType]]:
    """`names` and `name_score` of the Balise tree at `src`, imported apart from this tree's
    (its modules are taken out of `sys.modules` again, keeping their own globals)."""
    wanted = ("balise.entities.names", "balise.entities.name_score")
    (names_mod, score_mod), loaded = tree_modules(src, *wanted)
    return names_mod, score_mod, loaded


def _pairs_per_cpu_second(
    cases: list[dict[str, str]],
    names: ModuleType,
    score: ModuleType,
    modules: list[ModuleType],
    prepared: bool,
) -> float:
    """Pairs scored per CPU second over three rounds with cold caches; `prepared`: the names
    prepared before the clock starts (as screening prepares each entity's once)."""
    spent, done = 0.0, 0
    for _ in range(3):
        for module in modules:
            for value in vars(module).values():
                if hasattr(value, "cache_clear"):
                    value.cache_clear()
        started = time.process_time()
        pairs = [(names.prepare_name(c["name1"]), names.prepare_name(c["name2"]),
                  c["schema"] in ORG_SCHEMAS) for c in cases]  # fmt: skip
        if prepared:
            started = time.process_time()
        for left, right, organisation in pairs:
            score.score_names(left, right, organisation)
            done += 1
        spent += time.process_time() - started
    return done / spent


def speed(cases: list[dict[str, str]], baseline_src: str, rounds: int = 7) -> dict[str, object]:
    """Pairs per CPU second of this tree's scorer and of `baseline_src`'s, alternately: names
    prepared and scored, and scored only."""
    import balise.entities.name_score as score_mod
    import balise.entities.names as names_mod

    loaded = [m for k, m in sys.modules.items() if k.startswith("balise.entities")]
    mine = (names_mod, score_mod, loaded)
    theirs = _scorer_of(baseline_src)
    result: dict[str, object] = {
        "command": f"python bench/name_bench.py --speed --baseline-src {baseline_src}",
        "pairs_per_round": len(cases) * 3,
    }
    for label, prepared in (("prepare_and_score", False), ("score_only", True)):
        runs: dict[str, list[float]] = {"baseline": [], "this": []}
        for _ in range(rounds):
            runs["baseline"].append(round(_pairs_per_cpu_second(cases, *theirs, prepared)))
            runs["this"].append(round(_pairs_per_cpu_second(cases, *mine, prepared)))
        median = {k: sorted(v)[len(v) // 2] for k, v in runs.items()}
        result[label] = {"pairs_per_cpu_second": runs, "median": median,
                         "ratio_this_over_baseline": round(median["this"] / median["baseline"],
                                                           3)}  # fmt: skip
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fit", action="store_true", help="refit on the dev half, print weights")
    parser.add_argument("--cv", action="store_true", help="cross-validated F1 on the dev half")
    parser.add_argument("--select", action="store_true", help="L2 and features by repeated CV")
    parser.add_argument("--speed", action="store_true", help="pairs per CPU second (stdout)")
    parser.add_argument("--cv-model", action="store_true", help="the model in use, CV on dev")
    parser.add_argument("--fresh", action="store_true", help="the entity checks not in cases")
    parser.add_argument("--baseline-src", default="", help="src/ of the tree to compare with")
    args = parser.parse_args()
    cases = load()
    if args.speed:
        sys.stdout.write(json.dumps(speed(cases, args.baseline_src or str(HERE.parent / "src")),
                                    indent=1) + "\n")  # fmt: skip
        return 0
    if args.select:
        sys.stdout.write(json.dumps(select(cases), indent=1) + "\n")
        return 0
    if args.cv_model:
        sys.stdout.write(json.dumps(cv_model(cases), indent=1) + "\n")
        return 0
    if args.fresh:
        result = fresh(cases, args.baseline_src)
        (HERE / "results" / "name_bench_fresh.json").write_text(json.dumps(result, indent=1) + "\n")
        sys.stdout.write(json.dumps(result, indent=1) + "\n")
        return 0
    if args.cv:
        sys.stdout.write(json.dumps(cross_validate(cases), indent=1) + "\n")
        return 0
    truth = np.array([c["is_match"] == "true" for c in cases])
    dev, held = split(len(cases))
    prepared = [(prepare_name(c["name1"]), prepare_name(c["name2"]), c["schema"] in ORG_SCHEMAS)
                for c in cases]  # fmt: skip
    if args.fit:
        x = np.array([pair_features(a, b, org) for a, b, org in prepared])
        cols = [FEATURES.index(f) for f in WEIGHTED]
        fitted = fit(x[np.ix_(dev, cols)], truth[dev].astype(float))
        weights = np.zeros(len(FEATURES) + 1)
        weights[cols], weights[-1] = fitted[:-1], fitted[-1]
        print("WEIGHTS = (", ", ".join(f"{w:.2f}" for w in weights), ")")
        print(dict(zip([*FEATURES, "intercept"], np.round(weights, 2).tolist(), strict=True)))
        return 0
    scores = np.array([score_names(a, b, org).score for a, b, org in prepared])
    curves = {
        name: [prf(scores[idx], truth[idx], t) for t in THRESHOLDS]
        for name, idx in (("dev", dev), ("held_out", held), ("all", list(range(len(cases)))))
    }
    groups = {}
    for group in sorted({c["case_group"] for c in cases}):
        idx = [i for i, c in enumerate(cases) if c["case_group"] == group and i in set(held)]
        groups[group] = {"held_out_cases": len(idx), **prf(scores[idx], truth[idx], 0.5)}
    chosen = max(curves["dev"], key=lambda c: (c["f1"], -c["threshold"]))["threshold"]
    at = {
        name: next(c for c in curve if c["threshold"] == chosen) for name, curve in curves.items()
    }
    result = {"command": "python bench/name_bench.py", "seed": SEED, "cases": len(cases),
              "threshold_chosen_on_dev": chosen, "at_chosen": at, "history": HISTORY,
              "dev": len(dev), "held_out": len(held), "curves": curves, "groups_at_0.5": groups,
              "baseline": {"logic-v2 F1 at 0.7 (all)": 0.796}}  # fmt: skip
    (HERE / "results" / "name_bench.json").write_text(json.dumps(result, indent=1) + "\n")
    held_f1 = at["held_out"]["f1"]
    grouped = GROUPED.format(
        chosen=chosen, dev_f1=at["dev"]["f1"], hp=at["held_out"]["precision"],
        hr=at["held_out"]["recall"], hf1=held_f1, all_f1=at["all"]["f1"],
        verdict="met" if held_f1 >= 0.90 else "not met",
        load=", ".join(f"{v:.1f}" for v in os.getloadavg()),
    )  # fmt: skip
    lines = ["# Name matching on the nomenklatura name benchmark", "", CJK_AND_FRESH, "", grouped,
             "`python bench/name_bench.py` (cases: tests/data/nomenklatura-name-bench, MIT). "
             f"Random halves, seed {SEED}: weights fitted on dev ({len(dev)} cases), reported on "
             f"the held-out half ({len(held)}) and on all ({len(cases)}). Baseline: "
             "nomenklatura logic-v2 F1 0.796 at 0.7 on all.", "",
             f"Threshold with the best dev F1: **{chosen}** (dev F1 {at['dev']['f1']}): "
             f"held-out P {at['held_out']['precision']}, R {at['held_out']['recall']}, "
             f"**F1 {at['held_out']['f1']}**; all F1 {at['all']['f1']}. {HISTORY}", "",
             "| threshold | dev F1 | held-out P | held-out R | held-out F1 | all F1 |",
             "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for d, h, a in zip(curves["dev"], curves["held_out"], curves["all"], strict=True):
        lines.append(f"| {d['threshold']} | {d['f1']} | {h['precision']} | {h['recall']} | "
                     f"{h['f1']} | {a['f1']} |")  # fmt: skip
    lines += [
        "",
        "Held-out half by case group, threshold 0.5:",
        "",
        "| group | cases | P | R | F1 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for group, g in groups.items():
        lines.append(f"| {group} | {g['held_out_cases']} | {g['precision']} | {g['recall']} | "
                     f"{g['f1']} |")  # fmt: skip
    lines += [
        "",
        SPEED_3,
        "",
        "## Earlier rounds",
        "",
        NOTES,
        "",
        SELECTION,
        "",
        SPEED,
        "",
        SPEED_2,
    ]
    (HERE / "results" / "name_bench.md").write_text("\n".join(lines) + "\n")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
