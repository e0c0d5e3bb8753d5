"""Exports of a filtered view: events as CSV, GeoJSON or KML; a vessel track as KML or GeoJSON.

The events export takes the filters of `GET /api/v1/events` (type, time range, bounding box or
zone, vessel, minimum score, status) and writes every matching event, newest first. CSV is
streamed (read and written a batch at a time), so an export is not capped by memory; GeoJSON and
KML are built whole. A track export writes the positions of one vessel over a time range: KML
as a `gx:MultiTrack` for Google Earth's time slider (with the vessel's events in that range as
timed placemarks), GeoJSON as a LineString cut at the antimeridian, or OGC MF-JSON.

`?bundle=zip` gives a ZIP holding the file and a `README.txt`: what was exported, the filters,
the settings (the detection preset of the last run), the data version (the store's last change
sequence and the last detection run) and the export time, the columns, and the caveats, as Global
Fishing Watch's downloads carry their own data dictionary. Without it, the plain file comes with
its data version in the `X-Balise-Data-Version` header.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Final, Literal, Protocol

import polars as pl
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse

from balise.api.auth import OTHER_TYPES, record_read, requires, visible_types
from balise.api.deps import RulesDep, StoreDep
from balise.api.params import BBoxQuery, parse_bbox, time_range
from balise.api.problems import not_found
from balise.api.routers.alerts import (
    MmsiQuery,
    SeverityQuery,
    StateQuery,
    TypeQuery,
    alert_filter,
    inbox,
)
from balise.api.routers.events import Statuses, Types, event_filter, workspace_zone
from balise.api.routers.vessels import vessel_track
from balise.engine.containers import EXPORT_COLUMNS, containers_at_risk, containers_export
from balise.geo.zones import Zone
from balise.io.exports import geojson, kml, mfjson
from balise.io.exports.csv import csv_chunks, csv_text
from balise.io.exports.records import iso_time, json_document
from balise.model.events import EVENT_SCHEMA
from balise.store.base import EventFilter, EventStore, IngestStore, Store

router = APIRouter(tags=["exports"], dependencies=[Depends(requires("export"))])

CSV_BATCH_ROWS: Final = 10_000
Bundle = Annotated[
    Literal["zip"] | None, Query(description="zip: the file and its README.txt in a ZIP.")
]


class EventFormat(StrEnum):
    csv = "csv"
    geojson = "geojson"
    kml = "kml"


class TrackFormat(StrEnum):
    kml = "kml"
    geojson = "geojson"
    mfjson = "mfjson"


MEDIA_TYPES: Final = {
    "csv": "text/csv; charset=utf-8", "geojson": geojson.MEDIA_TYPE,
    "kml": kml.MEDIA_TYPE, "mfjson": mfjson.MEDIA_TYPE, "zip": "application/zip",
}  # fmt: skip
_FILE_CONTENT: Final = {
    media.split(";")[0]: {"schema": {"type": "object"} if "json" in media else
                          {"type": "string", "format": "binary"}}
    for media in MEDIA_TYPES.values()
}  # fmt: skip
RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    200: {"description": "The export, or a ZIP with its README.txt (bundle=zip).",
          "content": _FILE_CONTENT},
    400: {"description": "Bad parameters"},
    404: {"description": "No such vessel"},
}  # fmt: skip
EVENT_COLUMNS: Final = {
    "id": "stable event id (the same event keeps it across detection runs)",
    "type": "event type (definitions: GET /api/v1/event-types)",
    "start": "start, UTC (ISO 8601)",
    "end": "end, UTC (ISO 8601)",
    "lat": "latitude, degrees WGS84",
    "lon": "longitude, degrees WGS84",
    "mmsi": "the vessel's MMSI",
    "other_mmsi": "the other vessel of an encounter",
    "confidence": "0-1: how sure the detector is",
    "score": "0-1: how suspicious, when the detector rates it",
    "params": "JSON: the thresholds in force",
    "evidence": "JSON: what was observed",
    "status": "active, revised (changed by late data) or retracted",
}
TRACK_COLUMNS: Final = {
    "time": "position time, UTC (coordTimes in GeoJSON, <when> in KML)",
    "lon, lat": "degrees WGS84 (cut at the antimeridian into parts in GeoJSON and KML)",
    "sog_knots": "speed over ground as reported, knots",
    "cog_deg": "course over ground as reported, degrees",
}
CAVEATS: Final = """Events and scores are indicators of risk, not proof of wrongdoing and not legal
determinations: read each event's evidence and its type's definition before acting on it.
Events are revised or retracted when late data arrives; the data version above says which state
of the workspace this export shows. Positions are AIS reports as received: they can be missing,
delayed, wrong or spoofed."""


def _strings(values: list[Any] | None) -> list[str] | None:
    return [str(v) for v in values] if values else None


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


class _Versioned(IngestStore, EventStore, Protocol):
    """What the data version is read from: the change log and the detection runs."""


def data_version(store: _Versioned) -> dict[str, Any]:
    """The store's last change sequence and its last detection run (time, preset, fingerprint)."""
    version: dict[str, Any] = {"change_sequence": store.last_change()}
    run = store.latest_detect_run()
    if run is not None:
        run_at, fingerprint = run.run_at, run.fingerprint
        parts = str(fingerprint).split("|")
        version |= {"detect_run_at": iso_time(run_at), "detect_fingerprint": str(fingerprint),
                    "detect_preset": parts[1] if len(parts) >= 2 else None}  # fmt: skip
    return version


def readme(
    title: str, filters: dict[str, Any], version: dict[str, Any], exported_at: datetime,
    files: dict[str, str], columns: dict[str, str], rows: int,
) -> str:  # fmt: skip
    """The README.txt of an export bundle."""
    given = {k: v for k, v in filters.items() if v not in (None, [], "")}
    lines = [f"Balise export: {title}", "=" * (15 + len(title)), ""]
    lines.append(f"Exported at: {iso_time(exported_at)}")
    lines.append(f"Rows: {rows}")
    lines += ["", "Filters:"] + (
        [f"  {k}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in given.items()]
        or ["  none (everything stored)"]
    )
    lines += ["", "Settings and data version:"]
    lines += [f"  {k}: {v}" for k, v in version.items()]
    if "detect_run_at" not in version:
        lines.append("  no detection run yet: there are no events")
    lines += ["", "Files:"] + [f"  {name}: {what}" for name, what in files.items()]
    lines += ["", "Columns:"] + [f"  {name}: {what}" for name, what in columns.items()]
    lines += ["", "Caveats:", *("  " + line for line in CAVEATS.splitlines()), ""]
    return "\n".join(lines)


def _zip(name: str, data: bytes, readme_text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(name, data)
        bundle.writestr("README.txt", readme_text)
    return buffer.getvalue()


def _attachment(name: str, version: dict[str, Any]) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"',
            "X-Balise-Data-Version": str(version["change_sequence"])}  # fmt: skip


def _deliver(name: str, fmt: str, data: bytes, text: str, version: dict[str, Any],
             bundle: str | None) -> Response:  # fmt: skip
    """The file itself, or a ZIP of it and its README when `bundle` is "zip"."""
    if bundle is None:
        return Response(data, media_type=MEDIA_TYPES[fmt], headers=_attachment(name, version))
    zipped = name.removesuffix(f".{fmt}") + ".zip"
    return Response(_zip(name, data, text), media_type=MEDIA_TYPES["zip"],
                    headers=_attachment(zipped, version))  # fmt: skip


def _in_zone(frame: pl.DataFrame, zone: Zone | None) -> pl.DataFrame:
    if zone is None or frame.is_empty():
        return frame
    return frame.filter(pl.Series(zone.contains(frame["lat"].to_numpy(), frame["lon"].to_numpy())))


def _event_batches(database: Store, where: EventFilter, zone: Zone | None
                   ) -> Iterator[pl.DataFrame]:  # fmt: skip
    """The events a batch at a time, on a cursor of its own (the request's closes before the
    response body is sent)."""
    cursor = database.cursor()
    try:
        for frame in cursor.iter_events(where, CSV_BATCH_ROWS):
            yield _in_zone(frame, zone)
    finally:
        cursor.close()


def _csv_stream(database: Store, where: EventFilter, zone: Zone | None) -> Iterator[bytes]:
    """The CSV a batch at a time (the header alone when nothing matches)."""
    return csv_chunks(_event_batches(database, where, zone), EVENT_SCHEMA)


def _event_file(fmt: EventFormat, events: pl.DataFrame, description: str) -> bytes:
    if fmt is EventFormat.csv:
        return csv_text(events).encode()
    if fmt is EventFormat.geojson:
        return json_document(geojson.events_geojson(events)).encode()
    return kml.events_kml(events, "Balise events", description).encode()


ScoreQuery = Annotated[
    float | None, Query(ge=0, le=1, description="Score (else confidence) at least this.")
]
SinceQuery = Annotated[datetime | None, Query(description="Ended at or after (UTC if no zone).")]
UntilQuery = Annotated[datetime | None, Query(description="Started before.")]
ZoneQuery = Annotated[str | None, Query(max_length=64, description="A zone id.")]


@router.get("/api/v1/exports/events.{fmt}", response_class=Response, responses=RESPONSES)
def export_events(
    fmt: EventFormat, request: Request, store: StoreDep, kind: Types = None,
    since: SinceQuery = None, until: UntilQuery = None, bbox: BBoxQuery = None,
    zone: ZoneQuery = None, mmsi: MmsiQuery = None, min_score: ScoreQuery = None,
    status: Statuses = None, bundle: Bundle = None,
) -> Response:  # fmt: skip
    """Every event matching the filters of `GET /api/v1/events`, newest first, as CSV
    (streamed), GeoJSON or KML; `bundle=zip` adds a README.txt."""
    start, end = time_range(since, until)
    area = workspace_zone(request.app.state.workspace.root, zone) if zone else None
    types, statuses = visible_types(request, _strings(kind) or ()), _strings(status)
    where = event_filter(types, statuses, start, end, parse_bbox(bbox), mmsi, min_score, area)
    record_read(request, "export", [f"events {request.url.query}"])
    now, version = datetime.now(UTC), data_version(store)
    name = f"balise-events-{_stamp(now)}.{fmt.value}"
    if fmt is EventFormat.csv and bundle is None:
        stream = _csv_stream(request.app.state.store, where, area)
        return StreamingResponse(stream, media_type=MEDIA_TYPES["csv"],
                                 headers=_attachment(name, version))  # fmt: skip
    events = _in_zone(store.find_events(where), area)
    filters = {"type": kind, "since": start, "until": end, "bbox": bbox, "zone": zone,
               "mmsi": mmsi, "min_score": min_score,
               "status": status or "active, revised"}  # fmt: skip
    text = readme("events", filters, version, now, {name: f"{len(events)} events ({fmt.value})"},
                  EVENT_COLUMNS, events.height)  # fmt: skip
    data = _event_file(fmt, events, text)
    return _deliver(name, fmt.value, data, text, version, bundle)


ALERT_COLUMNS: Final = {
    "id": "alert id: the id of the event that triggered it",
    "state": "open, acknowledged, suspended, dismissed or retracted (its event was)",
    "severity": "0-1: the event's strength combined with the vessel's risk",
    "severity_label": "low, medium, high or critical",
    "strength": "the event's score, else its confidence (0-1)",
    "type, mmsi, other_mmsi, start, end, lat, lon, score, confidence": "the event's (see events)",
    "event_status": "the event's status: active, revised or retracted",
    "suspended_until": "end of the suspension, UTC",
    "dismiss_reason, note": "the reason of a dismissal and the note of the last action",
    "updated_at, updated_by": "the last action's time and author",
    "evidence": "JSON: what the event observed",
}
_ALERT_CSV: Final = ("id", "state", "severity", "severity_label", "strength", "type", "mmsi",
                     "other_mmsi", "start", "end", "lat", "lon", "score", "confidence",
                     "event_status", "suspended_until", "dismiss_reason", "note", "updated_at",
                     "updated_by", "evidence")  # fmt: skip


_ALERT_MORE: Final = ("state", "severity", "severity_label", "suspended_until", "dismiss_reason",
                      "updated_at", "updated_by")  # fmt: skip
"""What a GeoJSON alert carries besides its event's columns."""


def _alert_file(fmt: EventFormat, alerts: pl.DataFrame, description: str) -> bytes:
    alerts = alerts.with_columns(pl.col("event_status").alias("status"))
    if fmt is EventFormat.csv:
        return csv_text(alerts.select(_ALERT_CSV)).encode()
    if fmt is EventFormat.kml:
        return kml.events_kml(alerts, "Balise alerts", description).encode()
    event_columns = [c for c in EVENT_SCHEMA if c in alerts.columns]
    return json_document(geojson.events_geojson(alerts.select(*event_columns, *_ALERT_MORE))
                         ).encode()  # fmt: skip


@router.get("/api/v1/exports/alerts.{fmt}", response_class=Response, responses=RESPONSES)
def export_alerts(
    fmt: EventFormat, request: Request, store: StoreDep, rules: RulesDep, state: StateQuery = None,
    kind: TypeQuery = None, min_severity: SeverityQuery = None, mmsi: MmsiQuery = None,
    since: Annotated[datetime | None, Query(description="Event ended at or after.")] = None,
    bundle: Bundle = None,
) -> Response:  # fmt: skip
    """The inbox as listed by `GET /api/v1/alerts` with the same filters (every page), as CSV,
    GeoJSON or KML; `bundle=zip` adds a README.txt."""
    kinds = visible_types(request, kind or (), base="alert")
    alerts = inbox(store, rules).alerts(
        alert_filter(state, kinds, min_severity, mmsi, since, rules), None
    )
    record_read(request, "export", alerts["id"].to_list(), alerts.height)
    now, version = datetime.now(UTC), data_version(store)
    name = f"balise-alerts-{_stamp(now)}.{fmt.value}"
    filters = {"state": state, "type": kind, "min_severity": min_severity, "mmsi": mmsi,
               "since": since}  # fmt: skip
    text = readme("alerts", filters, version, now, {name: f"{alerts.height} alerts ({fmt.value})"},
                  ALERT_COLUMNS, alerts.height)  # fmt: skip
    data = _alert_file(fmt, alerts, text)
    return _deliver(name, fmt.value, data, text, version, bundle)


class TableExport(StrEnum):
    csv = "csv"


@router.get("/api/v1/exports/containers.{fmt}", response_class=Response, responses=RESPONSES,
            dependencies=[Depends(requires("container"))])  # fmt: skip
def export_containers(
    fmt: TableExport, request: Request, store: StoreDep,
    port: Annotated[str | None, Query(max_length=16, pattern=r"^[A-Za-z]{2}[A-Za-z0-9]{3}",
                    description="UN/LOCODE (or terminal): boxes last seen or flagged there.")]
    = None,
    min_score: Annotated[float | None, Query(ge=0, le=100, description="Risk score (0–100) at "
                         "least this.")] = None,
    bundle: Bundle = None,
) -> Response:  # fmt: skip
    """The containers at risk as listed by `GET /api/v1/containers` with the same filters
    (every page), as CSV; `bundle=zip` adds a README.txt."""
    found = containers_at_risk(store, port=port.upper() if port else None, min_score=min_score)
    rows = containers_export(found)
    record_read(request, "container", rows["container_number"].to_list(), rows.height)
    now, version = datetime.now(UTC), data_version(store)
    name = f"balise-containers-{_stamp(now)}.{fmt.value}"
    files = {name: f"{rows.height} containers ({fmt.value})"}
    filters = {"port": port, "min_score": min_score}
    text = readme("containers at risk", filters, version, now, files, EXPORT_COLUMNS, rows.height)
    return _deliver(name, fmt.value, csv_text(rows).encode(), text, version, bundle)


def _vessel_events(store: EventStore, mmsi: int, start: Any, end: Any) -> pl.DataFrame:
    """The vessel's events in the time range, oldest first."""
    where = event_filter(OTHER_TYPES, None, start, end, None, mmsi, None, None)
    return store.find_events(where).sort("start", maintain_order=True)


def _track_file(fmt: TrackFormat, track: pl.DataFrame, mmsi: int, events: pl.DataFrame,
                description: str) -> bytes:  # fmt: skip
    if fmt is TrackFormat.kml:
        return kml.track_kml(track, f"MMSI {mmsi}", description, events).encode()
    writer = geojson.track_geojson if fmt is TrackFormat.geojson else mfjson.track_mfjson
    return json_document(writer(track, {"mmsi": mmsi})).encode()


@router.get("/api/v1/exports/vessels/{mmsi}/track.{fmt}", response_class=Response,
            responses=RESPONSES)  # fmt: skip
def export_track(
    request: Request, mmsi: Annotated[int, PathParam(ge=0, le=999_999_999)], fmt: TrackFormat,
    store: StoreDep,
    since: Annotated[datetime | None, Query(description="From (UTC if no zone).")] = None,
    until: Annotated[datetime | None, Query(description="Until, excluded.")] = None,
    bundle: Bundle = None,
) -> Response:  # fmt: skip
    """A vessel's track over a time range: KML (`gx:Track`, with its events), GeoJSON or
    MF-JSON; `bundle=zip` adds a README.txt."""
    start, end = time_range(since, until)
    if not store.has_positions(mmsi):
        raise not_found("track of the vessel with MMSI", mmsi)
    track = vessel_track(store, mmsi, start, end)
    record_read(request, "export", [str(mmsi)], track.height)
    events = _vessel_events(store, mmsi, start, end) if fmt is TrackFormat.kml else None
    now, version = datetime.now(UTC), data_version(store)
    name = f"balise-track-{mmsi}-{_stamp(now)}.{fmt.value}"
    what = f"{track.height} positions" + (f", {events.height} events" if events is not None else "")
    text = readme(f"track of MMSI {mmsi}", {"mmsi": mmsi, "since": start, "until": end}, version,
                  now, {name: f"{what} ({fmt.value})"}, TRACK_COLUMNS, track.height)  # fmt: skip
    data = _track_file(fmt, track, mmsi, events if events is not None else pl.DataFrame(), text)
    return _deliver(name, fmt.value, data, text, version, bundle)
