"""Splitting each MMSI's positions into physically consistent tracks ("segments").

What: for one MMSI in time order, each position joins the open segment from whose recent points it
can be reached at a plausible speed, otherwise it opens a new segment. Several hulls that broadcast
the same MMSI thus end up in separate segments, and isolated bad positions end up in segments of
their own, which are marked `noise` when they are short and lie inside the span of a longer one.

Why: every later step (gaps, encounters, loitering, identity checks) must reason about one hull at a
time; a track that jumps between two vessels 500 nm apart yields false gaps and false speeds.

Source: the segmenter of Global Fishing Watch (GlobalFishingWatch/gpsdio-segment, Apache-2.0), whose
published defaults give the thresholds below (max 24 h between points of a segment, 25 kn, a look
back over the last 5 points, a staleness penalty of 5 kn, at most 100 open segments). The matching
rule itself is a simplified one written for this project: reachability from the last points of a
segment, ranked by distance plus a staleness penalty, without dead reckoning.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from balise.geo.sphere import EARTH_RADIUS_KM, KM_PER_NM

EARTH_RADIUS_NM: Final = EARTH_RADIUS_KM / KM_PER_NM
"""Mean Earth radius (6371.0088 km, IUGG) in nautical miles of 1852 m."""
MICROSECONDS_PER_HOUR: Final = 3_600_000_000

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class SegmentParams:
    """Thresholds of the segmenter; the defaults are GFW's unless said otherwise."""

    max_gap_hours: float = 24.0
    """No segment spans a silence longer than this (GFW `max_hours` = 24)."""
    max_speed_knots: float = 25.0
    """Fastest plausible speed between two points of one hull (GFW `max_knots` = 25)."""
    noise_distance_nm: float = 0.27
    """Distance tolerated on top of `max_speed_knots` × time, for position error and timestamp
    jitter of near-simultaneous reports (GFW segmenter's former `noise-dist` default, 0.27 nm)."""
    penalty_knots: float = 5.0
    """When several segments can take a point, each hour since a segment's last point counts as
    this many nm of distance, so that the freshest close segment wins (GFW `penalty_speed` = 5)."""
    lookback: int = 5
    """A point may attach to any of the last `lookback` points of a segment; the points skipped are
    detached as noise (GFW `lookback` = 5)."""
    lookback_factor: float = 2.0
    """Cost multiplier per point skipped by the look back (GFW `lookback_factor` = 2)."""
    max_open_segments: int = 100
    """Open segments kept per MMSI; the stalest is closed beyond this (GFW `max_open_segments`)."""
    noise_max_points: int = 3
    """A segment of at most this many points lying inside the time span of a longer segment of the
    same MMSI is noise: one bad position plus up to two copies from other receivers. This project's
    choice, in the spirit of GFW's downstream `overlapping_and_short` flag."""


@dataclass
class _Open:
    """A segment still accepting points: its number, recent positioned points and last time."""

    number: int
    last_hours: float
    recent: list[int] = field(default_factory=list)


def _distance_nm_scalar(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """`distance_nm` for two single points (the per-point loop avoids NumPy call overhead)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_NM * math.asin(math.sqrt(min(1.0, max(0.0, a))))


def _best_match(
    i: int, hours: Floats, lat: Floats, lon: Floats, segments: list[_Open], params: SegmentParams
) -> tuple[_Open, int] | None:
    """The open segment point `i` joins and how many of its last points it skips, if any.

    A point is reachable from an earlier point when the distance is at most `max_speed_knots` ×
    hours + `noise_distance_nm`; the cost of a candidate is distance + `penalty_knots` × hours,
    multiplied by `lookback_factor` per skipped point. The cheapest candidate wins.
    """
    best: tuple[float, _Open, int] | None = None
    for segment in segments:
        for skipped, j in enumerate(reversed(segment.recent)):
            dt = hours[i] - hours[j]
            if dt > params.max_gap_hours:
                break
            dist = _distance_nm_scalar(lat[j], lon[j], lat[i], lon[i])
            if dist <= params.max_speed_knots * dt + params.noise_distance_nm:
                cost = (dist + params.penalty_knots * dt) * params.lookback_factor**skipped
                if best is None or cost < best[0]:
                    best = (cost, segment, skipped)
                break
    return None if best is None else (best[1], best[2])


def _assign(hours: Floats, lat: Floats, lon: Floats, params: SegmentParams) -> Ints:
    """Segment numbers (0-based, in order of first point) for one MMSI's time-ordered points.

    Points without a position join the most recently fed open segment, since they carry nothing
    to test; points detached by the look back get a segment each.
    """
    n = len(hours)
    number = np.full(n, -1, np.int64)
    opened: list[_Open] = []
    count = 0
    for i in range(n):
        opened = [s for s in opened if hours[i] - s.last_hours <= params.max_gap_hours]
        if math.isnan(lat[i]) or math.isnan(lon[i]):
            match = (max(opened, key=lambda s: s.last_hours), 0) if opened else None
        else:
            match = _best_match(i, hours, lat, lon, opened, params)
        if match is None:
            segment = _Open(count, hours[i])
            count += 1
            opened.append(segment)
            if len(opened) > params.max_open_segments:
                opened.remove(min(opened, key=lambda s: s.last_hours))
        else:
            segment, skipped = match
            if skipped:
                number[segment.recent[-skipped:]] = -1
                del segment.recent[-skipped:]
        number[i] = segment.number
        segment.last_hours = hours[i]
        if not math.isnan(lat[i]) and not math.isnan(lon[i]):
            segment.recent = [*segment.recent, i][-params.lookback :]
    detached = np.flatnonzero(number < 0)
    number[detached] = count + np.arange(len(detached))
    return _renumber(number)


def _renumber(number: Ints) -> Ints:
    """Segment numbers renamed 0, 1, 2... in the order of each segment's first point."""
    _, first = np.unique(number, return_index=True)
    order = np.argsort(first)
    rename = np.empty(len(order), np.int64)
    rename[order] = np.arange(len(order))
    _, inverse = np.unique(number, return_inverse=True)
    return rename[inverse]


def _noise(number: Ints, hours: Floats, params: SegmentParams) -> npt.NDArray[np.bool_]:
    """Per point: its segment is short and lies inside the time span of a longer segment."""
    segments = int(number.max()) + 1 if len(number) else 0
    sizes = np.bincount(number, minlength=segments)
    start = np.full(segments, np.inf)
    end = np.full(segments, -np.inf)
    np.minimum.at(start, number, hours)
    np.maximum.at(end, number, hours)
    long = sizes > params.noise_max_points
    short_noise = np.zeros(segments, np.bool_)
    for s in np.flatnonzero(~long):
        short_noise[s] = bool(np.any(long & (start <= start[s]) & (end >= end[s])))
    return short_noise[number]


def segment(positions: pl.DataFrame, params: SegmentParams = SegmentParams()) -> pl.DataFrame:
    """`positions` sorted by (mmsi, timestamp) with `segment_id` ("<mmsi>-<n>", n from 1 in order
    of first point) and `noise` (Boolean) added.

    Ties in time are broken by position so that the same rows in any order give the same result.
    Needs `mmsi`, `timestamp`, `lat`, `lon`; positions may be null (see `_assign`).
    """
    ordered = positions.sort(["mmsi", "timestamp", "lat", "lon"], nulls_last=True)
    mmsi = ordered["mmsi"].to_numpy()
    micros = ordered["timestamp"].dt.epoch("us").to_numpy().astype(np.int64)
    hours = (micros - (micros[0] if len(micros) else 0)) / MICROSECONDS_PER_HOUR
    lat = ordered["lat"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    lon = ordered["lon"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    number = np.zeros(len(mmsi), np.int64)
    noise = np.zeros(len(mmsi), np.bool_)
    bounds = [0, *(np.flatnonzero(np.diff(mmsi)) + 1).tolist(), len(mmsi)]
    for lo, hi in itertools.pairwise(bounds):
        if hi > lo:
            number[lo:hi] = _assign(hours[lo:hi], lat[lo:hi], lon[lo:hi], params)
            noise[lo:hi] = _noise(number[lo:hi], hours[lo:hi], params)
    return ordered.with_columns(
        segment_id=pl.concat_str(
            [pl.col("mmsi").cast(pl.String), pl.lit("-"), pl.Series(number + 1).cast(pl.String)]
        ),
        noise=pl.Series(noise, dtype=pl.Boolean),
    )
