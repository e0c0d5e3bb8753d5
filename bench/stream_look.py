"""What one look of the live stream (`GET /api/v1/stream`) costs when no alert changed since the
previous look: the stream looks ten times a second for each connected browser
(`stream.poll_seconds`), and nearly every look finds nothing new.

    python bench/live_batches.py --world W --workspace WS --warm 110000 --batches 10 --batch 1000
    python bench/stream_look.py --workspace WS

Prints the CPU milliseconds of one look (median of `--rounds` rounds of `--looks` looks), for a
connection that follows every detected type and was opened `--since` seconds before. Compare
two versions of the code by running it with `PYTHONPATH` set to each `src`. A benchmark, not a
test.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from balise.api.routers.stream import _Watch
from balise.engine.detect import DETECTED_TYPES
from balise.workspace import Workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--since", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--looks", type=int, default=40)
    args = parser.parse_args()
    store = Workspace(args.workspace).open_store()
    since = datetime.now(UTC) - timedelta(seconds=args.since)
    watch = _Watch(DETECTED_TYPES, True, since, {})
    watch.mark(watch.changed_alerts(store))
    rounds = []
    for _ in range(args.rounds):
        cpu = time.process_time()
        for _ in range(args.looks):
            watch.changed_alerts(store)
        rounds.append((time.process_time() - cpu) / args.looks * 1000)
    store.close()
    shown = ", ".join(f"{r:.2f}" for r in rounds)
    print(f"one look, nothing changed: CPU {statistics.median(rounds):.2f} ms (rounds: {shown})")


if __name__ == "__main__":
    main()
