"""Radar core speed: contacts per second through tracking, association with AIS and dark targets.

Takes one UTC day of an island from a synthetic world (built once and cached under `--cache`):
the radar contacts of its sensors and the AIS positions (DMA CSV, read by Balise's reader) in a box
around it. To measure at the contact rates of a denser radar picture, `--copies` stacks copies of
that day on each other, each shifted by `--shift-km` east and given its own MMSI range, so that
traffic and its AIS grow together while every copy stays a real day's traffic. Times each stage,
median of `--repeat` runs, and writes `bench/results/radar.json` and `.md`. A benchmark, not a
test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl

from balise.cli.demo import ensure_world
from balise.geo.landmask import LandMask
from balise.maritime.dark_targets import RadarGeography, dark_targets
from balise.maritime.radar_association import associate
from balise.maritime.radar_tracking import M_PER_DEG, build_tracks
from balise.sim.world import WorldSpec
from dark_target_quality import _contacts, _positions

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results"
ISLAND_SENSORS = "MQ-"
ISLAND_LAT, ISLAND_LON = (14.0, 15.3), (-61.8, -60.4)
"""Martinique: its three sites (sensor ids starting with `ISLAND_SENSORS`), a box 40 nm around."""


def _island_day(folder: Path, day: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    span = pl.col("time").is_between(start, start + timedelta(days=1), closed="left")
    contacts = _contacts(folder).filter(span & pl.col("sensor_id").str.starts_with(ISLAND_SENSORS))
    box = pl.col("lat").is_between(*ISLAND_LAT) & pl.col("lon").is_between(*ISLAND_LON)
    positions = _positions(folder).filter(
        box & pl.col("timestamp").is_between(start, start + timedelta(days=1), closed="left")
    )
    return contacts, positions


def _stacked(frame: pl.DataFrame, copies: int, shift_km: float, mmsi: bool) -> pl.DataFrame:
    """`copies` copies of `frame`, the k-th shifted k × `shift_km` east (and its MMSIs by k × 10⁷,
    its sensors renamed)."""
    shift_deg = shift_km * 1000 / (M_PER_DEG * 0.97)
    parts = []
    for k in range(copies):
        part = frame.with_columns(pl.col("lon") + k * shift_deg)
        if mmsi:
            part = part.with_columns(pl.col("mmsi") + k * 10_000_000)
        else:
            part = part.with_columns(pl.col("sensor_id") + f"-{k}")
        parts.append(part)
    return pl.concat(parts)


def _timed(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--vessels", type=int, default=300)
    parser.add_argument("--days", type=float, default=5.0)
    parser.add_argument("--day", type=date.fromisoformat, default=date(2024, 3, 2))
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--shift-km", type=float, default=200.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path(__file__).parent / ".cache" / "radar")
    args = parser.parse_args()
    spec = WorldSpec(seed=args.seed, vessels=args.vessels, days=args.days)
    folder = ensure_world(args.cache / f"world-{args.seed}-{args.vessels}-{args.days:g}", spec)
    contacts, positions = _island_day(folder, args.day)
    geography = RadarGeography(on_land=LandMask().on_land)
    rows = []
    for copies in args.copies:
        c = _stacked(contacts, copies, args.shift_km, mmsi=False)
        p = _stacked(positions, copies, args.shift_km, mmsi=True)
        track_s, tracks = _timed(partial(build_tracks, c), args.repeat)
        assoc_s, found = _timed(partial(associate, tracks, p), args.repeat)
        dark_s, events = _timed(partial(dark_targets, tracks, found, p, geography), args.repeat)
        rows.append({
            "copies": copies, "contacts": c.height, "tracked_contacts": tracks.height,
            "ais_positions": p.height, "tracks": tracks["track_id"].n_unique(),
            "associated": found.height, "dark_targets": events.height,
            "tracking_s": track_s, "association_s": assoc_s, "dark_targets_s": dark_s,
            "tracking_per_s": c.height / track_s, "association_per_s": tracks.height / assoc_s,
            "dark_targets_per_s": tracks.height / dark_s,
        })  # fmt: skip
    result = {
        "command": "PYTHONPATH=src:bench python bench/radar_bench.py "
        f"--seed {args.seed} --day {args.day} --copies {' '.join(map(str, args.copies))}",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, polars {pl.__version__}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "rows": rows,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "radar.json").write_text(json.dumps(result, indent=2))
    (RESULTS / "radar.md").write_text(_markdown(result))
    print(_markdown(result))


def _markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Radar core speed", "",
        f"Command: `{result['command']}`", "",
        f"Machine: {result['machine']}; {result['date']}. Median of the runs.", "",
        "One UTC day of Martinique (its three radar sites, AIS in a box 40 nm around them) from "
        "the synthetic world; `copies` stacks that day side by side to reach a denser picture.",
        "",
        "| copies | contacts | AIS positions | tracks | associated | dark targets | tracking "
        "contacts/s | association contacts/s | dark targets contacts/s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]  # fmt: skip
    for r in result["rows"]:
        lines.append(
            f"| {r['copies']} | {r['contacts']:,} | {r['ais_positions']:,} | {r['tracks']:,} | "
            f"{r['associated']:,} | {r['dark_targets']:,} | {r['tracking_per_s']:,.0f} | "
            f"{r['association_per_s']:,.0f} | {r['dark_targets_per_s']:,.0f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
