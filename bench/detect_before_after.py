"""Detection stages before and after a change, in one process: CPU seconds and equal events.

On a loaded machine wall-clock figures of two runs say little; CPU seconds of the same process,
old and new code alternated stage by stage, compare. `--before DIR` is the `src` folder of the
older tree (`git archive main src | tar -x -C /tmp/before`, then `--before /tmp/before/src`):
its `balise` package is copied as `balise_before` (imports rewritten) and imported beside this
tree's. The world is `bench/detect_speed.py`'s (built once under `--cache`). For each stage,
prints the median CPU seconds of `--repeat` calls of each side (all threads of the process,
`time.process_time`), their ratio, and whether both found the same events. The first call of
each side is timed too: what a stage keeps between calls (the port visits' anchorage index)
shows from the second call on, as in a long-lived process. `--stages` times only the stages
named; "coastal drops, every stretch" runs the coastal drops with a geography that keeps every
stretch, so that the comparison covers the stretches the real coast rejects. A benchmark, not a
test.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from balise.engine.detect import POSITION_COLUMNS, default_geography
from detect_speed import ROOT, _world

BEFORE = "balise_before"


def _install_before(src: Path) -> Path:
    """A temporary folder holding `src`'s `balise` package as `BEFORE`, put on `sys.path`."""
    folder = Path(tempfile.mkdtemp(prefix="detect-before-"))
    shutil.copytree(src / "balise", folder / BEFORE)
    pattern = re.compile(r"\bbalise(?=\.| import|$)", re.MULTILINE)
    for path in (folder / BEFORE).rglob("*.py"):
        path.write_text(pattern.sub(BEFORE, path.read_text()))
    sys.path.insert(0, str(folder))
    return folder


def _inputs(folder: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    from balise.workspace import Workspace

    store = Workspace(folder / "ws").open_store()
    try:
        return store.positions_of(None, columns=POSITION_COLUMNS), store.identity_history_all()
    finally:
        store.close()


def _stages(
    package: str, positions: pl.DataFrame, identities: pl.DataFrame, cache: Path
) -> dict[str, Callable[[], pl.DataFrame]]:
    """The stages of `run_detectors` of `package`, each a call on fresh frames (`clone`: a frame
    shared by two stages would let the second reuse the first's ordering)."""

    def module(name: str) -> ModuleType:
        return importlib.import_module(f"{package}.{name}")

    detect = module("engine.detect")
    geo = detect.default_geography(cache)
    params = module("maritime.params").DetectorParams()
    tracks = module("maritime.segment").segment(positions, params.segment).rechunk()
    clean = tracks.filter(~pl.col("noise"))
    types = identities.select("mmsi", "ship_type")
    coastal, encounters = module("maritime.coastal"), module("maritime.encounters")

    def coastal_drops() -> pl.DataFrame:
        frame = clean.clone()
        lanes = coastal.lane_density(frame, params.coastal_drop, types)
        return coastal.detect_coastal_drops(  # type: ignore[no-any-return]
            frame, params.coastal_drop, shore=geo.shore_nm, anchorage=geo.anchorage_km,
            vessel_types=types, lane=lanes, watched=geo.watched,
        )  # fmt: skip

    def every_stretch() -> pl.DataFrame:
        """Coastal drops where the geography keeps every stretch (5 nm from shore, far from
        ports, no lane): compares the stretches themselves, which the real coast mostly rejects."""
        frame = clean.clone()
        return coastal.detect_coastal_drops(  # type: ignore[no-any-return]
            frame, params.coastal_drop, shore=_constant(5.0), anchorage=_constant(100.0),
            vessel_types=types, lane=_constant(False), watched=geo.watched,
        )  # fmt: skip

    return {
        "segment": lambda: module("maritime.segment").segment(positions, params.segment),
        "spoofing": lambda: module("maritime.spoofing").detect_spoofing(
            tracks.clone(), params.identity
        ),
        "gaps": lambda: module("maritime.gaps").detect_gaps(
            clean.drop("segment_id"), params.gap, shore=geo.shore_nm
        ),
        "loitering": lambda: module("maritime.loitering").detect_loitering(
            clean.clone(), params.loitering, shore=geo.shore_nm
        ),
        "encounters": lambda: encounters.detect_encounters(
            clean.clone(), encounters.PRESETS["gfw"], geo.anchorage_km
        ),
        "coastal drops": coastal_drops,
        "coastal drops, every stretch": every_stretch,
        "port visits": lambda: module("maritime.port_visits").detect_port_visits(
            clean.clone(), geo.anchorages, params.port_visit, locode=geo.locode
        ),
        "zone entries": lambda: module("maritime.zones").detect_zone_entries(
            clean.clone(), geo.zones, vessel_info=identities, params=params.zone
        ),
        "run_detectors": lambda: detect.run_detectors(positions, identities, "gfw", geo),
    }


def _constant(value: float | bool) -> Callable[[Any, Any], npt.NDArray[Any]]:
    """A geography callable answering `value` at every position."""
    return lambda lat, lon: np.full(len(lat), value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", type=Path, required=True, help="src folder of the old tree")
    parser.add_argument("--cache", type=Path, default=ROOT / "bench" / ".cache")
    parser.add_argument("--vessels", type=int, default=1000)
    parser.add_argument("--days", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stages", nargs="+", metavar="STAGE",
                        help="only these stages (e.g. 'port visits')")  # fmt: skip
    args = parser.parse_args()
    folder = _world(args.cache, args.vessels, args.days, args.seed)
    temporary = _install_before(args.before)
    try:
        positions, identities = _inputs(folder)
        default_geography(args.cache)  # the distance-to-shore grid read once, before timing
        sides = {
            name: _stages(package, positions, identities, args.cache)
            for name, package in (("before", BEFORE), ("after", "balise"))
        }
        print(f"{positions.height:,} positions; load average {os.getloadavg()}", flush=True)
        seconds: dict[tuple[str, str], list[float]] = {}
        found: dict[tuple[str, str], pl.DataFrame] = {}
        for stage in args.stages or sides["after"]:
            for _ in range(args.repeat):
                for side, stages in sides.items():
                    started = time.process_time()
                    found[side, stage] = stages[stage]()
                    seconds.setdefault((side, stage), []).append(time.process_time() - started)
            old, new = (statistics.median(seconds[s, stage]) for s in ("before", "after"))
            same = found["before", stage].equals(found["after", stage])
            count = found["after", stage].height
            print(f"{stage}: before {old:.3f} CPU-s, after {new:.3f} CPU-s, after/before "
                  f"{new / old:.2f}; same events: {same} ({count})", flush=True)  # fmt: skip
        print(f"load average {os.getloadavg()}")
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


if __name__ == "__main__":
    main()
