"""Clearance checks on the synthetic world: recall and precision of clearance_missing, and the
clearance_mismatch events raised, against each world's truth.

Builds worlds (`balise sim atlantic`, one per seed, cached in `--cache`), ingests their NMEA, runs
every detector (port visits, loitering, encounters, coastal drops: what the checks read), then the
clearance checks on the stored port visits, positions and identities with the world's
`clearances.csv` and the computed territorial sea. A `clearance_missing` event matches a truth
event of the same vessel and world within `--slack-hours` of its arrival (as
`bench/detect_quality.py` scores), and a `clearance_mismatch` event a truth mismatch in the same
way; for each staged mismatch the table also says whether the detector gave its staged reason
(`last_port`, `extra_call`, `stop_at_sea`, `arrival_time`: `balise.sim.clearance_scenarios`), and
the reasons of the false mismatches are counted. Writes `bench/results/clearance_quality.json`
and `.md`. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from balise.cli.demo import ensure_world
from balise.engine.detect import default_geography, detect
from balise.engine.ingest import Input, ingest_input
from balise.geo.territorial_sea import inside
from balise.maritime.clearance import clearance_events
from balise.model.batch import ReadOptions
from balise.model.coastal import CLEARANCE_SCHEMA
from balise.model.schema import conform
from balise.sim.world import WorldSpec
from balise.store.duckdb import DuckDBStore
from detect_quality import _load_truth, score

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results"
NOTES = (
    "Development seeds 1-9 (`--seeds 1,2,3 --out clearance_dev`, `--seeds 4,5,6,7,8,9 --out",
    "clearance_dev49`); the seeds reported here, 61-63, were never used before. The older",
    "reported seeds 21-26 (precision 0.857) had been looked at and were not rerun with this change",
    "(the world cache of this run held no room for them).",
    "",
    "Change (chosen on development seeds 4-9, where clearance_missing precision was 0.75, 6 of 8):",
    "both false events were yachts already under way when the data began, seen first outside",
    "French waters a few hours from a French port (off Dominica bound for Pointe-a-Pitre, south",
    "of Saint-Barthelemy bound for Marigot): the detector said they came from international",
    "waters, while the world had them on a passage between French islands, which needs no",
    "declaration. A vessel first seen within `censored_minutes` (60) of the data's first position",
    "and in port within `domestic_passage_hours` (48: Fort-de-France to Marigot at 6 kn) now has",
    "no known origin and raises no clearance_missing; on seeds 4-9 precision went to 1.0 (6 of 6),",
    "recall stayed 1.0. The staged undeclared yachts under way from the start sail for about three",
    "days and are still found.",
    "",
    "What the world stages: one yacht per world arriving in Martinique without a declaration",
    "(`clearance_missing`), four yachts per world whose declaration their track contradicts",
    "(`clearance_mismatch`, one per reason), and a declaration for every other yacht arrival",
    "from abroad, the yacht's starting berth counting as her previous call.",
)


def _declarations(path: Path) -> pl.DataFrame:
    """The world's declarations in `CLEARANCE_SCHEMA` (times parsed as UTC)."""
    raw = pl.read_csv(path, infer_schema=False)
    times = [
        pl.col(c).str.to_datetime(time_zone="UTC") for c in ("submitted_at", "expected_arrival")
    ]
    return conform(raw.with_columns(*times, pl.lit(path.name).alias("source")), CLEARANCE_SCHEMA)


def _world(spec: WorldSpec, cache: Path, preset: str) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """The clearance events of the world of `spec` and its truth (world and store cached)."""
    folder = ensure_world(cache / f"world-{spec.seed}-{spec.vessels}-{spec.days:g}", spec)
    store = DuckDBStore(folder / "clearance.duckdb")
    try:
        if store.positions_of(None).is_empty():
            nmea = folder / "ais.nmea"
            item = Input(nmea.name, lambda: nmea.open("rb"), nmea.stat().st_size)
            ingest_input(item, store, ReadOptions(None, 200_000))
        detect(store, preset, default_geography(cache))
        stored = store.events()
        positions = store.positions_of(None)
        identities = store.identity_history_all()
    finally:
        store.close()
    visits = stored.filter(pl.col("type") == "port_visit")
    found = clearance_events(visits, _declarations(folder / "clearances.csv"), identities,
                             positions, stored, inside)  # fmt: skip
    return found, _load_truth(folder / "truth.jsonl")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="21,22,23,24", help="Worlds, comma-separated.")
    parser.add_argument("--vessels", type=int, default=120)
    parser.add_argument("--days", type=float, default=5.0)
    parser.add_argument("--preset", default="gfw")
    parser.add_argument("--slack-hours", type=float, default=3.0)
    parser.add_argument("--cache", type=Path, default=Path(__file__).parent / ".cache")
    parser.add_argument("--out", default="clearance_quality", help="Results file stem.")
    args = parser.parse_args()
    found, truth = [], []
    for seed in (int(s) for s in args.seeds.split(",")):
        spec = WorldSpec(seed=seed, vessels=args.vessels, days=args.days)
        events, world_truth = _world(spec, args.cache, args.preset)
        found.append(events.with_columns(pl.lit(seed).alias("world")))
        truth += [{**t, "world": seed} for t in world_truth if t["type"].startswith("clearance")]
    detected = pl.concat(found)
    results = score(detected, truth, timedelta(hours=args.slack_hours), 1.0)
    slack = timedelta(hours=args.slack_hours)
    reasons = _false_mismatch_reasons(detected, truth, slack)
    staged = _staged_reasons(detected, truth, slack)
    _record(args, results, reasons, detected, _by_origin(detected, truth, args.slack_hours),
            staged)  # fmt: skip


def _mine(event: dict[str, Any], truth: dict[str, Any], slack: timedelta) -> bool:
    """Whether a detected event is about the truth event (same world, vessel, type, time)."""
    return (event["world"], event["mmsi"], event["type"]) == (
        truth["world"], truth["mmsi"], truth["type"]
    ) and abs(event["start"] - truth["start"]) <= slack  # fmt: skip


def _false_mismatch_reasons(
    detected: pl.DataFrame, truth: list[dict[str, Any]], slack: timedelta
) -> dict[str, int]:
    """The reasons of the clearance_mismatch events that match no truth event, counted."""
    false = [e for e in detected.filter(pl.col("type") == "clearance_mismatch").to_dicts()
             if not any(_mine(e, t, slack) for t in truth)]  # fmt: skip
    return dict(Counter(r["reason"] for e in false for r in json.loads(e["evidence"])["reasons"]))


def _staged_reasons(
    detected: pl.DataFrame, truth: list[dict[str, Any]], slack: timedelta
) -> dict[str, list[int]]:
    """For each staged mismatch reason: [staged, detected with that reason among its reasons]."""
    events = detected.filter(pl.col("type") == "clearance_mismatch").to_dicts()
    counts: dict[str, list[int]] = {}
    for t in (t for t in truth if t["type"] == "clearance_mismatch"):
        staged = t["evidence"]["reason"]
        given = {r["reason"] for e in events if _mine(e, t, slack)
                 for r in json.loads(e["evidence"])["reasons"]}  # fmt: skip
        counts.setdefault(staged, [0, 0])
        counts[staged][0] += 1
        counts[staged][1] += staged in given
    return counts


def _by_origin(detected: pl.DataFrame, truth: list[dict[str, Any]], slack_hours: float) -> str:
    """Right and wrong clearance_missing events by the origin inferred (foreign port or first
    seen in international waters)."""
    counts: Counter[tuple[str, bool]] = Counter()
    for event in detected.filter(pl.col("type") == "clearance_missing").to_dicts():
        right = score(pl.DataFrame([event]), truth, timedelta(hours=slack_hours), 1.0)
        hit = right["clearance_missing"]["precision"] == 1.0
        counts[(json.loads(event["evidence"])["origin"], hit)] += 1
    origins = sorted({origin for origin, _ in counts})
    return "; ".join(f"{o}: {counts[(o, True)]} right, {counts[(o, False)]} wrong" for o in origins)


def _record(args: argparse.Namespace, results: dict[str, dict[str, float]],
            reasons: dict[str, int], detected: pl.DataFrame, origins: str,
            staged: dict[str, list[int]]) -> None:  # fmt: skip
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    command = (
        f"python bench/clearance_quality.py --seeds {args.seeds} --vessels {args.vessels} "
        f"--days {args.days:g} --preset {args.preset} --slack-hours {args.slack_hours:g}"
    )
    events = [{"world": r["world"], "type": r["type"], "mmsi": r["mmsi"], "start": str(r["start"]),
               "evidence": json.loads(r["evidence"])} for r in detected.to_dicts()]  # fmt: skip
    record = {"date": datetime.now(UTC).date().isoformat(), "machine": machine,
              "command": command, "results": results, "false_mismatch_reasons": reasons,
              "staged_reasons_found": staged,
              "missing_by_origin": origins,
              "events": events}  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps(record, indent=2) + "\n")
    lines = [
        "# Clearance checks on the synthetic world", "",
        f"{record['date']} — {machine} — `{command}`", "",
        "| type | truth | detected | recall | precision |", "| --- | ---: | ---: | ---: | ---: |",
    ]  # fmt: skip
    for kind in ("clearance_missing", "clearance_mismatch"):
        r = results.get(kind, {})
        lines.append(f"| {kind} | {r.get('truth', 0):.0f} | {r.get('detected', 0):.0f} | "
                     f"{r.get('recall', '')} | {r.get('precision', '')} |")  # fmt: skip
    raised = ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) or "none"
    lines += ["", f"clearance_missing by the origin inferred: {origins}."]
    found = ", ".join(f"{k} {v[1]} of {v[0]}" for k, v in sorted(staged.items())) or "none staged"
    lines += ["", f"Staged mismatches whose staged reason the detector gave: {found}."]
    lines += ["", f"Reasons of the false clearance_mismatch events: {raised}."]
    lines += ["", *NOTES]
    (RESULTS / f"{args.out}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
