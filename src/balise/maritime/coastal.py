"""Coastal drop: a sea-going ship leaves its way, slows or circles off a coast away from any port,
anchorage or lane, then goes on — the AIS trace of cargo handed to a small boat from the shore.

This is Balise's own definition: no published detector (GFW, Skylight, Starboard) looks for it,
and the AIS-disabling rule of Welch et al. 2022 only considers gaps more than 50 nm from shore, so
near-coast dark activity needs its own rules. Each track's legs are put in absolute time buckets
(`bucket_minutes`, so stretches run across the UTC day boundary); a bucket lingers when its
implied speed is below `slow_knots` or its course turns by at least `circling_deg_per_hour`;
consecutive lingering buckets make a stretch. A stretch is a coastal drop when it lasts
`min_minutes` to `max_hours`, is slow on average or circles in place, the ship was under way at
transit speed in the hours before it, and its centre is within `max_shore_nm` of the coast,
`min_port_km` or more from every port and anchorage, and outside the shipping lanes. Night (the
sun below civil twilight), an AIS silence in or next to the stretch, and a watched zone raise the
score. Geography is evaluated on stretch centres only, so the detector stays fast on millions of
positions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import polars as pl

from balise.geo.sun import CIVIL_TWILIGHT_DEG, solar_elevation_deg
from balise.maritime.coastal_buckets import time_buckets, track_legs
from balise.maritime.coastal_stretches import lingering_stretches, stretch_buckets, with_transit
from balise.maritime.coastal_tracks import located_tracks, track_names
from balise.maritime.kernel import TRACK, build_events, iso, params_json, rounded
from balise.maritime.lanes import LaneDensity, excluded_vessels, measure_lanes
from balise.model.arrays import BoolArray, FloatArray
from balise.model.events import empty_events, to_json

Geo = Callable[[FloatArray, FloatArray], FloatArray]
"""(lat, lon) in degrees → a distance, element-wise (shore in nm, anchorage in km)."""
Zone = Callable[[FloatArray, FloatArray], BoolArray]
"""(lat, lon) in degrees → whether each position is in the area (a lane, a watched zone)."""

CONFIDENCE_SEA_GOING: Final = 0.7
"""The vessel reported a cargo or tanker type (70-89): the pattern is what the definition says."""
CONFIDENCE_TYPE_UNKNOWN: Final = 0.5
"""No type reported (or "other"): it may be a work boat or a yacht slowing off a coast."""
SCORE_BASE: Final = 0.4
"""A sea-going ship lingering off a coast away from ports and lanes, at an unremarkable time."""
SCORE_NIGHT: Final = 0.25
"""Added when the sun was below civil twilight: drops are planned for darkness."""
SCORE_GAP: Final = 0.2
"""Added when the AIS fell silent in or next to the stretch: hiding where the ship stopped."""
SCORE_WATCHED: Final = 0.15
"""Added inside a zone the analyst watches (a known landing coast)."""


@dataclass(frozen=True)
class CoastalDropParams:
    """Thresholds of the coastal-drop detector (Balise's definition; reasoning in the docs)."""

    slow_knots: float = 4.0
    """A bucket lingers below this implied speed (kn): a cargo ship's dead-slow-ahead is 4-6 kn,
    so below 4 kn it is stopping, drifting or holding station, not sailing."""
    circling_deg_per_hour: float = 360.0
    """A bucket below `transit_knots` also lingers when its course turns at least this much per
    hour (one full circle): holding a point under way, faster than `slow_knots`."""
    min_turn_deg: float = 270.0
    """A stretch that is not slow on average must turn this much in all (three quarters of a
    circle) and end within `max_drift_nm` of where it began."""
    max_drift_nm: float = 2.0
    """Largest distance between the first and last position of a circling stretch (nm)."""
    bucket_minutes: float = 10.0
    """Time bucket of the legs (min): fine enough to cut a 45-minute stop from its approach."""
    min_minutes: float = 45.0
    """Shortest stretch (min): a boat needs tens of minutes to come alongside, load and clear off;
    Skylight's dark rendezvous needs 15 min of one-sided rendezvous motion."""
    max_hours: float = 12.0
    """Longest stretch (h): a drop takes hours; longer stays are ships waiting for orders, weather
    or a berth (the loitering detector covers long stays)."""
    transit_knots: float = 8.0
    """Speed of a sea-going ship under way (kn): slow-steaming cargo ships do 10-12 kn, so a
    bucket at 8 kn or more is transit; also the speed of the lane-density counts."""
    transit_window_hours: float = 3.0
    """The ship must have been at transit speed within this many hours before the stretch: a
    slowdown from a voyage, not a craft that is always slow (a dredger, a survey ship, a barge)
    nor a ship first seen stopped (leaving a berth or an anchorage nobody listed)."""
    max_declared_stop_share: float = 0.25
    """Stretches whose positions report navigational status "at anchor" or "moored" this often
    or more are dropped: the crew says it is waiting. The status is often set late or left stale,
    so a quarter of the positions is enough; a drop is done under way, ready to leave."""
    min_shore_nm: float = 0.5
    """Smallest distance of the centre from shore (nm): closer in (or on the land mask, whose
    cells are 0.5 nm wide) a sea-going ship is in a harbour basin, a river or a channel."""
    max_shore_nm: float = 12.0
    """Largest distance of the stretch's centre from shore (nm): the territorial sea (UNCLOS
    art. 3), the reach of a small boat from a beach."""
    min_port_km: float = 5.0
    """Smallest distance of the stretch's centre from any port or anchorage point (km): GFW puts a
    vessel in port within 3 km of an anchorage point and out beyond 4 km (pipe-anchorages); GFW's
    10 km encounter filter would blank out whole rías lined with small harbours."""
    gap_minutes: float = 30.0
    """A silence of at least this long (min) in the stretch or in the bucket before or after it is
    a gap: coastal waters are within terrestrial AIS reach, where position reports come every few
    seconds to minutes."""
    lane_cell_deg: float = 0.05
    """Cell of the lane-density grid derived from the data (degrees, about 3 nm: the width of a
    traffic-separation lane)."""
    min_lane_vessels_per_day: float = 4.0
    """A cell is a shipping lane when distinct vessels crossed it at transit speed at least this
    often per day of data (one every 6 h): a ship stopped there for a few hours would more likely
    than not be passed by another; there slowing is traffic, a pilot or a breakdown, and no
    smuggler's choice. A rate, so that a week of data does not make every cell a lane."""
    sea_going_types: tuple[int, int] = (70, 89)
    """AIS ship types of sea-going ships (first and last code): cargo 70-79, tanker 80-89."""
    excluded_types: tuple[int, int] = (20, 69)
    """AIS ship types never reported (first and last code): WIG, fishing, towing, dredging,
    diving, military, sailing, pleasure, high-speed craft, pilots, SAR, tugs, port tenders, law
    enforcement, medical, passenger ships — craft that work or play along the coast."""


def lane_density(
    positions: pl.DataFrame,
    params: CoastalDropParams | None = None,
    vessel_types: pl.DataFrame | None = None,
) -> LaneDensity:
    """The shipping lanes of `positions` (see `measure_lanes`), with the default thresholds when
    `params` is not given."""
    return measure_lanes(positions, params or CoastalDropParams(), vessel_types)


def _placed(
    stretches: pl.DataFrame,
    shore: Geo,
    anchorage: Geo,
    lane: Zone,
    watched: Zone | None,
) -> pl.DataFrame:
    """`stretches` with the geography of their centres: shore (nm), port (km), lane, watched,
    and the lowest sun elevation at the start, middle and end (degrees)."""
    lat, lon = stretches["lat"].to_numpy(), stretches["lon"].to_numpy()
    start = stretches["start"].dt.epoch("us").to_numpy() / 1e6
    end = stretches["end"].dt.epoch("us").to_numpy() / 1e6
    sun = np.minimum.reduce(
        [solar_elevation_deg(lat, lon, t) for t in (start, (start + end) / 2, end)]
    )
    counts = lane.vessels(lat, lon) if isinstance(lane, LaneDensity) else [None] * len(lat)
    in_zone = watched(lat, lon) if watched is not None else np.zeros(len(lat), np.bool_)
    return stretches.with_columns(
        pl.Series("shore_nm", shore(lat, lon), pl.Float64),
        pl.Series("port_km", anchorage(lat, lon), pl.Float64),
        pl.Series("in_lane", lane(lat, lon), pl.Boolean),
        pl.Series("lane_vessels", counts, pl.Int64),
        pl.Series("watched", in_zone, pl.Boolean),
        pl.Series("sun_elevation_deg", sun, pl.Float64),
    )


def _scored(found: pl.DataFrame, params: CoastalDropParams, night_deg: float) -> pl.DataFrame:
    """`found` with the night and gap flags, confidence and score."""
    flagged = found.with_columns(
        (pl.col("sun_elevation_deg") < night_deg).alias("night"),
        (pl.col("silence_h") >= params.gap_minutes / 60).alias("gap"),
    )
    score = (
        pl.lit(SCORE_BASE)
        + pl.when("night").then(SCORE_NIGHT).otherwise(0.0)
        + pl.when("gap").then(SCORE_GAP).otherwise(0.0)
        + pl.when("watched").then(SCORE_WATCHED).otherwise(0.0)
    )
    confidence = pl.when("sea_going").then(CONFIDENCE_SEA_GOING).otherwise(CONFIDENCE_TYPE_UNKNOWN)
    return flagged.with_columns(
        score.clip(upper_bound=1.0).round(3).alias("score"), confidence.alias("confidence")
    )


def _evidence(row: dict[str, Any]) -> str:
    """What was observed of one coastal drop, as JSON text."""
    return to_json(
        {
            "track": row[TRACK],
            "duration_h": rounded(row["duration_h"]),
            "min_speed_knots": rounded(row["min_speed_knots"]),
            "median_speed_knots": rounded(row["median_speed_knots"]),
            "avg_speed_knots": rounded(row["avg_speed_knots"]),
            "turn_deg": rounded(row["turn_deg"], 1),
            "drift_nm": rounded(row["drift_nm"]),
            "shore_nm": rounded(row["shore_nm"]),
            "port_km": rounded(row["port_km"]),
            "lane_vessels": row["lane_vessels"],
            "night": row["night"],
            "sun_elevation_deg": rounded(row["sun_elevation_deg"], 1),
            "gap": row["gap"],
            "longest_silence_h": rounded(row["silence_h"]),
            "watched": row["watched"],
            "sea_going_type": row["sea_going"],
            "transit_before": row["transit_before"],
            "transit_after": row["transit_after"],
            "positions": row["positions"],
            "declared_stop_share": rounded(row["declared_stop_share"]),
            "first": iso(row["start"]),
            "last": iso(row["end"]),
        }
    )


def detect_coastal_drops(
    positions: pl.DataFrame,
    params: CoastalDropParams | None = None,
    *,
    shore: Geo,
    anchorage: Geo,
    vessel_types: pl.DataFrame | None = None,
    lane: Zone | None = None,
    watched: Zone | None = None,
) -> pl.DataFrame:
    """`coastal_drop` events (`EVENT_SCHEMA`) of cleaned positions, one per lingering stretch.

    `positions` has the `POSITION_SCHEMA` columns (noise removed), optionally `segment_id`
    (tracks are segments when present, else MMSIs). `shore` gives the distance to shore (nm),
    `anchorage` to the nearest port or anchorage point (km). `vessel_types` (mmsi, ship_type,
    one row per report) drops vessels that only ever reported a coastal type; without it every
    vessel is judged, with the lower confidence. `lane` flags shipping-lane positions (default:
    `lane_density` of `positions`); `watched` flags the zones that raise the score. The id
    depends on (mmsi, start). Position: the mean of the stretch's positions.
    """
    params = params or CoastalDropParams()
    excluded = excluded_vessels(vessel_types, params)["mmsi"] if vessel_types is not None else None
    tracks = located_tracks(positions, excluded)
    if tracks.height < 2:
        return empty_events()
    bucket = f"{round(params.bucket_minutes * 60)}s"
    names = track_names(positions, tracks)
    legs = track_legs(tracks, bucket)
    buckets = time_buckets(legs, params, names, vessel_types)
    stretches = lingering_stretches(stretch_buckets(buckets, legs, params), params)
    if stretches.is_empty():
        return empty_events()
    stretches = with_transit(stretches, buckets, params)
    stretches = stretches.filter("transit_before")
    if stretches.is_empty():
        return empty_events()
    lanes = lane if lane is not None else lane_density(positions, params, vessel_types)
    placed = _placed(stretches, shore, anchorage, lanes, watched)
    found = _scored(placed.filter(_coastal(params)), params, CIVIL_TWILIGHT_DEG)
    return _events(found, params)


def _coastal(params: CoastalDropParams) -> pl.Expr:
    """Near the coast, away from ports, anchorages and lanes."""
    return (
        pl.col("shore_nm").is_between(params.min_shore_nm, params.max_shore_nm)
        & (pl.col("port_km") >= params.min_port_km)
        & ~pl.col("in_lane")
    ).fill_null(False)


def _events(found: pl.DataFrame, params: CoastalDropParams) -> pl.DataFrame:
    """The event frame of the kept stretches, with their scores."""
    if found.is_empty():
        return empty_events()
    evidence = [_evidence(row) for row in found.iter_rows(named=True)]
    rows = found.select(
        "start", "end", "lat", "lon", "mmsi",
        pl.lit(None, dtype=pl.Int32).alias("other_mmsi"),
        "confidence",
        "score",
        pl.lit(params_json(params)).alias("params"),
    )  # fmt: skip
    return build_events("coastal_drop", rows, ("mmsi", "start"), evidence=evidence)
