"""Loitering: one vessel moving slowly for hours at sea, the trace a lone AIS partner leaves of a
meeting with a dark one (transshipment, a drop from a mothership).

The method is GlobalFishingWatch/pipe-loitering's: each leg between consecutive positions of a
track (hours, distance) is put in an hour bucket; an hour is slow when its average implied speed
(summed distance / summed hours) is below `slow_knots`; consecutive slow hours make one event
(across the UTC day boundary too: buckets are absolute hours, not per day).
The event runs from the position before its first leg to its last position, so its hours equal
the summed hours of its legs. Events are kept when long enough and (when the distance to shore is
known) far enough offshore, the filters of GFW's product table.

One difference: GFW buckets a leg by the hour of its later position, here by the hour in which it
starts. A vessel that slows down on the hour then has all its slow legs in slow buckets, where
GFW's first slow hour also holds the last fast leg and may be lost (a 3 h stop measured as 2 h).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, NamedTuple

import numpy as np
import polars as pl

from balise.geo.sphere import KM_PER_NM, haversine_km
from balise.maritime.kernel import (
    TRACK,
    US_PER_HOUR,
    ShoreDistance,
    build_events,
    haversine_km_expr,
    hours_between,
    iso,
    params_json,
    positions_of,
    rounded,
    sorted_tracks,
)
from balise.model.arrays import BoolArray, FloatArray, IntArray
from balise.model.events import empty_events, to_json

FISHING_STATUS: Final = 7
"""Navigational status "engaged in fishing" (ITU-R M.1371-5, Annex 2, Table 45)."""
CONFIDENCE_OFFSHORE: Final = 0.6
"""A slow stretch checked to be far enough from shore."""
CONFIDENCE_SHORE_UNKNOWN: Final = 0.4
"""A slow stretch whose distance to shore is unknown: it may be a ship at anchor off a port."""
_SLACK_HOURS: Final = 1e-6
"""Runs this much shorter than `min_hours` still have their distance to shore measured."""
_LOOSE: Final = 1e-6
"""Relative margin of the early test for slow hours (`_candidate_legs`) over rounding errors."""
_SHORE_MARGIN_NM: Final = 1.0
"""A slow run is left unmeasured when its first position's distance to shore plus the farthest
of its positions from it, plus this, is below `min_shore_nm` (see `_near_shore_runs`): far above
the few hundred metres `balise.geo.shore.ShoreDistance` may be off by."""


@dataclass(frozen=True)
class LoiteringParams:
    """Thresholds of the loitering detector; defaults are GFW's product and RFMO-report values."""

    slow_knots: float = 2.0
    """An hour is slow below this average implied speed: pipe-loitering `--slow-threshold` (kn)."""
    min_hours: float = 4.0
    """Shortest event kept: GFW technical docs `files/loitering.md`, RFMO transshipment reports
    (Miller et al. 2018 used 8 h)."""
    min_shore_nm: float = 20.0
    """Smallest time-weighted mean distance from shore: pipe-events `loitering-events.sql.j2`
    (`minimum_distance_from_shore_nm`, 20 in GFW's runs and docs)."""
    max_leg_hours: float = 6.0
    """A leg longer than this (an AIS gap: the `ais_gap` threshold) is not seen slow: where the
    vessel was meanwhile is unknown, so the hour it starts in breaks the run (Balise; GFW's
    loitering counts such legs, which makes a vessel that went dark look like it loitered)."""


@dataclass(frozen=True)
class LoiteringFilterParams:
    """Threshold of Balise's filter on loitering events, applied after GFW's rule (not written
    into the events' `params`, which record that rule's thresholds)."""

    fishing_share: float = 0.5
    """A stretch during which more than this share of the vessel's positions report "engaged in
    fishing" (navigational status 7, ITU-R M.1371) is not reported: a fishing vessel working its
    ground is slow for hours, and that is fishing, not loitering. Most of the time (Balise's
    choice; GFW's loitering is run on carriers, not fishing vessels)."""


class _Tracks(NamedTuple):
    """Located positions in track and time order (`sorted_tracks`), with their arrays."""

    rows: pl.DataFrame
    """`TRACK`, mmsi, timestamp, lat, lon, sorted by (`TRACK`, timestamp, lat, lon)."""
    track: IntArray
    """A number per row, shared by the rows of one track."""
    time_us: IntArray
    """Timestamps of the rows, microseconds since the epoch."""


def _legs(positions: pl.DataFrame, params: LoiteringParams) -> pl.DataFrame:
    """One row per pair of consecutive positions of a track, for the hours that may belong to a
    slow run of at least `min_hours` and the hours around them (see `_candidate_legs`): the later
    position, the earlier time and position, hours, distance (nm), the hour the leg starts in,
    and a null mean distance from shore (nm, see `_with_shore`)."""
    rows = sorted_tracks(positions)
    tracks = _Tracks(rows, rows[TRACK].rle_id().to_numpy(), _epoch_us(rows))
    later = np.flatnonzero(tracks.track[1:] == tracks.track[:-1]) + 1
    if later.size:
        later = later[_candidate_legs(tracks, later, params)]
    earlier = tracks.rows.select(pl.col(c).alias(f"prev_{c}") for c in ("timestamp", "lat", "lon"))
    legs = pl.concat([tracks.rows[later], earlier[later - 1]], how="horizontal")
    return legs.with_columns(
        hours_between(pl.col("prev_timestamp"), pl.col("timestamp")).alias("hours"),
        (_leg_km() / KM_PER_NM).alias("nm"),
        pl.lit(None, dtype=pl.Float64).alias("leg_shore_nm"),
        pl.col("prev_timestamp").dt.truncate("1h").alias("hour"),
    )


def _leg_km() -> pl.Expr:
    return haversine_km_expr(pl.col("prev_lat"), pl.col("prev_lon"), pl.col("lat"), pl.col("lon"))


def _epoch_us(rows: pl.DataFrame) -> IntArray:
    return np.asarray(rows["timestamp"].to_physical().to_numpy(), np.int64)


def _candidate_legs(tracks: _Tracks, later: IntArray, params: LoiteringParams) -> BoolArray:
    """Which legs (ending at ordered rows `later`) to keep: those of the hours that may be in
    a slow run of at least `min_hours`, and of the hours just before and after such a run.

    Loitering is rare, so most legs can be dropped before the costly grouping by track and hour.
    An hour may be slow when the distance from its first to its last position (no more than the
    distance sailed) is short enough; the test is loosened by a margin far above any rounding,
    so it may keep hours that are not slow, never drop one that is. The hours around a kept run
    are not slow, so they still end it in `_slow_runs`, and a run there is either kept whole or
    has no hour kept (when it is too short to be an event).
    """
    time = tracks.time_us
    start = time[later - 1]
    hour = start - start % US_PER_HOUR  # the hour `dt.truncate("1h")` gives, on integers
    track = tracks.track[later]
    starts = np.flatnonzero(np.r_[True, (track[1:] != track[:-1]) | (hour[1:] != hour[:-1])])
    ends = np.append(starts[1:], len(later)) - 1
    first, last = later[starts] - 1, later[ends]
    hours = (time[later[ends]] - time[later[starts] - 1]) / US_PER_HOUR
    dark = np.maximum.reduceat(time[later] - time[later - 1], starts) > (
        params.max_leg_hours * US_PER_HOUR
    )
    short = _distance_nm(tracks.rows, first, last) * (1 - _LOOSE) < params.slow_knots * hours * (
        1 + _LOOSE
    )
    keep = _around_long_runs((hours > 0) & ~dark & short, hours, track[starts], params.min_hours)
    return np.repeat(keep, ends - starts + 1)


def _distance_nm(rows: pl.DataFrame, start: IntArray, end: IntArray) -> FloatArray:
    """Great-circle distance (nm) from `start` to `end` (indices of `rows`)."""
    lat, lon = rows["lat"].to_numpy(), rows["lon"].to_numpy()
    ends = pl.DataFrame(
        {"prev_lat": lat[start], "prev_lon": lon[start], "lat": lat[end], "lon": lon[end]}
    )
    return ends.select(_leg_km() / KM_PER_NM)[:, 0].to_numpy()


def _around_long_runs(
    slow: BoolArray, hours: FloatArray, track: IntArray, min_hours: float
) -> BoolArray:
    """Which hours (in track and time order) are in a run of consecutive `slow` hours of a track
    lasting at least `min_hours` (less the margins), or just before or after such a run."""
    same_track = track[1:] == track[:-1]
    run = np.cumsum(np.r_[True, ~same_track | (slow[1:] != slow[:-1])]) - 1
    run_hours = np.bincount(run, weights=np.where(slow, hours, 0.0))
    long: BoolArray = slow & (run_hours[run] >= (min_hours - _SLACK_HOURS) * (1 - _LOOSE))
    keep = long.copy()
    keep[1:] |= long[:-1] & same_track
    keep[:-1] |= long[1:] & same_track
    return keep


def _with_shore(
    legs: pl.DataFrame,
    runs: pl.DataFrame,
    shore: ShoreDistance,
    min_hours: float,
    min_shore_nm: float | None = None,
) -> pl.DataFrame:
    """The legs of the tracks holding a slow run of at least `min_hours`, with `leg_shore_nm`
    (the mean of both ends' distances to shore) set on the legs of such runs, but those of the
    runs surely closer to shore on average than `min_shore_nm` (`_near_shore_runs`), which
    `_events` drops whatever their distance: left null, they are dropped all the same.

    Distance to shore is the costliest step (under 100,000 points a second), and
    only those runs need it: runs are numbered per track and the duration filter comes first in
    `_events`, so measuring these legs alone yields the same events as measuring every leg. The
    limit is lowered by `_SLACK_HOURS` so that no rounding in the sums can leave a kept run out.
    """
    long_runs = (
        runs.filter("slow")
        .group_by(TRACK, "run")
        .agg(pl.col("hour"), pl.col("hours").sum().alias("run_hours"))
        .filter(pl.col("run_hours") >= min_hours - _SLACK_HOURS)
        .with_row_index("long_run")
        .explode("hour")
        .select(TRACK, "hour", "long_run", pl.lit(True).alias("measure"))
    )
    kept = legs.join(long_runs.select(TRACK).unique(), on=TRACK, how="semi", maintain_order="left")
    kept = kept.join(long_runs, on=[TRACK, "hour"], how="left", maintain_order="left")
    measure = kept["measure"].fill_null(False)
    rows = measure.arg_true().to_numpy()
    if len(rows) and min_shore_nm is not None:
        run = kept["long_run"].to_numpy()[rows].astype(np.int64)
        rows = rows[~_near_shore_runs(kept, rows, run, shore, min_shore_nm)[run]]
    kept = kept.drop("long_run")
    if len(rows) == 0:
        return kept.drop("measure")
    # a leg's start ends the last: each point is measured once (as a complex number, sorted
    # on one key, which is much faster than unique rows of a 2-column array)
    ends = np.concatenate([kept["lat"].to_numpy()[rows], kept["prev_lat"].to_numpy()[rows]])
    ends = ends + 1j * np.concatenate(
        [kept["lon"].to_numpy()[rows], kept["prev_lon"].to_numpy()[rows]]
    )
    points, where = np.unique(ends, return_inverse=True)
    measured = shore(points.real.copy(), points.imag.copy())[where.reshape(-1)]
    mean = (measured[: len(rows)] + measured[len(rows) :]) / 2
    leg_shore = pl.Series("leg_shore_nm", [None] * kept.height, pl.Float64).scatter(rows, mean)
    return kept.drop("measure").with_columns(leg_shore)


def _near_shore_runs(
    legs: pl.DataFrame, rows: IntArray, run: IntArray, shore: ShoreDistance, min_shore_nm: float
) -> BoolArray:
    """Which runs (numbered by `run`, one number per row of `rows`, the legs of long slow runs
    in `legs`) lie surely nearer shore on average than `min_shore_nm`: a distance to shore
    changes by no more than the distance moved, so no position of a run is farther from shore
    than its first position's distance plus the farthest of its positions from that one.

    Most long slow runs are ships moored or anchored in port, and their positions are most of
    those the distance to shore would be measured at; this measures one position per run."""
    runs = int(run.max()) + 1
    first = np.full(runs, len(rows), np.int64)
    np.minimum.at(first, run, np.arange(len(rows)))
    lat, lon = legs["lat"].to_numpy()[rows], legs["lon"].to_numpy()[rows]
    prev_lat, prev_lon = legs["prev_lat"].to_numpy()[rows], legs["prev_lon"].to_numpy()[rows]
    origin_lat, origin_lon = lat[first][run], lon[first][run]
    reach = np.maximum(
        haversine_km(origin_lat, origin_lon, lat, lon),
        haversine_km(origin_lat, origin_lon, prev_lat, prev_lon),
    )
    farthest = np.zeros(runs)
    np.maximum.at(farthest, run, reach / KM_PER_NM)
    bound = shore(lat[first], lon[first]) + farthest + _SHORE_MARGIN_NM
    return np.asarray(bound < min_shore_nm, np.bool_)


def _slow_runs(legs: pl.DataFrame, params: LoiteringParams) -> pl.DataFrame:
    """Hour buckets of each track, a `slow` flag, and `run`: a number that changes with the flag,
    so that consecutive slow hours share it. An hour holding the start of a leg longer than
    `max_leg_hours` (a silence) is not slow."""
    buckets = (
        legs.group_by(TRACK, "hour")
        .agg(
            pl.col("mmsi").first(),
            pl.col("prev_timestamp").min().alias("start"),
            pl.col("timestamp").max().alias("end"),
            pl.col("hours").sum(),
            pl.col("nm").sum(),
            (pl.col("leg_shore_nm") * pl.col("hours")).sum().alias("shore_hours"),
            pl.col("leg_shore_nm").null_count().alias("shore_missing"),
            pl.col("lat").sum().alias("lat_sum"),
            pl.col("lon").radians().sin().sum().alias("lon_sin"),
            pl.col("lon").radians().cos().sum().alias("lon_cos"),
            pl.len().alias("positions"),
            (pl.col("hours").max() > params.max_leg_hours).alias("dark"),
        )
        .sort(TRACK, "hour")
    )
    slow = (
        (pl.col("hours") > 0)
        & (pl.col("nm") < params.slow_knots * pl.col("hours"))
        & ~pl.col("dark")
    )
    return buckets.with_columns(slow.alias("slow")).with_columns(
        pl.col("slow").rle_id().over(TRACK).alias("run")
    )


def _events(runs: pl.DataFrame, params: LoiteringParams, shore_known: bool) -> pl.DataFrame:
    """One row per run of slow hours kept by the duration and offshore filters."""
    stretches = (
        runs.filter("slow")
        .group_by(TRACK, "run")
        .agg(
            pl.col("mmsi").first(),
            pl.col("start").min(),
            pl.col("end").max(),
            pl.col("hours").sum(),
            pl.col("nm").sum().alias("distance_nm"),
            pl.col("shore_hours").sum(),
            pl.col("shore_missing").sum(),
            (pl.col("lat_sum").sum() / pl.col("positions").sum()).alias("lat"),
            pl.arctan2(pl.col("lon_sin").sum(), pl.col("lon_cos").sum()).degrees().alias("lon"),
            pl.col("positions").sum(),
        )
        .with_columns(
            (pl.col("distance_nm") / pl.col("hours")).alias("avg_speed_knots"),
            pl.when(pl.col("shore_missing") == 0)
            .then(pl.col("shore_hours") / pl.col("hours"))
            .alias("mean_shore_nm"),
        )
    )
    kept = stretches.filter(pl.col("hours") >= params.min_hours)
    if shore_known:
        kept = kept.filter(pl.col("mean_shore_nm") >= params.min_shore_nm)
    return kept


def _evidence(row: dict[str, Any]) -> str:
    """What was observed of one loitering stretch, as JSON text."""
    return to_json(
        {
            "track": row[TRACK],
            "hours": rounded(row["hours"]),
            "avg_speed_knots": rounded(row["avg_speed_knots"]),
            "distance_nm": rounded(row["distance_nm"]),
            "mean_shore_nm": rounded(row["mean_shore_nm"]),
            "positions": row["positions"],
            "first": iso(row["start"]),
            "last": iso(row["end"]),
        }
    )


def detect_loitering(
    positions: pl.DataFrame,
    params: LoiteringParams | None = None,
    shore: ShoreDistance | None = None,
) -> pl.DataFrame:
    """`loitering` events (`EVENT_SCHEMA`) of cleaned positions, one per slow stretch of a track.

    `positions` has the `POSITION_SCHEMA` columns, optionally `segment_id` (tracks are segments
    when present, else MMSIs). `shore` gives the distance to shore in nm; without it (`None`) no
    stretch is dropped for being near the coast and `mean_shore_nm` is null. Position: the mean of
    the stretch's positions (circular mean of longitude, so right across the antimeridian).
    """
    params = params or LoiteringParams()
    legs = _legs(positions, params)
    if legs.is_empty():
        return empty_events()
    runs = _slow_runs(legs, params)
    if shore is not None:
        measured = _with_shore(legs, runs, shore, params.min_hours, params.min_shore_nm)
        runs = _slow_runs(measured, params)
    found = _events(runs, params, shore is not None)
    evidence = [_evidence(row) for row in found.iter_rows(named=True)]
    confidence = CONFIDENCE_OFFSHORE if shore is not None else CONFIDENCE_SHORE_UNKNOWN
    rows = found.select(
        "start",
        "end",
        "lat",
        "lon",
        "mmsi",
        pl.lit(None, dtype=pl.Int32).alias("other_mmsi"),
        pl.lit(confidence).alias("confidence"),
        pl.lit(params_json(params)).alias("params"),
    )
    return build_events("loitering", rows, ("mmsi", "start"), evidence=evidence)


def not_fishing(
    events: pl.DataFrame, positions: pl.DataFrame, params: LoiteringFilterParams | None = None
) -> pl.DataFrame:
    """`events` (loitering found in `positions`) but those during which the vessel reported
    "engaged in fishing" on more than `fishing_share` of its positions."""
    params = params or LoiteringFilterParams()
    if events.is_empty():
        return events
    fishing = positions_of(positions, events["mmsi"]).select(
        "mmsi", "timestamp", (pl.col("nav_status") == FISHING_STATUS).fill_null(False).alias("f")
    )
    share = (
        events.select("id", "mmsi", "start", "end")
        .join(fishing, on="mmsi")
        .filter(pl.col("timestamp").is_between(pl.col("start"), pl.col("end")))
        .group_by("id")
        .agg(pl.col("f").mean().alias("fishing_share"))
    )
    mostly_fishing = share.filter(pl.col("fishing_share") > params.fishing_share)["id"]
    return events.filter(~pl.col("id").is_in(mostly_fishing.implode()))
