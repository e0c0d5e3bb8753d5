"""Insider look-up detection on the synthetic world: is the insider found, and what does it cost?

For each seed, builds the world's access layer only (`balise.sim.access`: staff, work,
releases, gate, audit trail, the same as `balise sim atlantic --seed N --days D` writes), writes
its files, reads them back with Polars into the record schemas (`balise.model.records`) and runs
`balise.security.insider.detect_insider`. The truth names the insider and the days they read for
the network (`insider_lookup` in `truth.jsonl`).

Per rule and overall: events on the insider and on honest users, honest users flagged, the
insider's days found (an event on the insider overlapping the day's span, `--slack-hours`
either side), worlds where the insider is flagged, precision (events on the insider over all
events; the insider over flagged users) and honest events per 1,000 honest user-days; the same
for events at confidence >= `--strong`; and the insider's rank among users by summed
confidence. With `--rows N` also the time to run the detector on a trail of at least N access
rows (the worlds' trails, copied under other user names). Writes
`bench/results/insider_quality.json` and `.md` unless `--no-record`. A benchmark, not a test.

The rules and thresholds were developed on seeds 7 and 11-14 (`--seeds 11,12,13,14
--no-record`); the recorded figures are on seeds 21-28, run after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from balise.model.records import ACCESS_SCHEMA, GATE_SCHEMA, RELEASE_SCHEMA, STAFF_SCHEMA
from balise.model.schema import conform
from balise.security.insider import RULES, detect_insider
from balise.security.reads import WORK_SCHEMA
from balise.sim.access import build_access, write_access
from balise.sim.staff import Vessels
from balise.sim.truth import truth_record
from balise.sim.world import FILES, WorldSpec

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results"
TIMES: dict[str, tuple[str, ...]] = {
    "access": ("time",),
    "releases": ("issued_at", "valid_from", "valid_until", "customs_status_at"),
    "gate": ("time",),
}
"""The time columns of each file, ISO 8601 UTC text."""


def _utc(column: str) -> pl.Expr:
    return pl.col(column).str.to_datetime(time_unit="us", time_zone="UTC")


def read_world(folder: Path) -> dict[str, pl.DataFrame]:
    """The access layer's files of `folder` in the record schemas."""
    paths = {name: folder / FILES[name] for name in ("staff", "work", "releases", "gate", "access")}
    access = pl.read_ndjson(paths["access"], schema={
        **{c: pl.String for c in ACCESS_SCHEMA if c not in ("records", "count", "source")},
        "records": pl.List(pl.String), "count": pl.Int64,
    })  # fmt: skip
    staff = pl.read_csv(paths["staff"], infer_schema=False)
    frames = {
        "access": access.with_columns(_utc("time"), source=pl.lit(FILES["access"])),
        "staff": staff.with_columns(pl.col("ports").str.split(";")),
        "releases": pl.read_csv(paths["releases"], infer_schema=False),
        "gate": pl.read_csv(paths["gate"], infer_schema=False),
        "work": pl.read_csv(paths["work"], infer_schema=False),
    }
    for name in ("releases", "gate"):
        frames[name] = frames[name].with_columns(_utc(c) for c in TIMES[name])
    schemas = {"access": ACCESS_SCHEMA, "staff": STAFF_SCHEMA, "releases": RELEASE_SCHEMA,
               "gate": GATE_SCHEMA, "work": WORK_SCHEMA}  # fmt: skip
    return {name: conform(frame, schemas[name]) for name, frame in frames.items()}


def build(seed: int, days: float, cache: Path) -> tuple[dict[str, pl.DataFrame], list[Any]]:
    """The access layer of world `seed`, written under `cache` and read back, and its truth."""
    spec = WorldSpec(seed=seed, days=days)
    world = build_access(spec.rng("access"), spec.start, spec.days,
                         Vessels([], spec.rng("access", 1)))  # fmt: skip
    folder = cache / f"insider-{seed}-{days:g}"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {name: folder / FILES[name] for name in ("staff", "work", "releases", "gate", "access")}
    write_access(world, spec.start, paths)
    truth = [truth_record(event, spec.start, seed) for event in world.truth]
    return read_world(folder), truth


def _span(record: dict[str, Any]) -> tuple[datetime, datetime]:
    start, end = (
        datetime.fromisoformat(record[k].replace("Z", "+00:00")) for k in ("start", "end")
    )
    return start, end


def score_world(
    events: pl.DataFrame, truth: list[dict[str, Any]], users: int, days: float,
    slack: timedelta, strong: float,
) -> dict[str, Any]:  # fmt: skip
    """The counts of one world, overall (`all`), at confidence >= `strong` and per rule."""
    insider = truth[0]["subject"]["id"] if truth else None
    rows = [
        {"user": s["id"], "rule": json.loads(e)["rule"], "confidence": c, "start": a, "end": b}
        for s, e, c, a, b in zip(events["subject"], events["evidence"], events["confidence"],
                                 events["start"], events["end"], strict=True)
    ]  # fmt: skip
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups["all"].append(row)
        groups[row["rule"]].append(row)
        if row["confidence"] >= strong:
            groups["strong"].append(row)
    counts = {name: _counts(groups.get(name, []), insider, truth, slack)
              for name in ("all", "strong", *RULES)}  # fmt: skip
    totals: dict[str, float] = defaultdict(float)
    for row in rows:
        totals[row["user"]] += row["confidence"]
    ranking = sorted(totals, key=lambda u: -totals[u])
    return {
        "insider": insider,
        "honest_user_days": (users - 1) * days,
        "truth_days": len(truth),
        "insider_rank": ranking.index(insider) + 1 if insider in ranking else None,
        "users_flagged": len(ranking),
        **counts,
    }


def _counts(rows: list[dict[str, Any]], insider: str | None, truth: list[dict[str, Any]],
            slack: timedelta) -> dict[str, Any]:  # fmt: skip
    ours = [r for r in rows if r["user"] == insider]
    found = 0
    for record in truth:
        start, end = _span(record)
        found += any(r["start"] - slack <= end and start - slack <= r["end"] for r in ours)
    honest = [r for r in rows if r["user"] != insider]
    return {
        "insider_events": len(ours),
        "honest_events": len(honest),
        "honest_users": len({r["user"] for r in honest}),
        "days_found": found,
        "insider_flagged": bool(ours),
    }


def speed(worlds: list[dict[str, pl.DataFrame]], rows: int) -> dict[str, float]:
    """Seconds to run the detector on the worlds' trails copied under other user names until
    there are at least `rows` access rows (best of two runs)."""
    access: list[pl.DataFrame] = []
    staff: list[pl.DataFrame] = []
    work: list[pl.DataFrame] = []
    releases: list[pl.DataFrame] = []
    gate: list[pl.DataFrame] = []
    copy = 0
    while sum(a.height for a in access) < rows:
        world = worlds[copy % len(worlds)]
        suffix = pl.lit(f"#{copy}")
        access.append(world["access"].with_columns(pl.col("user") + suffix))
        staff.append(world["staff"].with_columns(pl.col("user") + suffix))
        work.append(world["work"].with_columns(pl.col("user") + suffix))
        if copy < len(worlds):  # the cargo is shared; only the staff are copied
            releases.append(world["releases"])
            gate.append(world["gate"])
        copy += 1
    log, people, terms, moves, assigned = (
        pl.concat(f) for f in (access, staff, releases, gate, work)
    )
    best = float("inf")
    for _ in range(2):
        began = time.perf_counter()
        detect_insider(log, people, terms, moves, assigned)
        best = min(best, time.perf_counter() - began)
    return {"access_rows": log.height, "users": people.height, "seconds": round(best, 2)}


def summarise(worlds: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Totals over the worlds, per row of the table (`all`, `strong` and each rule)."""
    user_days = sum(w["honest_user_days"] for w in worlds)
    truth_days = sum(w["truth_days"] for w in worlds)
    table = {}
    for name in ("all", "strong", *RULES):
        part = [w[name] for w in worlds]
        insider = sum(p["insider_events"] for p in part)
        honest = sum(p["honest_events"] for p in part)
        flagged = sum(p["insider_flagged"] for p in part)
        table[name] = {
            "worlds_insider_flagged": flagged,
            "insider_days_found": sum(p["days_found"] for p in part),
            "day_recall": round(sum(p["days_found"] for p in part) / truth_days, 3),
            "insider_events": insider,
            "honest_events": honest,
            "honest_users_flagged": sum(p["honest_users"] for p in part),
            "event_precision": round(insider / (insider + honest), 3) if insider + honest else None,
            "user_precision": round(flagged / (flagged + sum(p["honest_users"] for p in part)), 3)
            if flagged or any(p["honest_users"] for p in part) else None,
            "honest_events_per_1000_user_days": round(1000 * honest / user_days, 1),
        }  # fmt: skip
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="21,22,23,24,25,26,27,28")
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--slack-hours", type=float, default=1.0)
    parser.add_argument("--strong", type=float, default=0.7)
    parser.add_argument("--rows", type=int, default=0, help="Also time a trail of this many rows.")
    parser.add_argument("--cache", type=Path, default=Path(__file__).parent / ".cache")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    worlds, inputs = [], []
    for seed in seeds:
        frames, truth = build(seed, args.days, args.cache)
        inputs.append(frames)
        events = detect_insider(frames["access"], frames["staff"], frames["releases"],
                                frames["gate"], frames["work"])  # fmt: skip
        users = frames["staff"]["user"].n_unique()
        slack = timedelta(hours=args.slack_hours)
        worlds.append({"seed": seed, **score_world(events, truth, users, args.days, slack,
                                                   args.strong)})  # fmt: skip
    timing = speed(inputs, args.rows) if args.rows else None
    _report(args, worlds, summarise(worlds), timing)


def _report(args: argparse.Namespace, worlds: list[dict[str, Any]],
            table: dict[str, dict[str, Any]], timing: dict[str, float] | None) -> None:  # fmt: skip
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    command = (f"python bench/insider_quality.py --seeds {args.seeds} --days {args.days:g} "
               f"--slack-hours {args.slack_hours:g} --strong {args.strong:g}"
               + (f" --rows {args.rows}" if args.rows else ""))  # fmt: skip
    user_days = sum(w["honest_user_days"] for w in worlds)
    lines = [
        "# Insider look-up detection on the synthetic world", "",
        f"{datetime.now(UTC).date().isoformat()} — {machine} — `{command}`", "",
        f"{len(worlds)} worlds of {args.days:g} days, one insider and "
        f"{worlds[0]['honest_user_days'] / args.days:.0f} honest users each "
        f"({user_days:,.0f} honest user-days); {sum(w['truth_days'] for w in worlds)} days on "
        "which the insider read for the network (truth). The rules and thresholds were "
        "developed on seeds 7 and 11-14; the seeds here were run after.", "",
        "A day is found when an event on the insider overlaps it; event precision is events on "
        "the insider over all events, user precision flagged insiders over flagged users "
        "(summed over the worlds, as are honest users flagged).", "",
        "| rule | worlds: insider flagged | insider days found | day recall | events on insider "
        "| events on honest users | honest users flagged | event precision | user precision "
        "| honest events / 1,000 user-days |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]  # fmt: skip
    for name, row in table.items():
        label = {"all": "**all rules**", "strong": f"**confidence >= {args.strong:g}**"}.get(
            name, f"`{name}`"
        )
        lines.append(
            f"| {label} | {row['worlds_insider_flagged']} / {len(worlds)} "
            f"| {row['insider_days_found']} | {row['day_recall']} | {row['insider_events']} "
            f"| {row['honest_events']} | {row['honest_users_flagged']} "
            f"| {row['event_precision']} | {row['user_precision']} "
            f"| {row['honest_events_per_1000_user_days']} |"
        )  # fmt: skip
    lines += ["", "Per world (all rules): the insider's rank among the users flagged by summed "
              "confidence of their events, users flagged, events on honest users.", "",
              "| seed | insider rank | users flagged | honest events | insider days found |",
              "| ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    for w in worlds:
        lines.append(f"| {w['seed']} | {w['insider_rank']} | {w['users_flagged']} "
                     f"| {w['all']['honest_events']} "
                     f"| {w['all']['days_found']} / {w['truth_days']} |")  # fmt: skip
    if timing:
        lines += ["", f"Speed: `detect_insider` on {timing['access_rows']:,} access rows of "
                  f"{timing['users']:,} users (the worlds' trails copied under other names) in "
                  f"{timing['seconds']} s, best of two runs, load average "
                  f"{os.getloadavg()[0]:.1f} on the machine."]  # fmt: skip
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_record:
        RESULTS.mkdir(exist_ok=True)
        record = {"command": command, "machine": machine, "worlds": worlds, "table": table,
                  "speed": timing}  # fmt: skip
        (RESULTS / "insider_quality.json").write_text(
            json.dumps(record, indent=2, default=str) + "\n"
        )
        (RESULTS / "insider_quality.md").write_text(text)


if __name__ == "__main__":
    main()
