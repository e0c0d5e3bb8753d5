"""What the alert refresh after a live run costs on a workspace with many events: a copy of
`--workspace` (detected, alerts refreshed once), then `--changes` times one event revised (a
vessel-scoped run's save, as a live run makes) and the alerts refreshed; prints the median CPU
seconds of those refreshes. Compare two versions of the code by running it with `PYTHONPATH`
set to each `src`.

    python bench/alert_refresh.py --workspace WS --changes 7

A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import polars as pl

from balise.alerts.store import AlertStore
from balise.store.base import RunScope
from workspace_copy import copied_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, required=True, help="a detected workspace")
    parser.add_argument("--changes", type=int, default=7)
    args = parser.parse_args()
    with copied_store(args.workspace) as (store, _):
        AlertStore(store).refresh()
        events = store.events()
        spent = []
        for i in range(args.changes):
            one = events.slice(i, 1).with_columns(pl.col("confidence") * 0.99)
            mmsi = int(one["mmsi"][0])
            scope = RunScope((mmsi,), (), one["start"][0], one["end"][0])
            store.save_events(one, [str(one["type"][0])], scope)
            started = time.process_time()
            AlertStore(store).refresh()
            spent.append(time.process_time() - started)
    print(json.dumps({"events": events.height, "changes": args.changes,
                      "refresh_cpu_s_median": round(statistics.median(spent), 4)}))  # fmt: skip


if __name__ == "__main__":
    main()
