"""`balise detect` and `balise events`: run the detectors, read the events."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer

from balise.alerts.store import AlertStore
from balise.cli.context import settings_for
from balise.cli.output import DataFormat, print_table, write_frames
from balise.engine.assess import assess_workspace
from balise.engine.detect import DETECTED_TYPES, default_geography, detect
from balise.engine.params import detector_params
from balise.geo.zones import Zone, load_zones
from balise.maritime.encounters import PRESETS
from balise.model.event_types import EVENT_TYPE_NAMES
from balise.settings import parse_utc

EventTypeChoice = StrEnum(  # type: ignore[misc]
    "EventTypeChoice", {name: name for name in EVENT_TYPE_NAMES}
)
"""The registry's event types, as `--type` choices."""


class EventFormat(StrEnum):
    table = "table"
    jsonl = "jsonl"
    csv = "csv"
    geojson = "geojson"


ZONE_FILE = "zones.geojson"
"""The workspace's own zones (GeoJSON): they replace the default zones of the same id."""


def workspace_zones(root: Path) -> tuple[Zone, ...]:
    """The default zones overlaid by the workspace's zone file; its bad features are reported
    on stderr and skipped."""
    path = root / ZONE_FILE
    loaded = load_zones(path if path.exists() else None)
    for problem in loaded.problems:
        name = f" ({problem.zone_id})" if problem.zone_id else ""
        sys.stderr.write(
            f"{path.name}: feature {problem.feature_index}{name} skipped: {problem.reason}\n"
        )
    return tuple(loaded.zones)


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
) -> None:
    """Run every detector; new, revised and retracted events are saved.

    The first run examines everything stored; later runs only the vessels with new or late data
    since the last run (all of them again with --full or when the preset changed)."""
    workspace, settings = settings_for(ctx, **{"detect.preset": preset})
    preset = str(settings["detect.preset"])
    geography = default_geography(workspace.root / "cache", workspace_zones(workspace.root))
    store = workspace.open_store()
    try:
        params = detector_params(settings.values)
        report = detect(store, preset, geography, full=full, params=params)
        assessment = assess_workspace(store, workspace.root)
        AlertStore(store).refresh()
    finally:
        store.close()
    changes = report.changes
    rows = [(kind, f"{report.by_type.get(kind, 0):,}") for kind in DETECTED_TYPES]
    for name in ("new", "revised", "retracted", "unchanged"):
        rows.append((name, f"{getattr(changes, name):,}"))
    bands = ", ".join(f"{assessment.bands.get(b, 0):,} {b}" for b in ("high", "medium", "low"))
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


def _geojson(events: pl.DataFrame) -> dict[str, Any]:
    features = []
    for row in events.iter_rows(named=True):
        properties = {k: v for k, v in row.items() if k not in ("lat", "lon")}
        for key in ("params", "evidence"):
            properties[key] = json.loads(properties[key] or "{}")
        for key in ("start", "end"):
            properties[key] = properties[key].strftime("%Y-%m-%dT%H:%M:%SZ")
        geometry = {"type": "Point", "coordinates": [row["lon"], row["lat"]]}
        features.append({"type": "Feature", "id": row["id"], "geometry": geometry,
                         "properties": properties})  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def events(
    ctx: typer.Context,
    kind: Annotated[
        EventTypeChoice | None, typer.Option("--type", help="Only this event type.")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Events ending at or after (ISO 8601).")] = None,
    mmsi: Annotated[int | None, typer.Option(help="Only events about this vessel.")] = None,
    output: Annotated[EventFormat, typer.Option("--format")] = EventFormat.table,
) -> None:
    """Stored events, newest first."""
    workspace, _ = settings_for(ctx)
    store = workspace.open_store()
    try:
        found = store.events(kind and str(kind), parse_utc(since) if since else None, mmsi)
    finally:
        store.close()
    if output is EventFormat.geojson:
        sys.stdout.write(json.dumps(_geojson(found)) + "\n")
    elif output is EventFormat.table:
        rows = [
            (r["type"], r["start"].strftime("%Y-%m-%d %H:%M"), r["end"].strftime("%Y-%m-%d %H:%M"),
             str(r["mmsi"] or ""), str(r["other_mmsi"] or ""), f"{r['lat']:.3f}",
             f"{r['lon']:.3f}", f"{r['confidence']:.2f}", r["status"])
            for r in found.head(200).iter_rows(named=True)
        ]  # fmt: skip
        headers = ("type", "start", "end", "mmsi", "other", "lat", "lon", "confidence", "status")
        print_table(f"{found.height:,} events (first {len(rows)})", rows, headers)
    else:
        write_frames([found], DataFormat(output.value))
