"""Alert quality on the synthetic world: does the inbox hold the anomalies the world staged?

For each world (the demo world and further seeds, cached in `--cache`), builds a workspace the way
`balise demo` does (the world's AIS ingested, its watchlist in the workspace), runs the pipeline
of `balise detect` (detection, risk, alerts, with the default settings unless `BALISE_*` variables
say otherwise) and reads the open alerts. An alert concerns a staged hull when its vessel (or the
other vessel of a two-vessel event) is a hull of a scenario (`vessels.csv`, column `scenario`).
Reports per world and in all: open alerts, the share about staged hulls, and the open alerts
about benign traffic (every vessel involved of no scenario) per 1,000 benign vessel-days, by
event type. Targets (issue 11): at least 80 % about staged hulls, at most 5 benign alerts per
1,000 benign vessel-days. Writes `bench/results/alert_quality.json` and `.md`. A benchmark, not a
test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from balise.cli.demo import DEMO_WORLD, ensure_world
from balise.engine.detect import Geography, default_geography
from balise.engine.ingest import Input, ingest_input
from balise.engine.pipeline import run_pipeline
from balise.geo.zones import Zone
from balise.model.batch import ReadOptions
from balise.sim.world import WorldSpec
from balise.store.base import AlertFilter
from balise.workspace import Workspace

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results"


def _workspace(folder: Path) -> Workspace:
    """A fresh workspace beside the world, holding its AIS and its watchlist."""
    workspace = Workspace(folder / "alert-workspace")
    shutil.rmtree(workspace.root, ignore_errors=True)
    store = workspace.open_store(create=True)
    try:
        nmea = folder / "ais.nmea"
        item = Input(nmea.name, lambda: nmea.open("rb"), nmea.stat().st_size)
        ingest_input(item, store, ReadOptions(None, 200_000))
    finally:
        store.close()
    shutil.copyfile(folder / "watchlist.csv", workspace.watchlist_path)
    return workspace


def _open_alerts(spec: WorldSpec, cache: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The open alerts after the pipeline on the world of `spec`, and the world's AIS hulls."""
    folder = ensure_world(cache / f"world-{spec.seed}-{spec.vessels}-{spec.days:g}", spec)
    workspace = _workspace(folder)

    def geography(_: Path, zones: tuple[Zone, ...]) -> Geography:
        return default_geography(cache, zones)  # one distance-to-shore grid for every world

    run_pipeline(workspace, workspace.settings(), full=True, geography=geography)
    store = workspace.open_store()
    try:
        alerts = store.find_alerts(AlertFilter(states=("open",)), None)
    finally:
        store.close()
    hulls = pl.read_csv(folder / "vessels.csv", infer_schema=False).filter(pl.col("ais") == "true")
    return alerts, hulls


def judge(alerts: pl.DataFrame, hulls: pl.DataFrame, days: float) -> dict[str, Any]:
    """Open alerts, those about staged hulls, and benign ones by type, for one world."""
    staged_ids = hulls.filter(pl.col("scenario").fill_null("") != "")["mmsi"].cast(pl.Int32)
    staged = staged_ids.implode()
    about_staged = (pl.col("mmsi").is_in(staged) | pl.col("other_mmsi").is_in(staged)).fill_null(
        False
    )
    marked = alerts.with_columns(about_staged.alias("staged"))
    benign = marked.filter(~pl.col("staged"))
    benign_vessels = hulls.height - staged_ids.len()
    return {
        "open": marked.height,
        "about_staged": int(marked["staged"].sum()),
        "benign": benign.height,
        "benign_vessel_days": benign_vessels * days,
        "benign_by_type": dict(sorted(benign.group_by("type").len().iter_rows())),
        "by_type": dict(sorted(marked.group_by("type").len().iter_rows())),
    }


def _share(about_staged: int, total: int) -> float:
    return round(100 * about_staged / total, 1) if total else float("nan")


def _rate(alerts: int, vessel_days: float) -> float:
    return round(1000 * alerts / vessel_days, 2) if vessel_days else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="21,22,23,24", help="Worlds besides the demo's.")
    parser.add_argument("--vessels", type=int, default=120)
    parser.add_argument("--days", type=float, default=5.0)
    parser.add_argument("--cache", type=Path, default=Path(__file__).parent / ".cache")
    args = parser.parse_args()
    specs = [DEMO_WORLD] + [
        WorldSpec(seed=int(s), vessels=args.vessels, days=args.days) for s in args.seeds.split(",")
    ]
    worlds = {}
    for spec in specs:
        alerts, hulls = _open_alerts(spec, args.cache)
        worlds[f"seed {spec.seed} ({spec.vessels} vessels, {spec.days:g} days)"] = judge(
            alerts, hulls, spec.days
        )
    _record(args, worlds)


def _total(worlds: dict[str, dict[str, Any]]) -> dict[str, Any]:
    keys = ("open", "about_staged", "benign", "benign_vessel_days")
    total: dict[str, Any] = {k: sum(w[k] for w in worlds.values()) for k in keys}
    by_type: dict[str, int] = {}
    for world in worlds.values():
        for kind, count in world["benign_by_type"].items():
            by_type[kind] = by_type.get(kind, 0) + count
    return total | {"benign_by_type": dict(sorted(by_type.items()))}


def _row(name: str, w: dict[str, Any]) -> str:
    types = ", ".join(f"{k} {v}" for k, v in w["benign_by_type"].items()) or "none"
    return (f"| {name} | {w['open']} | {w['about_staged']} | "
            f"{_share(w['about_staged'], w['open'])} % | {w['benign']} | "
            f"{_rate(w['benign'], w['benign_vessel_days'])} | {types} |")  # fmt: skip


def _record(args: argparse.Namespace, worlds: dict[str, dict[str, Any]]) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    command = (
        f"python bench/alert_quality.py --seeds {args.seeds} --vessels {args.vessels} "
        f"--days {args.days:g}"
    )
    total = _total(worlds)
    record = {"date": datetime.now(UTC).date().isoformat(), "machine": machine,
              "command": command, "worlds": worlds, "total": total}  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "alert_quality.json").write_text(json.dumps(record, indent=2) + "\n")
    lines = [
        "# Alert quality on the synthetic world", "",
        f"{record['date']} — {machine} — `{command}`", "",
        "Open alerts after `balise detect` with the default settings, on the demo world and",
        "further seeds. Staged: the alert's vessel (or the other vessel of an encounter) is a",
        "scenario hull. Benign: every vessel involved is of no scenario, per 1,000 vessel-days",
        "of benign AIS hulls.",
        "Targets: at least 80 % staged, at most 5 benign alerts per 1,000 benign vessel-days.", "",
        "| world | open alerts | about staged hulls | share | benign alerts "
        "| benign / 1,000 vessel-days | benign alerts by type |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
        *(_row(name, w) for name, w in worlds.items()),
        _row("**all**", total),
    ]  # fmt: skip
    (RESULTS / "alert_quality.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
