"""What rescoring a few vessels after a live run costs on a workspace with many cargo events: a
copy of `--workspace` (detected) given `--cargo` cargo events (`shell_game`, each about a box
and naming one or two of the workspace's vessels as the ships that carried it, as the cargo
detectors write them), then `--rounds` times the risk of `--vessels` vessels scored again
(`balise.engine.assess.reassess_vessels`, what the live path runs after a run with new events)
and the cargo events of `--vessels` boxes read as the live telemetry path reads them before it
saves its own (`balise.engine.cargo._boxes_events`); prints the median CPU seconds of each.
With `--assess`, also the CPU seconds of one whole assessment (`assess_workspace`, the risk
stage of `balise detect`, which scores every vessel's carried boxes). Compare two versions of
the code by running it with `PYTHONPATH` set to each `src`.

    python bench/live_rescore.py --workspace WS --cargo 200000 --vessels 2 --rounds 7

A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl

from balise.engine.assess import assess_workspace, reassess_vessels
from balise.engine.cargo import _boxes_events
from balise.model.events import EVENT_SCHEMA
from workspace_copy import copied_store


def cargo_events(count: int, vessels: list[int], start: datetime, seed: int) -> pl.DataFrame:
    """`count` shell-game events about boxes `BOX0000000`..., each naming one or two of
    `vessels`, a day apart per thousand."""
    rng = random.Random(seed)
    rows = []
    for k in range(count):
        ships = rng.sample(vessels, rng.choice((1, 2)))
        at = start + timedelta(days=k // 1000)
        rows.append({
            "id": f"cargo-{k}", "type": "shell_game", "start": at, "end": at + timedelta(days=3),
            "lat": 10.0, "lon": -60.0, "mmsi": None, "other_mmsi": None, "confidence": 0.7,
            "score": 0.5, "params": "{}", "evidence": "{}", "status": "active",
            "subject": {"kind": "container", "id": f"BOX{k:07d}"},
            "related": [{"kind": "vessel", "id": str(s)} for s in ships],
        })  # fmt: skip
    return pl.DataFrame(rows, schema=EVENT_SCHEMA)


def _median_cpu(action: Callable[[], object], rounds: int) -> float:
    spent = []
    for _ in range(rounds):
        started = time.process_time()
        action()
        spent.append(time.process_time() - started)
    return round(statistics.median(spent), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, required=True, help="a detected workspace")
    parser.add_argument("--cargo", type=int, default=200_000, help="cargo events to add")
    parser.add_argument("--vessels", type=int, default=2, help="vessels rescored, boxes read")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--assess", action="store_true", help="time one whole assessment")
    args = parser.parse_args()
    with copied_store(args.workspace) as (store, root):
        vessels = sorted(store.vessels()["mmsi"].to_list())
        last = store.last_position_time()
        assert last is not None, "the workspace has no positions"
        start = last - timedelta(days=args.cargo // 1000 + 1)
        store.save_events(cargo_events(args.cargo, vessels, start, args.seed), ["shell_game"])
        rng = random.Random(args.seed)
        wanted = rng.sample(vessels, args.vessels)
        boxes = frozenset(f"BOX{k:07d}" for k in rng.sample(range(args.cargo), args.vessels))
        rescore = _median_cpu(lambda: reassess_vessels(store, root, wanted), args.rounds)
        read = _median_cpu(lambda: _boxes_events(store, boxes), args.rounds)
        whole = _median_cpu(lambda: assess_workspace(store, root), 1) if args.assess else None
    print(json.dumps({"vessels_in_workspace": len(vessels), "cargo_events": args.cargo,
                      "rescored": args.vessels, "rescore_cpu_s_median": rescore,
                      "boxes_events_cpu_s_median": read, "assess_cpu_s": whole}))  # fmt: skip


if __name__ == "__main__":
    main()
