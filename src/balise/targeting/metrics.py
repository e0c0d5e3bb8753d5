"""Calibration (isotonic regression) and the figures of a targeting model: precision, recall and
revenue at the top n %, and the area under the ROC curve.

"Top n %" is the n % of declarations with the highest scores, as DATE (KDD 2020) and the KCS
dataset's paper count it: precision@n % is the fraud share among them, recall@n % the share of
all frauds they hold, revenue@n % the share of the value at stake they hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]


@dataclass(frozen=True)
class Isotonic:
    """A non-decreasing step map from raw scores to probabilities (pool-adjacent-violators),
    interpolated linearly between its knots and flat beyond them."""

    x: tuple[float, ...]
    y: tuple[float, ...]

    @classmethod
    def fit(cls, scores: Array, labels: Array, row_weights: Array | None = None) -> Isotonic:
        """The map fitted to `labels` (0/1) by `scores`, each row counting its weight (1 by
        default): weighted, the map's mean over the rows is their weighted label rate."""
        order = np.argsort(scores, kind="stable")
        xs = np.asarray(scores, dtype=np.float64)[order]
        ys = np.asarray(labels, dtype=np.float64)[order]
        ws = (np.ones(len(xs)) if row_weights is None
              else np.asarray(row_weights, dtype=np.float64)[order])  # fmt: skip
        # blocks: [sum of w·y, sum of w, min x, max x]
        sums: list[float] = []
        weights: list[float] = []
        lo: list[float] = []
        hi: list[float] = []
        for x, y, w in zip(xs.tolist(), ys.tolist(), ws.tolist(), strict=True):
            sums.append(y * w)
            weights.append(w)
            lo.append(x)
            hi.append(x)
            while len(sums) > 1 and sums[-2] / weights[-2] >= sums[-1] / weights[-1]:
                s, w, h = sums.pop(), weights.pop(), hi.pop()
                lo.pop()
                sums[-1] += s
                weights[-1] += w
                hi[-1] = h
        knots_x: list[float] = []
        knots_y: list[float] = []
        for s, w, a, b in zip(sums, weights, lo, hi, strict=True):
            knots_x += [a, b] if b > a else [a]
            knots_y += [s / w] * (2 if b > a else 1)
        return cls(tuple(knots_x), tuple(knots_y))

    def __call__(self, scores: Array) -> Array:
        if not self.x:
            return np.asarray(scores, dtype=np.float64)
        return np.interp(np.asarray(scores, dtype=np.float64), self.x, self.y)


def top(scores: Array, share: float) -> Array:
    """Indices of the `share` of rows with the highest scores (at least one row), ties broken by
    row order."""
    count = max(1, round(len(scores) * share))
    return np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")[:count]


def precision_recall_at(labels: Array, scores: Array, share: float) -> tuple[float, float]:
    chosen = top(scores, share)
    found = float(np.asarray(labels)[chosen].sum())
    total = float(np.asarray(labels).sum())
    return found / len(chosen), (found / total if total else float("nan"))


def revenue_at(values: Array, scores: Array, share: float) -> float:
    """Share of the total of `values` (the value at stake of each row, 0 for a clean one) held
    by the top `share` of `scores`."""
    total = float(np.asarray(values).sum())
    return float(np.asarray(values)[top(scores, share)].sum()) / total if total else float("nan")


def auc(labels: Array, scores: Array) -> float:
    """Area under the ROC curve (ties count one half)."""
    y = np.asarray(labels, dtype=bool)
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    s = np.asarray(scores, dtype=np.float64)
    order = np.argsort(s, kind="stable")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_s = s[order]
    # average ranks of ties
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_s)) + 1]
    ends = np.r_[starts[1:], len(s)]
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        ranks[order[a:b]] = (a + b + 1) / 2
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def brier(labels: Array, probabilities: Array) -> float:
    return float(np.mean((np.asarray(probabilities) - np.asarray(labels, dtype=np.float64)) ** 2))
