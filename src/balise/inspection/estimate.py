"""The hit rate of inspections over all candidate containers, without selection bias.

The boxes scanned are not a sample of the boxes: most were chosen because they looked risky, so
the share of scans that found something (the naive hit rate) overstates the rate among all
boxes, and a model retrained only on them learns the selection (the selective-labels problem,
Lakkaraju et al. 2017; research note cargo-anchors §4.2). Each plan logs every candidate's
selection probability π_i (`balise.inspection.planner`: 1 for boxes selected by risk or held,
n_k / N_k for the random draw, 0 for boxes no scanner could reach); with the results y_i of the
scanned ones:

- Horvitz-Thompson: Σ_scanned y_i / π_i ÷ N, N the candidates with π > 0 — unbiased when every
  planned scan gets its result;
- self-normalised (Hájek): Σ y_i / π_i ÷ Σ_scanned 1 / π_i — slightly biased, lower variance,
  and robust to scans whose result is not recorded yet when those are missing at random.

Both estimate the hit rate among the boxes that could be scanned (π > 0), which is what the
random share makes knowable; boxes no scanner could reach are outside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from balise.model.arrays import BoolArray, FloatArray


@dataclass(frozen=True)
class HitRates:
    """The naive hit rate (finds ÷ scans) and the inverse-propensity estimates over the
    `population` of candidates that could be scanned; `None` when there is nothing to divide."""

    population: int
    scanned: int
    found: int
    naive: float | None
    horvitz_thompson: float | None
    self_normalised: float | None


def hit_rates(probability: FloatArray, scanned: BoolArray, found: BoolArray) -> HitRates:
    """The estimates from each candidate's selection probability, whether it was scanned with
    a recorded result, and whether that result was a find (module docstring)."""
    if not probability.shape == scanned.shape == found.shape:
        raise ValueError("one probability, scanned flag and result per candidate")
    reachable = probability > 0
    seen = scanned & reachable
    hits = seen & found
    weights = np.where(seen, 1.0 / np.where(reachable, probability, 1.0), 0.0)
    population = int(reachable.sum())
    n_seen = int(seen.sum())
    weighted_hits = float(weights[hits].sum())
    weighted_seen = float(weights.sum())
    return HitRates(
        population=population,
        scanned=n_seen,
        found=int(hits.sum()),
        naive=int(hits.sum()) / n_seen if n_seen else None,
        horvitz_thompson=weighted_hits / population if population else None,
        self_normalised=weighted_hits / weighted_seen if weighted_seen > 0 else None,
    )
