"""Why a live alert comes when it comes, alert by alert, without the clock: a world's NMEA stored
in batches of `--batch` lines (500: what 2,000 lines/s gives in the listener's 0.25 s batches),
the live path's detection and alert refresh after each (`LiveDetection`, the workspace's default
settings), and each alert's first batch compared with its completing line (as in
`live_bench.py`: the first line of its vessel(s) at or after its event's end).

`lag` is the lines stored after the completing one before a run could raise the alert: divided
by the feed's rate, the part of the latency that the data imposes (a detector that decides an
event only on later positions), whatever the CPU; the rest of a live alert's latency is the
batch wait, the runs' time (`run s`: CPU of this process per run) and the stream's poll.

    python bench/live_alerts.py --world /tmp/lx/world --lines 120000

A benchmark, not a test; prints a JSON line per alert, then the run times.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from balise.alerts.store import AlertFilter, AlertStore
from balise.engine.live_detect import LiveDetection
from balise.engine.pipeline import run_stages
from balise.io.nmea import read_nmea
from balise.model.batch import ReadOptions
from balise.store.base import IngestRecord, Store
from balise.workspace import Workspace


def _put(store: Store, lines: list[bytes], tag: str) -> None:
    store.start_ingest(IngestRecord(tag, tag, "nmea", "running", 0, 0))
    for i, batch in enumerate(read_nmea(io.BytesIO(b"".join(lines)), tag, ReadOptions())):
        store.store_batch(tag, i, batch)
    store.finish_ingest(tag)


def _index(lines: list[bytes]) -> pl.DataFrame:
    """Each decoded line's 0-based `line`, `mmsi` and `timestamp`."""
    frames = []
    for batch in read_nmea(io.BytesIO(b"".join(lines)), "index", ReadOptions()):
        for frame in (batch.positions, batch.identities):
            frames.append(frame.select("source_line", "mmsi", "timestamp"))
    return pl.concat(frames).with_columns(line=pl.col("source_line") - 1).sort("line")


def _say(
    index: pl.DataFrame, alert: dict[str, Any], stored: int, revised: bool, note: str = ""
) -> None:
    """One alert's line: its event, completing line and lag."""
    end: datetime = alert["end"] or alert["start"]
    vessels = [m for m in (alert["mmsi"], alert.get("other_mmsi")) if m is not None]
    found = index.filter(pl.col("mmsi").is_in(vessels) & (pl.col("timestamp") >= end))
    line = int(found["line"][0]) if found.height else None
    print(json.dumps({
        "type": alert["type"], "mmsi": alert["mmsi"], "other_mmsi": alert.get("other_mmsi"),
        "start": str(alert["start"]), "end": str(alert["end"]), "completing_line": line,
        "raised_after_line": stored, "lag_lines": None if line is None else stored - line,
        "revision": revised, "status": alert["event_status"], "severity": alert["severity"],
        "note": note,
    }), flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--world", type=Path, required=True)
    parser.add_argument("--lines", type=int, default=120_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--stages", action="store_true", help="then the stages, once")
    parser.add_argument("--no-rescore", action="store_true", help="no risk scoring per run")
    args = parser.parse_args()
    lines = (args.world / "ais.nmea").read_bytes().splitlines(keepends=True)[: args.lines]
    index = _index(lines)
    seen: dict[tuple[str, str], int] = {}
    first: dict[str, dict[str, Any]] = {}
    runs: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Workspace(Path(tmp) / "ws")
        store = workspace.open_store(create=True)
        live = LiveDetection.of(workspace, workspace.settings())
        if args.no_rescore:
            live.rescore = None
        for k, lo in enumerate(range(0, len(lines), args.batch)):
            _put(store, lines[lo : lo + args.batch], f"batch-{k}")
            cpu = time.process_time()
            live(store)
            runs.append(time.process_time() - cpu)
            for alert in AlertStore(store).alerts(AlertFilter(), None).to_dicts():
                key = (alert["id"], alert["fingerprint"])
                if key not in seen:
                    seen[key] = k
                    revised = alert["id"] in first
                    first.setdefault(alert["id"], alert)
                    _say(index, alert, lo + args.batch, revised)
        if args.stages:  # what the workspace-wide stages add when they come (every 5 minutes)
            run_stages(store, workspace, workspace.settings(), live.geo)
            AlertStore(store).refresh(rules=live.rules)
            for alert in AlertStore(store).alerts(AlertFilter(), None).to_dicts():
                if alert["id"] not in first:
                    _say(index, alert, len(lines), False, "after the stages")
        store.close()
    runs.sort()
    print(json.dumps({
        "runs": len(runs), "run_cpu_s_p50": round(runs[len(runs) // 2], 3),
        "run_cpu_s_p95": round(runs[int(len(runs) * 0.95)], 3), "run_cpu_s_max": round(runs[-1], 3),
        "cpu_ms_per_1000_lines": round(sum(runs) / len(lines) * 1e6, 1),
        "load": round(os.getloadavg()[0], 1),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
