"""The inspection plan of a day: which containers the scanners check, in which slot, and why.

What: containers (risk p_i, severity w_i, scan minutes t_i, time window [e_i, l_i]) and scanner
slots k (a scanner in a shift [a_k, b_k], capacity b_k − a_k minutes). A box fits a slot when
its window overlaps the shift by at least its scan time. Maximise the expected finds weighted by
severity, Σ p_i w_i x_ik, with each box scanned at most once and Σ_i t_i x_ik within each slot's
capacity: a multiple knapsack with time windows (research note cargo-anchors §4.2; Boros et al.
2009, Naval Research Logistics 56(5), for capacity and time limits in container inspection).
Sequencing inside a shift is not modelled: a slot's boxes fit its minutes and its shift.

How, in order:
1. held boxes (a banned party) go first, in the first slot with room, whatever their score:
   red lane, selection probability 1 (a held box that fits nowhere stays red, without a slot);
2. a share `exploration_share` of each slot's minutes is set aside; the rest is planned by risk,
   exactly (MILP, HiGHS, with its dual bound) when the (box, slot) pairs are at most
   `exact_max_pairs`, else greedily by value density p w / t into the first slot with room, with
   a fractional-knapsack bound (every box, all capacity pooled, windows ignored): an upper bound
   of the optimum, so the reported gap is an upper bound of the true one;
3. exploration: each box left that fits some slot is given a home shift before any draw
   (fewest options first, to the feasible shift with the most room still free), so the
   grouping depends on the scores only; from the group of shift k,
   n_k = min(N_k, Σ_slots ⌊room / t_max⌋) boxes are drawn uniformly without replacement
   (the room: the set-aside minutes and whatever the plan by risk left), so each has the
   known selection probability n_k / N_k; the boxes selected by risk or held have
   probability 1, those that fit no slot 0. These are the propensities inverse weighting
   needs (`balise.inspection.estimate`);
4. lanes: red (scanned: held, by risk, drawn), yellow (documentary check: the next
   `yellow_per_red` × red boxes by expected value), green (released).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Final, Literal

import highspy
import numpy as np
from highspy._core import _Highs

from balise.inspection.params import InspectionParams
from balise.model.arrays import BoolArray, FloatArray, IntArray

Method = Literal["auto", "exact", "greedy"]
LANES: Final = ("red", "yellow", "green")
SELECTED_BY: Final = ("held", "risk", "exploration")
_EPS: Final = 1e-9


@dataclass(frozen=True)
class Candidates:
    """The boxes to plan: identifiers and, per box, risk (0-1), severity (≥ 0), scan minutes,
    the window's earliest and latest time (minutes from the plan's origin) and whether it is
    held (a banned party)."""

    ids: tuple[str, ...]
    risk: FloatArray
    severity: FloatArray
    scan_minutes: FloatArray
    earliest: FloatArray
    latest: FloatArray
    held: BoolArray

    def __post_init__(self) -> None:
        n = len(self.ids)
        arrays = (self.risk, self.severity, self.scan_minutes, self.earliest, self.latest,
                  self.held)  # fmt: skip
        if any(a.shape != (n,) for a in arrays):
            raise ValueError("every column of the candidates must have one value per box")
        if n and (np.any(self.scan_minutes <= 0) or np.any(self.severity < 0)):
            raise ValueError("scan minutes must be positive and severities not negative")
        if n and (np.any(self.risk < 0) or np.any(self.risk > 1)):
            raise ValueError("risks must be probabilities (0-1)")

    @property
    def value(self) -> FloatArray:
        """Expected severity-weighted find of each box: p × w."""
        return self.risk * self.severity


@dataclass(frozen=True)
class Slot:
    """A scanner in a shift: [start, end) in minutes from the plan's origin."""

    scanner: int
    shift: int
    start: float
    end: float

    @property
    def capacity(self) -> float:
        return self.end - self.start


def slots_of(scanners: int, shifts: tuple[tuple[float, float], ...]) -> tuple[Slot, ...]:
    """Every (scanner, shift) slot, by shift then scanner."""
    return tuple(
        Slot(s, k, float(a), float(b)) for k, (a, b) in enumerate(shifts) for s in range(scanners)
    )


@dataclass(frozen=True)
class Plan:
    """Per box: its slot (index into `slots`, −1 for none), lane, why it was selected ("" for
    not), and its selection probability; the plan by risk's objective, an upper bound of its
    optimum, the method and the solve time."""

    slots: tuple[Slot, ...]
    slot: IntArray
    lane: tuple[str, ...]
    selected_by: tuple[str, ...]
    probability: FloatArray
    objective: float
    bound: float
    method: str
    seconds: float
    used_minutes: FloatArray = field(default_factory=lambda: np.zeros(0))

    @property
    def gap(self) -> float:
        """Relative gap of the plan by risk to its bound (0: proven optimal)."""
        if self.bound <= _EPS:
            return 0.0
        return max(0.0, (self.bound - self.objective) / self.bound)


def feasible_pairs(candidates: Candidates, slots: tuple[Slot, ...]) -> BoolArray:
    """(boxes, slots): the box's window overlaps the slot's shift by at least its scan time."""
    if not slots:
        return np.zeros((len(candidates.ids), 0), dtype=np.bool_)
    starts = np.array([s.start for s in slots])
    ends = np.array([s.end for s in slots])
    overlap = np.minimum(candidates.latest[:, None], ends[None, :]) - np.maximum(
        candidates.earliest[:, None], starts[None, :]
    )
    fits = overlap >= candidates.scan_minutes[:, None] - _EPS
    return np.asarray(fits & (candidates.scan_minutes[:, None] <= (ends - starts)[None, :]))


def _first_fit(order: IntArray, fit: BoolArray, t: FloatArray, room: FloatArray) -> IntArray:
    """Each box of `order` in turn into the first slot it fits with room left (−1: none);
    `room` is updated in place."""
    slot = np.full(fit.shape[0], -1, dtype=np.int64)
    for i in order:
        for k in np.flatnonzero(fit[i]):
            if room[k] + _EPS >= t[i]:
                slot[i] = k
                room[k] -= t[i]
                break
    return slot


def greedy_assign(
    value: FloatArray, t: FloatArray, fit: BoolArray, room: FloatArray, pool: BoolArray
) -> IntArray:
    """The boxes of `pool` by value density (ties: first), each into the first slot with room."""
    density = np.where(pool, value / t, -np.inf)
    order = np.array(
        [i for i in np.argsort(-density, kind="stable") if pool[i] and value[i] > 0], np.int64
    )
    return _first_fit(order, fit, t, room)


def knapsack_bound(value: FloatArray, t: FloatArray, pool: BoolArray, capacity: float) -> float:
    """Fractional knapsack over the boxes of `pool` with all capacity pooled: an upper bound of
    the best plan by risk (windows and the split into slots relaxed)."""
    idx = np.flatnonzero(pool & (value > 0))
    order = idx[np.argsort(-(value[idx] / t[idx]), kind="stable")]
    left, bound = capacity, 0.0
    for i in order:
        if left <= _EPS:
            break
        take = min(1.0, left / t[i])
        bound += take * value[i]
        left -= take * t[i]
    return bound


def exact_assign(
    value: FloatArray,
    t: FloatArray,
    fit: BoolArray,
    room: FloatArray,
    pool: BoolArray,
    seconds: float,
    gap: float = 1e-4,
) -> tuple[IntArray, float] | None:
    """The boxes of `pool` assigned to slots maximising Σ value within `room` (MILP, HiGHS):
    the slot of each box (−1: none) and HiGHS's upper bound; None when HiGHS found no plan in
    `seconds`; it stops once proven within `gap` of the optimum. `room` is updated in place."""
    n, m = fit.shape
    pairs = np.argwhere(fit & pool[:, None] & (value[:, None] > 0) & (t[:, None] <= room + _EPS))
    slot = np.full(n, -1, dtype=np.int64)
    if len(pairs) == 0:
        return slot, 0.0
    box, where = pairs[:, 0], pairs[:, 1]
    cols = len(pairs)
    # `highspy.Highs` prints its banner on construction (ERGO-Code/HiGHS#2749): built bare
    h = _Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(seconds))
    h.setOptionValue("mip_rel_gap", float(gap))
    h.addVars(cols, np.zeros(cols), np.ones(cols))
    index = np.arange(cols, dtype=np.int32)
    h.changeColsCost(cols, index, value[box].astype(np.float64))
    h.changeColsIntegrality(
        cols, index, np.full(cols, highspy.HighsVarType.kInteger.value, np.uint8)
    )
    rows_lower: list[float] = []
    rows_upper: list[float] = []
    starts: list[int] = []
    indices: list[IntArray] = []
    values: list[FloatArray] = []
    nnz = 0
    by_box = np.argsort(box, kind="stable")
    bounds = np.searchsorted(box[by_box], np.arange(n + 1))
    for i in range(n):  # each box at most once
        members = by_box[bounds[i] : bounds[i + 1]]
        if len(members) > 1:
            rows_lower.append(-highspy.kHighsInf)
            rows_upper.append(1.0)
            starts.append(nnz)
            indices.append(members.astype(np.int64))
            values.append(np.ones(len(members)))
            nnz += len(members)
    by_slot = np.argsort(where, kind="stable")
    bounds = np.searchsorted(where[by_slot], np.arange(m + 1))
    for k in range(m):  # each slot within its minutes
        members = by_slot[bounds[k] : bounds[k + 1]]
        if len(members) and t[box[members]].sum() > room[k] + _EPS:
            rows_lower.append(-highspy.kHighsInf)
            rows_upper.append(float(room[k]))
            starts.append(nnz)
            indices.append(members.astype(np.int64))
            values.append(t[box[members]].astype(np.float64))
            nnz += len(members)
    if starts:
        h.addRows(
            len(starts), np.array(rows_lower), np.array(rows_upper), nnz,
            np.array(starts, np.int32), np.concatenate(indices).astype(np.int32),
            np.concatenate(values),
        )  # fmt: skip
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.run()
    solution = h.getSolution()
    if not solution.value_valid:
        return None
    x = np.asarray(solution.col_value) > 0.5
    for c in np.flatnonzero(x):
        slot[box[c]] = where[c]
        room[where[c]] -= t[box[c]]
    chosen_value = float(value[box[x]].sum())
    return slot, max(chosen_value, float(h.getInfo().mip_dual_bound))


def _home_shifts(
    fit: BoolArray, slots: tuple[Slot, ...], left: BoolArray, room: FloatArray, t: FloatArray
) -> IntArray:
    """The shift each box of `left` is drawn in (−1: none), chosen before any draw and from
    the scores alone, so the draw's probabilities stay known: boxes with the fewest feasible
    shifts first, each to its feasible shift with the most draws still free (ties: the
    earliest), which spreads the boxes over the shifts' room."""
    home = np.full(fit.shape[0], -1, dtype=np.int64)
    boxes = np.flatnonzero(left)
    if len(boxes) == 0 or not slots:
        return home
    shifts = sorted({s.shift for s in slots})
    t_max = float(t[boxes].max())
    free = {k: sum(int((room[j] + _EPS) // t_max) for j, s in enumerate(slots) if s.shift == k)
            for k in shifts}  # fmt: skip
    fits: dict[int, BoolArray] = {
        k: np.asarray(fit[:, [j for j, s in enumerate(slots) if s.shift == k]].any(axis=1))
        for k in shifts
    }
    options = np.array([sum(bool(fits[k][i]) for k in shifts) for i in boxes])
    for i in boxes[np.argsort(options, kind="stable")]:
        feasible = [k for k in shifts if fits[k][i]]
        if feasible:
            best = max(feasible, key=lambda k: (free[k], -k))
            home[i] = best
            free[best] -= 1
    return home


def plan_inspections(
    candidates: Candidates,
    slots: tuple[Slot, ...],
    params: InspectionParams,
    rng: np.random.Generator,
    method: Method = "auto",
) -> Plan:
    """The day's plan (module docstring); `rng` draws the exploration share."""
    began = time.perf_counter()
    n = len(candidates.ids)
    t, value = candidates.scan_minutes, candidates.value
    fit = feasible_pairs(candidates, slots)
    room = np.array([s.capacity for s in slots], dtype=np.float64)
    slot = np.full(n, -1, dtype=np.int64)
    selected_by = np.full(n, "", dtype=object)
    probability = np.zeros(n)

    held = np.flatnonzero(candidates.held)  # 1. held boxes first, the most valuable first
    held = held[np.argsort(-value[held], kind="stable")]
    slot[held] = _first_fit(held, fit, t, room)[held]
    selected_by[held] = "held"
    probability[held] = 1.0

    share = min(max(params.exploration_share, 0.0), 1.0)  # 2. the plan by risk
    reserve = room * share
    risk_room = room - reserve
    pool = ~candidates.held & fit.any(axis=1)
    pairs = int((fit & pool[:, None]).sum())
    solved = None
    use_exact = method == "exact" or (method == "auto" and pairs <= params.exact_max_pairs)
    if use_exact:
        solved = exact_assign(
            value, t, fit, risk_room, pool, params.solver_seconds, params.solver_gap_share
        )
    if solved is not None:
        by_risk, bound = solved
        used_method = "exact"
    else:
        by_risk = greedy_assign(value, t, fit, risk_room, pool)
        bound = knapsack_bound(value, t, pool, float((room - reserve).sum()))
        used_method = "greedy"
    chosen = by_risk >= 0
    slot[chosen] = by_risk[chosen]
    selected_by[chosen] = "risk"
    probability[chosen] = 1.0
    objective = float(value[chosen].sum())
    bound = max(bound, objective)

    room = risk_room + reserve  # 3. exploration, in what is left
    left = pool & ~chosen
    home = _home_shifts(fit, slots, left, room, t)
    for k in sorted({s.shift for s in slots}):
        stratum = np.flatnonzero(home == k)
        if len(stratum) == 0:
            continue
        t_max = float(t[stratum].max())
        shift_slots = [j for j, s in enumerate(slots) if s.shift == k]
        draws = min(len(stratum), sum(int((room[j] + _EPS) // t_max) for j in shift_slots))
        probability[stratum] = draws / len(stratum)
        if draws == 0:
            continue
        drawn = rng.choice(stratum, size=draws, replace=False)
        for i in drawn:
            for j in shift_slots:
                if room[j] + _EPS >= t_max:
                    slot[i] = j
                    room[j] -= t[i]
                    break
        selected_by[drawn] = "exploration"

    red = selected_by != ""  # 4. lanes
    lane = np.where(red, "red", "green").astype(object)
    yellow_count = round(params.yellow_per_red * int(red.sum()))
    rest = np.flatnonzero(~red & (value > 0))
    rest = rest[np.argsort(-value[rest], kind="stable")][:yellow_count]
    lane[rest] = "yellow"
    used = np.array([s.capacity for s in slots]) - room
    return Plan(
        slots=slots,
        slot=slot,
        lane=tuple(str(x) for x in lane),
        selected_by=tuple(str(x) for x in selected_by),
        probability=probability,
        objective=objective,
        bound=float(bound),
        method=used_method,
        seconds=time.perf_counter() - began,
        used_minutes=used,
    )
