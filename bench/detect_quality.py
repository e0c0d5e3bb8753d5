"""Detection quality on the synthetic world: recall and precision per event type against its truth.

Builds a world (`balise sim atlantic`), ingests its NMEA into a fresh workspace, runs `balise
detect` and compares the stored events with `truth.jsonl`. A detected event matches a truth event
of the same type when it is about the same vessel (either side for two-vessel events) and their
time spans overlap, with `--slack-hours` of tolerance. Recall is over the truth of each type;
precision is over the detected events of each type (a detected event that matches nothing is a
false alert, whatever the vessel); false alerts are also given per 1,000 vessel-days of the world.
Writes `bench/results/detect_quality.json` and `.md`. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from balise.cli.main import run

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results"


def _spans_overlap(a: dict[str, Any], b: dict[str, Any], slack: timedelta) -> bool:
    return bool(a["start"] - slack <= b["end"] and b["start"] - slack <= a["end"])


def _same_vessels(detected: dict[str, Any], truth: dict[str, Any]) -> bool:
    ours = {detected["mmsi"], detected["other_mmsi"]} - {None}
    theirs = {truth["mmsi"], truth["other_mmsi"]} - {None}
    return bool(ours & theirs)


def _load_truth(path: Path) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in path.read_text().splitlines()]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", default="21")
    parser.add_argument("--vessels", default="200")
    parser.add_argument("--days", default="7")
    parser.add_argument("--preset", default="gfw")
    parser.add_argument("--slack-hours", type=float, default=2.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        world, workspace = Path(folder) / "world", str(Path(folder) / "ws")
        sim = ["sim", "atlantic", "--out", str(world), "--seed", args.seed,
               "--vessels", args.vessels, "--days", args.days]  # fmt: skip
        for command in (sim, ["--workspace", workspace, "ingest", "ais", str(world / "ais.nmea")],
                        ["--workspace", workspace, "detect", "--preset", args.preset]):  # fmt: skip
            if run(command) != 0:
                raise SystemExit(f"balise {' '.join(command)} failed")
        from balise.workspace import Workspace

        store = Workspace(Path(workspace)).open_store()
        try:
            detected = store.events()
        finally:
            store.close()
        truth = _load_truth(world / "truth.jsonl")
        hulls = pl.read_csv(world / "vessels.csv").filter(pl.col("ais")).height
    vessel_days = hulls * float(args.days)
    results = score(detected, truth, timedelta(hours=args.slack_hours), vessel_days)
    _record(args, results, vessel_days)


def _record(args: argparse.Namespace, results: dict[str, dict[str, float]], days: float) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    command = (
        f"python bench/detect_quality.py --seed {args.seed} --vessels {args.vessels} "
        f"--days {args.days} --preset {args.preset} --slack-hours {args.slack_hours}"
    )
    record = {"date": datetime.now(UTC).date().isoformat(), "machine": machine,
              "command": command, "vessel_days": days, "results": results}  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "detect_quality.json").write_text(json.dumps(record, indent=2) + "\n")
    lines = [
        "# Detection quality on the synthetic world", "",
        f"{record['date']} — {machine} — `{command}`", "",
        f"{days:,.0f} vessel-days of AIS traffic.", "",
        "| type | truth | detected | recall | precision | false alerts / 1,000 vessel-days |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]  # fmt: skip
    for kind, r in results.items():
        lines.append(f"| {kind} | {r['truth']:.0f} | {r['detected']:.0f} | {r['recall']} | "
                     f"{r['precision']} | {r['false_alerts_per_1000_vessel_days']} |")  # fmt: skip
    (RESULTS / "detect_quality.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
