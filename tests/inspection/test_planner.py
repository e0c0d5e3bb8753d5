"""The inspection planner: capacity and windows respected on random instances, the exact plan
equal to a brute force on small ones, the greedy plan's gap reported, lanes, the exploration
draw's probabilities, banned parties held."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from balise.inspection.params import InspectionParams, SiteError, parse_shifts, parse_sites
from balise.inspection.parties import banned_match, banned_set, normalise_party
from balise.inspection.planner import (
    Candidates,
    Plan,
    Slot,
    feasible_pairs,
    plan_inspections,
    slots_of,
)

SHIFTS = ((360.0, 840.0), (840.0, 1320.0))


def instance(
    n: int, seed: int, *, held_share: float = 0.0, scan: float | None = None
) -> Candidates:
    rng = np.random.default_rng(seed)
    earliest = rng.uniform(-600, 1300, n)
    return Candidates(
        ids=tuple(f"BOX{i:04d}" for i in range(n)),
        risk=rng.beta(0.6, 6, n),
        severity=1 + rng.uniform(0, 2, n),
        scan_minutes=np.full(n, scan) if scan else rng.choice([15.0, 20.0, 30.0], n),
        earliest=earliest,
        latest=earliest + rng.uniform(30, 1500, n),
        held=rng.random(n) < held_share,
    )


def check_feasible(candidates: Candidates, plan: Plan) -> None:
    """Every slot within its minutes; every scanned box inside its window and its slot."""
    fit = feasible_pairs(candidates, plan.slots)
    for k, slot in enumerate(plan.slots):
        boxes = np.flatnonzero(plan.slot == k)
        assert candidates.scan_minutes[boxes].sum() <= slot.capacity + 1e-6
        assert fit[boxes, k].all()
        for i in boxes:
            start = max(candidates.earliest[i], slot.start)
            assert min(candidates.latest[i], slot.end) - start >= candidates.scan_minutes[i] - 1e-6


@pytest.mark.parametrize("method", ["exact", "greedy"])
@pytest.mark.parametrize("seed", range(6))
def test_capacity_and_windows_hold_on_random_instances(method: str, seed: int) -> None:
    candidates = instance(120, seed, held_share=0.03)
    slots = slots_of(2, SHIFTS)
    params = InspectionParams(exploration_share=0.1 * (seed % 3))
    plan = plan_inspections(candidates, slots, params, np.random.default_rng(seed), method)  # type: ignore[arg-type]
    check_feasible(candidates, plan)
    red = np.array(plan.lane) == "red"
    assert ((plan.slot >= 0) <= red).all()  # a box with a slot is red
    assert plan.bound >= plan.objective - 1e-9
    assert plan.method == method


def brute_force(candidates: Candidates, slots: tuple[Slot, ...]) -> float:
    """The best Σ value over every assignment of each box to a slot or none."""
    fit = feasible_pairs(candidates, slots)
    n, best = len(candidates.ids), 0.0
    value, t = candidates.value, candidates.scan_minutes
    for choice in itertools.product(range(-1, len(slots)), repeat=n):
        room = [s.capacity for s in slots]
        total = 0.0
        for i, k in enumerate(choice):
            if k < 0:
                continue
            if not fit[i, k]:
                break
            room[k] -= t[i]
            total += value[i]
        else:
            if min(room) >= -1e-9:
                best = max(best, total)
    return best


@pytest.mark.parametrize("seed", range(5))
def test_exact_objective_equals_brute_force_on_small_instances(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = 8
    earliest = rng.uniform(0, 200, n)
    candidates = Candidates(
        ids=tuple(str(i) for i in range(n)), risk=rng.uniform(0.01, 0.9, n),
        severity=rng.uniform(1, 3, n), scan_minutes=rng.choice([20.0, 30.0, 45.0], n),
        earliest=earliest, latest=earliest + rng.uniform(30, 250, n),
        held=np.zeros(n, dtype=np.bool_),
    )  # fmt: skip
    slots = (Slot(0, 0, 0.0, 60.0), Slot(0, 1, 120.0, 200.0))
    params = InspectionParams(exploration_share=0.0, solver_gap_share=0.0)
    plan = plan_inspections(candidates, slots, params, np.random.default_rng(0), "exact")
    assert plan.objective == pytest.approx(brute_force(candidates, slots), abs=1e-6)
    assert plan.gap == pytest.approx(0.0, abs=1e-6)
    greedy = plan_inspections(candidates, slots, params, np.random.default_rng(0), "greedy")
    assert greedy.objective <= plan.objective + 1e-9
    assert greedy.bound >= plan.objective - 1e-9  # the knapsack bound bounds the optimum


def test_greedy_reports_its_gap_and_auto_switches_on_size() -> None:
    candidates = instance(400, 7)
    slots = slots_of(3, SHIFTS)
    params = InspectionParams(exploration_share=0.0, exact_max_pairs=100)
    plan = plan_inspections(candidates, slots, params, np.random.default_rng(0), "auto")
    assert plan.method == "greedy"
    assert 0.0 < plan.gap < 0.2
    assert plan.bound > plan.objective
    exact = plan_inspections(candidates, slots, InspectionParams(exploration_share=0.0),
                             np.random.default_rng(0), "auto")  # fmt: skip
    assert exact.method == "exact"
    assert exact.objective >= plan.objective - 1e-9
    assert exact.objective <= plan.bound + 1e-9


def test_lanes_red_yellow_green() -> None:
    candidates = instance(200, 3, scan=20.0)
    params = InspectionParams(exploration_share=0.0, yellow_per_red=2.0)
    plan = plan_inspections(candidates, slots_of(1, SHIFTS), params, np.random.default_rng(0))
    lanes = np.array(plan.lane)
    red, yellow = lanes == "red", lanes == "yellow"
    assert 0 < red.sum() <= 48  # 960 minutes / 20
    assert yellow.sum() == min(round(2 * red.sum()), int((~red & (candidates.value > 0)).sum()))
    value = candidates.value
    assert value[yellow].min() >= value[lanes == "green"].max()  # the next band by value
    assert set(lanes) <= {"red", "yellow", "green"}


def test_exploration_draws_with_logged_probabilities() -> None:
    candidates = instance(300, 11, scan=20.0)
    slots = slots_of(2, SHIFTS)
    params = InspectionParams(exploration_share=0.2)
    plan = plan_inspections(candidates, slots, params, np.random.default_rng(5))
    by = np.array(plan.selected_by)
    p = plan.probability
    assert (p[by == "risk"] == 1.0).all()
    drawn = by == "exploration"
    assert drawn.sum() >= 0.2 * 1920 / 20 - 2  # the set-aside minutes are used
    assert ((p > 0) & (p < 1))[drawn].all()
    fit_any = feasible_pairs(candidates, slots).any(axis=1)
    assert (p[~fit_any] == 0).all()  # a box no scanner can reach has no chance
    pool = fit_any & (by != "risk")
    assert p[pool].sum() == pytest.approx(drawn.sum())  # expected draws = draws
    check_feasible(candidates, plan)
    # the draw is uniform within a home shift: over many seeds each box's frequency ≈ p
    counts = np.zeros(len(candidates.ids))
    runs = 300
    for seed in range(runs):
        again = plan_inspections(candidates, slots, params, np.random.default_rng(seed),
                                 "greedy")  # fmt: skip
        counts += np.array(again.selected_by) == "exploration"
        assert np.allclose(
            again.probability,
            plan_inspections(
                candidates, slots, params, np.random.default_rng(0), "greedy"
            ).probability,
        )
    frequent = counts / runs
    explored = (p > 0) & (p < 1)
    assert np.abs(frequent[explored] - p[explored]).max() < 0.12


def test_banned_parties_are_held_whatever_their_score() -> None:
    candidates = instance(60, 4, scan=20.0)
    held = np.zeros(60, dtype=np.bool_)
    held[[5, 9]] = True
    low = candidates.risk.copy()
    low[[5, 9]] = 0.0
    boxes = Candidates(candidates.ids, low, candidates.severity, candidates.scan_minutes,
                       np.full(60, 0.0), np.full(60, 2000.0), held)  # fmt: skip
    plan = plan_inspections(boxes, slots_of(1, SHIFTS), InspectionParams(),
                            np.random.default_rng(0))  # fmt: skip
    assert [plan.lane[i] for i in (5, 9)] == ["red", "red"]
    assert [plan.selected_by[i] for i in (5, 9)] == ["held", "held"]
    assert (plan.probability[[5, 9]] == 1).all()
    assert (plan.slot[[5, 9]] >= 0).all()


def test_party_names_match_after_trimming_legal_forms() -> None:
    banned = banned_set(["Acme Trading S.A.", "Żuraw Logistics Sp", "  "])
    assert normalise_party("ACME TRADING SA") == normalise_party("Acme Trading, S.A.")
    assert normalise_party("Big A Shipping Ltd") == "BIG A SHIPPING"
    assert banned_match([None, "acme trading"], banned) == "acme trading"
    assert banned_match(["Acme Trading Ltd."], banned) == "Acme Trading Ltd."
    assert banned_match(["Acme Tradings"], banned) is None
    assert banned_match(["ZURAW LOGISTICS SP"], banned) == "ZURAW LOGISTICS SP"


def test_sites_table_and_shifts() -> None:
    header = ["site", "scanners", "scans_per_hour", "shifts"]
    rows = [["frleh", "2", "3", "06:00-14:00;22:00-06:00"], ["NLRTM", "4", "", "08:00-16:00"]]
    sites = parse_sites(header, rows)
    assert sites["FRLEH"].shifts == ((360, 840), (1320, 1800))
    assert sites["FRLEH"].scan_minutes(InspectionParams()) == 20.0
    assert sites["NLRTM"].scan_minutes(InspectionParams(scan_minutes=12.0)) == 12.0
    assert parse_shifts("06:00-13:00; 13:00-20:00") == ((360, 780), (780, 1200))
    with pytest.raises(SiteError, match="line 2"):
        parse_sites(["site", "scanners", "scans_per_hour", "shifts"], [["FRLEH", "2", "3", "6-14"]])
    with pytest.raises(SiteError, match="missing column"):
        parse_sites(["site", "scanners"], [])
