"""Spoofing detectors: shared MMSIs and position jumps, as EVENT_SCHEMA frames.

What: `detect_shared_mmsi` and `detect_position_jumps` read the output of
`balise.maritime.segment.segment` (positions with `segment_id` and `noise`); `detect_spoofing`
runs both and drops the jumps a shared MMSI already explains.

Why: a hull hiding behind another vessel's MMSI and a transponder reporting false positions are
identity signals analysts ask for first (maritime-anchors §6, point 5). Two hulls on one MMSI
make the positions jump at every switch: those jumps are one shared_mmsi event, not hundreds of
position_jump events.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import polars as pl

from balise.geo.sphere import distance_nm
from balise.maritime.identity_params import (
    DEFAULT_PARAMS,
    POSITION_JUMP_SCORE,
    SHARED_MMSI_SCORE,
    IdentityParams,
    finish_events,
    outside_periods,
    params_json,
)
from balise.model.events import to_json

MIN_SECONDS: Final = 1.0
"""Floor of the time between two points when computing a speed: AIS times are in whole seconds."""


def _runs(segmented: pl.DataFrame) -> pl.DataFrame:
    """Runs of consecutive positioned points of one segment, per MMSI in time order.

    Columns: mmsi, segment_id, noise, n, start, end, first/last lat/lon, the number of runs of
    the segment and the segment's size, with the neighbouring runs' segment and points.
    """
    points = segmented.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    points = points.sort(["mmsi", "timestamp", "lat", "lon"]).with_columns(
        run=(pl.col("segment_id") != pl.col("segment_id").shift(1).over("mmsi"))
        .fill_null(True)
        .cum_sum()
    )
    runs = (
        points.group_by("run", maintain_order=True)
        .agg(
            pl.col("mmsi").first(),
            pl.col("segment_id").first(),
            pl.col("noise").first(),
            n=pl.len(),
            start=pl.col("timestamp").first(),
            end=pl.col("timestamp").last(),
            first_lat=pl.col("lat").first(),
            first_lon=pl.col("lon").first(),
            last_lat=pl.col("lat").last(),
            last_lon=pl.col("lon").last(),
        )
        .with_columns(
            seg_runs=pl.len().over("segment_id"),
            seg_size=pl.col("n").sum().over("segment_id"),
            seg_first_run=pl.col("run").min().over("segment_id"),
            seg_last_run=pl.col("run").max().over("segment_id"),
        )
    )
    neighbours = [
        pl.col(c).shift(s).over("mmsi").alias(f"{p}_{c}")
        for s, p in ((1, "prev"), (-1, "next"))
        for c in ("segment_id", "end", "start", "last_lat", "last_lon", "first_lat", "first_lon")
    ]
    return runs.with_columns(
        *neighbours,
        prev_seg_size=pl.col("seg_size").shift(1).over("mmsi"),
        prev_is_last=(pl.col("seg_last_run") == pl.col("run")).shift(1).over("mmsi"),
    )


def _speed(
    distance: np.ndarray[Any, Any], start: pl.Series, end: pl.Series
) -> np.ndarray[Any, Any]:
    """Implied speed in knots for `distance` nm between times `start` and `end`."""
    seconds = (end - start).dt.total_microseconds().to_numpy() / 1e6
    return np.asarray(distance / (np.maximum(seconds, MIN_SECONDS) / 3600.0))


def _jumps(segmented: pl.DataFrame, params: IdentityParams) -> pl.DataFrame:
    """Runs reached by an impossible move: excursions and one-way jumps, with `kind`, `jump_nm`
    and the implied `speed` in knots."""
    runs = _runs(segmented).drop_nulls("prev_segment_id")
    jump = distance_nm(
        runs["prev_last_lat"].to_numpy(),
        runs["prev_last_lon"].to_numpy(),
        runs["first_lat"].to_numpy(),
        runs["first_lon"].to_numpy(),
    )
    runs = runs.with_columns(
        jump_nm=pl.Series(jump),
        speed=pl.Series(_speed(jump, runs["prev_end"], runs["start"])),
        hours=(pl.col("end") - pl.col("start")).dt.total_seconds() / 3600.0,
    )
    excursion = (
        (pl.col("seg_runs") == 1)
        & (pl.col("prev_segment_id") == pl.col("next_segment_id"))
        & (pl.col("prev_seg_size") >= pl.col("seg_size"))
        & (pl.col("hours") <= params.max_excursion_hours)
    )
    one_way = (pl.col("run") == pl.col("seg_first_run")) & pl.col("prev_is_last")
    return runs.filter(
        (excursion | one_way)
        & (pl.col("jump_nm") >= params.min_jump_nm)
        & (pl.col("speed") > params.max_speed_knots)
    ).with_columns(kind=pl.when(excursion).then(pl.lit("excursion")).otherwise(pl.lit("jump")))


def _jump_row(r: dict[str, Any], params: IdentityParams) -> dict[str, Any]:
    """One position_jump event row from one run of `_jumps`."""
    evidence = {
        "kind": r["kind"],
        "segment_id": r["segment_id"],
        "track_segment_id": r["prev_segment_id"],
        "jumped_to": {"lat": r["first_lat"], "lon": r["first_lon"]},
        "jumped_from": {"lat": r["prev_last_lat"], "lon": r["prev_last_lon"]},
        "jump_distance_nm": round(r["jump_nm"], 3),
        "implied_speed_knots": round(r["speed"], 1),
        "positions": r["n"],
        "noise": r["noise"],
    }
    return {
        "start": r["start"],
        "end": r["end"],
        "lat": r["first_lat"],
        "lon": r["first_lon"],
        "mmsi": r["mmsi"],
        "confidence": max(0.0, min(1.0, 1 - params.max_speed_knots / r["speed"])),
        "score": POSITION_JUMP_SCORE,
        "params": params_json(params),
        "evidence": to_json(evidence),
        "_key": r["segment_id"],
    }


def detect_position_jumps(
    segmented: pl.DataFrame,
    params: IdentityParams = DEFAULT_PARAMS,
    shared: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """`position_jump` events: excursions away from a track and back, and one-way jumps.

    An excursion is a segment whose positions are contiguous in time, between two points of one
    larger segment, lasting at most `max_excursion_hours`, reached at more than `max_speed_knots`
    and at least `min_jump_nm` away. A one-way jump is a segment starting right after another
    ends, reached the same way. A long silence with a plausible implied speed is not a jump.
    Confidence: 1 - max_speed / implied speed (0 at the limit, near 1 for teleports).

    `shared`: the `shared_mmsi` events of the same positions (`detect_shared_mmsi`); jumps of an
    MMSI overlapping one of its shared periods are dropped, as the switches between two hulls
    are not spoofed positions. Without it every jump is reported.
    """
    rows = [_jump_row(r, params) for r in _jumps(segmented, params).iter_rows(named=True)]
    jumps = finish_events(rows, "position_jump", ("mmsi", "start", "_key"))
    return outside_periods(jumps, shared)


def detect_spoofing(
    segmented: pl.DataFrame, params: IdentityParams = DEFAULT_PARAMS
) -> pl.DataFrame:
    """`shared_mmsi` and `position_jump` events of `segmented`, jumps inside a shared period of
    their MMSI left out: what the engine should call rather than the two detectors apart."""
    shared = detect_shared_mmsi(segmented, params)
    return pl.concat([shared, detect_position_jumps(segmented, params, shared)])


def _switches(segmented: pl.DataFrame) -> pl.DataFrame:
    """Interleaving switches: consecutive non-noise points of one MMSI in two different segments
    whose time spans overlap (the earlier segment goes on later, or the later began earlier)."""
    points = (
        segmented.filter(
            ~pl.col("noise") & pl.col("lat").is_not_null() & pl.col("lon").is_not_null()
        )
        .sort(["mmsi", "timestamp", "lat", "lon"])
        .with_columns(
            seg_start=pl.col("timestamp").min().over("segment_id"),
            seg_end=pl.col("timestamp").max().over("segment_id"),
        )
    )
    prev = {c: pl.col(c).shift(1).over("mmsi") for c in ("segment_id", "timestamp", "lat", "lon")}
    switches = points.with_columns(
        prev_segment=prev["segment_id"],
        prev_time=prev["timestamp"],
        prev_lat=prev["lat"],
        prev_lon=prev["lon"],
        prev_seg_end=pl.col("seg_end").shift(1).over("mmsi"),
    ).filter(
        (pl.col("prev_segment") != pl.col("segment_id"))
        & (
            (pl.col("prev_seg_end") > pl.col("timestamp"))
            | (pl.col("seg_start") < pl.col("prev_time"))
        )
    )
    gap = distance_nm(
        switches["prev_lat"].to_numpy(),
        switches["prev_lon"].to_numpy(),
        switches["lat"].to_numpy(),
        switches["lon"].to_numpy(),
    )
    return switches.with_columns(
        distance_nm=pl.Series(gap),
        pair=pl.concat_list(
            pl.min_horizontal("prev_segment", "segment_id"),
            pl.max_horizontal("prev_segment", "segment_id"),
        ),
    )


def _shared_periods(switches: pl.DataFrame, min_alternations: int) -> pl.DataFrame:
    """Pairs of segments switched between at least `min_alternations` times, merged per MMSI
    into periods where they overlap: start, end, switches, max_nm, lat, lon, segments."""
    pairs = (
        switches.group_by("mmsi", "pair")
        .agg(
            switches=pl.len(),
            start=pl.col("prev_time").min(),
            end=pl.col("timestamp").max(),
            max_nm=pl.col("distance_nm").max(),
            lat=pl.col("lat").first(),
            lon=pl.col("lon").first(),
        )
        .filter(pl.col("switches") >= min_alternations)
        .sort("mmsi", "start")
        .with_columns(
            period=(pl.col("start") > pl.col("end").cum_max().shift(1).over("mmsi"))
            .fill_null(True)
            .cum_sum()
        )
    )
    return pairs.group_by("mmsi", "period", maintain_order=True).agg(
        pl.col("start").min(),
        pl.col("end").max(),
        pl.col("switches").sum(),
        pl.col("max_nm").max(),
        pl.col("lat").first(),
        pl.col("lon").first(),
        segments=pl.col("pair").list.explode(keep_nulls=False, empty_as_null=False).unique().sort(),
    )


def _shared_row(
    r: dict[str, Any], segmented: pl.DataFrame, params: IdentityParams
) -> dict[str, Any]:
    """One shared_mmsi event row from one period of `_shared_periods`."""
    inside = segmented.filter(
        pl.col("segment_id").is_in(r["segments"])
        & pl.col("timestamp").is_between(r["start"], r["end"])
    )
    counts = dict(inside.group_by("segment_id").len().sort("segment_id").iter_rows())
    evidence = {
        "segment_ids": r["segments"],
        "switches": r["switches"],
        "max_distance_nm": round(r["max_nm"], 3),
        "positions_per_segment": counts,
    }
    return {
        "start": r["start"],
        "end": r["end"],
        "lat": r["lat"],
        "lon": r["lon"],
        "mmsi": r["mmsi"],
        "confidence": 1 - 0.5 ** (r["switches"] / params.min_alternations),
        "score": SHARED_MMSI_SCORE,
        "params": params_json(params),
        "evidence": to_json(evidence),
        "_key": ",".join(r["segments"]),
    }


def detect_shared_mmsi(
    segmented: pl.DataFrame, params: IdentityParams = DEFAULT_PARAMS
) -> pl.DataFrame:
    """`shared_mmsi` events: one per MMSI and period where non-noise segments interleave.

    Two segments interleave when the MMSI's positions switch between them at least
    `min_alternations` times while both are active: two hulls (or a hull and a spoofer) answering
    to one MMSI. Overlapping periods of several pairs are merged into one event. Confidence:
    1 - 0.5 ** (switches / min_alternations), i.e. 0.5 at the threshold.
    """
    periods = _shared_periods(_switches(segmented), params.min_alternations)
    rows = [_shared_row(r, segmented, params) for r in periods.iter_rows(named=True)]
    return finish_events(rows, "shared_mmsi", ("mmsi", "start", "_key"))
