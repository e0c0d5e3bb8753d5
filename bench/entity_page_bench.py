"""The cost of an entity page with a large list: the test registry of `tests/data/registry` and
a list of `--entries` generated names (`bench/screen_bench.py`'s generator), the page of one
company made with the registry matches the ownership stage stored (read) and without them (the
entity and those above it screened against the whole list, as every page did before). CPU
seconds of this process, medians of `--repeat`. A benchmark, not a test.

    PYTHONPATH=src:tests python bench/entity_page_bench.py --entries 100000
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))

from balise.engine.entity_page import entity_record
from balise.engine.lists import add_entities, provenance
from balise.engine.ownership import run_ownership
from balise.entities.match import Entity
from balise.entities.params import ScreenParams
from balise.entities.shell_params import ShellParams
from balise.workspace import Workspace
from registry_helpers import registry_workspace
from screen_bench import KINDS


def _cpu() -> float:
    return time.process_time()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--entity", default="ac", help="The registry entity whose page is made.")
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        root = registry_workspace(Path(folder) / "ws")
        store = Workspace(root).open_store()
        try:
            names = [(schema, make(rng)) for schema, make, _ in
                     rng.choices(KINDS, [k[2] for k in KINDS], k=args.entries)]  # fmt: skip
            found = [Entity(f"g{i}", schema, (name,)) for i, (schema, name) in enumerate(names)]
            add_entities(store, "sanctions", found, provenance("bench", "generated"))
            day = datetime.now(UTC).date()
            start = _cpu()
            run_ownership(store, ShellParams(), ScreenParams(), day)
            stage = _cpu() - start
            timed: dict[str, list[float]] = {"stored": [], "screened": []}
            for _ in range(args.repeat):
                for way in ("stored", "screened"):
                    if way == "screened":
                        store.replace_registry_matches(
                            pl.DataFrame(schema={"entity_id": pl.String()}), "", datetime.now(UTC)
                        )  # fmt: skip
                    start = _cpu()
                    page = entity_record(store, args.entity, ShellParams(), ScreenParams(),
                                         today=day)  # fmt: skip
                    timed[way].append(_cpu() - start)
                    assert page is not None
                    run_ownership(store, ShellParams(), ScreenParams(), day)
        finally:
            store.close()
    print(f"list entries: {args.entries:,}; ownership stage (screens the registry): "
          f"{stage:.2f} CPU-s")  # fmt: skip
    for way, values in timed.items():
        print(f"page of {args.entity!r}, matches {way}: median {statistics.median(values):.3f} "
              f"CPU-s over {len(values)} ({', '.join(f'{v:.3f}' for v in values)})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
