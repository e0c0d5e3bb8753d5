"""Coastal drops: the stretches of lingering buckets, and the transit before and after them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from balise.geo.sphere import KM_PER_NM
from balise.maritime.coastal_buckets import BUCKET_ID, bucket_turns, legs_of
from balise.maritime.coastal_tracks import CODE
from balise.maritime.kernel import TRACK, haversine_km_expr, hours_between
from balise.model.arrays import BoolArray

if TYPE_CHECKING:
    from balise.maritime.coastal import CoastalDropParams


def stretch_buckets(
    buckets: pl.DataFrame, legs: pl.DataFrame, params: CoastalDropParams
) -> pl.DataFrame:
    """The lingering buckets of the runs that last `min_minutes` to `max_hours`, with their turn
    and position sums (`bucket_turns`, `_stretch_sums`): most runs are ships moored or anchored
    all day, far too long to be a drop, and need neither."""
    run = (CODE, "run")
    lasting = hours_between(pl.col("start").min().over(run), pl.col("end").max().over(run))
    kept = (
        buckets.filter("lingering")
        .filter(lasting.is_between(params.min_minutes / 60, params.max_hours))
        .drop("turn_deg")
    )
    needed = np.zeros(legs.height, np.bool_)
    needed[kept[BUCKET_ID].to_numpy()] = True
    for found in (_stretch_sums(legs, needed), bucket_turns(legs, needed)):
        kept = kept.join(found, on=BUCKET_ID, how="left", maintain_order="left")
    return kept.with_columns(pl.col("turn_deg").fill_null(0.0))


def _stretch_sums(legs: pl.DataFrame, needed: BoolArray) -> pl.DataFrame:
    """What `lingering_stretches` sums of the buckets `needed` (indexed by `BUCKET_ID`): their
    first and last positions, position sums and counts, declared stops.

    Only slow buckets can linger and make stretches, and they hold a small share of the legs, so
    these aggregates (the trigonometry above all) are computed on their legs alone."""
    used = (BUCKET_ID, "declared_stop", "prev_lat", "prev_lon", "lat", "lon")
    slow = legs.select(used)[legs_of(legs[BUCKET_ID].to_numpy(), needed)]
    return slow.group_by(BUCKET_ID, maintain_order=True).agg(
        pl.col("declared_stop").sum().alias("declared_stops"),
        # legs are in time order within a track (`located_tracks`)
        pl.col("prev_lat").first().alias("first_lat"),
        pl.col("prev_lon").first().alias("first_lon"),
        pl.col("lat").last().alias("last_lat"),
        pl.col("lon").last().alias("last_lon"),
        pl.col("lat").sum().alias("lat_sum"),
        pl.col("lon").radians().sin().sum().alias("lon_sin"),
        pl.col("lon").radians().cos().sum().alias("lon_cos"),
        pl.len().alias("positions"),
    )


def lingering_stretches(buckets: pl.DataFrame, params: CoastalDropParams) -> pl.DataFrame:
    """Runs of lingering buckets (`stretch_buckets`) long enough, slow on average or circling
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


def with_transit(
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
