"""Coastal drops: the legs of each track in time buckets, and which buckets linger."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np
import polars as pl

from balise.geo.sphere import KM_PER_NM, bearing_deg
from balise.maritime.coastal_tracks import CODE, ROW
from balise.maritime.kernel import TRACK, haversine_km_expr, hours_between
from balise.maritime.lanes import eligible_vessels
from balise.model.arrays import BoolArray, FloatArray, IntArray

if TYPE_CHECKING:
    from balise.maritime.coastal import CoastalDropParams

BUCKET_ID: Final = "_bucket_id"
"""A number per track and time bucket, increasing in track order."""
_MIN_TURN_LEG_NM: Final = 0.005
"""Legs shorter than this (about 9 m, GNSS noise) have no meaningful course: they add no turn."""


def track_legs(tracks: pl.DataFrame, bucket: str) -> pl.DataFrame:
    """One row per pair of consecutive positions of a track: the later position (without
    `TRACK`: see `track_names`), the earlier time and position, hours, distance (nm), bucket and
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


def bucket_turns(legs: pl.DataFrame, needed: BoolArray) -> pl.DataFrame:
    """`BUCKET_ID` and `turn_deg` (sum of the absolute course changes from each leg's previous
    leg, degrees) of the buckets `needed` (indexed by `BUCKET_ID`).

    Only slow buckets can linger, so courses (the costly trigonometry) are computed for their
    legs and the leg before each, not for every leg of the day."""
    bucket_id, code = legs[BUCKET_ID].to_numpy(), legs[CODE].to_numpy()
    wanted = legs_of(bucket_id, needed)
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


def legs_of(bucket_id: IntArray, needed: BoolArray) -> IntArray:
    """The rows of the legs of the buckets `needed` (indexed by `BUCKET_ID`), in order: a
    bucket's legs are consecutive rows (`track_legs`), found by binary search, so that a few buckets
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


def time_buckets(
    legs: pl.DataFrame,
    params: CoastalDropParams,
    names: pl.Series,
    vessel_types: pl.DataFrame | None,
) -> pl.DataFrame:
    """Time buckets of each track with speed, the longest silence nearby, `lingering` and `run`
    (a number shared by consecutive buckets of the same lingering flag), the track's text from
    `names` (`track_names`).

    A bucket below `slow_knots` lingers whatever its course, one at transit speed never does:
    the turn (`turn_deg`, the costly trigonometry) is measured here only on the buckets between,
    where it decides (0 elsewhere; `lingering_stretches` measures it on the stretches)."""
    buckets = _sea_going(_bucket_totals(legs), vessel_types, params)
    buckets.insert_column(1, names.gather(buckets[CODE]).alias(TRACK))
    speed = pl.col("nm") / pl.col("hours")
    turning = (speed >= params.slow_knots) & (speed < params.transit_knots)
    turning_rows = buckets.select(turning).to_series().fill_null(False).to_numpy()
    turns = bucket_turns(legs, turning_rows)
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
