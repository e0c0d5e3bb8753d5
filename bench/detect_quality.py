"""Detection quality on the synthetic world: recall and precision per event type against its truth.

Builds worlds (`balise sim atlantic`, one per seed, cached in `--cache`), ingests their NMEA,
runs every detector and compares the stored events with each world's `truth.jsonl`. A detected
event matches a truth event of the same type when it is about the same vessel of the same world
(either side for two-vessel events) and their time spans overlap, with `--slack-hours` of
tolerance. Recall is over the truth of each type; precision is over the detected events of each
type (a detected event that matches nothing is a false alert, whatever the vessel); false alerts
are also given per 1,000 vessel-days of the worlds, and the alerts about benign vessels (those of
no scenario) per 1,000 benign vessel-days. Writes `bench/results/detect_quality.json` and `.md`.
A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from balise.cli.demo import ensure_world
from balise.engine.detect import default_geography, detect
from balise.engine.ingest import Input, ingest_input
from balise.model.batch import ReadOptions
from balise.sim.world import WorldSpec
from balise.store.duckdb import DuckDBStore

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results"


CALLS_OF_VOYAGES_ONLY = ("port_visit",)
"""The world's truth holds the port calls of vessels on voyages, not the in-port comings and goings
of tugs or the stops of yachts and fishing boats: these types are scored on the vessels with at
least one truth call."""


def _spans_overlap(a: dict[str, Any], b: dict[str, Any], slack: timedelta) -> bool:
    return bool(a["start"] - slack <= b["end"] and b["start"] - slack <= a["end"])


def _same_vessels(detected: dict[str, Any], truth: dict[str, Any]) -> bool:
    if detected.get("world") != truth.get("world"):
        return False
    ours = {detected["mmsi"], detected["other_mmsi"]} - {None}
    theirs = {truth["mmsi"], truth["other_mmsi"]} - {None}
    return bool(ours & theirs)


def _load_truth(path: Path) -> list[dict[str, Any]]:
    """The truth about vessels and radar tracks (the insider's days, about a user, are scored by
    `bench/insider_quality.py`)."""
    lines = path.read_text().splitlines()
    records = [r for r in map(json.loads, lines) if (r.get("subject") or {}).get("kind") != "user"]
    for record in records:
        for key in ("start", "end"):
            record[key] = datetime.fromisoformat(record[key].replace("Z", "+00:00"))
    return records


def score(
    detected: pl.DataFrame, truth: list[dict[str, Any]], slack: timedelta, vessel_days: float
) -> dict[str, dict[str, float]]:
    """Recall, precision and false alerts per type present in either the truth or the output."""
    results: dict[str, dict[str, float]] = {}
    kinds = sorted(set(detected["type"].to_list()) | {t["type"] for t in truth})
    for kind in kinds:
        ours = detected.filter(pl.col("type") == kind).to_dicts()
        theirs = [t for t in truth if t["type"] == kind]
        if kind in CALLS_OF_VOYAGES_ONLY:
            voyaging = {(t.get("world"), t["mmsi"]) for t in theirs}
            ours = [d for d in ours if (d.get("world"), d["mmsi"]) in voyaging]
        found = [any(_same_vessels(d, t) and _spans_overlap(d, t, slack) for d in ours)
                 for t in theirs]  # fmt: skip
        right = [any(_same_vessels(d, t) and _spans_overlap(d, t, slack) for t in theirs)
                 for d in ours]  # fmt: skip
        false_alerts = len(right) - sum(right)
        results[kind] = {
            "truth": len(theirs),
            "detected": len(ours),
            "recall": round(sum(found) / len(theirs), 3) if theirs else float("nan"),
            "precision": round(sum(right) / len(ours), 3) if ours else float("nan"),
            "false_alerts_per_1000_vessel_days": round(1000 * false_alerts / vessel_days, 2),
        }
    return results


def _world_events(
    spec: WorldSpec, cache: Path, preset: str
) -> tuple[pl.DataFrame, list[dict[str, Any]], pl.DataFrame]:
    """The events detected on the world of `spec`, its truth and its AIS hulls; the world, its
    workspace and the distance-to-shore grid are cached under `cache`."""
    folder = ensure_world(cache / f"world-{spec.seed}-{spec.vessels}-{spec.days:g}", spec)
    store = DuckDBStore(folder / "quality.duckdb")
    try:
        nmea = folder / "ais.nmea"
        item = Input(nmea.name, lambda: nmea.open("rb"), nmea.stat().st_size)
        ingest_input(item, store, ReadOptions(None, 200_000))
        detect(store, preset, default_geography(cache), full=True)
        detected = store.events()
    finally:
        store.close()
    hulls = pl.read_csv(folder / "vessels.csv").filter(pl.col("ais"))
    return detected, _load_truth(folder / "truth.jsonl"), hulls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="21,22,23", help="Worlds to build, comma-separated.")
    parser.add_argument("--vessels", type=int, default=120)
    parser.add_argument("--days", type=float, default=5.0)
    parser.add_argument("--preset", default="gfw")
    parser.add_argument("--slack-hours", type=float, default=2.0)
    parser.add_argument("--cache", type=Path, default=Path(__file__).parent / ".cache")
    args = parser.parse_args()
    detected, truth, benign, vessel_days = [], [], [], 0.0
    for seed in (int(s) for s in args.seeds.split(",")):
        spec = WorldSpec(seed=seed, vessels=args.vessels, days=args.days)
        events, world_truth, hulls = _world_events(spec, args.cache, args.preset)
        # MMSIs are drawn per world: the same number in two worlds is two vessels
        detected.append(events.with_columns(pl.lit(seed).alias("world")))
        truth += [{**t, "world": seed} for t in world_truth]
        benign.append(hulls.filter(pl.col("scenario").fill_null("") == "")
                      .select(pl.lit(seed).alias("world"), "mmsi"))  # fmt: skip
        vessel_days += hulls.height * args.days
    results = score(pl.concat(detected), truth, timedelta(hours=args.slack_hours), vessel_days)
    benign_days = sum(b.height for b in benign) * args.days
    for kind, alerts in _benign_alerts(pl.concat(detected), pl.concat(benign)).items():
        results.setdefault(kind, {})["benign_alerts_per_1000_vessel_days"] = round(
            1000 * alerts / benign_days, 2
        )
    _record(args, results, vessel_days)


def _benign_alerts(detected: pl.DataFrame, benign: pl.DataFrame) -> dict[str, int]:
    """Events (other than port visits) about vessels of no scenario: alerts an officer would
    read about ordinary traffic."""
    about_benign = detected.join(benign, on=["world", "mmsi"], how="semi")
    alerts = about_benign.filter(pl.col("type") != "port_visit")
    return dict(alerts.group_by("type").len().iter_rows())


def _record(args: argparse.Namespace, results: dict[str, dict[str, float]], days: float) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    command = (
        f"python bench/detect_quality.py --seeds {args.seeds} --vessels {args.vessels} "
        f"--days {args.days:g} --preset {args.preset} --slack-hours {args.slack_hours:g}"
    )
    record = {"date": datetime.now(UTC).date().isoformat(), "machine": machine,
              "command": command, "vessel_days": days, "results": results}  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "detect_quality.json").write_text(json.dumps(record, indent=2) + "\n")
    lines = [
        "# Detection quality on the synthetic world", "",
        f"{record['date']} — {machine} — `{command}`", "",
        f"{days:,.0f} vessel-days of AIS traffic. Benign alerts: events (port visits aside) about",
        "vessels of no scenario, per 1,000 vessel-days of those vessels.", "",
        "| type | truth | detected | recall | precision | false alerts / 1,000 vessel-days "
        "| benign alerts / 1,000 benign vessel-days |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]  # fmt: skip
    for kind, r in sorted(results.items()):
        lines.append(f"| {kind} | {r.get('truth', 0):.0f} | {r.get('detected', 0):.0f} | "
                     f"{r.get('recall', '')} | {r.get('precision', '')} | "
                     f"{r.get('false_alerts_per_1000_vessel_days', '')} | "
                     f"{r.get('benign_alerts_per_1000_vessel_days', 0)} |")  # fmt: skip
    (RESULTS / "detect_quality.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
