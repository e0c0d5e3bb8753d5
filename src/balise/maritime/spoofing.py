"""Spoofing detectors: shared MMSIs and position jumps, as EVENT_SCHEMA frames.

What: `detect_shared_mmsi` and `detect_position_jumps` read the output of
`balise.maritime.segment.segment` (positions with `segment_id` and `noise`); `detect_spoofing`
runs both and drops the jumps a shared MMSI already explains.

Why: a hull hiding behind another vessel's MMSI and a transponder reporting false positions are
deceptive practices the US "Global Maritime Advisory" of 14 May 2020 (OFAC, Department of State,
US Coast Guard) lists first: AIS manipulation and vessel identity fraud. Two hulls on one MMSI
make the positions jump at every switch: those jumps are one shared_mmsi event, not hundreds of
position_jump events.

How: both read runs, stretches of consecutive points of one segment in (mmsi, time) order. A run
breaks only where the segment changes, which is rare, so the work after finding the breaks is on
a few rows per vessel rather than on every position.
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
    outside_periods,
)
from balise.maritime.kernel import VESSEL_ORDER, build_events, params_json
from balise.maritime.segment import in_vessel_order
from balise.model.events import empty_events, to_json

MIN_SECONDS: Final = 1.0
"""Floor of the time between two points when computing a speed: AIS times are in whole seconds."""

ORDER: Final = ("mmsi", "timestamp", "lat", "lon")
"""Order the detectors read points in: per MMSI in time order, ties broken by position."""

_INT64_MIN: Final = np.iinfo(np.int64).min
_INT64_MAX: Final = np.iinfo(np.int64).max


def _in_order(points: pl.DataFrame) -> bool:
    """Whether `points` (no missing position) are already sorted by ORDER (as `segment` leaves
    them), so that sorting millions of rows again can be skipped. False for a missing MMSI or
    time, whose place in a sort is left to the sort itself."""
    if points["mmsi"].null_count() or points["timestamp"].null_count():
        return False
    return in_vessel_order(
        points["mmsi"].to_numpy(),
        points["timestamp"].to_physical().to_numpy(),
        points["lat"].cast(pl.Float64).to_numpy(),
        points["lon"].cast(pl.Float64).to_numpy(),
    )


def _points(segmented: pl.DataFrame) -> pl.DataFrame:
    """The positioned points (lat and lon known) of `segmented` in ORDER, with the columns the
    detectors read: mmsi, timestamp, lat, lon, segment_id, noise and the reported `sog_knots`
    (null when the frame has none)."""
    sog = pl.col("sog_knots") if "sog_knots" in segmented.columns else pl.lit(None, pl.Float64)
    points = segmented.select(*ORDER, "segment_id", "noise", sog.cast(pl.Float64).alias("sog"))
    if points["lat"].null_count() or points["lon"].null_count():
        points = points.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    return points if _in_order(points) else points.sort(ORDER)


def _run_starts(points: pl.DataFrame) -> np.ndarray[Any, Any]:
    """Row numbers where a run of one segment begins in `points` (in ORDER): the first row of an
    MMSI, and every row whose segment differs from the previous row's (a missing segment never
    continues a run). Runs break rarely, so the rest of the work is on these rows only."""
    segment, mmsi = pl.col("segment_id"), pl.col("mmsi")
    change = (segment != segment.shift(1)).fill_null(True) | mmsi.ne_missing(mmsi.shift(1))
    return points.select(change.arg_true()).to_series().to_numpy()


def _run_rows(points: pl.DataFrame) -> pl.DataFrame:
    """One row per run of consecutive points of one segment: mmsi, segment_id, noise, run
    (counting from 1), n, start, end, first/last lat/lon, and the run's earliest and latest
    time `t_min` and `t_max` (which differ from start and end only around missing times)."""
    starts = _run_starts(points)
    ends = np.append(starts[1:], points.height)[: starts.size] - 1
    first, last = points[starts], points[ends]
    times = {"t_min": first["timestamp"], "t_max": last["timestamp"]}
    if points["timestamp"].null_count():
        times = {
            "t_min": _run_extreme(points["timestamp"], starts, np.minimum, _INT64_MAX),
            "t_max": _run_extreme(points["timestamp"], starts, np.maximum, _INT64_MIN),
        }
    return pl.DataFrame(
        {
            "run": np.arange(1, starts.size + 1, dtype=np.uint32),
            "mmsi": first["mmsi"],
            "segment_id": first["segment_id"],
            "noise": first["noise"],
            "n": (ends - starts + 1).astype(np.uint32),
            "start": first["timestamp"],
            "end": last["timestamp"],
            "first_lat": first["lat"],
            "first_lon": first["lon"],
            "last_lat": last["lat"],
            "last_lon": last["lon"],
            "first_sog": first["sog"],
            "last_sog": last["sog"],
            **times,
        }
    )


def _run_extreme(
    times: pl.Series, starts: np.ndarray[Any, Any], pick: np.ufunc, missing: int
) -> pl.Series:
    """Earliest (`np.minimum`) or latest (`np.maximum`) non-missing time of each run beginning
    at `starts`, missing when the whole run is; `missing` is the value that never wins."""
    if not starts.size:
        return times.clear()
    values = times.to_physical().fill_null(missing).to_numpy()
    extreme = pl.Series(pick.reduceat(values, starts))
    return extreme.replace(missing, None).cast(times.dtype)


def _same_mmsi(value: pl.Expr, offset: int) -> pl.Expr:
    """`value` of the run `offset` rows away (as `shift`) if that run has the same MMSI, else
    missing. The runs of one MMSI are consecutive, so this is a shift per MMSI without a window
    over thousands of small groups, which costs far more than the shift itself."""
    mmsi = pl.col("mmsi")
    return pl.when(mmsi.eq_missing(mmsi.shift(offset))).then(value.shift(offset))


def _runs(rows: pl.DataFrame) -> pl.DataFrame:
    """Runs of consecutive positioned points of one segment, per MMSI in time order, from the
    `_run_rows` of the positioned points.

    Columns: mmsi, segment_id, noise, n, start, end, first/last lat/lon, the number of runs of
    the segment and the segment's size, with the neighbouring runs' segment and points.
    """
    runs = rows.with_columns(
        seg_runs=pl.len().over("segment_id"),
        seg_size=pl.col("n").sum().over("segment_id"),
        seg_first_run=pl.col("run").min().over("segment_id"),
        seg_last_run=pl.col("run").max().over("segment_id"),
    )
    neighbours = [
        _same_mmsi(pl.col(c), s).alias(f"{p}_{c}")
        for s, p in ((1, "prev"), (-1, "next"))
        for c in (
            "segment_id",
            "end",
            "start",
            "last_lat",
            "last_lon",
            "first_lat",
            "first_lon",
            "last_sog",
        )
    ]
    return runs.with_columns(
        *neighbours,
        prev_seg_size=_same_mmsi(pl.col("seg_size"), 1),
        prev_is_last=_same_mmsi(pl.col("seg_last_run") == pl.col("run"), 1),
    )


def _nm(frame: pl.DataFrame, a: tuple[str, str], b: tuple[str, str]) -> np.ndarray[Any, Any]:
    """Great-circle nm between the points of columns `a` and `b` (lat, lon) of `frame`."""
    return np.asarray(distance_nm(*(frame[c].to_numpy() for c in (*a, *b))))


def _speed(
    distance: np.ndarray[Any, Any], start: pl.Series, end: pl.Series
) -> np.ndarray[Any, Any]:
    """Implied speed in knots for `distance` nm between times `start` and `end`."""
    seconds = (end - start).dt.total_microseconds().to_numpy() / 1e6
    return np.asarray(distance / (np.maximum(seconds, MIN_SECONDS) / 3600.0))


def _jumps(rows: pl.DataFrame, params: IdentityParams) -> pl.DataFrame:
    """Runs (`_run_rows` of the positioned non-noise points) reached by an impossible move:
    excursions and one-way jumps, with `kind`, `jump_nm`, the implied `speed` in knots, `hours`
    and `sustained` (the run has `min_excursion_positions` and spans `min_excursion_minutes`)."""
    runs = _runs(rows).drop_nulls("prev_segment_id")
    jump = _nm(runs, ("prev_last_lat", "prev_last_lon"), ("first_lat", "first_lon"))
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
    sustained = (pl.col("n") >= params.min_excursion_positions) & (
        pl.col("hours") * 60.0 >= params.min_excursion_minutes
    )
    reported = pl.max_horizontal("prev_last_sog", "first_sog").fill_null(0.0)
    return runs.filter(
        (excursion | one_way)
        & (pl.col("jump_nm") >= params.min_jump_nm)
        & (pl.col("speed") > params.max_speed_knots)
        & (pl.col("speed") > params.reported_speed_factor * reported)
    ).with_columns(
        kind=pl.when(excursion).then(pl.lit("excursion")).otherwise(pl.lit("jump")),
        sustained=sustained,
    )


def _noise_jumps(rows: pl.DataFrame, params: IdentityParams) -> pl.DataFrame:
    """Noise runs (`_run_rows` of all positioned points, `noise` set by the segmenter) reached
    from the point before them by an impossible move of at least `min_jump_nm`: the lone fixes
    far off that the segmenter drops. Columns: mmsi, start, end, n, first_lat, first_lon,
    jump_nm, speed."""
    prev = {c: _same_mmsi(pl.col(c), 1) for c in ("end", "last_lat", "last_lon")}
    noise = rows.with_columns(**{f"prev_{c}": e for c, e in prev.items()}).filter(
        pl.col("noise") & pl.col("prev_end").is_not_null()
    )
    jump = _nm(noise, ("prev_last_lat", "prev_last_lon"), ("first_lat", "first_lon"))
    return noise.with_columns(
        jump_nm=pl.Series(jump, dtype=pl.Float64),
        speed=pl.Series(_speed(jump, noise["prev_end"], noise["start"]), dtype=pl.Float64),
    ).filter((pl.col("jump_nm") >= params.min_jump_nm) & (pl.col("speed") > params.max_speed_knots))


def _repeats(short: pl.DataFrame, params: IdentityParams) -> pl.DataFrame:
    """Chains of short jumps of one MMSI (`short`: mmsi, start, end, n, first_lat, first_lon,
    jump_nm, speed) each starting within `repeat_window_hours` of the previous one's end, with at
    least `min_repeated_jumps` jumps: mmsi, start, end, jumps, positions, lat, lon, max_nm,
    max_speed."""
    window = pl.duration(microseconds=int(params.repeat_window_hours * 3_600_000_000))
    chained = short.sort("mmsi", "start").with_columns(
        chain=(
            (pl.col("start") - pl.col("end").shift(1).over("mmsi") > window)
            | pl.col("mmsi").ne_missing(pl.col("mmsi").shift(1))
        )
        .fill_null(True)
        .cum_sum()
    )
    return (
        chained.group_by("mmsi", "chain", maintain_order=True)
        .agg(
            pl.col("start").min(),
            pl.col("end").max(),
            jumps=pl.len(),
            positions=pl.col("n").sum(),
            lat=pl.col("first_lat").first(),
            lon=pl.col("first_lon").first(),
            max_nm=pl.col("jump_nm").max(),
            max_speed=pl.col("speed").max(),
        )
        .filter(pl.col("jumps") >= params.min_repeated_jumps)
    )


def _jump_row(r: dict[str, Any], params: IdentityParams) -> dict[str, Any]:
    """One position_jump event row from one sustained run of `_jumps`."""
    evidence = {
        "kind": r["kind"],
        "segment_id": r["segment_id"],
        "track_segment_id": r["prev_segment_id"],
        "jumped_to": {"lat": r["first_lat"], "lon": r["first_lon"]},
        "jumped_from": {"lat": r["prev_last_lat"], "lon": r["prev_last_lon"]},
        "jump_distance_nm": round(r["jump_nm"], 3),
        "implied_speed_knots": round(r["speed"], 1),
        "positions": r["n"],
        "minutes": round(r["hours"] * 60.0, 1),
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


def _repeat_row(r: dict[str, Any], params: IdentityParams) -> dict[str, Any]:
    """One position_jump event row (kind `repeated`) from one chain of `_repeats`."""
    evidence = {
        "kind": "repeated",
        "jumps": r["jumps"],
        "positions": r["positions"],
        "jump_distance_nm": round(r["max_nm"], 3),
        "implied_speed_knots": round(r["max_speed"], 1),
    }
    return {
        "start": r["start"],
        "end": r["end"],
        "lat": r["lat"],
        "lon": r["lon"],
        "mmsi": r["mmsi"],
        "confidence": 1 - 0.5 ** (r["jumps"] / params.min_repeated_jumps),
        "score": POSITION_JUMP_SCORE,
        "params": params_json(params),
        "evidence": to_json(evidence),
        "_key": "repeated",
    }


def detect_position_jumps(
    segmented: pl.DataFrame,
    params: IdentityParams = DEFAULT_PARAMS,
    shared: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """`position_jump` events: sustained excursions away from a track and back, sustained
    one-way jumps, and repeated short jumps.

    A jump is reached at more than `max_speed_knots` and at least `min_jump_nm` away. An
    excursion is a segment whose positions are contiguous in time, between two points of one
    larger segment, lasting at most `max_excursion_hours`; a one-way jump is a segment starting
    right after another ends. Either is an event when sustained: at least
    `min_excursion_positions` positions spanning `min_excursion_minutes`. A lone fix far off
    (the segmenter's noise) or a shorter run is receiver or GNSS noise, not an event (see
    `noise_positions` for the count); `min_repeated_jumps` of them, each within
    `repeat_window_hours` of the previous, are one `repeated` event. A long silence with a
    plausible implied speed is not a jump. Confidence: 1 - max_speed / implied speed (0 at the
    limit, near 1 for teleports); repeated: 1 - 0.5 ** (jumps / min_repeated_jumps).

    `shared`: the `shared_mmsi` events of the same positions (`detect_shared_mmsi`); jumps of an
    MMSI overlapping one of its shared periods are dropped, as the switches between two hulls
    are not spoofed positions. Without it every jump is reported.
    """
    points = _points(segmented)
    return _position_jumps(points, _run_rows(points), params, shared)


def _position_jumps(
    points: pl.DataFrame, runs: pl.DataFrame, params: IdentityParams, shared: pl.DataFrame | None
) -> pl.DataFrame:
    """`detect_position_jumps` on the points of `_points` and their `_run_rows`."""
    noisy = bool(points["noise"].null_count() or points["noise"].any())
    clean = _run_rows(points.filter(pl.col("noise").not_())) if noisy else runs
    jumps = _jumps(clean, params)
    rows = [_jump_row(r, params) for r in jumps.filter("sustained").iter_rows(named=True)]
    columns = ("mmsi", "start", "end", "n", "first_lat", "first_lon", "jump_nm", "speed")
    short = jumps.filter(~pl.col("sustained")).select(columns)
    if noisy:
        short = pl.concat(
            [short, _noise_jumps(runs, params).select(columns)], how="vertical_relaxed"
        )
    rows += [_repeat_row(r, params) for r in _repeats(short, params).iter_rows(named=True)]
    found = build_events("position_jump", rows, ("mmsi", "start", "_key"), order=VESSEL_ORDER)
    return outside_periods(found, shared)


def noise_positions(segmented: pl.DataFrame) -> pl.DataFrame:
    """Per MMSI of `segmented` (the output of `segment`): `positions` and `noise_positions`, the
    positions the segmenter marked as noise (lone fixes off the track, dropped before detection
    and raising no event). A data-quality figure of each vessel's reception."""
    return (
        segmented.group_by("mmsi")
        .agg(positions=pl.len(), noise_positions=pl.col("noise").fill_null(False).sum())
        .sort("mmsi")
    )


def detect_spoofing(
    segmented: pl.DataFrame, params: IdentityParams = DEFAULT_PARAMS
) -> pl.DataFrame:
    """`shared_mmsi` and `position_jump` events of `segmented`, jumps inside a shared period of
    their MMSI left out: what the engine should call rather than the two detectors apart."""
    points = _points(segmented)
    runs = _run_rows(points)
    shared = _shared_mmsi(points, runs, segmented, params)
    return pl.concat([shared, _position_jumps(points, runs, params, shared)])


def _switches(points: pl.DataFrame, runs: pl.DataFrame) -> pl.DataFrame:
    """Interleaving switches: consecutive non-noise points of one MMSI in two different segments
    whose time spans overlap (the earlier segment goes on later, or the later began earlier).

    A switch is the first point of a run of non-noise points, so only the run bounds are read:
    each run's first point and the last point of the run before it. `runs`: the `_run_rows` of
    `points` (`_points`), the runs of non-noise points too when no point is noise."""
    if points["noise"].null_count() or points["noise"].any():
        runs = _run_rows(points.filter(~pl.col("noise")))
    runs = runs.with_columns(
        seg_start=pl.col("t_min").min().over("segment_id"),
        seg_end=pl.col("t_max").max().over("segment_id"),
    )
    prev = {c: _same_mmsi(pl.col(c), 1) for c in ("segment_id", "end", "last_lat", "last_lon")}
    switches = runs.select(
        "mmsi",
        "segment_id",
        "seg_start",
        timestamp="start",
        lat="first_lat",
        lon="first_lon",
        prev_segment=prev["segment_id"],
        prev_time=prev["end"],
        prev_lat=prev["last_lat"],
        prev_lon=prev["last_lon"],
        prev_seg_end=_same_mmsi(pl.col("seg_end"), 1),
    ).filter(
        (pl.col("prev_segment") != pl.col("segment_id"))
        & (
            (pl.col("prev_seg_end") > pl.col("timestamp"))
            | (pl.col("seg_start") < pl.col("prev_time"))
        )
    )
    gap = _nm(switches, ("prev_lat", "prev_lon"), ("lat", "lon"))
    return switches.with_columns(
        distance_nm=pl.Series(gap),
        pair=pl.concat_list(
            pl.min_horizontal("prev_segment", "segment_id"),
            pl.max_horizontal("prev_segment", "segment_id"),
        ),
    )


def _shared_periods(switches: pl.DataFrame, min_alternations: int) -> pl.DataFrame:
    """Pairs of segments switched between at least `min_alternations` times, merged per MMSI
    into periods where they overlap: start, end, switches, max_nm, lat, lon, segments.

    Deterministic: pairs keep the order of their first switch (and pairs starting at the same
    time keep it through the sort), so a period's position is always that of the same pair."""
    pairs = (
        switches.group_by("mmsi", "pair", maintain_order=True)
        .agg(
            switches=pl.len(),
            start=pl.col("prev_time").min(),
            end=pl.col("timestamp").max(),
            max_nm=pl.col("distance_nm").max(),
            lat=pl.col("lat").first(),
            lon=pl.col("lon").first(),
        )
        .filter(pl.col("switches") >= min_alternations)
        .sort("mmsi", "start", maintain_order=True)
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
    """One shared_mmsi event row from one period of `_shared_periods`; `segmented` needs only
    the rows of the period's segments."""
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
    points = _points(segmented)
    return _shared_mmsi(points, _run_rows(points), segmented, params)


def _shared_mmsi(
    points: pl.DataFrame, runs: pl.DataFrame, segmented: pl.DataFrame, params: IdentityParams
) -> pl.DataFrame:
    """`detect_shared_mmsi` on the points of `_points` and their `_run_rows`; positions are
    counted in `segmented`."""
    periods = _shared_periods(_switches(points, runs), params.min_alternations)
    if periods.is_empty():
        return empty_events()
    # one pass over all positions for all periods; each period then scans only these rows
    involved = pl.col("segment_id").is_in(periods["segments"].explode().unique().implode())
    candidates = segmented.select("segment_id", "timestamp").filter(involved)
    rows = [_shared_row(r, candidates, params) for r in periods.iter_rows(named=True)]
    return build_events("shared_mmsi", rows, ("mmsi", "start", "_key"), order=VESSEL_ORDER)
