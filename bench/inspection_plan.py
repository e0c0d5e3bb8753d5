"""Inspection planner speed and quality at a realistic size: 2,000 candidate boxes, 3 scanners,
3 shifts of 8 hours (9 slots), scan times 20-30 minutes, windows from discharge to gate-out of
1-66 hours, risks drawn from a Beta(0.6, 8), severities 1-3, 10 % exploration.

For each seed: the exact plan (MILP, HiGHS, stopping at `inspection.solver_gap_share`) and the
greedy one, their solve times, objectives (expected severity-weighted finds of the plan by risk)
and gaps to their upper bounds (HiGHS's dual bound; the fractional knapsack bound for greedy),
and greedy's true shortfall against the exact plan. Writes `bench/results/inspection_plan.md`.
A benchmark, not a test: `python bench/inspection_plan.py [--boxes 2000] [--seeds 3]`.
"""

from __future__ import annotations

import argparse
import platform
from pathlib import Path

import numpy as np

from balise.inspection.params import InspectionParams
from balise.inspection.planner import Candidates, feasible_pairs, plan_inspections, slots_of

SHIFTS = ((360.0, 840.0), (840.0, 1320.0), (1320.0, 1800.0))


def instance(n: int, seed: int) -> Candidates:
    rng = np.random.default_rng(seed)
    earliest = rng.uniform(-2000, 1500, n)
    return Candidates(
        ids=tuple(f"BOX{i:05d}" for i in range(n)),
        risk=rng.beta(0.6, 8, n),
        severity=1 + rng.uniform(0, 2, n),
        scan_minutes=rng.choice([20.0, 25.0, 30.0], n),
        earliest=earliest,
        latest=earliest + rng.uniform(60, 4000, n),
        held=rng.random(n) < 0.002,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--boxes", type=int, default=2000)
    parser.add_argument("--scanners", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    params = InspectionParams(exact_max_pairs=10**9)
    slots = slots_of(args.scanners, SHIFTS)
    lines = [
        "# Inspection planner: speed and gap",
        "",
        f"`python bench/inspection_plan.py --boxes {args.boxes} --seeds {args.seeds}` on "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}: "
        f"{args.boxes:,} boxes, {args.scanners} scanners × {len(SHIFTS)} shifts of 8 h, "
        f"exploration {params.exploration_share:.0%}, MILP time limit "
        f"{params.solver_seconds:g} s, stop at gap {params.solver_gap_share:.1%}.",
        "",
        "| seed | feasible pairs | exact s | exact gap | greedy s | greedy gap (bound) "
        "| greedy vs exact | red boxes |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for seed in range(args.seeds):
        boxes = instance(args.boxes, seed)
        exact = plan_inspections(boxes, slots, params, np.random.default_rng(seed), "exact")
        greedy = plan_inspections(boxes, slots, params, np.random.default_rng(seed), "greedy")
        pairs = int(feasible_pairs(boxes, slots).sum())
        short = 1 - greedy.objective / exact.objective if exact.objective else 0.0
        red = sum(lane == "red" for lane in exact.lane)
        lines.append(
            f"| {seed} | {pairs:,} | {exact.seconds:.2f} | {exact.gap:.2%} | "
            f"{greedy.seconds:.3f} | {greedy.gap:.2%} | {short:.2%} | {red} |"
        )
        print(lines[-1], flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "inspection_plan.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
