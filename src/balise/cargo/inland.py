"""Unexpected stop: a laden container in inland transport that stops where its route gives no
reason to, for long enough to open it.

A truck that leaves the terminal with a box and stops on the way is where a load is taken out
before the consignee sees it (the extraction teams of Europol's "Criminal networks in EU ports",
2023). From each laden gate-out (or pickup) of a box until its stripping, drop-off or next gate-in
(at most `max_inland_hours` later when none is recorded), the box's telemetry fixes are cut into
stops: consecutive fixes all within `stop_radius_m` of the first, lasting `min_stop_minutes` or
more. A stop is reported unless it is:

- within `place_radius_km` of where the inland move began (the terminal: the gate-out's
  position, else the first fix) or of where it ended (the stripping or drop-off event's position,
  else the last fix when such an event is recorded). A fix stands in for an event's position only
  when the event has none: a device reporting often on the road may already be kilometres out
  of the terminal at its first fix;
- still going at the last fix with no end event recorded (the box may be at its consignee);
- a driver's break: it starts after `legal_break_after_hours` of the move and lasts at most
  `legal_break_max_minutes` (EU Regulation 561/2006, art. 7: a 45-minute break after 4.5 hours of
  driving).

A door opened during the stop raises the score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import numpy as np
import polars as pl

from balise.cargo.findings import Finding, events_of, hours, iso, rounded
from balise.cargo.phases import Timeline, timelines
from balise.geo.sphere import haversine_km

KIND: Final = "unexpected_stop"
STARTS: Final = ("GATED_OUT", "PICKED_UP")
ENDS: Final = ("STRIPPED", "DROPPED_OFF", "GATED_IN", "HANDED_OVER")


@dataclass(frozen=True)
class InlandParams:
    """Thresholds of the unexpected-stop rule (docs/detectors.md#unexpected_stop)."""

    stop_radius_m: float = 250.0
    """Fixes within this distance (m) of a stop's first fix are the same stop: a lay-by or a
    yard, with GNSS noise. Judgement."""
    min_stop_minutes: float = 30.0
    """A stop this long (min) is long enough to open a box and take bags out; traffic lights
    and queues are shorter. Judgement."""
    place_radius_km: float = 2.0
    """Stops within this distance (km) of where the move began or ended are the terminal's or
    the consignee's. Judgement."""
    max_inland_hours: float = 72.0
    """Without an end event, the inland move is watched for this long (h). Judgement."""
    legal_break_after_hours: float = 4.5
    """A stop after this many hours on the road may be the driver's break (EU Regulation
    561/2006, art. 7)."""
    legal_break_max_minutes: float = 60.0
    """… when it lasts at most this long (min): the 45-minute break and some slack."""
    score: float = 0.4
    """Score of an unexpected stop. Judgement."""
    score_door: float = 0.3
    """Added when the door opened during the stop. Judgement."""
    confidence: float = 0.5
    """Confidence: drivers stop for fuel, food and traffic. Judgement."""


def detect_unexpected_stops(
    telemetry: pl.DataFrame | None,
    container_events: pl.DataFrame | None,
    params: InlandParams | None = None,
) -> pl.DataFrame:
    """`unexpected_stop` events (`EVENT_SCHEMA`) of the telemetry (`TELEMETRY_SCHEMA`) of boxes
    in inland transport after a laden gate-out (`CONTAINER_EVENT_SCHEMA` events)."""
    params = params or InlandParams()
    if telemetry is None or telemetry.is_empty():
        return events_of(KIND, [], params)
    fixes = telemetry.drop_nulls(["container_number", "time", "lat", "lon"]).sort("time")
    by_box = {str(k[0]): g for k, g in fixes.group_by("container_number")}
    findings = []
    for box, line in timelines(container_events).items():
        readings = by_box.get(box)
        if readings is None:
            continue
        for start in (r for r in line.rows if r["event_code"] in STARTS):
            if (start["empty_laden"] or "LADEN").upper() == "LADEN":
                findings += _move_findings(box, start, line, readings, params)
    return events_of(KIND, findings, params)


def _move_findings(
    box: str, start: dict[str, Any], line: Timeline, readings: pl.DataFrame, params: InlandParams
) -> list[Finding]:
    """The unexpected stops of one inland move."""
    begin: datetime = start["event_time"]
    end_event = line.next_after(begin, ENDS)
    until = (
        end_event["event_time"] if end_event else begin + timedelta(hours=params.max_inland_hours)
    )
    rows = list(readings.filter(pl.col("time").is_between(begin, until)).iter_rows(named=True))
    if len(rows) < 2:
        return []
    places = [_place(start, rows[0])]
    if end_event is not None:
        places.append(_place(end_event, rows[-1]))
    findings = []
    for stop in _stops(rows, params):
        open_ended = stop[-1] is rows[-1] and end_event is None
        if open_ended or _near(stop[0], places, params.place_radius_km):
            continue
        minutes = hours(stop[0]["time"], stop[-1]["time"]) * 60
        on_road = hours(begin, stop[0]["time"])
        if on_road >= params.legal_break_after_hours and minutes <= params.legal_break_max_minutes:
            continue
        findings.append(_finding(box, start, stop, minutes, on_road, params))
    return findings


def _place(event: dict[str, Any], fix: dict[str, Any]) -> tuple[Any, Any]:
    """Where an event happened: its position, else the fix standing in for it."""
    if event["lat"] is not None and event["lon"] is not None:
        return event["lat"], event["lon"]
    return fix["lat"], fix["lon"]


def _stops(rows: list[dict[str, Any]], params: InlandParams) -> list[list[dict[str, Any]]]:
    """Runs of fixes within `stop_radius_m` of the run's first, lasting `min_stop_minutes`."""
    stops, n = [], 0
    while n < len(rows):
        anchor, end = rows[n], n + 1
        while end < len(rows) and _km(anchor, rows[end]) * 1000 <= params.stop_radius_m:
            end += 1
        if hours(anchor["time"], rows[end - 1]["time"]) * 60 >= params.min_stop_minutes:
            stops.append(rows[n:end])
        n = end
    return stops


def _km(a: dict[str, Any], b: dict[str, Any]) -> float:
    return float(haversine_km(a["lat"], a["lon"], b["lat"], b["lon"]))


def _near(fix: dict[str, Any], places: list[tuple[Any, Any]], radius_km: float) -> bool:
    known = [(lat, lon) for lat, lon in places if lat is not None and lon is not None]
    if not known:
        return False
    lats, lons = np.array([p[0] for p in known]), np.array([p[1] for p in known])
    return bool((haversine_km(fix["lat"], fix["lon"], lats, lons) <= radius_km).any())


def _finding(
    box: str,
    start: dict[str, Any],
    stop: list[dict[str, Any]],
    minutes: float,
    on_road: float,
    params: InlandParams,
) -> Finding:
    door = any(r["door_open"] for r in stop)
    reasons = [
        f"stopped {minutes:.0f} min, {on_road:.1f} h after leaving "
        f"{start['unlocode'] or start['facility'] or 'the terminal'}, away from the "
        f"terminal and the place of delivery"
    ]
    if door:
        reasons.append("its door opened during the stop")
    lat = float(np.mean([r["lat"] for r in stop]))
    lon = float(np.mean([r["lon"] for r in stop]))
    return Finding(
        container=box,
        key=iso(stop[0]["time"]) or "",
        start=stop[0]["time"],
        end=stop[-1]["time"],
        confidence=params.confidence,
        score=round(min(1.0, params.score + (params.score_door if door else 0.0)), 3),
        reasons=reasons,
        evidence={
            "minutes": rounded(minutes, 1),
            "hours_on_road": rounded(on_road, 2),
            "fixes": len(stop),
            "door_opened": door,
            "left": {
                "code": start["event_code"],
                "port": start["unlocode"],
                "time": iso(start["event_time"]),
                "truck_plate": start["truck_plate"],
            },
        },
        lat=lat,
        lon=lon,
    )
