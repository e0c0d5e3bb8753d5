"""What one live batch's detection costs after a long history: a world's first `--warm` NMEA lines
stored and detected (a full run), then `--batches` batches of `--batch` lines stored one after
the other, each followed by the live path's detection and alert refresh
(`balise.engine.live_detect.LiveDetection`, the workspace's default settings and geography).
Prints, per batch, the positions the run read and its seconds, and the CPU time per batch (this
process's, so a loaded machine changes it less than wall time).

    python -m balise sim atlantic --out /tmp/w3 --seed 5 --vessels 60 --days 3
    python bench/live_batches.py --world /tmp/w3 --workspace /tmp/ws3 --warm 450000

`--stages` adds the CPU time of each step of the runs (`STAGES`), `--profile N` the N costliest
calls of the runs' thread (cProfile). Compare two versions of the code by running it twice with
`PYTHONPATH` set to each `src`. A
benchmark, not a test; the distance-to-shore grid is built in the workspace's cache on the first
run (about a minute).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import importlib
import io
import os
import pstats
import shutil
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from balise.engine.live_detect import LiveDetection
from balise.io.nmea import read_nmea
from balise.model.batch import ReadOptions
from balise.store.base import IngestRecord, Store
from balise.workspace import Workspace

STAGES = (
    ("balise.engine.incremental", "segment"),
    ("balise.engine.incremental", "run_on_tracks"),
    ("balise.engine.incremental", "_widened"),
    ("balise.engine.incremental", "_earlier"),
    ("balise.engine.incremental", "_identities"),
    ("balise.engine.live_detect", "reassess_vessels"),
    ("balise.alerts.store", "AlertStore.refresh"),
    ("balise.store.duckdb", "DuckDBStore.save_events"),
    ("balise.store.duckdb", "DuckDBStore.positions_of"),
    ("balise.store.duckdb", "DuckDBStore.changes_since"),
    ("balise.store.duckdb", "DuckDBStore.position_bounds"),
    ("balise.store.duckdb", "DuckDBStore.find_events"),
    ("balise.store.duckdb", "DuckDBStore.vessels"),
)
"""What `--stages` times (module, attribute): the live run's steps, by the process's CPU clock
(their threads' work included, the other threads' too while they run)."""


def _time_stages(spent: dict[str, list[float]]) -> None:
    """Wrap each of `STAGES` so that its calls and CPU seconds add up in `spent`."""
    for module_name, dotted in STAGES:
        owner: Any = importlib.import_module(module_name)
        *path, name = dotted.split(".")
        for part in path:
            owner = getattr(owner, part)
        if hasattr(owner, name):
            setattr(owner, name, _timed(getattr(owner, name), spent[dotted]))


def _timed(call: Callable[..., Any], tally: list[float]) -> Callable[..., Any]:
    @functools.wraps(call)
    def timed(*args: Any, **kwargs: Any) -> Any:
        cpu = time.process_time()
        try:
            return call(*args, **kwargs)
        finally:
            tally[0] += 1
            tally[1] += time.process_time() - cpu

    return timed


def _put(store: Store, lines: list[bytes], tag: str) -> None:
    store.start_ingest(IngestRecord(tag, tag, "nmea", "running", 0, 0))
    for i, batch in enumerate(read_nmea(io.BytesIO(b"".join(lines)), tag, ReadOptions())):
        store.store_batch(tag, i, batch)
    store.finish_ingest(tag)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--world", type=Path, required=True)
    parser.add_argument("--workspace", type=Path, required=True, help="a new folder")
    parser.add_argument("--warm", type=int, default=450_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--shore-cache", type=Path, help="a built shore-distance-v1.npz to copy")
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest calls")
    parser.add_argument("--stages", action="store_true", help="CPU per step of the runs")
    args = parser.parse_args()
    spent: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    if args.stages:
        _time_stages(spent)
    lines = (args.world / "ais.nmea").read_bytes().splitlines(keepends=True)
    workspace = Workspace(args.workspace)
    store = workspace.open_store(create=True)
    if args.shore_cache is not None:
        workspace.cache_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(args.shore_cache, workspace.cache_dir / args.shore_cache.name)
    live = LiveDetection.of(workspace, workspace.settings())
    _put(store, lines[: args.warm], "warm")
    started = time.perf_counter()
    live(store)
    print(f"full run on {args.warm:,} lines: {time.perf_counter() - started:.1f} s")
    for tally in spent.values():  # the batches' runs only, not the full run
        tally[:] = [0.0, 0.0]
    cpu = wall = 0.0
    profile = cProfile.Profile() if args.profile else None
    for k in range(args.batches):
        lo = args.warm + k * args.batch
        _put(store, lines[lo : lo + args.batch], f"batch-{k}")
        cpu_0, wall_0 = time.process_time(), time.perf_counter()
        if profile is not None:
            profile.enable()
        done = live(store)
        if profile is not None:
            profile.disable()
        cpu += time.process_time() - cpu_0
        wall += time.perf_counter() - wall_0
        seconds = time.perf_counter() - wall_0
        print(f"batch {k}: {done.detection.positions:,} positions read, "
              f"{done.detection.vessels} vessels, {seconds:.2f} s")  # fmt: skip
    store.close()
    if profile is not None:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)
    per = 1000 / args.batches
    for stage, (calls, seconds) in sorted(spent.items(), key=lambda kv: -kv[1][1]):
        print(f"{stage:30s} {calls / args.batches:4.1f} calls, "
              f"CPU {seconds * per:6.1f} ms per batch")  # fmt: skip
    print(f"per batch: CPU {cpu * per:.0f} ms, wall {wall * per:.0f} ms; "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
