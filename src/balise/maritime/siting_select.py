"""Radar siting, selection: choose `count` new sites that cover the most demand.

What: the weighted maximum coverage problem. Given which cells each candidate covers, the weight
of each cell and the cells the existing sites already cover (fixed), choose `count` candidates
maximising the weight of the cells covered by the existing and chosen sites together.

How:
- `greedy`: add, `count` times, the candidate with the largest marginal gain (ties: the first in
  the candidates' order). The objective is monotone submodular, so greedy reaches at least
  (1 − 1/e) ≈ 63 % of the optimum (Nemhauser, Wolsey & Fisher 1978, "An analysis of
  approximations for maximizing submodular set functions", Mathematical Programming 14).
- `exact`: the integer programme max Σ w_g y_g s.t. y_g ≤ Σ_{s covers g} x_s, Σ x_s = count,
  x binary, 0 ≤ y ≤ 1, solved by HiGHS (`highspy`). Cells with the same set of covering
  candidates are merged into one group `g` (their weights summed), which keeps the model small;
  cells the existing sites cover, or no candidate covers, are left out (they add a constant).
- `auto`: exact up to `exact_max_candidates` candidates and `exact_max_count` new sites, else
  greedy.
The chosen sites are reported in greedy order within the chosen set, each with its marginal
gain over the existing sites and those listed before it, so the gains sum to the improvement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import highspy
import numpy as np
from highspy._core import _Highs

from balise.maritime.siting_demand import SitingParams
from balise.model.arrays import BoolArray, FloatArray, IntArray

__all__ = ["METHODS", "Selection", "exact_max_coverage", "greedy_max_coverage", "select_sites"]

Method = Literal["greedy", "exact", "auto"]
METHODS: Final = ("greedy", "exact", "auto")


@dataclass(frozen=True)
class Selection:
    """The chosen candidates (indices, in order) with their marginal gains, the covered weight
    before (existing sites only) and after, the total weight, and the method that chose."""

    method: str
    chosen: tuple[int, ...]
    gains: tuple[float, ...]
    covered_before: float
    covered_after: float
    total: float

    @property
    def share_before(self) -> float:
        return self.covered_before / self.total if self.total > 0 else 0.0

    @property
    def share_after(self) -> float:
        return self.covered_after / self.total if self.total > 0 else 0.0


def _check(coverage: BoolArray, weights: FloatArray, existing: BoolArray, count: int) -> None:
    if coverage.ndim != 2 or not coverage.shape[1] == weights.shape[0] == existing.shape[0]:
        raise ValueError("coverage must be (candidates, cells) over the cells of the weights")
    if count < 0:
        raise ValueError("count must not be negative")
    if np.any(weights < 0):
        raise ValueError("weights must not be negative")


def _ordered(
    coverage: BoolArray, weights: FloatArray, covered: BoolArray, pool: IntArray, count: int
) -> tuple[list[int], list[float], BoolArray]:
    """Greedy picks among `pool`: indices, gains, and the cells covered after them."""
    covered = covered.copy()
    chosen: list[int] = []
    gains: list[float] = []
    open_pool = [int(i) for i in pool]
    for _ in range(min(count, len(open_pool))):
        gain = (coverage[open_pool] & ~covered) @ weights
        best = int(np.argmax(gain))
        pick = open_pool.pop(best)
        chosen.append(pick)
        gains.append(float(gain[best]))
        covered |= coverage[pick]
    return chosen, gains, covered


def greedy_max_coverage(
    coverage: BoolArray, weights: FloatArray, existing: BoolArray, count: int
) -> Selection:
    """`count` candidates chosen greedily (see the module docstring); `existing` marks the
    cells the fixed sites cover."""
    _check(coverage, weights, existing, count)
    before = float(weights[existing].sum())
    chosen, gains, covered = _ordered(
        coverage, weights, existing, np.arange(coverage.shape[0]), count
    )
    after = float(weights[covered].sum())
    return Selection("greedy", tuple(chosen), tuple(gains), before, after, float(weights.sum()))


def exact_max_coverage(
    coverage: BoolArray, weights: FloatArray, existing: BoolArray, count: int
) -> Selection:
    """`count` candidates maximising the covered weight, solved by HiGHS (module docstring)."""
    _check(coverage, weights, existing, count)
    n_sites = coverage.shape[0]
    count = min(count, n_sites)
    before = float(weights[existing].sum())
    open_cells = ~existing & coverage.any(axis=0) & (weights > 0)
    patterns, group = np.unique(coverage[:, open_cells].T, axis=0, return_inverse=True)
    group_weight = np.bincount(
        group.ravel(), weights=weights[open_cells], minlength=len(patterns)
    ).astype(np.float64)
    picked = _solve(patterns, group_weight, count) if count else np.zeros(0, np.int64)
    chosen, gains, covered = _ordered(coverage, weights, existing, picked, count)
    after = float(weights[covered].sum())
    return Selection("exact", tuple(chosen), tuple(gains), before, after, float(weights.sum()))


def _solve(patterns: BoolArray, group_weight: FloatArray, count: int) -> IntArray:
    """The binary x of the maximum coverage programme over cell groups `patterns` (groups,
    candidates): the indices of the chosen candidates."""
    n_groups, n_sites = patterns.shape
    # The public `highspy.Highs` enables its callbacks on construction, which prints HiGHS's
    # banner to stdout before `output_flag` can be unset (ERGO-Code/HiGHS#2749): a table or
    # GeoJSON on stdout must stay clean, so the solver class is built bare.
    h = _Highs()
    h.setOptionValue("output_flag", False)
    costs = np.concatenate([np.zeros(n_sites), group_weight])
    lower = np.zeros(n_sites + n_groups)
    upper = np.ones(n_sites + n_groups)
    h.addVars(n_sites + n_groups, lower, upper)
    h.changeColsCost(n_sites + n_groups, np.arange(n_sites + n_groups, dtype=np.int32), costs)
    kinds = np.full(n_sites, highspy.HighsVarType.kInteger.value, np.uint8)
    h.changeColsIntegrality(n_sites, np.arange(n_sites, dtype=np.int32), kinds)
    for g in range(n_groups):
        sites = np.flatnonzero(patterns[g]).astype(np.int32)
        indices = np.concatenate([[n_sites + g], sites]).astype(np.int32)
        values = np.concatenate([[1.0], -np.ones(len(sites))])
        h.addRow(-highspy.kHighsInf, 0.0, len(indices), indices, values)
    h.addRow(count, count, n_sites, np.arange(n_sites, dtype=np.int32), np.ones(n_sites))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"HiGHS did not solve the siting model: {h.modelStatusToString(status)}")
    x = np.asarray(h.getSolution().col_value[:n_sites])
    return np.flatnonzero(x > 0.5).astype(np.int64)


def select_sites(
    coverage: BoolArray,
    weights: FloatArray,
    existing: BoolArray,
    count: int,
    method: Method = "auto",
    params: SitingParams | None = None,
) -> Selection:
    """`count` new sites by `method`; `auto` chooses exact for small problems (`params`)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    limits = params or SitingParams()
    small = coverage.shape[0] <= limits.exact_max_candidates and count <= limits.exact_max_count
    if method == "exact" or (method == "auto" and small):
        return exact_max_coverage(coverage, weights, existing, count)
    return greedy_max_coverage(coverage, weights, existing, count)
