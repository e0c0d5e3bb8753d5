"""Target statistics: how often the declarations of an importer, a declarant, an HS code, an
origin... were frauds, as features of the risk model.

For a key (one column, or a cross of columns such as importer × HS6) the table holds, per value,
the number of past declarations `n`, of frauds `k` and of critical frauds `c`. A declaration's
features are its value's smoothed fraud rate `(k + m·p) / (n + m)` (p the overall rate, m the
smoothing weight) and `n`.

Leakage is the trap: a training row must never see its own label, or the model learns that
"a rate of 1/1" means fraud. The training rows therefore get out-of-fold statistics (the rows
are cut in K folds; a row's statistics come from the other K − 1), while declarations to score
get the statistics of all training rows (`TargetTable.encode`).

Weighted rows (inverse-propensity weights of examples from inspection results, see
`balise.targeting.inspected`) count with their weight: `n`, `k` and `c` are then sums of weights,
estimates of how many declarations of the whole population (not of the inspected ones) had the
value, and the rate is the population's estimated fraud rate rather than the selection's. Without
weights every row counts 1 and the counts are whole numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import polars as pl

SEPARATOR: Final = "\x1f"
"""Joins the parts of a crossed key's value."""

MISSING: Final = "\u2205"
"""The value of a key part that the declaration leaves empty (no seller, no courier): a value of
its own, since declaring none can itself be telling."""


def key_values(frame: pl.DataFrame, key: Sequence[str]) -> pl.Series:
    """The value of `key` for each row (crossed parts joined), an empty part as `MISSING`."""
    parts = [pl.col(c).cast(pl.String).fill_null(MISSING) for c in key]
    expr = parts[0] if len(parts) == 1 else pl.concat_str(parts, separator=SEPARATOR)
    return frame.select(expr.alias("value")).to_series()


@dataclass(frozen=True)
class TargetTable:
    """Counts per value of one key, from the training rows."""

    key: tuple[str, ...]
    counts: dict[str, tuple[float, float, float]]
    """value -> (declarations, frauds, critical frauds), sums of the rows' weights"""

    def lookup(self, value: str) -> tuple[float, float, float]:
        return self.counts.get(value, (0.0, 0.0, 0.0))

    def encode(self, frame: pl.DataFrame) -> tuple[np.ndarray[Any, Any], ...]:
        """(n, k, c) of each row of `frame` from the table (0 for an unseen value)."""
        values = key_values(frame, self.key).to_list()
        found = np.array([self.lookup(v) for v in values], dtype=np.float64).reshape(-1, 3)
        return found[:, 0], found[:, 1], found[:, 2]

    def to_json(self) -> dict[str, Any]:
        return {
            "key": list(self.key),
            "counts": {v: [_compact(x) for x in c] for v, c in self.counts.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TargetTable:
        counts = {
            str(v): (float(c[0]), float(c[1]), float(c[2])) for v, c in data["counts"].items()
        }
        return cls(tuple(str(k) for k in data["key"]), counts)


def _compact(count: float) -> float | int:
    """A whole count as an int (the model file stays as small as unweighted counts need)."""
    return int(count) if float(count).is_integer() else round(float(count), 6)


def _weights(weights: np.ndarray[Any, Any] | None, rows: int) -> np.ndarray[Any, Any]:
    return np.ones(rows) if weights is None else np.asarray(weights, dtype=np.float64)


def _grouped(
    values: pl.Series,
    fraud: np.ndarray[Any, Any],
    critical: np.ndarray[Any, Any],
    weights: np.ndarray[Any, Any],
    groups: np.ndarray[Any, Any] | None = None,
) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "value": values,
            "fraud": fraud.astype(np.float64) * weights,
            "critical": critical.astype(np.float64) * weights,
            "weight": weights,
            "group": np.zeros(len(values), dtype=np.int64) if groups is None else groups,
        }
    )
    return frame.group_by("value", "group").agg(
        pl.col("weight").sum().alias("n"),
        pl.col("fraud").sum().alias("k"),
        pl.col("critical").sum().alias("c"),
    )


def fit_table(
    frame: pl.DataFrame,
    key: Sequence[str],
    fraud: np.ndarray[Any, Any],
    critical: np.ndarray[Any, Any],
    weights: np.ndarray[Any, Any] | None = None,
) -> TargetTable:
    """The counts of `key` over all the rows of `frame` (each row counting its weight, 1 by
    default)."""
    grouped = _grouped(key_values(frame, key), fraud, critical, _weights(weights, frame.height))
    counts = {
        str(v): (float(n), float(k), float(c))
        for v, n, k, c in grouped.select("value", "n", "k", "c").iter_rows()
    }
    return TargetTable(tuple(key), counts)


def out_of_fold(
    frame: pl.DataFrame,
    key: Sequence[str],
    fraud: np.ndarray[Any, Any],
    critical: np.ndarray[Any, Any],
    folds: np.ndarray[Any, Any],
    weights: np.ndarray[Any, Any] | None = None,
) -> tuple[np.ndarray[Any, Any], ...]:
    """(n, k, c) of each training row from the rows of the other folds only: all the rows'
    counts of its value minus those of its own fold (each row counting its weight), scaled by
    K / (K − 1) for K folds.

    The scaling puts the counts on the scale a declaration to score sees (all the training
    rows, `TargetTable.encode`): unscaled, every count is (K − 1) / K of its value at scoring,
    and where the count itself is a sign of risk (a selective inspection inspects the risky
    parties more often) the trees read the larger counts at scoring as risk: on the simulated
    selection of tests/targeting/test_retraining.py the weighted model's mean probability came
    out up to 35 % high without the scaling. The rates (k + m·p) / (n + m) then match too."""
    values = key_values(frame, key)
    per_fold = _grouped(
        values, fraud, critical, _weights(weights, frame.height), folds.astype(np.int64)
    )
    totals = per_fold.group_by("value").agg(
        pl.col("n").sum().alias("tn"), pl.col("k").sum().alias("tk"), pl.col("c").sum().alias("tc")
    )
    rows = pl.DataFrame({"value": values, "group": folds.astype(np.int64)}).with_row_index("row")
    joined = (
        rows.join(per_fold, on=["value", "group"], how="left")
        .join(totals, on="value", how="left")
        .sort("row")
    )
    # weighted sums subtract with rounding: a value seen in one fold only is 0, not -1e-13
    n = np.maximum((joined["tn"] - joined["n"]).to_numpy().astype(np.float64), 0.0)
    k = np.maximum((joined["tk"] - joined["k"]).to_numpy().astype(np.float64), 0.0)
    c = np.maximum((joined["tc"] - joined["c"]).to_numpy().astype(np.float64), 0.0)
    parts = len(np.unique(folds))
    scale = parts / (parts - 1) if parts > 1 else 1.0
    return n * scale, k * scale, c * scale


def smoothed_rate(
    n: np.ndarray[Any, Any], k: np.ndarray[Any, Any], prior: float, weight: float
) -> np.ndarray[Any, Any]:
    """`(k + weight·prior) / (n + weight)`: the prior for an unseen value, the observed rate for
    a frequent one."""
    return (k + weight * prior) / (n + weight)


def assign_folds(rows: int, folds: int, seed: int) -> np.ndarray[Any, Any]:
    """A balanced random fold number (0..folds-1) for each row."""
    order = np.random.default_rng(seed).permutation(rows)
    out = np.empty(rows, dtype=np.int64)
    out[order] = np.arange(rows) % folds
    return out
