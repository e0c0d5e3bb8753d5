"""The compiled DCSA decoder against DuckDB's `from_json`, in one process, alternately.

Generates the events of `bench/dcsa_ingest_bench.py` (`--events`, `--seed`), writes them as
JSON lines in a temporary folder, then, `--rounds` times, reads them (`read`: every batch made)
and ingests them into a fresh DuckDB workspace store (`ingest`: read + store), once with the
kernel (`balise.io.dcsa_kernel`) and once without it (every line decoded by DuckDB, the
reader's way before the kernel), in alternating order. Prints the median CPU seconds (all
threads) and wall seconds of each, and checks that both ways stored the same rows, quarantine
rows and counts (an equality check on the benchmark's events, not only a timing).

    PYTHONPATH=src python bench/dcsa_kernel_ab.py --events 200000 --rounds 3

A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import polars as pl

from balise.engine.ingest import Input
from balise.engine.ingest_records import ingest_records
from balise.io import dcsa_kernel
from balise.io.dcsa_events import read_event_lines
from balise.model.batch import ReadOptions
from balise.model.record_batch import RecordKind
from balise.store.duckdb import DuckDBStore

sys.path.insert(0, str(Path(__file__).parent))
from dcsa_ingest_bench import events

T = TypeVar("T")
Stored = tuple[pl.DataFrame, pl.DataFrame, list[tuple[object, ...]]]


def _read(path: Path) -> None:
    with path.open("rb") as stream:
        for _ in read_event_lines(stream, path.name, ReadOptions()):
            pass


def _ingest(path: Path, folder: Path) -> Stored:
    store = DuckDBStore(folder / f"ws-{time.perf_counter_ns()}.duckdb")
    item = Input(path.name, lambda: path.open("rb"), path.stat().st_size)
    result = ingest_records(RecordKind.CONTAINERS, item, store, ReadOptions())
    rows = store.container_events(retracted=True).sort("source_line")
    quarantine = store.quarantine().select("source_line", "reason", "detail", "raw")
    store.close()
    return rows, quarantine, sorted(result.counts.rows())


def _timed(action: Callable[[], T]) -> tuple[float, float, T]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = action()
    return time.perf_counter() - wall, time.process_time() - cpu, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    if not dcsa_kernel.available():
        raise SystemExit("the DCSA kernel is not built (pip install -e .)")
    figures: dict[tuple[str, bool], list[tuple[float, float]]] = {}
    stored: dict[bool, Stored] = {}
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = folder / "events.jsonl"
        path.write_text("\n".join(events(args.events, args.seed)) + "\n")
        for round_ in range(args.rounds):
            for kernel in (True, False) if round_ % 2 == 0 else (False, True):
                dcsa_kernel.enabled = kernel
                wall, cpu, _ = _timed(lambda: _read(path))
                figures.setdefault(("read", kernel), []).append((wall, cpu))
                wall, cpu, result = _timed(lambda: _ingest(path, folder))
                figures.setdefault(("ingest", kernel), []).append((wall, cpu))
                stored[kernel] = result
    dcsa_kernel.enabled = True
    (rows, quarantine, counts), (rows_before, quarantine_before, counts_before) = (
        stored[True],
        stored[False],
    )
    if not (
        rows.equals(rows_before, null_equal=True)
        and quarantine.equals(quarantine_before, null_equal=True)
        and counts == counts_before
    ):
        raise SystemExit("the kernel stored something else than DuckDB's decoding")
    print(f"{args.events:,} events, {args.rounds} rounds, medians (CPU s all threads, wall s)")
    print("| path | without: CPU s | with: CPU s | with / without | without: wall s | with: wall s")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for path_name in ("read", "ingest"):
        off = [statistics.median(v) for v in zip(*figures[(path_name, False)], strict=True)]
        on = [statistics.median(v) for v in zip(*figures[(path_name, True)], strict=True)]
        print(
            f"| {path_name} | {off[1]:.2f} | {on[1]:.2f} | {on[1] / off[1]:.2f} "
            f"| {off[0]:.2f} | {on[0]:.2f} |"
        )
    print(f"stored rows, quarantine and counts identical: {rows.height:,} events")


if __name__ == "__main__":
    main()
