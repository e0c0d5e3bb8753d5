"""Cargo detection on the synthetic world: recall and precision of every container event type
(`shell_game`, `release_fraud`, `container_clone`, `door_opened`, `box_off_vessel`,
`reefer_anomaly`, `unexpected_stop`) against each world's truth.

Builds worlds (one per seed, `balise.cli.demo.ensure_world`, cached in `--cache`), and for each a
workspace beside it (cached too) into which the world's AIS (`ais.nmea`) and its cargo records
(`container-events.jsonl`, `manifests.csv`, `telemetry.jsonl`, `releases.csv`, `gate.csv`) are
ingested through the same readers as `balise ingest ais|containers|manifests|telemetry|
releases|gate`. Then `run_pipeline` runs, as `balise detect` does (AIS detection for the port
visits the shell-game rule reads, then the cargo stage with the AIS positions its box-off-vessel
rule reads), and the stored events of the cargo types are scored.

Matching rule: a detected event matches a truth event of the same world and type when its
subject is the same container (subject kind `container`, id the box number) and their spans
overlap with `--slack-hours` of slack (either side). A truth event is found when an event matches
it; a detected event is right when it matches a truth event. A detected event that matches
none but is about a box the world staged in another scenario (e.g. the `container_clone` of a
box whose device left its ship: the device's fixes and the box's port events are then far apart)
is left out of precision and counted apart ("other scenario"); every other event is false.
Precision counts events (right / (right + false)), recall truth events, so two events about one
staged box both count as right.

Truth not provable within the records: a release theft's proof (the rightful haulier turned
away at the gate, 12-48 h after the thief) may fall after the world's end; until then the
records show a pickup by a haulier on no release, which an honest subcontractor makes too. Such
truth (evidence `provable_in_data` false) is left out of "truth" and "recall" and counted apart
("not provable", with how many were found anyway); "recall of all staged" counts it in. A
detection matching it is right.

Only `--dev-seeds` were looked at to analyse errors and choose anything; `--seeds` are fresh
seeds, never used before the run that reports them; `--old-seeds` were reported by earlier
revisions (so seen then), reported again, never looked at to choose anything.
Writes `bench/results/cargo_quality.json` and `.md`. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from balise.cli.demo import ensure_world
from balise.engine.cargo import CARGO_TYPES
from balise.engine.detect import Geography, default_geography
from balise.engine.ingest import Input, ingest_input
from balise.engine.ingest_records import ingest_records
from balise.engine.pipeline import GeographyBuilder, run_pipeline
from balise.geo.zones import Zone
from balise.model.batch import ReadOptions
from balise.model.record_batch import RecordKind
from balise.sim.world import FILES, WorldSpec
from balise.workspace import Workspace

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results"
RECORDS = (
    (RecordKind.CONTAINERS, "containers"),
    (RecordKind.MANIFESTS, "manifests"),
    (RecordKind.TELEMETRY, "telemetry"),
    (RecordKind.RELEASES, "releases"),
    (RecordKind.GATE, "gate"),
)
"""The cargo records ingested beside the AIS (`balise ingest KIND FILE`)."""
NOTES: tuple[str, ...] = (
    "## Notes",
    "",
    "Errors analysed on the development seeds only; what was changed after them (each with a",
    "test in `tests/cargo/`, or a simulator fix where a scenario's records contradicted it):",
    "",
    "- `shell_game`: the 6 false events of 8 on the first development world all came from",
    "  `vessel_not_at_port` judged for boxes loaded before the AIS record began (the vessel's",
    "  later visits elsewhere said nothing of where it was then); a leg is now judged only",
    "  within the span of the vessel's visits. The hidden-origin shell games (a box parked",
    "  laden at a hub for months, then loaded) had no stop between legs, so their wait was",
    "  never a dwell: the wait from a hub chain's first event to its first loading is now the",
    "  dwell. The detour ratio is no longer given below 3,000 km of direct sea route (was 100",
    "  km): regional feeder trips through Kingston (ratios 1.6-4.8) with the watched hub made",
    "  the remaining false events.",
    "- `container_clone`: boxes discharged while their ship still waited at the anchorage (up to",
    "  70 km from the port's position) were simulator errors: crane moves now happen at the",
    "  berth. The clone events that remain are about the boxes whose device left their ship",
    "  (`box_off_vessel`): the device's fixes and the box's port events are really far apart;",
    '  they are counted under "other scenario".',
    "- `unexpected_stop`: the stop was placed a random 3-6 km from a point of the way, often",
    "  within 2 km of the terminal or the consignee (a stop the rule rightly leaves out), and",
    "  hourly fixes saw one or two fixes of it: the simulator now stops 5-8 km to a side of the",
    "  way and the device reports every 15 min on the road. The rule then took the first fix",
    "  after the gate-out (already on the road) as the terminal: the gate-out's position now comes",
    '  first. The events under "other scenario" are devices left at sea (`box_off_vessel`).',
    "- `door_opened`: a rip-off could be staged after the window's end (its release came later);",
    "  it now opens inside the window. This one was seen on reported seed 1, not on the",
    "  development seeds: a simulator defect (truth outside the records), no threshold moved.",
    "",
    "- `release_fraud` (development seeds 11-18; 15-18 added for it): of 24 staged thefts, every",
    "  one missed (10) was a theft whose rightful haulier, turned away at the gate 12-48 h after",
    "  the thief, comes after the world's end: the records hold only the thief's accepted",
    "  gate-out by a haulier on no release (noisy-OR 0.40 < `min_score` 0.45), which an honest",
    "  subcontractor new to the data shows too, so the rule stays quiet by design. The insider's",
    "  days end 12 h before the world does and most fall on its last two days (the worlds start",
    "  on a Friday), so 15 of the 24 thefts had no proof in the records; 5 of those were found",
    "  anyway (a night pickup, or a release expired). Choice: the truth now says when a theft's",
    '  proof comes (`provable_in_data`) and the bench counts the unprovable ones apart ("not',
    '  provable", with "recall of all staged" beside it), rather than ending the world later:',
    "  any end cuts the latest thefts, as the latest run of a live system does, and the rule",
    "  reports each on the run that reads the rightful haulier's attempt. Moving the insider's",
    "  days 60 h from the end would also change the insider benchmark's truth. No threshold",
    "  moved, the rule is unchanged; the provable thefts of the development seeds were all found",
    "  (9 of 9), with no false event (one event about a box of another scenario).",
    "- `release_fraud`, 2026-12-07 (simulator fix, issue 14): a staged theft with no proof in",
    "  its records was a simulator defect, not a limit of the rule. The network's truck now",
    "  comes 1-6 h after the insider's reads, just ahead of the rightful haulier's slot, and the",
    "  rightful haulier is turned away with the same release 1-5 h later (was 12-48 h): every",
    "  staged theft of development worlds 11 and 15 is provable and found (4 of 4, recall of all",
    "  staged 1.00). Rule and thresholds unchanged.",
    "- `container_clone`, 2026-12-07: the one false event of development world 15 was a box of a",
    "  new multi-box bill of lading (issue 14) stuffed in Bordeaux and gated in at Rotterdam 5.8",
    "  h later: the simulator gave the second box of a bill its own stuffing and gate-in times",
    "  (drawn for another shipper's site, or clipped an hour apart) but the first box's site.",
    "  Fixed in the simulator (every box of a bill keeps the first one's truck time to the port,",
    "  `tests/sim`), after the worlds of this report were built.",
    "",
    "Seen on the reported seeds, not analysed nor tuned for (reported seeds): the false",
    "`release_fraud` of fresh seed 44 is an ordinary box whose first attempt was rejected and",
    "which a subcontractor then collected at midnight (0.49 >= 0.45: the simulator's benign",
    "oddities together); `box_off_vessel` missed one box and `reefer_anomaly` gave one false",
    "event (light at one reading) on seed 44.",
    "",
    "Worlds of 120 vessels and 5 days stage every cargo scenario twice (release theft: each box",
    "of the insider's network); building one costs about 30 s. The cost table gives the ingest",
    "and the first (full) pipeline run of each workspace, measured when it was built, and the",
    "pipeline run of this invocation (incremental AIS detection, full cargo stage). The",
    "workspaces of the 2026-12-06 report were built two at a time on a shared 2-core machine",
    "under load (load average about 19): their times are several times those of an idle",
    "machine (the report before gave 5-6 s of ingest and 3-5 s of pipeline per world).",
    "",
    "The report before this one covered four worlds only (development 11 and 15, fresh 41,",
    "reported before 1): on the shared 2-core machine (load average 17-25) each world took about",
    "30 min to build and 31-33 min for its first pipeline run, so the full command did not fit.",
    "This report runs the full command on all 16 worlds, rebuilt by the current simulator (the",
    "cost table's first runs were made by main's code; this invocation ran the pipeline again",
    "with the changes below). The run that built the workspaces scored the fresh and the old",
    "seeds exactly as this one does (the `box_off_vessel` change, chosen on development seeds",
    "12 and 13 only, changed none of their figures; one event of old seed 4 left out as",
    '"other scenario" now spans 17 fixes, was 10); their errors were not looked at. Every',
    "type meets the aim (recall >= 0.9, precision >= 0.9) on each set of seeds.",
    "",
    "- `box_off_vessel`, 2026-12-07 (development seeds 12 and 13, issue 14): the two staged boxes",
    "  missed left their ship on passage, where the ship's AIS came every 33-35 min (satellite",
    "  reception offshore) while the rule interpolated the ship only between positions at most",
    "  30 min apart: every fix was left unjudged until the ship reached coastal reception, 7 h",
    "  later (outside the 6 h of slack). A fix in a longer AIS gap (up to",
    "  `max_reach_hours` 6 h) is now judged by reach: off when more than 5 km beyond everywhere",
    "  the ship could have sailed at `max_speed_knots` 30 kn from its positions before and after",
    "  the gap (`tests/cargo/test_smart_containers.py`). The 30 min interpolation is unchanged.",
    "  Development seeds: 16 of 16 found (was 14), no false event; the two events that were",
    '  about those boxes too late to match ("other scenario") now match.',
    "- `release_fraud`, development seed 13: the one false event is an ordinary box whose",
    "  rightful haulier was turned away at 02:38 local, then another haulier collected it with",
    "  the same release at 04:05 (noisy-OR 0.49 >= 0.45: a rejected attempt, a haulier not on",
    "  the release, a night pickup). Three benign oddities the simulator draws independently",
    "  met on one box; the same records would be worth a look at a real terminal. Rule and",
    "  thresholds unchanged.",
    "",
    "### Pipeline cost (issue 14)",
    "",
    "The 31-33 min first pipeline runs of the report before could not be reproduced. Measured",
    "stage by stage on development world 11 (a fresh copy of its ingested workspace each run;",
    "`run_pipeline`'s stages called in order, timed with `time.process_time`, which counts every",
    "thread of the process), back to back on the shared machine:",
    "",
    "| stage | main before (CPU s, 3 runs) | this branch (CPU s, 3 runs) |",
    "| --- | ---: | ---: |",
    "| geography (cached grid read) | 0.3, 0.2, 0.3 | 0.3, 0.2, 0.3 |",
    "| detect (AIS, full) | 3.8, 4.5, 4.1 | 4.4, 4.0, 4.4 |",
    "| coastal, screening, ownership, insider | 0.2, 0.2, 0.2 | 0.2, 0.2, 0.2 |",
    "| cargo | 6.9, 6.0, 6.1 | 2.1, 1.9, 2.1 |",
    "| assessment | 1.6, 1.4, 1.3 | 1.5, 1.7, 1.3 |",
    "| alerts | 0.1, 0.1, 0.1 | 0.1, 0.1, 0.1 |",
    "| wall s (load average 12-19) | 95, 65, 47 | 35, 64, 24 |",
    "",
    "Main is 84e16a9; runs 1-2 of this branch are the track-once change (with a grouping",
    "change dropped since, below), run 3 its final revision (with the `box_off_vessel` change).",
    "",
    "The revision that wrote the report before (0e4d9b6) costs the same on the same world",
    "(detect 3.9, cargo 5.3, assessment 1.4 CPU s; 87 s of wall at load 16), and the first",
    "runs of this report took 42-149 s of wall for 9-13 CPU s at load 13-20 (the cost table; the",
    "run that built the workspaces started on main's code, before the change below). A world",
    "that took 30 min to build then takes 38 s on a quiet machine. So no stage costs anything",
    "near half an hour: those times came from the machine's state then (the process got a",
    "small share of the CPU), not from the pipeline. The peak memory of a pipeline run is 1.1",
    "GB (the distance-to-shore grid).",
    "",
    "The one waste found: the box-off-vessel rule read its ship's AIS positions from the store",
    "once per leg of each smart box (113 DuckDB queries over the positions table on world 11,",
    "every column); they are now read once per ship, four columns: the cargo rules alone",
    "(gather and detect, no save, best of 3) cost 5.6-5.7 CPU s before and 1.1-1.2 after",
    "(back to back, load 15-18), and the stored events of world 11 are the same (all 280, every",
    "column). (A one-pass grouping of the journeys' rows, tried beside it, saved nothing:",
    "1.52 against 1.53 CPU s of the cargo rules; dropped.) Left to the owners of those files: AIS",
    "detection (about 4 CPU s, the largest stage now) and the assessment's",
    "`track_destinations` (`maritime/tracking.py`), which routes with searoute 223 times on",
    "world 11 (about 1.5 s) and could keep routes per pair.",
)


def _input(path: Path) -> Input:
    return Input(path.name, lambda: path.open("rb"), path.stat().st_size)


def _geography(cache: Path) -> GeographyBuilder:
    """The pipeline's geography builder with the distance-to-shore grid cached once for all
    worlds."""

    def build(_: Path, zones: tuple[Zone, ...]) -> Geography:
        return default_geography(cache / "geography", zones)

    return build


def _truth(folder: Path) -> list[dict[str, Any]]:
    """The world's truth about containers, times parsed."""
    records = [json.loads(line) for line in (folder / "truth.jsonl").read_text().splitlines()]
    kept = [r for r in records if (r.get("subject") or {}).get("kind") == "container"]
    for record in kept:
        for key in ("start", "end"):
            record[key] = datetime.fromisoformat(record[key].replace("Z", "+00:00"))
    return kept


def world(seed: int, args: argparse.Namespace) -> dict[str, Any]:
    """The cargo events the pipeline stores for one world, its container truth, and timings."""
    spec = WorldSpec(seed=seed, vessels=args.vessels, days=args.days)
    folder = ensure_world(args.cache / f"world-{seed}-{args.vessels}-{args.days:g}", spec)
    workspace = Workspace(folder / "workspace")
    settings = workspace.settings()
    options = ReadOptions(None, 200_000)
    clock, cpu = time.perf_counter(), time.process_time()
    stamp, built = workspace.root / "world-spec.json", (folder / "spec.json").read_text()
    if not stamp.exists() or stamp.read_text() != built:
        shutil.rmtree(workspace.root, ignore_errors=True)
        store = workspace.open_store(create=True)
        try:
            ingest_input(_input(folder / FILES["nmea"]), store, options)
            for kind, key in RECORDS:
                ingest_records(kind, _input(folder / FILES[key]), store, options)
        finally:
            store.close()
        stamp.write_text(built)
    ingested = time.perf_counter() - clock
    ingested_cpu = time.process_time() - cpu
    cost = workspace.root / "cost.json"
    if args.stored and cost.exists():
        return _stored(seed, folder, workspace, json.loads(cost.read_text()))
    clock, cpu = time.perf_counter(), time.process_time()
    done = run_pipeline(workspace, settings, geography=_geography(args.cache))
    piped, piped_cpu = time.perf_counter() - clock, time.process_time() - cpu
    if not cost.exists():
        cost.write_text(
            json.dumps(
                {
                    "ingest_s": round(ingested, 1),
                    "first_s": round(piped, 1),
                    "ingest_cpu_s": round(ingested_cpu, 1),
                    "first_cpu_s": round(piped_cpu, 1),
                    "load": _load(),
                }
            )
        )
    first = json.loads(cost.read_text())
    events, truth = _found_and_truth(seed, folder, workspace)
    cargo = done.cargo
    return {"seed": seed, "events": events, "truth": truth,
            "ingest_s": first["ingest_s"], "first_pipeline_s": first["first_s"],
            "pipeline_s": round(piped, 1), "pipeline_cpu_s": round(piped_cpu, 1),
            **_first_cpu(first),
            "container_events": cargo.container_events if cargo else 0,
            "telemetry": cargo.telemetry if cargo else 0}  # fmt: skip


def _found_and_truth(
    seed: int, folder: Path, workspace: Workspace
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The cargo events stored in the world's workspace and its truth, marked with the seed."""
    store = workspace.open_store()
    try:
        stored = store.events()
    finally:
        store.close()
    events = stored.filter(pl.col("type").is_in(list(CARGO_TYPES))).to_dicts()
    for event in events:
        event["world"] = seed
    return events, [{**t, "world": seed} for t in _truth(folder)]


def _stored(seed: int, folder: Path, workspace: Workspace, first: dict[str, Any]) -> dict[str, Any]:
    """`world` from the events the workspace's last pipeline run stored (`--stored`): the run
    is not repeated; the counts are the lines of the world's files."""
    events, truth = _found_and_truth(seed, folder, workspace)
    lines = {k: sum(1 for _ in (folder / FILES[k]).open()) for k in ("containers", "telemetry")}
    return {"seed": seed, "events": events, "truth": truth,
            "ingest_s": first["ingest_s"], "first_pipeline_s": first["first_s"],
            "pipeline_s": "-", "pipeline_cpu_s": "-", **_first_cpu(first),
            "container_events": lines["containers"],
            "telemetry": lines["telemetry"]}  # fmt: skip


def _load() -> float:
    """The machine's load average over the last minute."""
    return round(os.getloadavg()[0], 1)


def _first_cpu(first: dict[str, Any]) -> dict[str, Any]:
    """The CPU seconds (every thread of the process) of a workspace's ingest and first pipeline
    run and the load average after it, "-" for a workspace built before they were recorded."""
    return {"ingest_cpu_s": first.get("ingest_cpu_s", "-"),
            "first_pipeline_cpu_s": first.get("first_cpu_s", "-"),
            "load": first.get("load", "-")}  # fmt: skip


def matches(event: dict[str, Any], truth: dict[str, Any], slack: timedelta) -> bool:
    """Whether a detected event is about the truth event (see the module docstring)."""
    subject = event["subject"] or {}
    return (
        event["world"] == truth["world"]
        and event["type"] == truth["type"]
        and subject.get("kind") == "container"
        and subject.get("id") == truth["subject"]["id"]
        and event["start"] - slack <= truth["end"]
        and truth["start"] - slack <= event["end"]
    )


def score(worlds: list[dict[str, Any]], slack: timedelta) -> dict[str, Any]:
    """Truth, detected, found, right, recall and precision per type; the misses and the false
    events listed."""
    events = [e for w in worlds for e in w["events"]]
    truth = [t for w in worlds for t in w["truth"] if t["type"] in CARGO_TYPES]
    staged = {(t["world"], t["subject"]["id"]) for t in truth}
    table: dict[str, Any] = {}
    for kind in CARGO_TYPES:
        staged_kind = [t for t in truth if t["type"] == kind]
        wanted = [t for t in staged_kind if provable(t)]
        unprovable = [t for t in staged_kind if not provable(t)]
        found = [e for e in events if e["type"] == kind]
        hit = [t for t in wanted if any(matches(e, t, slack) for e in found)]
        right = [e for e in found if any(matches(e, t, slack) for t in staged_kind)]
        early = [t for t in unprovable if any(matches(e, t, slack) for e in found)]
        hit_all = len(hit) + len(early)
        wrong = [e for e in found if e not in right]
        explained = [e for e in wrong if (e["world"], _box(e)) in staged]
        false = [e for e in wrong if e not in explained]
        judged = len(right) + len(false)
        table[kind] = {
            "truth": len(wanted), "detected": len(found), "found": len(hit), "right": len(right),
            "recall": round(len(hit) / len(wanted), 3) if wanted else None,
            "not_provable": len(unprovable), "not_provable_found": len(early),
            "recall_all": round(hit_all / len(staged_kind), 3) if staged_kind else None,
            "precision": round(len(right) / judged, 3) if judged else None,
            "missed": [_brief(t) for t in wanted if t not in hit],
            "false": [_brief(e) for e in false],
            "explained": [_brief(e) for e in explained],
        }  # fmt: skip
    return table


def provable(truth: dict[str, Any]) -> bool:
    """Whether the records of the world hold the proof of a truth event: False only when its
    evidence says `provable_in_data` false (a release theft whose rightful haulier comes back
    after the world's end, `balise.sim.box_scenarios`)."""
    return (truth.get("evidence") or {}).get("provable_in_data") is not False


def _box(event: dict[str, Any]) -> str | None:
    subject = event["subject"] or {}
    return subject.get("id") if subject.get("kind") == "container" else None


def _brief(record: dict[str, Any]) -> dict[str, Any]:
    evidence = record.get("evidence")
    if isinstance(evidence, str):
        evidence = json.loads(evidence)
    return {"world": record["world"], "container": (record["subject"] or {}).get("id"),
            "start": str(record["start"]), "end": str(record["end"]),
            "evidence": evidence}  # fmt: skip


def _rows(table: dict[str, Any]) -> list[str]:
    lines = ["| type | truth | found | recall | not provable (found) | recall of all staged "
             "| detected | right | other scenario | precision |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    for kind, r in table.items():
        lines.append(
            f"| {kind} | {r['truth']} | {r['found']} | {_fmt(r['recall'])} | "
            f"{r['not_provable']} ({r['not_provable_found']}) | {_fmt(r['recall_all'])} | "
            f"{r['detected']} | {r['right']} | {len(r['explained'])} | {_fmt(r['precision'])} |"
        )
    return lines


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _causes(table: dict[str, Any]) -> list[str]:
    """The false events' indicators (or rule), counted per type, and the events left out as
    explained by another scenario of their box."""
    lines = []
    for kind, r in table.items():
        why = Counter(_why(f["evidence"] or {}) for f in r["false"])
        listed = ", ".join(f"{k} {v}" for k, v in sorted(why.items()))
        if r["false"]:
            lines.append(f"- {kind}: {len(r['false'])} false ({listed})")
        if r["explained"]:
            lines.append(f"- {kind}: {len(r['explained'])} about a box staged in another "
                         "scenario, left out")  # fmt: skip
    return lines or ["- no false event"]


def _why(evidence: dict[str, Any]) -> str:
    if evidence.get("indicators"):
        return "+".join(sorted(evidence["indicators"]))
    return str(evidence.get("rule") or "-")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[41, 42, 43, 44])
    parser.add_argument("--old-seeds", type=int, nargs="*", default=[1, 2, 3, 4])
    parser.add_argument("--dev-seeds", type=int, nargs="+", default=list(range(11, 19)))
    parser.add_argument("--vessels", type=int, default=120)
    parser.add_argument("--days", type=float, default=5.0)
    parser.add_argument("--slack-hours", type=float, default=6.0)
    parser.add_argument("--cache", type=Path, default=Path(__file__).parent / ".cache" / "cargo")
    parser.add_argument("--out", default="cargo_quality", help="Results file stem.")
    parser.add_argument(
        "--stored",
        action="store_true",
        help="Score the events stored by each cached workspace's first pipeline run instead of "
        "running the pipeline again (a loaded machine).",
    )
    args = parser.parse_args()
    slack = timedelta(hours=args.slack_hours)
    dev = [world(seed, args) for seed in args.dev_seeds]
    report = [world(seed, args) for seed in args.seeds]
    old = [world(seed, args) for seed in args.old_seeds]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    command = (
        "PYTHONPATH=src:tests python bench/cargo_quality.py "
        f"--seeds {' '.join(map(str, args.seeds))} "
        f"--old-seeds {' '.join(map(str, args.old_seeds))} "
        f"--dev-seeds {' '.join(map(str, args.dev_seeds))} --vessels {args.vessels} "
        f"--days {args.days:g} --slack-hours {args.slack_hours:g}"
        + (" --stored" if args.stored else "")
    )
    keys = (
        "ingest_s",
        "ingest_cpu_s",
        "first_pipeline_s",
        "first_pipeline_cpu_s",
        "load",
        "pipeline_s",
        "pipeline_cpu_s",
        "container_events",
        "telemetry",
    )
    timings = {w["seed"]: {k: w[k] for k in keys} for w in dev + report + old}
    record = {"date": datetime.now(UTC).date().isoformat(), "machine": machine,
              "command": command, "dev_seeds": args.dev_seeds, "seeds": args.seeds,
              "old_seeds": args.old_seeds, "dev": score(dev, slack),
              "report": score(report, slack), "old": score(old, slack) if old else None,
              "timings": timings}  # fmt: skip
    again = [
        f"## Seeds reported before, reported again: {', '.join(map(str, args.old_seeds))}", "",
        *_rows(record["old"]), "", *_causes(record["old"]), "",
    ] if old else []  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps(record, indent=2, default=str) + "\n")
    lines = [
        "# Cargo detection on the synthetic world", "",
        f"{record['date']} — {machine} — `{command}`", "",
        f"Matching: same world, type and container, spans overlapping with {args.slack_hours:g} h "
        "of slack (see the docstring of `bench/cargo_quality.py`).", "",
        f"## Reported seeds, fresh: {', '.join(map(str, args.seeds))}", "",
        *_rows(record["report"]), "", *_causes(record["report"]), "",
        *again,
        f"## Development seeds (errors analysed here only): "
        f"{', '.join(map(str, args.dev_seeds))}", "",
        *_rows(record["dev"]), "", *_causes(record["dev"]), "",
        "## Cost per world (ingest of AIS and cargo records, then `run_pipeline`)", "",
        "Wall seconds, CPU seconds (every thread of the process) in brackets; the load average "
        "(1 min) when the first pipeline run ended.", "",
        "| seed | ingest s (CPU) | first pipeline s (CPU) | load | this pipeline s (CPU) "
        "| container events | telemetry |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]  # fmt: skip
    for seed, t in timings.items():
        lines.append(f"| {seed} | {t['ingest_s']} ({t['ingest_cpu_s']}) | "
                     f"{t['first_pipeline_s']} ({t['first_pipeline_cpu_s']}) | {t['load']} | "
                     f"{t['pipeline_s']} ({t['pipeline_cpu_s']}) | "
                     f"{t['container_events']:,} | {t['telemetry']:,} |")  # fmt: skip
    lines += ["", *NOTES]
    (RESULTS / f"{args.out}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
