"""Greedy and exact maximum coverage on toys whose optimum is plain to see."""

from __future__ import annotations

import math

import numpy as np
import pytest

from balise.maritime.siting_demand import SitingParams
from balise.maritime.siting_select import (
    exact_max_coverage,
    greedy_max_coverage,
    select_sites,
)
from balise.model.arrays import BoolArray


def _coverage(n_cells: int, *covers: list[int]) -> BoolArray:
    matrix = np.zeros((len(covers), n_cells), np.bool_)
    for site, cells in enumerate(covers):
        matrix[site, cells] = True
    return matrix


TRAP = _coverage(6, [1, 2, 3, 4], [0, 1, 2], [3, 4, 5])
"""Site 0 covers the middle four cells, sites 1 and 2 three cells each on either side: greedy
takes 0 first (4 cells) and then gains 1; the optimum is 1 and 2 (all six)."""
NONE = np.zeros(6, np.bool_)


def test_greedy_falls_into_the_trap() -> None:
    chosen = greedy_max_coverage(TRAP, np.ones(6), NONE, 2)
    assert chosen.chosen == (0, 1)
    assert chosen.gains == (4.0, 1.0)
    assert chosen.covered_after == 5.0


def test_exact_finds_the_optimum() -> None:
    chosen = exact_max_coverage(TRAP, np.ones(6), NONE, 2)
    assert sorted(chosen.chosen) == [1, 2]
    assert chosen.covered_after == 6.0
    assert sum(chosen.gains) == chosen.covered_after - chosen.covered_before
    assert chosen.share_after == 1.0


def test_greedy_keeps_its_guarantee() -> None:
    greedy = greedy_max_coverage(TRAP, np.ones(6), NONE, 2)
    exact = exact_max_coverage(TRAP, np.ones(6), NONE, 2)
    assert greedy.covered_after >= (1 - 1 / math.e) * exact.covered_after


def test_weights_decide_the_objective() -> None:
    weights = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 10.0])
    chosen = exact_max_coverage(TRAP, weights, NONE, 1)
    assert chosen.chosen == (2,)
    assert chosen.covered_after == 10.0
    assert chosen.share_after == 1.0


def test_existing_sites_are_fixed_and_counted_before() -> None:
    existing = np.zeros(6, np.bool_)
    existing[[3, 4]] = True  # what site 0 would add is mostly there already
    for solve in (greedy_max_coverage, exact_max_coverage):
        chosen = solve(TRAP, np.ones(6), existing, 1)
        assert chosen.chosen == (1,)  # cells 0, 1, 2: gain 3 (site 0 adds 2, site 2 adds 1)
        assert chosen.covered_before == 2.0
        assert chosen.gains == (3.0,)
        assert chosen.covered_after == 5.0
        assert chosen.share_before == pytest.approx(2 / 6)


def test_asking_for_more_sites_than_candidates_takes_them_all() -> None:
    for solve in (greedy_max_coverage, exact_max_coverage):
        chosen = solve(TRAP, np.ones(6), NONE, 5)
        assert sorted(chosen.chosen) == [0, 1, 2]
        assert chosen.covered_after == 6.0


def test_zero_sites_changes_nothing() -> None:
    chosen = exact_max_coverage(TRAP, np.ones(6), NONE, 0)
    assert chosen.chosen == ()
    assert chosen.covered_after == chosen.covered_before == 0.0


def test_auto_is_exact_when_small_and_greedy_otherwise() -> None:
    assert select_sites(TRAP, np.ones(6), NONE, 2).method == "exact"
    small = SitingParams(exact_max_candidates=2)
    assert select_sites(TRAP, np.ones(6), NONE, 2, "auto", small).method == "greedy"
    assert select_sites(TRAP, np.ones(6), NONE, 2, "greedy").covered_after == 5.0


def test_exact_agrees_with_brute_force_on_random_toys() -> None:
    rng = np.random.default_rng(13)
    from itertools import combinations

    for _ in range(20):
        coverage = rng.random((7, 30)) < 0.2
        weights = rng.random(30)
        existing = rng.random(30) < 0.1
        best = max(
            weights[existing | coverage[list(pick)].any(axis=0)].sum()
            for pick in combinations(range(7), 3)
        )
        assert exact_max_coverage(coverage, weights, existing, 3).covered_after == pytest.approx(
            best
        )


def test_bad_shapes_and_weights_are_refused() -> None:
    with pytest.raises(ValueError, match="coverage"):
        greedy_max_coverage(TRAP, np.ones(5), np.zeros(5, np.bool_), 1)
    with pytest.raises(ValueError, match="negative"):
        exact_max_coverage(TRAP, -np.ones(6), NONE, 1)
    with pytest.raises(ValueError, match="method"):
        select_sites(TRAP, np.ones(6), NONE, 1, "best")  # type: ignore[arg-type]
