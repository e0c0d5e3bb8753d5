"""Door opened: a smart container's door opened where no stuffing, stripping or inspection is
scheduled.

Rip-on/rip-off (research note, §3.3): drugs are put into a legitimate box at the origin terminal
or taken out at the destination terminal between discharge and release, and cocaine is dropped
at sea off a coast for boats to pick up. A smart box reports its door (telemetry `door_open`, IoT
`DOOR_OPENED` events). Each opening (a reading with the door open after one with it closed, or an
event; openings within `merge_minutes` are one) is placed in the box's trip (`phases.py`) and
reported when no handling is recorded within `handling_window_hours` of it:

- `aboard`: between load and discharge — at sea; a `drop` when its position is within
  `max_shore_nm` of a coast and `min_port_km` or more from any port (with the geography given);
- `destination_terminal`: after the last discharge, before the box is gated out: a rip-off;
- `hub_terminal`: at a transshipment terminal between two legs;
- `origin_terminal`: gated in for export, not yet loaded: a rip-on.

Openings inland (after gate-out) are left to `unexpected_stop`, and openings of an empty box or a
box with no recorded events are not judged: nothing says whether they were due.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import polars as pl

from balise.cargo.findings import Finding, events_of, hours, iso, rounded
from balise.cargo.phases import Timeline, timelines
from balise.cargo.ports import port_position
from balise.model.arrays import FloatArray

KIND: Final = "door_opened"
Geo = Callable[[FloatArray, FloatArray], FloatArray]
"""(lat, lon) in degrees → a distance, element-wise (shore in nm, port in km)."""

PLACES: Final = {
    "aboard": "at sea, aboard its vessel",
    "destination_terminal": "at the destination terminal after discharge, before release (rip-off)",
    "hub_terminal": "at a transshipment terminal between two legs",
    "origin_terminal": "at the export terminal before loading (rip-on)",
}
"""The phases in which an opening is judged, and how the reasons say them."""


@dataclass(frozen=True)
class DoorParams:
    """Thresholds and scores of the door rule (docs/detectors.md#door_opened)."""

    handling_window_hours: float = 6.0
    """A stuffing, stripping or inspection recorded within this many hours of an opening
    explains it: event times are the start or the end of work that takes hours. Judgement."""
    merge_minutes: float = 60.0
    """Openings of one box within this many minutes are one. Judgement."""
    max_shore_nm: float = 12.0
    """An opening aboard within this distance of shore (nm) may be a drop: the territorial sea
    (UNCLOS art. 3), the reach of a small boat from a beach (as `coastal_drop`)."""
    min_port_km: float = 10.0
    """… and at least this far from any port or anchorage (km): GFW's 10 km encounter port
    filter; nearer, the ship is arriving or leaving."""
    score_aboard: float = 0.6
    """Score of an opening at sea. Judgement."""
    score_destination_terminal: float = 0.7
    """Score of an opening between discharge and release (the rip-off pattern). Judgement."""
    score_hub_terminal: float = 0.6
    """Score of an opening at a transshipment terminal. Judgement."""
    score_origin_terminal: float = 0.6
    """Score of an opening at the export terminal (rip-on). Judgement."""
    score_drop: float = 0.2
    """Added to an opening at sea near a coast away from ports. Judgement."""
    confidence: float = 0.7
    """Confidence of a reported opening: door sensors bounce and the events may miss a
    scheduled inspection. Judgement."""


def openings(telemetry: pl.DataFrame | None, events: pl.DataFrame | None) -> pl.DataFrame:
    """container_number, time, lat, lon, source of every door opening: telemetry readings with
    the door open after one closed (or first), and `DOOR_OPENED` IoT events."""
    parts = []
    if telemetry is not None and not telemetry.is_empty():
        door = (
            telemetry.drop_nulls(["container_number", "time", "door_open"])
            .sort("container_number", "time")
            .with_columns(pl.col("door_open").shift(1).over("container_number").alias("was_open"))
        )
        rising = door.filter(pl.col("door_open") & ~pl.col("was_open").fill_null(False))
        parts.append(
            rising.select(
                "container_number", "time", "lat", "lon", pl.lit("telemetry").alias("source")
            )
        )
    if events is not None and not events.is_empty():
        iot = events.filter(pl.col("event_code") == "DOOR_OPENED")
        parts.append(
            iot.select(
                "container_number",
                pl.col("event_time").alias("time"),
                "lat",
                "lon",
                pl.lit("iot_event").alias("source"),
            )
        )
    if not parts:
        return pl.DataFrame(
            schema={
                "container_number": pl.String,
                "time": pl.Datetime("us", "UTC"),
                "lat": pl.Float64,
                "lon": pl.Float64,
                "source": pl.String,
            }
        )
    return (
        pl.concat(parts, how="vertical_relaxed")
        .drop_nulls(["container_number", "time"])
        .sort("container_number", "time")
    )


def _merged(found: pl.DataFrame, minutes: float) -> list[dict[str, Any]]:
    """Openings of one box closer than `minutes` to the previous one dropped (first kept, its
    position filled from the others)."""
    kept: list[dict[str, Any]] = []
    for row in found.iter_rows(named=True):
        last = kept[-1] if kept else None
        if (
            last
            and last["container_number"] == row["container_number"]
            and (hours(last["time"], row["time"]) * 60 <= minutes)
        ):
            if last["lat"] is None:
                last["lat"], last["lon"] = row["lat"], row["lon"]
            continue
        kept.append(dict(row))
    return kept


def detect_door_openings(
    telemetry: pl.DataFrame | None,
    container_events: pl.DataFrame | None,
    params: DoorParams | None = None,
    *,
    shore: Geo | None = None,
    port_distance: Geo | None = None,
) -> pl.DataFrame:
    """`door_opened` events (`EVENT_SCHEMA`) of the door openings in `telemetry`
    (`TELEMETRY_SCHEMA`) and `container_events` (`CONTAINER_EVENT_SCHEMA`). `shore` (nm) and
    `port_distance` (km) place openings at sea: without them no drop is told apart."""
    params = params or DoorParams()
    lines = timelines(container_events)
    findings = []
    for opening in _merged(openings(telemetry, container_events), params.merge_minutes):
        line = lines.get(opening["container_number"])
        finding = _judge(opening, line, params, shore, port_distance) if line else None
        if finding is not None:
            findings.append(finding)
    return events_of(KIND, findings, params)


def _judge(
    opening: dict[str, Any],
    line: Timeline,
    params: DoorParams,
    shore: Geo | None,
    port_distance: Geo | None,
) -> Finding | None:
    """The finding of one opening, None when it is due or not judged."""
    moment = opening["time"]
    phase, event = line.phase(moment)
    if (
        phase not in PLACES
        or event is None
        or line.handled_near(moment, params.handling_window_hours)
    ):
        return None
    lat, lon = opening["lat"], opening["lon"]
    if lat is None and phase != "aboard" and event["unlocode"]:
        lat, lon = port_position(event["unlocode"]) or (None, None)
    score = float(getattr(params, f"score_{phase}"))
    reasons = [
        f"door opened {PLACES[phase]}, with no stuffing, stripping or inspection "
        f"within {params.handling_window_hours:g} h"
    ]
    geography = _geography(lat, lon, shore, port_distance)
    drop = (
        phase == "aboard"
        and geography["shore_nm"] is not None
        and geography["port_km"] is not None
        and geography["shore_nm"] <= params.max_shore_nm
        and geography["port_km"] >= params.min_port_km
    )
    if drop:
        score += params.score_drop
        reasons.append(
            f"{geography['shore_nm']:.1f} nm off a coast, "
            f"{geography['port_km']:.0f} km from any port: a possible drop"
        )
    return Finding(
        container=opening["container_number"],
        key=iso(moment) or "",
        start=moment,
        end=moment,
        confidence=params.confidence,
        score=round(min(score, 1.0), 3),
        reasons=reasons,
        evidence={
            "phase": phase,
            "drop": drop,
            "source": opening["source"],
            "since": {
                "code": event["event_code"],
                "port": event["unlocode"],
                "time": iso(event["event_time"]),
            },
            **{k: rounded(v) for k, v in geography.items()},
        },
        lat=lat,
        lon=lon,
        mmsi=event["vessel_mmsi"] if phase == "aboard" else None,
    )


def _geography(
    lat: float | None, lon: float | None, shore: Geo | None, port_distance: Geo | None
) -> dict[str, float | None]:
    """Distance to shore (nm) and to the nearest port (km) of a position, None when unknown."""
    if lat is None or lon is None:
        return {"shore_nm": None, "port_km": None}
    point = (np.array([lat], np.float64), np.array([lon], np.float64))
    return {
        "shore_nm": float(shore(*point)[0]) if shore is not None else None,
        "port_km": float(port_distance(*point)[0]) if port_distance is not None else None,
    }
