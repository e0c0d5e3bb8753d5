"""What the live cargo path reads per batch of telemetry: `engine.cargo.gather` for the boxes of
one batch, with the filters in the store's SQL (`containers=`), against reading the whole cargo
tables and filtering them afterwards (what the live path did before). A benchmark, not a test.

A fresh DuckDB workspace store receives `--batches` batches of readings of 1,000 boxes (one
reading per box a second); then the cargo inputs of `--boxes` of them are gathered both ways,
`--runs` times each; medians of process CPU seconds (all threads) and wall seconds.

    PYTHONPATH=src python bench/cargo_gather_bench.py --batches 1000 --boxes 300
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from balise.engine.cargo import gather
from balise.model.cargo import TELEMETRY_SCHEMA
from balise.model.containers import check_digit
from balise.model.record_batch import RecordBatch, RecordKind
from balise.model.schema import conform
from balise.store.base import EventFilter, Store
from balise.store.duckdb import DuckDBStore

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def box(index: int) -> str:
    owner = f"MSCU{index:06d}"
    return owner + str(check_digit(owner))


def whole_tables(store: Store, containers: frozenset[str]) -> None:
    """The reads of the live path before: every table whole, then filtered."""

    def of(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.filter(pl.col("container_number").is_in(list(containers)))

    of(store.telemetry())
    store.find_events(EventFilter(types=("port_visit",)))
    of(store.container_events())
    of(store.releases())
    of(store.gate_transactions())


def medians(action: Callable[[], object], runs: int) -> tuple[float, float]:
    cpus, walls = [], []
    for _ in range(runs):
        cpu, wall = time.process_time(), time.perf_counter()
        action()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return statistics.median(cpus), statistics.median(walls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=1000)
    parser.add_argument("--boxes", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    boxes = [box(i) for i in range(1000)]
    with tempfile.TemporaryDirectory() as folder:
        store = DuckDBStore(Path(folder) / "ws.duckdb")
        for index in range(args.batches):
            readings = pl.DataFrame(
                {
                    "container_number": boxes,
                    "time": [T0 + timedelta(seconds=index)] * len(boxes),
                    "lat": [49.48] * len(boxes),
                    "lon": [0.11] * len(boxes),
                    "source": ["bench"] * len(boxes),
                    "source_line": list(range(1, len(boxes) + 1)),
                }
            )
            batch = RecordBatch(
                RecordKind.TELEMETRY, conform(readings, TELEMETRY_SCHEMA), records_read=len(boxes)
            )
            store.store_records(f"bench-{index}", 0, batch)
        wanted = frozenset(boxes[: args.boxes])
        before = medians(lambda: whole_tables(store, wanted), args.runs)
        after = medians(lambda: gather(store, wanted), args.runs)
        store.close()
    print(f"{args.batches * len(boxes):,} readings stored; the inputs of {args.boxes} boxes")
    print("| reads | CPU s | wall s |\n| --- | ---: | ---: |")
    print(f"| whole tables, filtered after | {before[0]:.3f} | {before[1]:.3f} |")
    print(f"| by box in SQL (`gather`) | {after[0]:.3f} | {after[1]:.3f} |")


if __name__ == "__main__":
    main()
