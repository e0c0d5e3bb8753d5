"""Box off its vessel: a smart container's own GPS away from the ship it is booked on, while the
box's events say it is aboard.

A box that is not where its ship is was swapped, unloaded without a record (a drop, a
transshipment the documents hide) or is booked on a ship it never boarded. For each leg of a trip
(`journey.py`) with a vessel MMSI, the box's GPS fixes (its telemetry readings and the DCSA IoT
`BREADCRUMB` events that carry a position: `box_fixes`) between the load and the discharge
(less `port_margin_hours` at both ends, when terminal moves and late events blur who holds the
box) are compared with the vessel's AIS position at the same time, interpolated between the two
positions around it when they are at most `max_gap_minutes` apart. A fix further than
`max_distance_km` from the ship is off; in a longer AIS gap (up to `max_reach_hours`), a fix is
off when it lies further than `max_distance_km` beyond where the ship could have sailed at
`max_speed_knots` from its positions around the gap (`beyond_reach_km`). `min_readings`
consecutive off fixes make an event, from the first to the last of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import polars as pl

from balise.cargo.findings import Finding, events_of, iso, rounded
from balise.cargo.journey import Journey, Leg
from balise.geo.sphere import haversine_km

KIND: Final = "box_off_vessel"
VesselPositions = pl.DataFrame | Callable[[int], pl.DataFrame]
"""The AIS positions of vessels (`POSITION_SCHEMA`: mmsi, timestamp, lat, lon): a frame of
many vessels, or a function giving one vessel's positions by MMSI (the engine reads them from the
store on demand)."""


@dataclass(frozen=True)
class BoxOffVesselParams:
    """Thresholds of the box-off-vessel rule (docs/detectors.md#box_off_vessel)."""

    max_distance_km: float = 5.0
    """A fix further than this (km) from the ship is off: a container ship is at most 400 m
    long, GNSS fixes of a box deep in a stack drift by hundreds of metres, and interpolating
    AIS positions 30 min apart at 20 kn may miss a turn by a few km. Judgement."""
    max_gap_minutes: float = 30.0
    """The ship's position is interpolated only between AIS positions at most this far apart
    (min); fixes in longer AIS gaps are judged by reach only (`max_reach_hours`)."""
    min_readings: int = 2
    """Consecutive off fixes that make an event: one stray fix is GNSS noise. Judgement."""
    port_margin_hours: float = 2.0
    """Fixes this close (h) to the load or discharge time are not judged: the box is on the
    quay or a straddle carrier while the events say it is aboard. Judgement."""
    max_speed_knots: float = 30.0
    """Fastest a ship is taken to sail (kn) when a fix falls in a longer AIS gap: the fastest
    container ships are designed for 24-25 kn and slow-steam at 14-18 kn. Judgement with a
    margin."""
    max_reach_hours: float = 6.0
    """Fixes in AIS gaps longer than `max_gap_minutes` and up to this long (h) are judged by
    reach: off when further than `max_distance_km` from everywhere the ship could have sailed
    at `max_speed_knots` from both of its positions around the gap (offshore, satellite AIS
    often reports a ship every 30-60 min). Judgement."""
    confidence: float = 0.7
    """Confidence of an event: the booking may name the wrong ship. Judgement."""
    score: float = 0.6
    """Score of an event. Judgement."""


def _vessel_track(positions: VesselPositions, mmsi: int) -> pl.DataFrame:
    """timestamp, lat, lon of vessel `mmsi`, in time order."""
    track = positions(mmsi) if callable(positions) else positions.filter(pl.col("mmsi") == mmsi)
    return track.select("timestamp", "lat", "lon").drop_nulls().sort("timestamp")


def ship_at(
    track: pl.DataFrame, times: pl.Series, max_gap_minutes: float
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The ship's (lat, lon) interpolated at `times` (NaN where the AIS positions around a
    time are missing or further apart than `max_gap_minutes`)."""
    t = track["timestamp"].dt.epoch("us").to_numpy().astype(np.float64)
    q = times.dt.epoch("us").to_numpy().astype(np.float64)
    lat, lon = track["lat"].to_numpy(), track["lon"].to_numpy()
    nan = np.full(len(q), np.nan)
    if len(t) == 0:
        return nan, nan.copy()
    after = np.clip(np.searchsorted(t, q, side="left"), 0, len(t) - 1)
    before = np.clip(after - 1, 0, len(t) - 1)
    exact = t[after] == q
    before = np.where(exact, after, before)
    span = t[after] - t[before]
    ok = exact | ((t[before] <= q) & (q <= t[after]) & (span <= max_gap_minutes * 6e7))
    share = np.where(span > 0, (q - t[before]) / np.where(span > 0, span, 1.0), 0.0)
    dlon = (lon[after] - lon[before] + 180.0) % 360.0 - 180.0
    at_lat = np.where(ok, lat[before] + share * (lat[after] - lat[before]), np.nan)
    at_lon = np.where(ok, (lon[before] + share * dlon + 180.0) % 360.0 - 180.0, np.nan)
    return at_lat, at_lon


def beyond_reach_km(
    track: pl.DataFrame,
    fixes: pl.DataFrame,
    max_gap_minutes: float,
    max_reach_hours: float,
    max_speed_knots: float,
) -> np.ndarray[Any, Any]:
    """The least distance (km) from each fix to where the ship could have been at its time,
    for fixes in an AIS gap longer than `max_gap_minutes` and at most `max_reach_hours` long:
    sailing at most `max_speed_knots`, the ship was within that reach of its position before
    the gap and of its position after it, so a fix further than both reaches is at least the
    larger excess away. NaN for the other fixes."""
    t = track["timestamp"].dt.epoch("us").to_numpy().astype(np.float64)
    q = fixes["time"].dt.epoch("us").to_numpy().astype(np.float64)
    nan = np.full(len(q), np.nan)
    if len(t) == 0:
        return nan
    lat, lon = track["lat"].to_numpy(), track["lon"].to_numpy()
    after = np.clip(np.searchsorted(t, q, side="left"), 0, len(t) - 1)
    before = np.clip(after - 1, 0, len(t) - 1)
    span = t[after] - t[before]
    inside = (t[before] < q) & (q < t[after])
    judged = inside & (span > max_gap_minutes * 6e7) & (span <= max_reach_hours * 3.6e9)
    km_per_us = max_speed_knots * 1.852 / 3.6e9
    fix_lat, fix_lon = fixes["lat"].to_numpy(), fixes["lon"].to_numpy()
    from_before = haversine_km(fix_lat, fix_lon, lat[before], lon[before])
    from_after = haversine_km(fix_lat, fix_lon, lat[after], lon[after])
    excess = np.maximum(
        from_before - (q - t[before]) * km_per_us, from_after - (t[after] - q) * km_per_us
    )
    return np.where(judged, excess, nan)


def box_fixes(telemetry: pl.DataFrame | None, events: pl.DataFrame | None) -> pl.DataFrame:
    """container_number, time, lat, lon of every GPS fix of the boxes, in time order: the
    telemetry readings (`TELEMETRY_SCHEMA`) and the `BREADCRUMB` IoT events with a position
    (`CONTAINER_EVENT_SCHEMA`, retracted ones left out). A breadcrumb at the time of a reading
    of its box is the same fix reported twice and is counted once."""
    columns = ["container_number", "time", "lat", "lon"]
    parts = []
    if telemetry is not None and not telemetry.is_empty():
        parts.append(telemetry.select(columns))
    if events is not None and not events.is_empty():
        crumbs = events.filter(
            (pl.col("event_kind") == "IOT")
            & (pl.col("event_code") == "BREADCRUMB")
            & ~pl.col("retracted").fill_null(False)
        )
        parts.append(crumbs.select(columns[0], pl.col("event_time").alias("time"), *columns[2:]))
    if not parts:
        return pl.DataFrame()
    fixes = pl.concat([p.cast(parts[0].schema) for p in parts]).drop_nulls(columns)
    return fixes.unique(["container_number", "time"], keep="first", maintain_order=True).sort(
        "time"
    )


def detect_box_off_vessel(
    found: list[Journey],
    telemetry: pl.DataFrame | None,
    positions: VesselPositions | None,
    params: BoxOffVesselParams | None = None,
    events: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """`box_off_vessel` events (`EVENT_SCHEMA`) of the journeys `found`, the boxes' GPS fixes
    (the telemetry, `TELEMETRY_SCHEMA`, and the `BREADCRUMB` events among `events`) and the
    vessels' positions."""
    params = params or BoxOffVesselParams()
    fixes = box_fixes(telemetry, events)
    if positions is None or fixes.is_empty():
        return events_of(KIND, [], params)
    by_box = {str(k[0]): g for k, g in fixes.group_by("container_number")}
    findings = []
    for journey in found:
        readings = by_box.get(journey.container)
        if readings is None:
            continue
        for leg in journey.legs:
            findings += _leg_findings(journey, leg, readings, positions, params)
    return events_of(KIND, findings, params)


def _leg_findings(
    journey: Journey,
    leg: Leg,
    readings: pl.DataFrame,
    positions: VesselPositions,
    params: BoxOffVesselParams,
) -> list[Finding]:
    """The findings of one leg: runs of off fixes."""
    if leg.vessel_mmsi is None or leg.loaded_at is None:
        return []
    margin = pl.duration(microseconds=int(params.port_margin_hours * 3.6e9))
    aboard = pl.col("time") >= pl.lit(leg.loaded_at) + margin
    if leg.discharged_at is not None:
        aboard &= pl.col("time") <= pl.lit(leg.discharged_at) - margin
    fixes = readings.filter(aboard)
    if fixes.is_empty():
        return []
    track = _vessel_track(positions, leg.vessel_mmsi)
    ship_lat, ship_lon = ship_at(track, fixes["time"], params.max_gap_minutes)
    km = haversine_km(fixes["lat"].to_numpy(), fixes["lon"].to_numpy(), ship_lat, ship_lon)
    # in a longer AIS gap, only a fix beyond the ship's reach is judged (off), by its least
    # distance from the ship, beside the ship's position interpolated across the gap
    reach = beyond_reach_km(track, fixes, params.max_gap_minutes, params.max_reach_hours,
                            params.max_speed_knots)  # fmt: skip
    far = np.isnan(km) & (reach > params.max_distance_km)
    if far.any():
        across_lat, across_lon = ship_at(track, fixes["time"], params.max_reach_hours * 60.0)
        km = np.where(far, reach, km)
        ship_lat = np.where(far, across_lat, ship_lat)
        ship_lon = np.where(far, across_lon, ship_lon)
    judged = fixes.with_columns(
        pl.Series("ship_lat", ship_lat),
        pl.Series("ship_lon", ship_lon),
        pl.Series("km", km, nan_to_null=True),
    ).filter(pl.col("km").is_not_null())
    runs = judged.with_columns((pl.col("km") > params.max_distance_km).alias("off")).with_columns(
        pl.col("off").rle_id().alias("run")
    )
    findings = []
    for (_, off), run in runs.group_by("run", "off", maintain_order=True):
        if off and run.height >= params.min_readings:
            findings.append(_finding(journey, leg, run, params))
    return findings


def _finding(journey: Journey, leg: Leg, run: pl.DataFrame, params: BoxOffVesselParams) -> Finding:
    first = run.row(0, named=True)
    farthest = float(run["km"].max())  # type: ignore[arg-type]
    name = leg.vessel_name or f"MMSI {leg.vessel_mmsi}"
    return Finding(
        container=journey.container,
        key=f"{leg.leg}|{iso(first['time'])}",
        start=first["time"],
        end=run["time"][-1],
        confidence=params.confidence,
        score=params.score,
        reasons=[
            f"its GPS was {first['km']:.0f} km from {name} while booked aboard "
            f"({leg.load_port or '?'} → {leg.discharge_port or '?'}), {run.height} fixes "
            f"up to {farthest:.0f} km off"
        ],
        evidence={
            "trip": journey.trip,
            "leg": leg.leg,
            "vessel_mmsi": leg.vessel_mmsi,
            "vessel_name": leg.vessel_name,
            "load_port": leg.load_port,
            "discharge_port": leg.discharge_port,
            "loaded_at": iso(leg.loaded_at),
            "discharged_at": iso(leg.discharged_at),
            "fixes": run.height,
            "max_km": rounded(farthest, 1),
            "first": {
                "time": iso(first["time"]),
                "lat": rounded(first["lat"], 4),
                "lon": rounded(first["lon"], 4),
                "ship_lat": rounded(first["ship_lat"], 4),
                "ship_lon": rounded(first["ship_lon"], 4),
                "km": rounded(first["km"], 1),
            },
        },
        lat=first["lat"],
        lon=first["lon"],
        mmsi=leg.vessel_mmsi,
    )
