"""`balise detect` and `balise events`: run the detectors, read the events."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from balise.cli.context import settings_for
from balise.cli.output import print_table, write_frames
from balise.engine.detect import DETECTED_TYPES, default_geography, detect
from balise.engine.pipeline import PipelineReport, run_pipeline
from balise.engine.spark import spark_detector
from balise.geo.zones import ZoneProblem
from balise.io.exports.geojson import events_geojson
from balise.io.exports.kml import events_kml
from balise.io.exports.records import json_document
from balise.maritime.encounters import PRESETS
from balise.model.event_types import EVENT_TYPE_NAMES
from balise.settings import parse_utc
from balise.store.base import EventChanges

EventTypeChoice = StrEnum(  # type: ignore[misc]
    "EventTypeChoice", {name: name for name in EVENT_TYPE_NAMES}
)
"""The registry's event types, as `--type` choices."""


class EventFormat(StrEnum):
    table = "table"
    jsonl = "jsonl"
    csv = "csv"
    geojson = "geojson"
    kml = "kml"


def report_zone_problems(path: Path, problems: Iterable[ZoneProblem]) -> None:
    """Say on stderr which features of the workspace's zone file were skipped, and why."""
    for problem in problems:
        name = f" ({problem.zone_id})" if problem.zone_id else ""
        sys.stderr.write(
            f"{path.name}: feature {problem.feature_index}{name} skipped: {problem.reason}\n"
        )


class Engine(StrEnum):
    local = "local"
    spark = "spark"


def run_detect(
    ctx: typer.Context,
    preset: Annotated[
        str | None,
        typer.Option(
            help=f"Threshold preset: {', '.join(PRESETS)} (setting detect.preset).",
            show_default=False,
        ),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Re-examine everything, not only what changed.")
    ] = False,
    engine: Annotated[
        Engine,
        typer.Option(help="local, or spark: the same detectors on Apache Spark (the spark extra)."),
    ] = Engine.local,
    lake: Annotated[
        Path | None,
        typer.Option(
            help="Spark: the position lake to write the workspace to (default: WORKSPACE/lake).",
            show_default=False,
        ),
    ] = None,
    master: Annotated[
        str, typer.Option(help="Spark: the master URL (local[N], spark://HOST:7077, yarn).")
    ] = "local[2]",
) -> None:
    """Run every detector; new, revised and retracted events are saved.

    The first run examines everything stored; later runs only the vessels with new or late data
    since the last run (all of them again with --full or when the preset changed). With
    `--engine spark` the workspace is written to a position lake and every vessel is examined
    on Spark (docs/deployment.md, "On a cluster")."""
    workspace, settings = settings_for(ctx, **{"detect.preset": preset})
    detector = (
        spark_detector(lake or workspace.root / "lake", master)
        if engine is Engine.spark
        else detect
    )
    done = run_pipeline(
        workspace, settings, full=full, geography=default_geography, detector=detector
    )
    report_zone_problems(workspace.zones_path, done.zone_problems)
    report, assessment, preset = done.detection, done.assessment, done.preset
    changes = report.changes
    rows = [(kind, f"{report.by_type.get(kind, 0):,}") for kind in DETECTED_TYPES]
    for name in ("new", "revised", "retracted", "unchanged"):
        rows.append((name, f"{getattr(changes, name):,}"))
    bands = ", ".join(f"{assessment.bands.get(b, 0):,} {b}" for b in ("high", "medium", "low"))
    report_other_stages(done)
    sys.stderr.write(
        f"risk: {assessment.scored:,} vessels scored ({bands}); "
        f"{assessment.tracked:,} tracked to their next port ({assessment.seconds:.1f} s)\n"
    )
    if report.mode == "up to date":
        print_table(
            "No new data since the last run: events are up to date", rows, ("events", "count")
        )
        return
    scope = "every vessel" if report.mode == "full" else f"{report.vessels:,} vessels with new data"
    title = f"{report.positions:,} positions of {scope} in {report.seconds:.1f} s (preset {preset})"
    print_table(title, rows, ("events", "count"))


def events(
    ctx: typer.Context,
    kind: Annotated[
        EventTypeChoice | None, typer.Option("--type", help="Only this event type.")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Events ending at or after (ISO 8601).")] = None,
    mmsi: Annotated[int | None, typer.Option(help="Only events about this vessel.")] = None,
    output: Annotated[
        EventFormat,
        typer.Option("--format", help="table, or the export formats: jsonl, csv, geojson, kml."),
    ] = EventFormat.table,
) -> None:
    """Stored events (retracted ones left out), newest first: as a table, or as the API's
    exports write them (`/api/v1/exports/events.{csv,geojson,kml}`)."""
    workspace, _ = settings_for(ctx)
    store = workspace.open_store()
    try:
        found = store.events(kind and str(kind), parse_utc(since) if since else None, mmsi)
    finally:
        store.close()
    if output is EventFormat.geojson:
        sys.stdout.write(json_document(events_geojson(found)) + "\n")
    elif output is EventFormat.kml:
        sys.stdout.write(events_kml(found, "Balise events") + "\n")
    elif output is EventFormat.table:
        rows = [
            (r["type"], r["start"].strftime("%Y-%m-%d %H:%M"), r["end"].strftime("%Y-%m-%d %H:%M"),
             _subject(r), str(r["other_mmsi"] or ""), _number(r["lat"], 3),
             _number(r["lon"], 3), _number(r["confidence"], 2), r["status"])
            for r in found.head(200).iter_rows(named=True)
        ]  # fmt: skip
        headers = ("type", "start", "end", "subject", "other", "lat", "lon", "confidence",
                   "status")  # fmt: skip
        print_table(f"{found.height:,} events (first {len(rows)})", rows, headers)
    else:
        write_frames([found], output.value)


def _number(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _subject(row: dict[str, object]) -> str:
    """The MMSI of a vessel event, else `kind:id` of its subject (`user:j.doe`)."""
    if row.get("mmsi") is not None:
        return str(row["mmsi"])
    subject = row.get("subject")
    if isinstance(subject, dict) and subject.get("id"):
        return f"{subject.get('kind')}:{subject['id']}"
    return ""


def _changed(changes: EventChanges | None) -> str:
    if changes is None:
        return "not run"
    return f"{changes.new:,} new, {changes.revised:,} revised, {changes.retracted:,} retracted"


def report_other_stages(done: PipelineReport) -> None:
    """One line each on stderr for the stages after the AIS detectors."""
    coastal = done.coastal
    radar = (
        f"radar: {coastal.contacts:,} contacts, {coastal.tracks:,} tracks, "
        f"{coastal.associations:,} paired with AIS; dark targets {_changed(coastal.radar)}"
        if coastal.radar is not None
        else "radar: no contacts stored (balise ingest radar-sites, balise ingest radar)"
    )
    clearance = (
        f"clearances: {coastal.declarations:,} declarations; missing and mismatched "
        f"{_changed(coastal.clearance)}"
        if coastal.clearance is not None
        else "clearances: no declarations stored (balise ingest clearances): not checked"
    )
    cargo = (
        f"cargo: {done.cargo.container_events:,} container events, {done.cargo.telemetry:,} "
        f"telemetry readings, {done.cargo.releases:,} releases; container events "
        f"{_changed(done.cargo.changes)}"
        if done.cargo is not None
        else "cargo: no container records stored (balise ingest containers, telemetry, releases)"
    )
    screening = (
        f"lists: {done.screening.entries:,} entries on {done.screening.lists:,} lists, "
        f"{done.screening.vessels:,} vessels and {done.screening.parties:,} manifest parties "
        f"screened; list matches {_changed(done.screening.changes)}"
        if done.screening is not None
        else "lists: none (balise list create, balise list import)"
    )
    ownership = (
        f"registry: {done.ownership.entities:,} entities, {done.ownership.links:,} links, "
        f"{done.ownership.listed:,} on lists, {done.ownership.shells:,} shells; ownership events "
        f"{_changed(done.ownership.changes)}"
        if done.ownership is not None
        else "registry: none (balise ingest registry)"
    )
    sys.stderr.write(
        f"{radar}\n{clearance}\ninsider look-ups: {_changed(done.insider)}\n{cargo}\n{screening}\n"
        f"{ownership}\n"
    )
