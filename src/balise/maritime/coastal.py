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

from balise.geo.sphere import KM_PER_NM, bearing_deg
from balise.geo.sun import CIVIL_TWILIGHT_DEG, solar_elevation_deg
from balise.maritime.kernel import (
    TRACK,
    build_events,
    haversine_km_expr,
    hours_between,
    iso,
    params_json,
    rounded,
)
from balise.maritime.lanes import LaneDensity, eligible_vessels, excluded_vessels, measure_lanes
from balise.maritime.segment import in_vessel_order
from balise.model.arrays import BoolArray, FloatArray, IntArray
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
_MIN_TURN_LEG_NM: Final = 0.005
"""Legs shorter than this (about 9 m, GNSS noise) have no meaningful course: they add no turn."""
CODE: Final = "_code"
"""A number per track (in track order): grouping on it is far cheaper than on the track's text."""
KEY: Final = "_key"
"""The track of each row as its input names it, an integer where it can (`_track_number`)."""
ROW: Final = "_row"
"""The row of each position in the detector's input."""
BUCKET_ID: Final = "_bucket_id"
"""A number per track and time bucket, increasing in track order."""


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


def _tracks(positions: pl.DataFrame, excluded: pl.Series | None = None) -> pl.DataFrame:
    """The located rows of the vessels not `excluded`, each track's rows together and in time
    order (ties by position) with `CODE`, `ROW` and `declared_stop`: the position reports
    navigational status 1 "at anchor" or 5 "moored" (ITU-R M.1371).

    Rows sorted by MMSI and time (the engine's) only need the segments of an MMSI that
    interleave in time pulled apart, which a stable sort on the track number alone does; any
    other order is sorted in full. The track's text is left out (`_track_names` reads it at one
    row per track): filtering and sorting millions of strings costs more than the rest."""
    status = (
        pl.col("nav_status").is_in([1, 5]).fill_null(False)
        if "nav_status" in positions.columns
        else pl.lit(False)
    )
    located = positions.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias(ROW),
        pl.col("mmsi").cast(pl.Int32),
        "timestamp",
        "lat",
        "lon",
        status.alias("declared_stop"),
        _track_number(positions).alias(KEY),
    )
    # the columns first, then the rows: filtering every column of the input would cost more
    if excluded is not None:
        located = located.filter(~pl.col("mmsi").is_in(excluded))
    located = located.drop_nulls(["mmsi", "timestamp", "lat", "lon"])
    coded = located.with_columns(pl.col(KEY).rle_id().alias(CODE))
    if _in_track_order(coded):
        return coded.drop(KEY)
    coded = located.sort(KEY, maintain_order=True).with_columns(pl.col(KEY).rle_id().alias(CODE))
    if _in_track_order(coded, grouped=True):
        return coded.drop(KEY)
    ordered = located.sort(KEY, "timestamp", "lat", "lon")
    return ordered.with_columns(pl.col(KEY).rle_id().alias(CODE)).drop(KEY)


def _track_name(positions: pl.DataFrame) -> pl.Expr:
    """The track of each row as text: the segment when set, else the MMSI."""
    mmsi = pl.col("mmsi").cast(pl.String)
    if "segment_id" not in positions.columns:
        return mmsi
    segment = pl.col("segment_id").cast(pl.String)
    return pl.coalesce(segment, mmsi) if positions["segment_id"].null_count() else segment


def _track_number(positions: pl.DataFrame) -> pl.Expr:
    """A key with one value per track, an integer when the input has one (`segment_code`, one
    per `segment_id` in a `segment` frame, or the MMSI without segments): comparing integers is
    far cheaper than comparing the track's text on millions of rows."""
    if "segment_id" not in positions.columns:
        return pl.col("mmsi").cast(pl.Int32)
    coded = "segment_code" in positions.columns and not positions["segment_id"].null_count()
    if coded and not positions["segment_code"].null_count():
        return pl.col("segment_code")
    return _track_name(positions)


def _in_track_order(tracks: pl.DataFrame, *, grouped: bool = False) -> bool:
    """Whether each track's rows are together (one `CODE` per track: known when `grouped`) and
    sorted by (timestamp, lat, lon): the engine passes positions sorted by mmsi and time, which
    need no second sort."""
    if tracks.height < 2:
        return True
    code = tracks[CODE].to_numpy()
    if not grouped:
        # a track's rows are together when no two runs of rows have the same key
        firsts = np.flatnonzero(np.diff(code, prepend=-1))
        if code[-1] + 1 != tracks[KEY].gather(firsts).n_unique():
            return False
    micros = tracks["timestamp"].to_physical().to_numpy()
    return in_vessel_order(code, micros, tracks["lat"].to_numpy(), tracks["lon"].to_numpy())


def _sea_going(
    buckets: pl.DataFrame, vessel_types: pl.DataFrame | None, params: CoastalDropParams
) -> pl.DataFrame:
    """`buckets` with `sea_going`: the vessel reported a sea-going type (none is known to without
    `vessel_types`). Looked up per bucket, not per position: there are far fewer."""
    if vessel_types is None:
        return buckets.with_columns(pl.lit(False).alias("sea_going"))
    # a join keeping the left order keeps the buckets in order
    return buckets.join(
        eligible_vessels(vessel_types, params), on="mmsi", how="left", maintain_order="left"
    ).with_columns(pl.col("sea_going").fill_null(False))


def _track_names(positions: pl.DataFrame, tracks: pl.DataFrame) -> pl.Series:
    """`TRACK` of each `CODE` of `tracks` (indexed by `CODE`), read in `positions` at the first
    row of each track."""
    code = tracks[CODE].to_numpy()
    rows = tracks[ROW].gather(np.flatnonzero(np.diff(code, prepend=-1)))
    return positions[rows].select(_track_name(positions).alias(TRACK)).to_series()


def _legs(tracks: pl.DataFrame, bucket: str) -> pl.DataFrame:
    """One row per pair of consecutive positions of a track: the later position (without
    `TRACK`: see `_track_names`), the earlier time and position, hours, distance (nm), bucket and
    `BUCKET_ID` (a number per track and bucket, increasing in track order: the legs of a bucket
    are consecutive rows)."""
    code = tracks[CODE].to_numpy()
    later = np.flatnonzero(code[1:] == code[:-1]) + 1
    earlier = tracks.select(pl.col(c).alias(f"prev_{c}") for c in ("timestamp", "lat", "lon"))
    legs = tracks.drop(ROW)[later].hstack(earlier[later - 1])
    legs = legs.with_columns(
        hours_between(pl.col("prev_timestamp"), pl.col("timestamp")).alias("hours"),
        (
            haversine_km_expr(pl.col("prev_lat"), pl.col("prev_lon"), pl.col("lat"), pl.col("lon"))
            / KM_PER_NM
        ).alias("nm"),
        pl.col("prev_timestamp").dt.truncate(bucket).alias("bucket"),
    )
    start = legs["bucket"].dt.epoch("us").to_numpy()
    new = np.ones(legs.height, np.bool_)
    new[1:] = (code[later][1:] != code[later][:-1]) | (start[1:] != start[:-1])
    return legs.with_columns(pl.Series(BUCKET_ID, np.cumsum(new) - 1, pl.Int64))


def _turns(legs: pl.DataFrame, needed: BoolArray) -> pl.DataFrame:
    """`BUCKET_ID` and `turn_deg` (sum of the absolute course changes from each leg's previous
    leg, degrees) of the buckets `needed` (indexed by `BUCKET_ID`).

    Only slow buckets can linger, so courses (the costly trigonometry) are computed for their
    legs and the leg before each, not for every leg of the day."""
    bucket_id, code = legs[BUCKET_ID].to_numpy(), legs[CODE].to_numpy()
    wanted = _legs_of(bucket_id, needed)
    has_previous = np.zeros(len(wanted), np.bool_)
    has_previous[wanted > 0] = code[wanted[wanted > 0] - 1] == code[wanted[wanted > 0]]
    measure = np.zeros(legs.height, np.bool_)
    measure[wanted] = True
    measure[wanted[has_previous] - 1] = True
    measured = np.flatnonzero(measure)
    course = _course(legs, measured)
    previous = np.full(len(wanted), np.nan)
    previous[has_previous] = course[np.searchsorted(measured, wanted[has_previous] - 1)]
    change = (pl.col("course") - pl.col("previous") + 180.0) % 360.0 - 180.0
    return (
        pl.DataFrame(
            {
                BUCKET_ID: bucket_id[wanted],
                "course": pl.Series(course[np.searchsorted(measured, wanted)], nan_to_null=True),
                "previous": pl.Series(previous, nan_to_null=True),
            }
        )
        .select(BUCKET_ID, change.abs().fill_null(0.0).alias("turn_deg"))
        .group_by(BUCKET_ID)
        .agg(pl.col("turn_deg").sum())
    )


def _legs_of(bucket_id: IntArray, needed: BoolArray) -> IntArray:
    """The rows of the legs of the buckets `needed` (indexed by `BUCKET_ID`), in order: a
    bucket's legs are consecutive rows (`_legs`), found by binary search, so that a few buckets
    cost no pass over every leg of the day."""
    buckets = np.flatnonzero(needed)
    starts = np.searchsorted(bucket_id, buckets, side="left")
    counts = np.searchsorted(bucket_id, buckets, side="right") - starts
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.asarray(np.repeat(starts, counts) + offsets, np.int64)


def _course(legs: pl.DataFrame, rows: IntArray) -> FloatArray:
    """Course over ground of the legs at `rows` (degrees, one per row of `rows`), NaN on legs
    shorter than `_MIN_TURN_LEG_NM`."""
    course = np.full(len(rows), np.nan)
    moved = legs["nm"].to_numpy()[rows] >= _MIN_TURN_LEG_NM
    ends = [legs[c].to_numpy()[rows[moved]] for c in ("prev_lat", "prev_lon", "lat", "lon")]
    course[moved] = bearing_deg(*ends)
    return course


def _bucket_totals(legs: pl.DataFrame) -> pl.DataFrame:
    """One row per bucket (in `BUCKET_ID` order): its track, start and end, hours, distance and
    longest leg.

    The legs of a bucket are consecutive rows, so what is taken from its first leg or is a
    minimum or maximum is read at the bucket boundaries; only the sums, whose rounding depends on
    the order of the additions, are left to the grouping."""
    bucket_id = legs[BUCKET_ID].to_numpy()
    first = np.flatnonzero(np.diff(bucket_id, prepend=-1))
    sums = (
        legs.select(BUCKET_ID, "hours", "nm")
        .group_by(BUCKET_ID, maintain_order=True)
        .agg(pl.col("hours").sum(), pl.col("nm").sum())
    )
    micros = [legs[c].dt.epoch("us").to_numpy() for c in ("prev_timestamp", "timestamp")]
    when = pl.Datetime("us", "UTC")
    return pl.DataFrame(
        [
            sums[BUCKET_ID],
            *(legs[c].gather(first) for c in (CODE, "bucket", "mmsi")),
            pl.Series("start", np.minimum.reduceat(micros[0], first)).cast(when),
            pl.Series("end", np.maximum.reduceat(micros[1], first)).cast(when),
            sums["hours"],
            sums["nm"],
            pl.Series("longest_h", np.maximum.reduceat(legs["hours"].to_numpy(), first)),
        ]
    )


def _stretch_sums(legs: pl.DataFrame, needed: BoolArray) -> pl.DataFrame:
    """What `_stretches` sums of the buckets `needed` (indexed by `BUCKET_ID`): their first and
    last positions, position sums and counts, declared stops.

    Only slow buckets can linger and make stretches, and they hold a small share of the legs, so
    these aggregates (the trigonometry above all) are computed on their legs alone."""
    used = (BUCKET_ID, "declared_stop", "prev_lat", "prev_lon", "lat", "lon")
    slow = legs.select(used)[_legs_of(legs[BUCKET_ID].to_numpy(), needed)]
    return slow.group_by(BUCKET_ID, maintain_order=True).agg(
        pl.col("declared_stop").sum().alias("declared_stops"),
        # legs are in time order within a track (`_tracks`)
        pl.col("prev_lat").first().alias("first_lat"),
        pl.col("prev_lon").first().alias("first_lon"),
        pl.col("lat").last().alias("last_lat"),
        pl.col("lon").last().alias("last_lon"),
        pl.col("lat").sum().alias("lat_sum"),
        pl.col("lon").radians().sin().sum().alias("lon_sin"),
        pl.col("lon").radians().cos().sum().alias("lon_cos"),
        pl.len().alias("positions"),
    )


def _buckets(
    legs: pl.DataFrame,
    params: CoastalDropParams,
    names: pl.Series,
    vessel_types: pl.DataFrame | None,
) -> pl.DataFrame:
    """Time buckets of each track with speed, the longest silence nearby, `lingering` and `run`
    (a number shared by consecutive buckets of the same lingering flag), the track's text from
    `names` (`_track_names`).

    A bucket below `slow_knots` lingers whatever its course, one at transit speed never does:
    the turn (`turn_deg`, the costly trigonometry) is measured here only on the buckets between,
    where it decides (0 elsewhere; `_stretches` measures it on the stretches)."""
    buckets = _sea_going(_bucket_totals(legs), vessel_types, params)
    buckets.insert_column(1, names.gather(buckets[CODE]).alias(TRACK))
    speed = pl.col("nm") / pl.col("hours")
    turning = (speed >= params.slow_knots) & (speed < params.transit_knots)
    turning_rows = buckets.select(turning).to_series().fill_null(False).to_numpy()
    turns = _turns(legs, turning_rows)
    buckets = buckets.join(turns, on=BUCKET_ID, how="left", maintain_order="left")
    circling = (pl.col("turn_deg") >= params.circling_deg_per_hour * pl.col("hours")) & (
        speed < params.transit_knots
    )
    longest = [pl.col("longest_h").shift(s).over(CODE) for s in (1, -1)]
    return (
        buckets.with_columns(pl.col("turn_deg").fill_null(0.0))
        .filter(pl.col("hours") > 0)
        .with_columns(
            speed.alias("speed_knots"),
            ((speed < params.slow_knots) | circling).alias("lingering"),
            pl.max_horizontal(pl.col("longest_h"), *longest).alias("silence_h"),
        )
        .with_columns(pl.col("lingering").rle_id().over(CODE).alias("run"))
    )


def _stretch_buckets(
    buckets: pl.DataFrame, legs: pl.DataFrame, params: CoastalDropParams
) -> pl.DataFrame:
    """The lingering buckets of the runs that last `min_minutes` to `max_hours`, with their turn
    and position sums (`_turns`, `_stretch_sums`): most runs are ships moored or anchored all day,
    far too long to be a drop, and need neither."""
    run = (CODE, "run")
    lasting = hours_between(pl.col("start").min().over(run), pl.col("end").max().over(run))
    kept = (
        buckets.filter("lingering")
        .filter(lasting.is_between(params.min_minutes / 60, params.max_hours))
        .drop("turn_deg")
    )
    needed = np.zeros(legs.height, np.bool_)
    needed[kept[BUCKET_ID].to_numpy()] = True
    for found in (_stretch_sums(legs, needed), _turns(legs, needed)):
        kept = kept.join(found, on=BUCKET_ID, how="left", maintain_order="left")
    return kept.with_columns(pl.col("turn_deg").fill_null(0.0))


def _stretches(buckets: pl.DataFrame, params: CoastalDropParams) -> pl.DataFrame:
    """Runs of lingering buckets (`_stretch_buckets`) long enough, slow on average or circling
    in place."""
    stretches = (
        buckets.group_by(TRACK, "run")
        .agg(
            pl.col("mmsi").first(),
            pl.col("sea_going").first(),
            pl.col("start").min(),
            pl.col("end").max(),
            pl.col("hours").sum(),
            pl.col("nm").sum().alias("distance_nm"),
            pl.col("turn_deg").sum(),
            pl.col("speed_knots").min().alias("min_speed_knots"),
            pl.col("speed_knots").median().alias("median_speed_knots"),
            pl.col("silence_h").max(),
            pl.col("first_lat").sort_by("start").first(),
            pl.col("first_lon").sort_by("start").first(),
            pl.col("last_lat").sort_by("start").last(),
            pl.col("last_lon").sort_by("start").last(),
            (pl.col("lat_sum").sum() / pl.col("positions").sum()).alias("lat"),
            pl.arctan2(pl.col("lon_sin").sum(), pl.col("lon_cos").sum()).degrees().alias("lon"),
            pl.col("positions").sum(),
            pl.col("declared_stops").sum(),
        )
        .with_columns(
            (pl.col("distance_nm") / pl.col("hours")).alias("avg_speed_knots"),
            (pl.col("declared_stops") / pl.col("positions")).alias("declared_stop_share"),
            hours_between(pl.col("start"), pl.col("end")).alias("duration_h"),
            (
                haversine_km_expr(
                    pl.col("first_lat"), pl.col("first_lon"), pl.col("last_lat"), pl.col("last_lon")
                )
                / KM_PER_NM
            ).alias("drift_nm"),
        )
    )
    circling = (pl.col("turn_deg") >= params.min_turn_deg) & (
        pl.col("drift_nm") <= params.max_drift_nm
    )
    long_enough = pl.col("duration_h").is_between(params.min_minutes / 60, params.max_hours)
    under_way = pl.col("declared_stop_share") < params.max_declared_stop_share
    return stretches.filter(
        long_enough & under_way & ((pl.col("avg_speed_knots") < params.slow_knots) | circling)
    )


def _with_transit(
    stretches: pl.DataFrame, buckets: pl.DataFrame, params: CoastalDropParams
) -> pl.DataFrame:
    """`stretches` with `transit_before` / `transit_after`: a bucket of the track at transit
    speed ended within `transit_window_hours` before the start / began within it after the end."""
    fast = buckets.filter(pl.col("speed_knots") >= params.transit_knots).select(
        TRACK, pl.col("start").alias("f_start"), pl.col("end").alias("f_end")
    )
    window = pl.duration(microseconds=int(params.transit_window_hours * 3.6e9))
    joined = stretches.select(TRACK, "run", "start", "end").join(fast, on=TRACK)
    before = (pl.col("f_end") <= pl.col("start")) & (pl.col("f_end") >= pl.col("start") - window)
    after = (pl.col("f_start") >= pl.col("end")) & (pl.col("f_start") <= pl.col("end") + window)
    flags = joined.group_by(TRACK, "run").agg(
        before.any().alias("transit_before"), after.any().alias("transit_after")
    )
    return stretches.join(flags, on=[TRACK, "run"], how="left").with_columns(
        pl.col("transit_before", "transit_after").fill_null(False)
    )


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
    tracks = _tracks(positions, excluded)
    if tracks.height < 2:
        return empty_events()
    bucket = f"{round(params.bucket_minutes * 60)}s"
    names = _track_names(positions, tracks)
    legs = _legs(tracks, bucket)
    buckets = _buckets(legs, params, names, vessel_types)
    stretches = _stretches(_stretch_buckets(buckets, legs, params), params)
    if stretches.is_empty():
        return empty_events()
    stretches = _with_transit(stretches, buckets, params)
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
