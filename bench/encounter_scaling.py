"""Encounter search scaling: the cell-based search against a naive all-pairs search and against
MovingPandas' stop detector, on the same synthetic tracks of 1k, 5k and 20k vessels.

Tracks: `--hours` of straight tracks in a Bay of Biscay square, one position every
`--every-s` seconds, at a constant density like a busy approach (`--km2-per-vessel`, one vessel
per 10 km² by default, so the square grows with the fleet), speeds 0-15 kn (a tenth at anchor,
< 0.5 kn), plus one planted pair per 500 vessels drifting together 200 m apart for the whole
span, which every search must find.

Timed on the same tracks in the same run (medians of `--repeat`; the slow baselines
`--repeat-slow` times):
- `detect_encounters` end to end (GFW preset, no anchorage filter), and its pair search alone
  (`close_pairs` on the 10-minute grid);
- a naive all-pairs search on the same grid: at each grid time, every pair's haversine distance
  in NumPy blocks. Above `--naive-max` vessels it is timed on `--naive-slots` grid times only and
  extrapolated to all of them (said so in the results);
- MovingPandas' `TrajectoryStopDetector` (max diameter 500 m, min duration 2 h) on the same
  positions, up to `--mpd-max` vessels. It answers a different, single-vessel question (where
  did each vessel stop?), so the comparison is of throughput on the same tracks only.

Writes `bench/results/encounter_scaling.json` and `.md`. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from balise.geo.sphere import destination_point, haversine_km
from balise.maritime.encounters import PRESETS, close_pairs, detect_encounters, resample
from balise.model.schema import UTC_TIME

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results"
START = datetime(2024, 3, 1, tzinfo=UTC)
CENTRE = (45.5, -5.5)
"""Bay of Biscay, off Brittany: open sea for a square of several hundred km."""
BLOCK = 1024
"""Rows of the naive distance matrix computed at once."""


def tracks(vessels: int, hours: float, every_s: int, km2: float, seed: int) -> pl.DataFrame:
    """Straight tracks of `vessels` vessels (see the module docstring) as positions."""
    rng = np.random.default_rng(seed)
    side_km = math.sqrt(vessels * km2)
    lat0 = CENTRE[0] + (rng.random(vessels) - 0.5) * side_km / 111.2
    lon0 = CENTRE[1] + (rng.random(vessels) - 0.5) * side_km / (111.2 * math.cos(0.8))
    knots = np.where(rng.random(vessels) < 0.1, rng.random(vessels) * 0.5, rng.random(vessels) * 15)
    course = rng.random(vessels) * 360
    pairs = max(1, vessels // 500)
    for p in range(pairs):  # vessel 2p + 1 drifts 200 m east of vessel 2p
        a, b = 2 * p, 2 * p + 1
        knots[a] = knots[b] = 0.5
        course[b] = course[a]
        lat0[b], lon0[b] = (
            float(x) for x in destination_point(lat0[a], lon0[a], 90.0, 0.2 / 1.852)
        )
    steps = int(hours * 3600 // every_s) + 1
    elapsed_h = np.arange(steps) * every_s / 3600
    lat, lon = destination_point(
        np.repeat(lat0, steps), np.repeat(lon0, steps), np.repeat(course, steps),
        np.repeat(knots, steps) * np.tile(elapsed_h, vessels),
    )  # fmt: skip
    times = [START + timedelta(seconds=every_s * i) for i in range(steps)]
    return pl.DataFrame(
        {
            "mmsi": np.repeat(np.arange(vessels) + 200_000_000, steps).astype(np.int32),
            "timestamp": pl.Series(times * vessels, dtype=UTC_TIME),
            "lat": lat,
            "lon": lon,
        }
    )


def naive_pairs(grid: pl.DataFrame, max_m: float, slots: int | None) -> tuple[int, float, int]:
    """Pairs within `max_m` at each grid time by all-pairs distances: (pairs, seconds, slots
    timed). With `slots`, only that many grid times (spread over the span) are searched."""
    times = grid["t"].unique().sort().to_numpy()
    if slots is not None and slots < len(times):
        times = times[np.linspace(0, len(times) - 1, slots).round().astype(int)]
    by_time = grid.select("t", "lat", "lon").partition_by("t", as_dict=True)
    found, started = 0, time.perf_counter()
    for t in times:
        frame = by_time[(t,)]
        lat, lon = frame["lat"].to_numpy(), frame["lon"].to_numpy()
        for lo in range(0, len(lat), BLOCK):
            hi = min(len(lat), lo + BLOCK)
            km = haversine_km(lat[lo:hi, None], lon[lo:hi, None], lat[None, :], lon[None, :])
            upper = np.arange(lo, hi)[:, None] < np.arange(len(lat))[None, :]
            found += int(np.count_nonzero((km * 1000 <= max_m) & upper))
    return found, time.perf_counter() - started, len(times)


def movingpandas_stops(positions: pl.DataFrame) -> tuple[int, float, float]:
    """(stops found, seconds to build the trajectories, seconds to detect the stops)."""
    warnings.filterwarnings("ignore")
    import geopandas as gpd  # type: ignore[import-untyped,import-not-found,unused-ignore]
    import movingpandas as mpd  # type: ignore[import-untyped,import-not-found,unused-ignore]

    started = time.perf_counter()
    frame = positions.to_pandas()
    points = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326"
    )
    collection = mpd.TrajectoryCollection(points, traj_id_col="mmsi", t="timestamp")
    built = time.perf_counter() - started
    started = time.perf_counter()
    stops = mpd.TrajectoryStopDetector(collection).get_stop_time_ranges(
        max_diameter=500, min_duration=timedelta(hours=2)
    )
    return len(stops), built, time.perf_counter() - started


def _median(work: Callable[[], Any], times: int) -> tuple[float, Any]:
    seconds, out = [], None
    for _ in range(times):
        started = time.perf_counter()
        out = work()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), out


def measure(vessels: int, args: argparse.Namespace) -> dict[str, Any]:
    """Every timing of one fleet size."""
    params = PRESETS["gfw"]
    positions = tracks(vessels, args.hours, args.every_s, args.km2_per_vessel, args.seed)
    grid = resample(positions, params.resample_minutes, params.max_interpolation_gap_hours)
    end_s, events = _median(lambda: detect_encounters(positions, params), args.repeat)
    cell_s, pairs = _median(lambda: close_pairs(grid, params.max_distance_m), args.repeat)
    result: dict[str, Any] = {
        "vessels": vessels, "positions": positions.height, "grid_points": grid.height,
        "planted_pairs": max(1, vessels // 500), "encounters_found": events.height,
        "detect_encounters_s": round(end_s, 3), "cell_search_s": round(cell_s, 3),
        "cell_pairs": pairs.height,
    }  # fmt: skip
    slots = None if vessels <= args.naive_max else args.naive_slots
    runs = [naive_pairs(grid, params.max_distance_m, slots) for _ in range(args.repeat_slow)]
    found, _, timed_slots = runs[0]
    all_slots = grid["t"].n_unique()
    naive_s = statistics.median(r[1] for r in runs) * all_slots / timed_slots
    result |= {
        "naive_search_s": round(naive_s, 2), "naive_slots_timed": timed_slots,
        "naive_slots_total": all_slots, "naive_extrapolated": timed_slots < all_slots,
        "naive_pairs": found if timed_slots == all_slots else None,
        "naive_over_cell": round(naive_s / cell_s, 1),
    }  # fmt: skip
    if vessels <= args.mpd_max:
        mpd = [movingpandas_stops(positions) for _ in range(args.repeat_slow)]
        detect_s = statistics.median(m[2] for m in mpd)
        result |= {
            "movingpandas_stops": mpd[0][0],
            "movingpandas_build_s": round(statistics.median(m[1] for m in mpd), 2),
            "movingpandas_detect_s": round(detect_s, 2),
            "movingpandas_over_detect_encounters": round(detect_s / end_s, 1),
        }
    print(result, flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--hours", type=float, default=4.0)
    parser.add_argument("--every-s", type=int, default=120)
    parser.add_argument("--km2-per-vessel", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--repeat-slow", type=int, default=1)
    parser.add_argument("--naive-max", type=int, default=5000)
    parser.add_argument("--naive-slots", type=int, default=3)
    parser.add_argument("--mpd-max", type=int, default=5000)
    args = parser.parse_args()
    results = [measure(n, args) for n in args.sizes]
    _record(args, results)


def _record(args: argparse.Namespace, results: list[dict[str, Any]]) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    command = (
        "python bench/encounter_scaling.py --sizes " + " ".join(map(str, args.sizes))
        + f" --hours {args.hours:g} --every-s {args.every_s} --repeat {args.repeat}"
        f" --repeat-slow {args.repeat_slow} --naive-max {args.naive_max}"
        f" --naive-slots {args.naive_slots} --mpd-max {args.mpd_max}"
    )  # fmt: skip
    record = {"date": datetime.now(UTC).date().isoformat(), "machine": machine,
              "command": command, "load_average_after": [round(x, 2) for x in os.getloadavg()],
              "results": results}  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "encounter_scaling.json").write_text(json.dumps(record, indent=2) + "\n")
    lines = [
        "# Encounter search scaling", "",
        f"{record['date']} — {machine} — `{command}`", "",
        "Shared machine (2 cores, other work running: load average "
        f"{record['load_average_after']} after the runs). Medians of the same run; "
        "* = naive search timed on a few grid times and extrapolated to all.", "",
        "| vessels | positions | planted pairs | encounters found | `detect_encounters` s "
        "| cell pair search s | naive all-pairs s | naive / cell | MovingPandas stops s "
        "| MovingPandas / `detect_encounters` |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]  # fmt: skip
    for r in results:
        star = "*" if r["naive_extrapolated"] else ""
        mpd = r.get("movingpandas_detect_s", "not run")
        ratio = r.get("movingpandas_over_detect_encounters")
        lines.append(
            f"| {r['vessels']:,} | {r['positions']:,} | {r['planted_pairs']} | "
            f"{r['encounters_found']} | {r['detect_encounters_s']} | {r['cell_search_s']} | "
            f"{r['naive_search_s']}{star} | {r['naive_over_cell']}×{star} | {mpd} | "
            f"{'' if ratio is None else f'{ratio}×'} |"
        )
    (RESULTS / "encounter_scaling.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
