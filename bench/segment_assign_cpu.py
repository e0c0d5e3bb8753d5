"""CPU cost of the segmenter's per-point matching on one long shared MMSI: compiled and Python.

Two hulls broadcast one MMSI for `--points` reports (each steaming at about 10 kn, 490 nm
apart, reports alternating at random, one in 200 without a position, one in 100 a jump of a few
tens of nm), the MMSI that `segment` cannot settle without the loop. `_assign` runs compiled
(`balise.maritime._segment_kernel`) and in Python (`reference=True`), alternating, `--rounds`
times each after a warm-up, and checks that both give the same numbers. Prints the medians of
the process's CPU seconds (user + system) and their ratio.

    python bench/segment_assign_cpu.py --points 20000 --rounds 5
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics

import numpy as np

from balise.maritime.segment import SegmentParams, _assign, _plain_steps
from balise.model.arrays import FloatArray


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def shared_track(points: int, seed: int = 3) -> tuple[FloatArray, FloatArray, FloatArray]:
    """hours, lat and lon of two hulls on one MMSI, in time order."""
    rng = np.random.default_rng(seed)
    hours = np.cumsum(rng.uniform(0.0, 0.05, points))  # a report every 1.5 min on average
    north = rng.random(points) < 0.5
    lat = np.where(north, 45.0, 36.8) + rng.normal(0.0, 0.0005, points)
    lon = -30.0 + np.where(north, 1.0, -1.0) * hours * 10.0 / 60.0 + rng.normal(0, 0.0005, points)
    jumps = rng.random(points) < 0.01
    lat[jumps] += rng.uniform(-0.8, 0.8, int(jumps.sum()))
    lat[rng.random(points) < 0.005] = np.nan
    return hours, lat, lon


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    hours, lat, lon = shared_track(args.points)
    params = SegmentParams()
    plain = _plain_steps(hours, lat, lon, params)
    plain[0] = False
    cpu: dict[str, list[float]] = {"compiled": [], "python": []}
    numbers = {}
    for round_ in range(args.rounds + 1):
        for name in cpu:
            started = _cpu()
            numbers[name] = _assign(hours, lat, lon, params, plain, reference=name == "python")
            if round_:
                cpu[name].append(_cpu() - started)
    if not np.array_equal(numbers["compiled"], numbers["python"]):
        raise SystemExit("the compiled matching differs from the Python one")
    segments = int(numbers["python"].max()) + 1
    print(f"{args.points:,} points, {int((~plain).sum()):,} not plain, {segments:,} segments")
    medians = {name: statistics.median(seconds) for name, seconds in cpu.items()}
    for name, seconds in cpu.items():
        runs = ", ".join(f"{s:.4f}" for s in seconds)
        print(f"{name:9} CPU s median {medians[name]:.4f} ({runs})")
    print(f"compiled / python: {medians['compiled'] / medians['python']:.4f}")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
