"""Target statistics: out of fold on the training rows (no row sees its own label), from all
the training rows for rows to score."""

from __future__ import annotations

import numpy as np
import polars as pl

from balise.targeting.encoding import (
    MISSING,
    assign_folds,
    fit_table,
    key_values,
    out_of_fold,
    smoothed_rate,
)
from balise.targeting.metrics import auc


def _noise(rows: int, importers: int, seed: int) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pl.DataFrame({"importer": [f"I{i}" for i in rng.integers(0, importers, rows)]})
    fraud = (rng.random(rows) < 0.3).astype(np.float64)
    return frame, fraud, np.zeros(rows)


def test_out_of_fold_rates_of_pure_noise_carry_no_signal() -> None:
    """Labels that are pure noise per importer: a rate computed with the row's own label ranks
    the frauds first (a leak), the out-of-fold rate is at chance."""
    frame, fraud, critical = _noise(4000, 800, seed=5)
    prior = float(fraud.mean())
    table = fit_table(frame, ("importer",), fraud, critical)
    n, k, _ = table.encode(frame)
    leaked = auc(fraud, smoothed_rate(n, k, prior, 3.0))
    folds = assign_folds(frame.height, 5, seed=1)
    n, k, _ = out_of_fold(frame, ("importer",), fraud, critical, folds)
    honest = auc(fraud, smoothed_rate(n, k, prior, 3.0))
    assert leaked > 0.7
    assert abs(honest - 0.5) < 0.05


def test_out_of_fold_counts_leave_out_the_rows_own_fold() -> None:
    """The other folds' counts, scaled by K / (K − 1) = 3 / 2 to the scale of scoring."""
    frame = pl.DataFrame({"importer": ["A", "A", "A", "B", "A"]})
    fraud = np.array([1.0, 0.0, 1.0, 1.0, 1.0])
    critical = np.array([1.0, 0.0, 0.0, 0.0, 0.0])
    folds = np.array([0, 1, 0, 1, 2])
    n, k, c = out_of_fold(frame, ("importer",), fraud, critical, folds)
    assert (n / 1.5).tolist() == [2, 3, 2, 0, 3]
    assert (k / 1.5).tolist() == [1, 3, 1, 0, 2]
    assert (c / 1.5).tolist() == [0, 1, 0, 0, 1]


def test_crossed_keys_and_missing_parts() -> None:
    frame = pl.DataFrame({"importer": ["A", "A", None], "hs6": ["440890", "440890", "010121"]})
    values = key_values(frame, ("importer", "hs6")).to_list()
    assert values[0] == values[1] == "A\x1f440890"
    assert values[2] == f"{MISSING}\x1f010121"
    table = fit_table(frame, ("importer", "hs6"), np.array([1.0, 0.0, 1.0]), np.zeros(3))
    assert table.lookup("A\x1f440890") == (2, 1, 0)
    assert table.lookup("unseen") == (0, 0, 0)


def test_smoothing_pulls_rare_values_to_the_prior() -> None:
    rate = smoothed_rate(np.array([0.0, 1.0, 1000.0]), np.array([0.0, 1.0, 500.0]), 0.2, 3.0)
    assert abs(rate[0] - 0.2) < 1e-12
    assert 0.2 < rate[1] < 0.5
    assert abs(rate[2] - 0.5) < 0.01


def test_folds_are_balanced() -> None:
    folds = assign_folds(103, 5, seed=3)
    assert sorted(np.bincount(folds).tolist()) == [20, 20, 21, 21, 21]
