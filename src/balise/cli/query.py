"""`balise positions`, `balise vessels`, `balise vessel MMSI`: read the store back."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated, Any

import polars as pl
import typer

from balise.cli.context import settings_for
from balise.cli.output import DataFormat, print_table, write_frames
from balise.engine.dossier import dossier, with_flag
from balise.errors import UsageError
from balise.io.exports.geojson import track_geojson
from balise.io.exports.kml import track_kml
from balise.io.exports.mfjson import track_mfjson
from balise.io.exports.records import json_document
from balise.settings import parse_utc


class PositionFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    geojson = "geojson"
    mfjson = "mfjson"
    kml = "kml"


def _track_document(fmt: PositionFormat, track: pl.DataFrame, mmsi: int) -> str:
    """One vessel's positions as a track: as the API's track exports write it."""
    if fmt is PositionFormat.kml:
        return track_kml(track, f"MMSI {mmsi}")
    writer = track_geojson if fmt is PositionFormat.geojson else track_mfjson
    return json_document(writer(track, {"mmsi": mmsi}))


def positions(
    ctx: typer.Context,
    mmsi: Annotated[int | None, typer.Option(help="Only this vessel.")] = None,
    since: Annotated[str | None, typer.Option(help="From this UTC time (ISO 8601).")] = None,
    until: Annotated[str | None, typer.Option(help="Before this UTC time (ISO 8601).")] = None,
    limit: Annotated[int | None, typer.Option(min=0, help="At most this many rows.")] = None,
    output: Annotated[
        PositionFormat,
        typer.Option(
            "--format", help="jsonl or csv rows; geojson, mfjson or kml: one vessel's track."
        ),
    ] = PositionFormat.jsonl,
) -> None:
    """Stored, cleaned positions, ordered by vessel and time; with --mmsi, also as a track
    (GeoJSON cut at the antimeridian, OGC MF-JSON, or KML for Google Earth)."""
    start, end = (parse_utc(t) if t else None for t in (since, until))
    if start and end and start >= end:
        raise UsageError("--since must be before --until")
    track = output not in (PositionFormat.jsonl, PositionFormat.csv)
    if track and mmsi is None:
        raise UsageError(f"--format {output.value} writes one vessel's track: give --mmsi")
    workspace, _ = settings_for(ctx)
    store = workspace.open_store()
    try:
        frames = store.positions(mmsi, start, end, limit)
        if not track:
            write_frames(frames, output.value)
            return
        batches = [frame for frame in frames if not frame.is_empty()]
    finally:
        store.close()
    assert mmsi is not None
    if not batches:
        where = "in this time range" if start or end else "in the workspace"
        raise UsageError(f"no positions of MMSI {mmsi} {where}", mmsi=mmsi)
    positions = pl.concat(batches, how="vertical_relaxed")
    sys.stdout.write(_track_document(output, positions, mmsi) + "\n")


def vessels(
    ctx: typer.Context, output: Annotated[DataFormat, typer.Option("--format")] = DataFormat.jsonl
) -> None:
    """One line per vessel seen: latest identity, flag, position count, time span, last position."""
    workspace, _ = settings_for(ctx)
    store = workspace.open_store()
    try:
        write_frames([with_flag(store.vessels())], output)
    finally:
        store.close()


def _default(value: Any) -> str:
    return value.isoformat().replace("+00:00", "Z") if hasattr(value, "isoformat") else str(value)


def vessel(
    ctx: typer.Context,
    mmsi: Annotated[int, typer.Argument(help="The vessel's MMSI.")],
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """A vessel's dossier: identity and its changes, flag, positions, risk and its reasons,
    likely destination, events."""
    if output not in ("table", "json"):
        raise UsageError("--format must be table or json")
    workspace, _ = settings_for(ctx)
    store = workspace.open_store()
    try:
        record = dossier(store, mmsi)
    finally:
        store.close()
    if not record["identity"] and not record["positions"]["positions"]:
        raise UsageError(f"no vessel with MMSI {mmsi} in the workspace", mmsi=mmsi)
    if output == "json":
        sys.stdout.write(json.dumps(record, default=_default) + "\n")
        return
    _print_dossier(record)


def _print_dossier(record: dict[str, Any]) -> None:
    flag = f"{record['flag'] or '?'} {record['flag_country'] or ''}".strip()
    identity = record["identity"]
    rows = [("flag (from MMSI)", flag)]
    rows += [(field, _default(value)) for field, value in identity.items() if value is not None]
    rows += [(key, _default(value)) for key, value in record["positions"].items()]
    print_table(f"Vessel {record['mmsi']}", rows, ("", "value"))
    changes = [
        (field, _default(v["value"]), _default(v["first_seen"]), _default(v["last_seen"]),
         str(v["messages"]))
        for field, values in record["identity_history"].items() if len(values) > 1
        for v in values
    ]  # fmt: skip
    if changes:
        print_table("Identity history", changes, ("field", "value", "first seen", "last seen", "n"))
    _print_risk(record.get("risk"))
    _print_tracking(record.get("tracking"))
    _print_voyages(record.get("voyages") or [])
    events = [
        (e["type"], _default(e["start"]), _default(e["end"]), f"{e['score'] or 0:.2f}",
         "" if e["other_mmsi"] is None else str(e["other_mmsi"]), e["id"])
        for e in record["events"]
    ]  # fmt: skip
    title = f"Events ({len(events)}, newest first)" if events else "Events: none"
    print_table(title, events, ("type", "start", "end", "score", "other vessel", "id"))


def _print_risk(risk: dict[str, Any] | None) -> None:
    if risk is None:
        print_table("Risk: not assessed yet (run balise detect)", [], ("", ""))
        return
    reasons = [
        (f"{r.get('contribution', 0):.1f}", str(r.get("text", r.get("kind", ""))))
        for r in risk.get("reasons") or []
    ]
    title = f"Risk {risk['score']:.0f}/100 ({risk['band']}): indicators, not proof"
    print_table(title, reasons or [("", "no contributing indicator")], ("points", "reason"))


def _print_voyages(voyages: list[dict[str, Any]]) -> None:
    if not voyages:
        return
    rows = [
        (v["from_locode"] or "?", v["to_locode"] or "(at sea)", _default(v["departure"] or ""),
         _default(v["arrival"] or ""), f"{v['score']:.0f} {v['band']}",
         v["reasons"][0]["text"] if v["reasons"] else "")
        for v in voyages
    ]  # fmt: skip
    print_table("Voyages (newest first)", rows, ("from", "to", "departed", "arrived", "risk",
                                                  "first reason"))  # fmt: skip


def _print_tracking(tracking: dict[str, Any] | None) -> None:
    if tracking is None:
        return
    rows = [(key, _default(value)) for key, value in tracking.items()
            if key != "mmsi" and value is not None]  # fmt: skip
    print_table("Heading for", rows, ("", "value"))
