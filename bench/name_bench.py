"""F1 and the threshold curve of Balise's name matcher on the nomenklatura name benchmark.

    .venv/bin/python bench/name_bench.py          # writes results/name_bench.{json,md}
    .venv/bin/python bench/name_bench.py --fit    # refits the weights on the dev half, prints them

The benchmark (tests/data/nomenklatura-name-bench/cases.csv, MIT) has no split: the cases are
shuffled with seed 16 and halved; the weights of `balise.entities.name_score` are fitted on the
first (dev) half only, the figures are reported on the other (held-out) half and on all. The
baseline is nomenklatura's logic-v2 at 0.7: F1 0.796 on all cases (computed with nomenklatura
4.17.4, shared research note, finance-anchors §2.3).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path

import numpy as np

from balise.entities.name_score import FEATURES, ORG_SCHEMAS, feature_vector, score_names
from balise.entities.names import align, prepare_name

HERE = Path(__file__).parent
CASES = HERE.parent / "tests" / "data" / "nomenklatura-name-bench" / "cases.csv"
SEED = 16
THRESHOLDS = [round(0.05 * i, 2) for i in range(4, 20)]


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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fit", action="store_true", help="refit on the dev half, print weights")
    args = parser.parse_args()
    cases = load()
    truth = np.array([c["is_match"] == "true" for c in cases])
    dev, held = split(len(cases))
    prepared = [(prepare_name(c["name1"]), prepare_name(c["name2"]), c["schema"] in ORG_SCHEMAS)
                for c in cases]  # fmt: skip
    if args.fit:
        x = np.array([feature_vector(align(a, b), a, b, org) for a, b, org in prepared])
        weights = fit(x[dev], truth[dev].astype(float))
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
    result = {"command": "python bench/name_bench.py", "seed": SEED, "cases": len(cases),
              "dev": len(dev), "held_out": len(held), "curves": curves, "groups_at_0.5": groups,
              "baseline": {"logic-v2 F1 at 0.7 (all)": 0.796}}  # fmt: skip
    (HERE / "results" / "name_bench.json").write_text(json.dumps(result, indent=1) + "\n")
    lines = ["# Name matching on the nomenklatura name benchmark", "",
             "`python bench/name_bench.py` (cases: tests/data/nomenklatura-name-bench, MIT). "
             f"Random halves, seed {SEED}: weights fitted on dev ({len(dev)} cases), reported on "
             f"the held-out half ({len(held)}) and on all ({len(cases)}). Baseline: "
             "nomenklatura logic-v2 F1 0.796 at 0.7 on all.", "",
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
    (HERE / "results" / "name_bench.md").write_text("\n".join(lines) + "\n")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
