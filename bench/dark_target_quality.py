"""Dark-target quality on the synthetic world: recall of the staged dark scenarios and false dark
targets per radar-day among the other traffic.

Builds worlds (one per seed, cached in `--cache`), reads their `radar-contacts.csv`, the AIS of
`ais-dma.csv` (through Balise's CSV reader) and `truth.jsonl`, and runs the radar core:
`build_tracks`, `associate`, `dark_targets` with the engine's geography (land, distance to
shore, the country of the nearest coast, the default zones). Truth to
find: every `dark_target` of the truth (the `narco_sub` scenario, its span the sub's radar
contacts) and the small boat of every `coastal_drop` staged within radar range (24 nm of a site of
`balise.sim.radar.RADAR_SITES`). A dark target finds a narco sub when their spans overlap (30 min
slack) within 40 nm of the sub's first contact; it finds a coastal drop's boat when it lies within
10 nm of the drop site from 3 h before the drop to 2 h after. Other dark targets near (10 nm, 3 h)
another staged scenario are left out of the count; the rest are false, counted per radar-day (a
sensor with contacts on a UTC day). The score cut `min_score` is chosen on `--dev-seeds` (highest
recall with at most 1 false target per radar-day, then the highest cut) and reported on `--seeds`.
Writes `bench/results/dark_target_quality.json` and `.md`. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import platform
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from balise.cli.demo import ensure_world
from balise.engine.coastal import radar_geography
from balise.engine.detect import default_geography
from balise.geo.sphere import distance_nm
from balise.io.ais_csv import read_ais_csv, sniff_csv
from balise.maritime.dark_targets import dark_targets
from balise.maritime.radar_association import associate
from balise.maritime.radar_params import RadarParams
from balise.maritime.radar_tracking import build_tracks
from balise.model.batch import ReadOptions
from balise.sim.radar import RADAR_SITES
from balise.sim.world import WorldSpec

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results"
NOTES = (
    "Notes. Only the score cut is selected by this script, on the development seeds; the seeds "
    "reported were never used to choose anything (`--seeds 51 ... 56` are fresh; the older "
    "reported seeds 1, 2, 3 had been looked at and are reported apart, `--out "
    "dark_target_quality_old`). Changes since the first results (recall 0.80 on seeds 1-3), "
    "each diagnosed on development seeds 11-15: (1) the tracker counted a tentative track's "
    "missed scans in one-minute batches of its sensor, two per two-minute revisit, so a "
    "semi-submersible seen on a third of the revisits near a busy sensor was dropped as clutter "
    "before its third contact and never tracked (seed 15: no track at all); it now drops a "
    "tentative track when `confirm_scans` revisits (`revisit_seconds`) pass from its first "
    "contact without `confirm_contacts`. (2) A contact is explained by an AIS vessel only when "
    "their speeds agree within `match_speed_knots` (10 kn, against the vessel's reported SOG): a "
    "coastal-drop boat at 15-20 kn leaving a drifting ship's side is no longer her. The score "
    "and the run thresholds are unchanged (`min_contacts` 3 and `min_duration_minutes` 4 were "
    "lowered earlier after looking at reported seed 1). Remaining false dark targets are mostly "
    "vessels whose AIS the simulated receivers missed for over an hour.",
)  # fmt: skip
GEOGRAPHY = default_geography(Path(__file__).parent / ".cache" / "geography")
CUTS = tuple(round(x, 2) for x in np.arange(0.2, 0.81, 0.05))


def _positions(folder: Path) -> pl.DataFrame:
    cached, path = folder / "positions.parquet", folder / "ais-dma.csv"
    if cached.exists() and cached.stat().st_mtime >= path.stat().st_mtime:
        return pl.read_parquet(cached)
    with path.open("rb") as stream:
        layout = sniff_csv(stream.read(4096))
        assert layout is not None
        stream.seek(0)
        batches = read_ais_csv(stream, str(path), layout, ReadOptions())
        positions = pl.concat([b.positions for b in batches])
    positions.write_parquet(cached)
    return positions


def _contacts(folder: Path) -> pl.DataFrame:
    contacts = pl.read_csv(folder / "radar-contacts.csv", try_parse_dates=True)
    return contacts.with_columns(pl.col("time").dt.replace_time_zone("UTC"))


def _truth(folder: Path) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in (folder / "truth.jsonl").read_text().splitlines()]
    for record in records:
        for key in ("start", "end"):
            record[key] = datetime.fromisoformat(record[key].replace("Z", "+00:00"))
    return [r for r in records if r.get("lat") is not None]


def _in_range(lat: float, lon: float) -> bool:
    return any(distance_nm(lat, lon, s.lat, s.lon) <= s.range_nm for s in RADAR_SITES)


def _finds(event: dict[str, Any], truth: dict[str, Any]) -> bool:
    """Whether dark target `event` is the dark craft of `truth` (see the module docstring)."""
    away = float(distance_nm(event["lat"], event["lon"], truth["lat"], truth["lon"]))
    if truth["type"] == "dark_target":
        slack = timedelta(minutes=30)
        overlap = event["start"] - slack <= truth["end"] and truth["start"] - slack <= event["end"]
        return bool(overlap and away <= 40)
    before, after = timedelta(hours=3), timedelta(hours=2)
    overlap = event["start"] <= truth["end"] + after and truth["start"] - before <= event["end"]
    return bool(overlap and away <= 10)


def _near_staged(event: dict[str, Any], staged: list[dict[str, Any]]) -> bool:
    slack = timedelta(hours=3)
    return any(
        event["start"] - slack <= t["end"] and t["start"] - slack <= event["end"]
        and float(distance_nm(event["lat"], event["lon"], t["lat"], t["lon"])) <= 10
        for t in staged
    )  # fmt: skip


def world_events(seed: int, args: argparse.Namespace) -> dict[str, Any]:
    """Every dark target (any score) of one world, its truth to find and its radar-days."""
    spec = WorldSpec(seed=seed, vessels=args.vessels, days=args.days)
    folder = ensure_world(args.cache / f"world-{seed}-{args.vessels}-{args.days:g}", spec)
    contacts, positions, truth = _contacts(folder), _positions(folder), _truth(folder)
    params = replace(RadarParams(), min_score=0.0)
    tracks = build_tracks(contacts, params)
    associations = associate(tracks, positions, params)
    geography = radar_geography(GEOGRAPHY, params)
    events = dark_targets(tracks, associations, positions, geography, params).to_dicts()
    wanted = [t for t in truth if t["type"] == "dark_target"] + [
        t for t in truth
        if t["type"] == "coastal_drop" and t["evidence"].get("small_boat")
        and _in_range(t["lat"], t["lon"])
    ]  # fmt: skip
    staged = [t for t in truth if t["evidence"].get("scenario") not in (None, "traffic")]
    radar_days = contacts.select(pl.struct("sensor_id", pl.col("time").dt.date()).n_unique())
    return {"seed": seed, "events": events, "wanted": wanted, "staged": staged,
            "radar_days": int(radar_days.item()), "contacts": contacts.height}  # fmt: skip


def scored(world: dict[str, Any], cut: float) -> dict[str, Any]:
    """Found truth and false dark targets of one world at score cut `cut`."""
    events = [e for e in world["events"] if e["score"] >= cut]
    found = [any(_finds(e, t) for e in events) for t in world["wanted"]]
    unmatched = [e for e in events if not any(_finds(e, t) for t in world["wanted"])]
    false = [e for e in unmatched if not _near_staged(e, world["staged"])]
    return {"wanted": len(found), "found": sum(found), "false": len(false),
            "events": len(events), "radar_days": world["radar_days"],
            "missed": _missed(world["wanted"], found)}  # fmt: skip


def _missed(wanted: list[dict[str, Any]], found: list[bool]) -> list[str]:
    return [t["evidence"].get("scenario") for t, f in zip(wanted, found, strict=True) if not f]


def summary(worlds: list[dict[str, Any]], cut: float) -> dict[str, Any]:
    per = [scored(w, cut) for w in worlds]
    wanted, found = sum(p["wanted"] for p in per), sum(p["found"] for p in per)
    days = sum(p["radar_days"] for p in per)
    return {"cut": cut, "recall": found / wanted if wanted else None, "wanted": wanted,
            "found": found, "false": sum(p["false"] for p in per), "radar_days": days,
            "false_per_radar_day": sum(p["false"] for p in per) / max(days, 1),
            "per_seed": {w["seed"]: p for w, p in zip(worlds, per, strict=True)}}  # fmt: skip


def choose(dev: list[dict[str, Any]]) -> float:
    """The cut of highest recall with at most one false target per radar-day (highest cut on a
    tie); the cut of fewest false targets when none meets the bound."""
    rows = [summary(dev, cut) for cut in CUTS]
    fitting = [r for r in rows if r["false_per_radar_day"] <= 1.0]
    if not fitting:
        return float(min(rows, key=lambda r: (r["false_per_radar_day"], -r["cut"]))["cut"])
    return float(max(fitting, key=lambda r: (r["recall"] or 0.0, r["cut"]))["cut"])


def _markdown(result: dict[str, Any]) -> str:
    report, dev = result["report"], result["dev"]
    lines = [
        "# Dark-target quality (synthetic worlds)", "",
        f"Command: `{result['command']}`", "",
        f"Machine: {result['machine']}; {result['date']}.", "",
        f"Score cut `detect.radar.min_score` chosen on development seeds {result['dev_seeds']}: "
        f"**{result['cut']}** (recall {dev['recall']:.2f}, "
        f"{dev['false_per_radar_day']:.2f} false per radar-day there).", "",
        f"Reported on seeds {result['seeds']}: recall **{report['recall']:.2f}** "
        f"({report['found']}/{report['wanted']}), false dark targets **{report['false']}** over "
        f"{report['radar_days']} radar-days = **{report['false_per_radar_day']:.2f}** per "
        "radar-day.", "",
        "| seed | truth | found | missed | false | radar-days |",
        "| --- | --- | --- | --- | --- | --- |",
    ]  # fmt: skip
    for seed, p in report["per_seed"].items():
        lines.append(f"| {seed} | {p['wanted']} | {p['found']} | {', '.join(p['missed']) or '-'} "
                     f"| {p['false']} | {p['radar_days']} |")  # fmt: skip
    lines += ["", "Every cut on the reported seeds (for reading; the cut was not chosen here):",
              "", "| cut | recall | false per radar-day |", "| --- | --- | --- |"]  # fmt: skip
    for row in result["curve"]:
        lines.append(f"| {row['cut']} | {row['recall']:.2f} | {row['false_per_radar_day']:.2f} |")
    return "\n".join([*lines, "", *NOTES]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--dev-seeds", type=int, nargs="+", default=[11, 12, 13])
    parser.add_argument("--vessels", type=int, default=300)
    parser.add_argument("--days", type=float, default=5.0)
    parser.add_argument("--cache", type=Path, default=Path(__file__).parent / ".cache" / "radar")
    parser.add_argument("--out", default="dark_target_quality", help="Results file stem.")
    args = parser.parse_args()
    dev = [world_events(seed, args) for seed in args.dev_seeds]
    cut = choose(dev)
    worlds = [world_events(seed, args) for seed in args.seeds]
    result = {
        "command": "PYTHONPATH=src python bench/dark_target_quality.py "
        f"--seeds {' '.join(map(str, args.seeds))} "
        f"--dev-seeds {' '.join(map(str, args.dev_seeds))} --vessels {args.vessels} "
        f"--days {args.days:g} --out {args.out}",
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "seeds": args.seeds, "dev_seeds": args.dev_seeds, "cut": cut,
        "dev": summary(dev, cut), "report": summary(worlds, cut),
        "curve": [{k: v for k, v in summary(worlds, c).items() if k != "per_seed"} for c in CUTS],
    }  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps(result, indent=2, default=str))
    (RESULTS / f"{args.out}.md").write_text(_markdown(result))
    print(_markdown(result))


if __name__ == "__main__":
    main()
