"""Detection speed on a national-archive day: positions per second through every detector.

Builds (once, cached under `--cache`) a world with `balise sim atlantic` (default 5,000 vessels,
1 day, ~13 M NMEA lines) and ingests its NMEA into a DuckDB workspace, then reads the stored
positions and identities into memory and times `balise.engine.detect.run_detectors` end to end,
with the geography of `balise detect` (distance-to-shore grid cached under `--cache`). Each stage
is also timed on its own, one after the other on this thread, by calling the stage functions
`run_detectors` calls (their sum exceeds the end-to-end time: the engine runs the detectors on
`DETECTOR_THREADS` threads side by side).
Reports the median of `--repeat` runs, positions per second, and peak resident memory (the
process's peak and the largest rise sampled during a run). Writes
`bench/results/detect_speed.json` and `.md`. A benchmark, not a test.

`--end-to-end` also times what `balise detect --full` does, store read included
(`balise.engine.detect.detect`: positions and identities read from DuckDB, every detector, the
events saved), and the ways of reading the positions side by side in this process: every
column sorted in DuckDB (the read before this mode existed), the detectors' columns only
(`POSITION_COLUMNS`) sorted in DuckDB or in Polars, with DuckDB on one thread or all.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from balise.cli.main import run
from balise.engine.detect import (
    DETECTOR_THREADS,
    POSITION_COLUMNS,
    Geography,
    default_geography,
    detect,
    run_detectors,
)
from balise.maritime.coastal import detect_coastal_drops, lane_density
from balise.maritime.destination import detect_destination_mismatches
from balise.maritime.draught import with_draught_change
from balise.maritime.encounter_filters import filter_encounters
from balise.maritime.encounters import PRESETS, detect_encounters
from balise.maritime.gaps import detect_gaps
from balise.maritime.identity import detect_identity_changes
from balise.maritime.identity_params import outside_periods
from balise.maritime.loitering import detect_loitering, not_fishing
from balise.maritime.params import DetectorParams
from balise.maritime.port_visits import detect_port_visits
from balise.maritime.segment import segment
from balise.maritime.spoofing import detect_spoofing
from balise.maritime.zones import detect_zone_entries

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 2**20


@contextmanager
def _peak_rise() -> Iterator[dict[str, float]]:
    """Samples resident memory every 20 ms; yields a dict whose `rise_mb` is set on exit."""
    base, peak, done = _rss_mb(), [0.0], threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], _rss_mb())

    result: dict[str, float] = {}
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield result
    finally:
        done.set()
        thread.join()
        result["rise_mb"] = max(peak[0], _rss_mb()) - base


def _world(cache: Path, vessels: int, days: float, seed: int) -> Path:
    """The cached folder holding `world/` (simulated) and `ws/` (ingested), built when missing."""
    folder = cache / f"world-{vessels}v-{days:g}d-s{seed}"
    world, workspace = folder / "world", folder / "ws"
    if not (folder / "built").exists():
        folder.mkdir(parents=True, exist_ok=True)
        sim = ["sim", "atlantic", "--out", str(world), "--seed", str(seed),
               "--vessels", str(vessels), "--days", f"{days:g}"]  # fmt: skip
        if run(sim) != 0:
            raise SystemExit("balise sim failed")
        (folder / "built").touch()
    if not (folder / "ingested").exists():
        if run(["--workspace", str(workspace), "ingest", "ais", str(world / "ais.nmea")]) != 0:
            raise SystemExit("balise ingest failed")
        (folder / "ingested").touch()
    return folder


def _load(folder: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    from balise.workspace import Workspace

    store = Workspace(folder / "ws").open_store()
    try:
        positions = pl.concat(list(store.positions()), how="vertical_relaxed")
        return positions, store.identity_history_all()
    finally:
        store.close()


def _stages(
    positions: pl.DataFrame, identities: pl.DataFrame, preset: str, geo: Geography
) -> dict[str, float]:
    """Seconds of each stage of `run_detectors`, called one by one in its order, with its inputs
    (default thresholds, no window: two-vessel detectors see every position). As in
    `run_detectors`, the encounters reuse the loitering's ordering of the same tracks
    (`balise.maritime.kernel.sorted_tracks`)."""
    seconds: dict[str, float] = {}
    params = DetectorParams()

    def timed(name: str, work: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        out = work()
        seconds[name] = time.perf_counter() - started
        return out

    tracks = timed("segment", lambda: segment(positions, params.segment).rechunk())
    clean = timed(
        "drop noise",
        lambda: tracks.filter(~pl.col("noise")) if tracks["noise"].any() else tracks,
    )
    spoofing = timed("spoofing", lambda: detect_spoofing(tracks, params.identity))
    shared = spoofing.filter(pl.col("type") == "shared_mmsi")
    gaps = timed(
        "gaps", lambda: detect_gaps(clean.drop("segment_id"), params.gap, shore=geo.shore_nm)
    )
    timed("draught", lambda: with_draught_change(gaps, identities))
    loitering = timed(
        "loitering", lambda: detect_loitering(clean, params.loitering, shore=geo.shore_nm)
    )
    timed("not fishing", lambda: not_fishing(loitering, clean, params.loitering_filter))
    found = timed("encounters", lambda: detect_encounters(clean, PRESETS[preset], geo.anchorage_km))
    timed(
        "encounter filters",
        lambda: filter_encounters(
            found, clean, geo.shore_nm, geo.anchorage_km, params.encounter_filter
        ),
    )
    timed("identity changes", lambda: detect_identity_changes(identities, params.identity, shared))
    types = identities.select("mmsi", "ship_type")
    shore, anchorage, anchorages = geo.shore_nm, geo.anchorage_km, geo.anchorages
    assert shore is not None
    assert anchorage is not None
    assert anchorages is not None
    lane = timed("lane density", lambda: lane_density(clean, params.coastal_drop, types))
    timed(
        "coastal drops",
        lambda: detect_coastal_drops(
            clean, params.coastal_drop, shore=shore, anchorage=anchorage,
            vessel_types=types, lane=lane, watched=geo.watched,
        ),
    )  # fmt: skip
    visits = timed(
        "port visits",
        lambda: detect_port_visits(clean, anchorages, params.port_visit, locode=geo.locode),
    )
    mismatches = timed(
        "destination mismatches",
        lambda: detect_destination_mismatches(
            identities, visits, clean, geo.high_risk_ports, params.destination
        ),
    )
    timed(
        "outside shared periods", lambda: [outside_periods(f, shared) for f in (visits, mismatches)]
    )
    timed(
        "zone entries",
        lambda: detect_zone_entries(clean, geo.zones, vessel_info=identities, params=params.zone),
    )
    return seconds


def _reads(folder: Path, repeat: int) -> dict[str, float]:
    """Median seconds of each way of reading the stored positions into one Polars frame."""
    import duckdb

    con = duckdb.connect(str(folder / "ws" / "balise.duckdb"), read_only=True)
    chosen = ", ".join(f'"{c}"' for c in POSITION_COLUMNS)
    ways: dict[str, tuple[str, bool]] = {
        "every column, sorted in DuckDB": ("SELECT * FROM positions ORDER BY mmsi, timestamp",
                                           False),
        "detector columns, sorted in DuckDB": (
            f"SELECT {chosen} FROM positions ORDER BY mmsi, timestamp", False),
        "detector columns, sorted in Polars": (f"SELECT {chosen} FROM positions", True),
    }  # fmt: skip
    seconds: dict[str, float] = {}
    try:
        for threads in (1, os.cpu_count() or 1):
            con.execute(f"SET threads = {threads}")
            for name, (sql, sort) in ways.items():
                runs = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    frame = pl.from_arrow(con.sql(sql).to_arrow_table())
                    assert isinstance(frame, pl.DataFrame)
                    if sort:
                        frame = frame.sort("mmsi", "timestamp")
                    runs.append(time.perf_counter() - started)
                    del frame
                seconds[f"{name}, {threads} DuckDB thread(s)"] = statistics.median(runs)
    finally:
        con.close()
    return seconds


def _end_to_end(folder: Path, preset: str, geo: Geography, repeat: int) -> dict[str, Any]:
    """`detect(full=True)` on the workspace: seconds of each run, the largest memory rise."""
    from balise.workspace import Workspace

    runs, rises = [], []
    for _ in range(repeat):
        store = Workspace(folder / "ws").open_store()
        try:
            with _peak_rise() as memory:
                started = time.perf_counter()
                report = detect(store, preset, geo, full=True)
                runs.append(time.perf_counter() - started)
            rises.append(memory["rise_mb"])
        finally:
            store.close()
        rate = report.positions / runs[-1]
        print(f"detect --full: {runs[-1]:.1f} s, {report.positions:,} positions, {rate:,.0f} "
              "positions/s (store read, detection and saving included)", flush=True)  # fmt: skip
    median = statistics.median(runs)
    print(f"detect --full, median of {repeat}: {median:.1f} s → {report.positions / median:,.0f} "
          f"positions/s; load average {os.getloadavg()}", flush=True)  # fmt: skip
    return {"runs_s": [round(r, 2) for r in runs], "median_s": round(median, 2),
            "rise_mb": round(max(rises)), "positions": report.positions,
            "positions_per_s": round(report.positions / median)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache", type=Path, default=ROOT / "bench" / ".cache")
    parser.add_argument("--vessels", type=int, default=5000)
    parser.add_argument("--days", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--preset", default="gfw", choices=list(PRESETS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--end-to-end", action="store_true",
                        help="also time balise detect --full, store read included")  # fmt: skip
    args = parser.parse_args()
    folder = _world(args.cache, args.vessels, args.days, args.seed)
    whole: dict[str, Any] = {}
    if args.end_to_end:
        # first, in a process that has read nothing yet: its peak memory is that of the run
        geo = default_geography(args.cache)
        whole = _end_to_end(folder, args.preset, geo, args.repeat)
        whole["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        whole["reads_s"] = {k: round(v, 2) for k, v in _reads(folder, args.repeat).items()}
        print(whole)
    started = time.perf_counter()
    positions, identities = _load(folder)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    geo = default_geography(args.cache)
    if geo.shore_nm is not None:
        geo.shore_nm(positions["lat"][:1].to_numpy(), positions["lon"][:1].to_numpy())
    geo_s = time.perf_counter() - started
    load = {"stored positions read": load_s, "geography ready": geo_s}
    print(f"{positions.height:,} positions, {identities.height:,} identity records", load)
    ends, rises, stages, events = [], [], [], 0
    for attempt in range(args.repeat):
        with _peak_rise() as memory:
            started = time.perf_counter()
            events = run_detectors(positions, identities, args.preset, geo).height
            ends.append(time.perf_counter() - started)
        rises.append(memory["rise_mb"])
        stages.append(_stages(positions, identities, args.preset, geo))
        print(f"run {attempt + 1}: {ends[-1]:.1f} s end to end, {events:,} events", stages[-1])
    _record(args, positions.height, events, load, ends, rises, stages, whole)


def _record(
    args: argparse.Namespace,
    positions: int,
    events: int,
    load: dict[str, float],
    ends: list[float],
    rises: list[float],
    stages: list[dict[str, float]],
    whole: dict[str, Any],
) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    command = (f"python bench/detect_speed.py --vessels {args.vessels} --days {args.days:g} "
               f"--seed {args.seed} --preset {args.preset} --repeat {args.repeat}"
               + (" --end-to-end" if whole else ""))  # fmt: skip
    median = statistics.median(ends)
    stage = {name: round(statistics.median(s[name] for s in stages), 2) for name in stages[0]}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    record = {
        "date": datetime.now(UTC).date().isoformat(), "machine": machine, "command": command,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "positions": positions, "events": events, "runs_s": [round(s, 2) for s in ends],
        "median_s": round(median, 2), "positions_per_s": round(positions / median),
        "stages_median_s": stage, "setup_s": {k: round(v, 1) for k, v in load.items()},
        "process_peak_rss_mb": round(peak_mb), "run_peak_rise_mb": round(max(rises)),
        "end_to_end": whole,
    }  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "detect_speed.json").write_text(json.dumps(record, indent=2) + "\n")
    rows = [f"| {name} | {s} | {positions / s:,.0f} |" if s else f"| {name} | {s} | |"
            for name, s in stage.items()]  # fmt: skip
    verdict = "met" if positions / median >= 1e6 else "not met"
    lines = [
        "# Detection speed on a national-archive day", "",
        f"{record['date']} — {machine} — `{command}`", "",
        f"{DETECTOR_THREADS} detector threads; load average {record['load_average_after']} "
        "after the runs (on a shared machine figures vary by tens of percent).", "",
        f"Target ≥ 1,000,000 positions/s end to end: **{verdict}**.", "",
        f"- positions: {positions:,} (stored after ingest and deduplication); events: {events:,}",
        f"- end to end (`run_detectors`, in-memory frames): median {median:.1f} s of "
        f"{record['runs_s']} → **{positions / median:,.0f} positions/s**",
        f"- peak RSS of the process: {peak_mb:,.0f} MB (positions, identities, geography and "
        f"detection); largest rise during one run: {max(rises):,.0f} MB",
        f"- setup, not timed above: {record['setup_s']}", "",
        "Stages, each timed on its own (median s, positions/s):", "",
        "| stage | s | positions/s |", "| --- | ---: | ---: |", *rows,
    ]  # fmt: skip
    if whole:
        rate = whole["positions"] / whole["median_s"]
        lines += [
            "", "## End to end, store read included (`balise detect --full`)", "",
            f"Target ≥ 1,500,000 positions/s: **{'met' if rate >= 1.5e6 else 'not met'}**.", "",
            f"- `detect(full=True)`: read positions and identities from DuckDB, every detector, "
            f"events saved: median {whole['median_s']} s of {whole['runs_s']} → "
            f"**{rate:,.0f} positions/s**",
            f"- peak RSS of the process after these runs (nothing else loaded yet): "
            f"{whole['peak_rss_mb']:,} MB; largest rise during one run: {whole['rise_mb']:,} MB",
            "", "Reading the positions into one frame (median s):", "",
            "| read | s |", "| --- | ---: |",
            *[f"| {name} | {s} |" for name, s in whole["reads_s"].items()],
        ]  # fmt: skip
    (RESULTS / "detect_speed.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
