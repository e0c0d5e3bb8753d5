"""CPU cost of the store's side of `balise ingest ais`: opening a new DuckDB workspace store,
preparing every batch of an NMEA file (what the ingest's read-ahead thread does beside the
store, `prepare_batch`; nothing in a tree without it), storing them, finishing the ingest and
closing the store.

The file is read once, before any clock starts; then this tree's store and, with `--before SRC`
(another tree's `src/`, its modules imported beside this one's), that tree's store take the same
batches into a new store each, alternating, `--rounds` times (after one warm-up round of each),
so that a shared, loaded machine weighs on both alike. The figures are the process's CPU seconds
(user + system, all threads: DuckDB's too) per step, medians. Build the input with
`bench/ingest_bench.py`'s `build_sim_nmea` or give any NMEA file.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
from itertools import pairwise
from pathlib import Path
from types import ModuleType
from typing import Any

from source_trees import tree_modules

STEPS = ("open", "prepare", "store", "finish", "close")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _batches(path: Path) -> list[Any]:
    from balise.io.nmea import read_nmea
    from balise.model.batch import ReadOptions

    with path.open("rb") as stream:
        return list(read_nmea(stream, path.name, ReadOptions()))


def _one_ingest(duckdb_store: ModuleType, base: ModuleType, batches: list[Any]) -> list[float]:
    """CPU seconds of each of `STEPS` for one ingest of `batches` into a new store."""
    marks = [_cpu()]
    with tempfile.TemporaryDirectory() as workspace:
        store = duckdb_store.DuckDBStore(Path(workspace) / "balise.duckdb")
        marks.append(_cpu())
        store.start_ingest(base.IngestRecord("bench", "bench.nmea", "nmea", "running", 0, 0))
        prepare = getattr(store, "prepare_batch", lambda batch: batch)
        prepared = [prepare(batch) for batch in batches]
        marks.append(_cpu())
        for index, batch in enumerate(prepared):
            store.store_batch("bench", index, batch)
        marks.append(_cpu())
        store.finish_ingest("bench")
        store.ingest_counts("bench")
        store.quarantine("bench")
        marks.append(_cpu())
        store.close()
        marks.append(_cpu())
    return [after - before for before, after in pairwise(marks)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("nmea", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", metavar="SRC", help="another tree's src to compare with")
    args = parser.parse_args()
    src = str(Path(__file__).resolve().parents[1] / "src")
    trees = {"this tree": tree_modules(src, "balise.store.duckdb", "balise.store.base")[0]}
    if args.before:
        trees["before"] = tree_modules(args.before, "balise.store.duckdb", "balise.store.base")[0]
    batches = _batches(args.nmea)
    runs: dict[str, list[list[float]]] = {name: [] for name in trees}
    for round_index in range(args.rounds + 1):
        for name, (duckdb_store, base) in trees.items():
            steps = _one_ingest(duckdb_store, base, batches)
            if round_index:  # the first round warms up
                runs[name].append(steps)
    print("| tree | " + " | ".join(f"{step} CPU s" for step in STEPS) + " | total CPU s |")
    print("| --- |" + " ---: |" * (len(STEPS) + 1))
    for name, measured in runs.items():
        medians = [statistics.median(run[i] for run in measured) for i in range(len(STEPS))]
        total = statistics.median(sum(run) for run in measured)
        print(f"| {name} | " + " | ".join(f"{m:.3f}" for m in medians) + f" | {total:.3f} |")


if __name__ == "__main__":
    main()
