"""What tracking the vessels under way costs on a large workspace: the likely next port and ETA
of every vessel of a copy of `--workspace` (`balise.maritime.tracking.track_destinations`, as
the risk stage of `balise detect` runs it: recent positions, declared destinations, the
packaged ports), `--rounds` times in one process (the first is what a run of `balise detect`
pays; the next ones what a long-running process, such as a live listener's stages, pays
again); prints the CPU seconds of each round and, with `--out`, writes the last round's frame
so that two versions of the code can be compared row for row. Compare two versions by running
it with `PYTHONPATH` set to each `src`.

    python bench/tracking_bench.py --workspace WS --rounds 2 --out new.parquet

A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import polars as pl

from balise.engine.assess import ACTIVE_HOURS, RECENT_HOURS
from balise.geo.gazetteer import Gazetteer, normalise_destination
from balise.maritime.tracking import track_destinations
from workspace_copy import copied_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, required=True, help="a workspace with data")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, help="write the last round's frame (Parquet)")
    args = parser.parse_args()
    with copied_store(args.workspace) as (store, _):
        vessels = store.vessels()
        texts = vessels["destination"].to_list()
        declared = vessels.select(
            "mmsi",
            pl.Series("destination_locode", [normalise_destination(t) for t in texts]),
            "eta",
        )
        recent = store.recent_positions(RECENT_HOURS, ACTIVE_HOURS)
    ports = Gazetteer.packaged().ports.select("locode", "lat", "lon")
    spent = []
    for _ in range(args.rounds):
        started = time.process_time()
        tracked = track_destinations(recent, declared, ports)
        spent.append(round(time.process_time() - started, 2))
    if args.out is not None:
        tracked.write_parquet(args.out)
    print(json.dumps({"vessels": tracked.height, "cpu_s_per_round": spent}))


if __name__ == "__main__":
    main()
