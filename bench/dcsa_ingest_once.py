"""One ingest of a JSON lines file of DCSA Track & Trace events into a fresh DuckDB store, its
CPU seconds (all threads) and wall seconds printed as one JSON line with the load average.

Made to compare two checkouts alternately, one process per run (the CPU seconds of runs back to
back drift with the load of a shared machine; alternating spreads the drift over both):

    for i in 1 2 3 4; do
      PYTHONPATH=OLD/src python bench/dcsa_ingest_once.py EVENTS.jsonl --label before
      PYTHONPATH=src     python bench/dcsa_ingest_once.py EVENTS.jsonl --label after
    done

The events file is any JSON lines input (`bench/dcsa_ingest_bench.py` writes one of its events in
its temporary folder; the figures of `bench/results/dcsa_ingest.md` are of its 200,000 events,
seed 14). A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from balise.engine.ingest import Input
from balise.engine.ingest_records import ingest_records
from balise.model.batch import ReadOptions
from balise.model.record_batch import RecordKind
from balise.store.duckdb import DuckDBStore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("events", type=Path)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    source: Path = args.events
    with tempfile.TemporaryDirectory() as folder:
        store = DuckDBStore(Path(folder) / "ws.duckdb")
        item = Input(source.name, lambda: source.open("rb"), source.stat().st_size)
        cpu, wall = time.process_time(), time.perf_counter()
        result = ingest_records(RecordKind.CONTAINERS, item, store, ReadOptions())
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        store.close()
    load = Path("/proc/loadavg").read_text().split()[0]
    record = {
        "code": args.label, "stored": result.count("records_stored"), "cpu_s": round(cpu, 3),
        "wall_s": round(wall, 2), "load": load,
    }  # fmt: skip
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
