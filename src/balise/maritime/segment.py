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

import math
import sys
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Final, NamedTuple

import numpy as np
import numpy.typing as npt
import polars as pl

from balise.geo.sphere import EARTH_RADIUS_KM, KM_PER_NM, distance_nm
from balise.model.arrays import BoolArray, FloatArray, IntArray

EARTH_RADIUS_NM: Final = EARTH_RADIUS_KM / KM_PER_NM
"""Mean Earth radius (6371.0088 km, IUGG) in nautical miles of 1852 m."""
MICROSECONDS_PER_HOUR: Final = 3_600_000_000
_BLOCK: Final = 1 << 18
_ORDER_BLOCK: Final = 1 << 16
"""Rows `in_vessel_order` checks at a time."""
"""Steps tested at once by `_plain_steps`."""
SEGMENT_CODE: Final = "segment_code"
"""Column of `segment`'s output: the segment as an integer (see `segment`)."""
_MARGIN_NM: Final = 1e-6
"""A step this close to the reach limit is left to the exact per-point test (see `_plain_steps`)."""

Arrays = tuple[npt.NDArray[Any], IntArray, FloatArray, FloatArray]
"""mmsi, time (µs since the epoch), lat and lon of positions."""


def _load_kernel() -> ModuleType | None:
    """The compiled matching (`_segment_kernel.c`, built by `pip install .`), if built: without
    it the segmenter gives the same segments, more slowly (see `_assign`)."""
    try:
        from balise.maritime import _segment_kernel
    except ImportError:
        return None
    return _segment_kernel


_KERNEL: Final = _load_kernel()


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


class _Points(NamedTuple):
    """One MMSI's points as Python lists for the per-point loop (indexing a list and computing
    on Python floats cost a fraction of the same on NumPy arrays), with the radians and cosine of
    each latitude, computed once per point instead of once per candidate compared."""

    hours: list[float]
    lat: list[float]
    lon: list[float]
    phi: list[float]
    cos_phi: list[float]

    @classmethod
    def of(cls, hours: FloatArray, lat: FloatArray, lon: FloatArray) -> _Points:
        lats = lat.tolist()
        phi = [math.radians(x) for x in lats]
        return cls(hours.tolist(), lats, lon.tolist(), phi, [math.cos(p) for p in phi])


def _best_match(
    i: int, points: _Points, segments: list[_Open], params: SegmentParams
) -> tuple[_Open, int] | None:
    """The open segment point `i` joins and how many of its last points it skips, if any.

    A point is reachable from an earlier point when the distance is at most `max_speed_knots` ×
    hours + `noise_distance_nm`; the cost of a candidate is distance + `penalty_knots` × hours,
    multiplied by `lookback_factor` per skipped point. The cheapest candidate wins. Distances are
    `_distance_nm_scalar`'s, operation for operation (the same floats to the last bit).
    """
    hours, lon, phi, cos_phi = points.hours, points.lon, points.phi, points.cos_phi
    hours_i, lon_i, phi_i, cos_i = hours[i], lon[i], phi[i], cos_phi[i]
    max_gap, max_speed = params.max_gap_hours, params.max_speed_knots
    noise, penalty, factor = params.noise_distance_nm, params.penalty_knots, params.lookback_factor
    best: tuple[float, _Open, int] | None = None
    for segment in segments:
        for skipped, j in enumerate(reversed(segment.recent)):
            dt = hours_i - hours[j]
            if dt > max_gap:
                break
            dlat, dlon = phi_i - phi[j], math.radians(lon_i - lon[j])
            a = math.sin(dlat / 2) ** 2 + cos_phi[j] * cos_i * math.sin(dlon / 2) ** 2
            dist = 2 * EARTH_RADIUS_NM * math.asin(math.sqrt(min(1.0, max(0.0, a))))
            if dist <= max_speed * dt + noise:
                cost = (dist + penalty * dt) * factor**skipped
                if best is None or cost < best[0]:
                    best = (cost, segment, skipped)
                break
    return None if best is None else (best[1], best[2])


def _assign(
    hours: FloatArray,
    lat: FloatArray,
    lon: FloatArray,
    params: SegmentParams,
    plain: BoolArray | None = None,
    *,
    reference: bool = False,
) -> IntArray:
    """Segment numbers (0-based, in order of first point) for one MMSI's time-ordered points.

    The matching (`_match_points`) runs compiled (`_segment_kernel`) when the kernel is built and
    the parameters are ordinary (`_compiled_fits`), otherwise, or with `reference`, in Python:
    both give the same numbers (the tests compare them). Points detached by the look back get a
    segment each.
    """
    plain = _plain_steps(hours, lat, lon, params) if plain is None else plain
    number = np.full(len(hours), -1, np.int64)
    count = -1
    if not reference and _KERNEL is not None and _compiled_fits(params):
        # -1 where the Python loop would raise: it then runs, and raises
        count = _KERNEL.match(
            np.ascontiguousarray(hours, np.float64),
            np.ascontiguousarray(lat, np.float64),
            np.ascontiguousarray(lon, np.float64),
            np.ascontiguousarray(plain, np.bool_),
            number,
            params.max_gap_hours,
            params.max_speed_knots,
            params.noise_distance_nm,
            params.penalty_knots,
            params.lookback_factor,
            EARTH_RADIUS_NM,
            params.lookback,
            params.max_open_segments,
        )
    if count < 0:
        number[:] = -1
        count = _match_points(hours, lat, lon, params, plain, number)
    detached = np.flatnonzero(number < 0)
    number[detached] = count + np.arange(len(detached))
    return _renumber(number)


def _compiled_fits(params: SegmentParams) -> bool:
    """Whether the kernel takes `params` and decides with them as Python does: thresholds that
    are floats (Python computes on other numbers otherwise), counts a C integer holds, a look
    back of at least one point, and a cost factor whose powers up to the look back are normal
    floats (Python raises where they overflow)."""
    thresholds = (
        params.max_gap_hours,
        params.max_speed_knots,
        params.noise_distance_nm,
        params.penalty_knots,
        params.lookback_factor,
    )
    if any(type(value) is not float for value in thresholds):
        return False
    if not 1 <= params.lookback < sys.maxsize or not abs(params.max_open_segments) < sys.maxsize:
        return False
    factor = params.lookback_factor
    if not 0.0 < factor < math.inf:
        return False
    try:
        extreme = factor ** (params.lookback - 1)
    except OverflowError:
        return False
    return sys.float_info.min <= extreme < math.inf


def _match_points(
    hours: FloatArray,
    lat: FloatArray,
    lon: FloatArray,
    params: SegmentParams,
    plain: BoolArray,
    number: IntArray,
) -> int:
    """Each point's segment in `number` (filled with -1: detached points stay -1), and the
    number of segments opened: the reference matching, in Python, point by point.

    Points without a position join the most recently fed open segment, since they carry nothing
    to test. `plain[i]` (see `_plain_steps`) lets a stretch of plain steps join the only open
    segment at once, as the matching below would decide point by point: with one open segment fed
    by the previous point, the first look-back candidate is reachable and the match stops there.
    """
    n = len(hours)
    stops = np.flatnonzero(~plain)
    points = _Points.of(hours, lat, lon)
    times, lats, lons, plains = points.hours, points.lat, points.lon, plain.tolist()
    opened: list[_Open] = []
    count = 0
    i = 0
    while i < n:
        opened = [s for s in opened if times[i] - s.last_hours <= params.max_gap_hours]
        if len(opened) == 1 and plains[i] and opened[0].recent and opened[0].recent[-1] == i - 1:
            i = _extend(opened[0], i, stops, hours, number, params.lookback)
            continue
        if math.isnan(lats[i]) or math.isnan(lons[i]):
            match = (max(opened, key=lambda s: s.last_hours), 0) if opened else None
        else:
            match = _best_match(i, points, opened, params)
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
        segment.last_hours = times[i]
        if not math.isnan(lats[i]) and not math.isnan(lons[i]):
            segment.recent = [*segment.recent, i][-params.lookback :]
        i += 1
    return count


def _extend(
    segment: _Open, i: int, stops: IntArray, hours: FloatArray, number: IntArray, lookback: int
) -> int:
    """Join points `i`, `i + 1`... up to the next point whose step is not plain (`stops`, sorted)
    to `segment`, as `_assign` would one by one; the index after the last point joined."""
    k = int(np.searchsorted(stops, i))
    end = int(stops[k]) if k < len(stops) else len(hours)
    number[i:end] = segment.number
    segment.last_hours = hours[end - 1]
    segment.recent = [*segment.recent, *range(max(i, end - lookback), end)][-lookback:]
    return end


def _plain_steps(
    hours: FloatArray, lat: FloatArray, lon: FloatArray, params: SegmentParams
) -> BoolArray:
    """Per point, whether the step from the previous point is plain: both positioned, within
    `max_gap_hours`, and reachable at `max_speed_knots` with a margin (`_MARGIN_NM`) that keeps
    rounding differences between NumPy's and `math`'s trigonometry from deciding a match. The
    first point has no step (False). Works on several MMSIs at once (the caller masks the steps
    across MMSIs), in blocks of `_BLOCK` steps so that the temporary arrays stay small and are
    reused rather than mapped afresh for tens of millions of points."""
    plain = np.zeros(len(hours), np.bool_)
    for lo in range(1, len(hours), _BLOCK):
        hi = min(len(hours), lo + _BLOCK)
        plain[lo:hi] = _plain_block(hours[lo - 1 : hi], lat[lo - 1 : hi], lon[lo - 1 : hi], params)
    return plain


def _plain_block(
    hours: FloatArray, lat: FloatArray, lon: FloatArray, params: SegmentParams
) -> BoolArray:
    """`_plain_steps` of the steps between consecutive points of a block (one fewer than points).

    The great-circle distance is at most the length of the path along the first point's parallel
    then along the meridian, R (|Δφ| + cos φ₁ |Δλ|): most steps are settled by that bound, and
    only the others by the haversine."""
    dt = np.diff(hours)
    reach = params.max_speed_knots * dt + (params.noise_distance_nm - _MARGIN_NM)
    phi = np.radians(lat)
    dlon = np.abs(np.radians((lon[1:] - lon[:-1] + 180.0) % 360.0 - 180.0))
    with np.errstate(invalid="ignore"):
        bound = EARTH_RADIUS_NM * (np.abs(np.diff(phi)) + np.cos(phi[:-1]) * dlon)
        within = dt <= params.max_gap_hours
        plain: BoolArray = np.asarray(within & (bound <= reach), np.bool_)
        unsure = np.flatnonzero(within & ~plain & ~np.isnan(bound))
    if len(unsure):
        j, k = unsure, unsure + 1
        plain[unsure] = distance_nm(lat[j], lon[j], lat[k], lon[k]) <= reach[unsure]
    return plain


def _renumber(number: IntArray) -> IntArray:
    """Segment numbers renamed 0, 1, 2... in the order of each segment's first point."""
    _, first = np.unique(number, return_index=True)
    order = np.argsort(first)
    rename = np.empty(len(order), np.int64)
    rename[order] = np.arange(len(order))
    _, inverse = np.unique(number, return_inverse=True)
    return rename[inverse]


def _noise(number: IntArray, hours: FloatArray, params: SegmentParams) -> BoolArray:
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
    """`positions` sorted by (mmsi, timestamp, lat, lon) with `segment_id` ("<mmsi>-<n>", n from
    1 in order of first point), `segment_code` (Int32, the segment's number in the frame, growing
    with mmsi then n: an integer key for detectors, valid within this frame only) and `noise`
    (Boolean) added.

    Ties in time are broken by position so that the same rows in any order give the same result.
    Needs `mmsi`, `timestamp`, `lat`, `lon`; positions may be null (see `_assign`).

    Speed: an MMSI whose every step is plain (`_plain_steps`) is one segment without noise, which
    is what the matching decides for it, and is settled without the per-point loop; in real and
    simulated archives that is nearly every MMSI. The others go through `_assign`, compiled.
    Positions read from the store are nearly in order, and are then not sorted again (see
    `_in_order`).
    """
    ordered, (mmsi, micros, lat, lon) = _in_order(positions)
    hours = np.subtract(micros, micros[0] if len(micros) else 0, dtype=np.float64)
    hours /= MICROSECONDS_PER_HOUR  # exact as the µs differences are below 2**53
    number = np.zeros(len(mmsi), np.int64)
    noise = np.zeros(len(mmsi), np.bool_)
    starts = np.flatnonzero(np.diff(mmsi)) + 1
    plain = _plain_steps(hours, lat, lon, params)
    plain[starts] = False
    bounds = [0, *starts.tolist(), len(mmsi)]
    for lo, hi in _needing_the_loop(bounds, plain, lat, lon):
        number[lo:hi] = _assign(hours[lo:hi], lat[lo:hi], lon[lo:hi], params, plain[lo:hi])
        noise[lo:hi] = _noise(number[lo:hi], hours[lo:hi], params)
    labels, code = _segment_ids(ordered["mmsi"], np.asarray(bounds, np.int64), number)
    return ordered.with_columns(
        labels,
        pl.Series(SEGMENT_CODE, code, dtype=pl.Int32),
        pl.Series("noise", noise, dtype=pl.Boolean),
    )


def in_vessel_order(
    mmsi: npt.NDArray[Any],
    micros: IntArray,
    lat: FloatArray,
    lon: FloatArray,
    *,
    block_rows: int = _ORDER_BLOCK,
) -> bool:
    """Whether rows are sorted by (mmsi, time, lat, lon), with no NaN position: the order of
    `segment`'s output, which later steps can then use without sorting again. A few passes over
    the arrays, block by block (`block_rows` rows, each block with the first row of the next):
    a block's temporaries stay in the processor's cache, where those of ten million rows would
    go to memory and back at every pass."""
    for start in range(0, len(mmsi), block_rows):
        block = slice(start, start + block_rows + 1)
        if not _block_in_vessel_order(mmsi[block], micros[block], lat[block], lon[block]):
            return False
    return True


def _block_in_vessel_order(
    mmsi: npt.NDArray[Any], micros: IntArray, lat: FloatArray, lon: FloatArray
) -> bool:
    """`in_vessel_order` of one block. Only rows tied on (mmsi, time), which are rare, are
    compared on position."""
    if np.isnan(lat).any() or np.isnan(lon).any():
        return False
    if len(mmsi) < 2:
        return True
    vessel = np.diff(mmsi.astype(np.int64))
    if (vessel < 0).any():
        return False
    time = np.diff(micros)
    same = vessel == 0
    if (time[same] < 0).any():
        return False
    tie = np.flatnonzero(same & (time == 0))
    if not len(tie):
        return True
    north = lat[tie + 1] - lat[tie]
    return bool(((north > 0) | ((north == 0) & (lon[tie + 1] >= lon[tie]))).all())


def _arrays(frame: pl.DataFrame) -> Arrays:
    """mmsi, timestamp (µs), lat and lon of `frame` as arrays (missing positions as NaN)."""
    return (
        frame["mmsi"].to_numpy(),
        np.asarray(frame["timestamp"].dt.epoch("us").to_numpy(), np.int64),
        frame["lat"].cast(pl.Float64).fill_null(np.nan).to_numpy(),
        frame["lon"].cast(pl.Float64).fill_null(np.nan).to_numpy(),
    )


def _in_order(frame: pl.DataFrame) -> tuple[pl.DataFrame, Arrays]:
    """`frame` sorted as `segment` needs it (by mmsi, time, lat, lon), and its `_arrays`.

    Positions read from the store come sorted by mmsi and time, with a few reports at the same
    time in arbitrary order: then only those are put in order (a stable sort of the tied rows)
    instead of sorting millions of rows on four keys. Anything else is sorted in full.
    """
    arrays = _arrays(frame)
    mmsi, micros, lat, lon = arrays
    if frame.height < 2:
        return frame, arrays
    same = mmsi[1:] == mmsi[:-1]
    later = micros[1:] - micros[:-1]
    keyed = not (frame["mmsi"].null_count() or frame["timestamp"].null_count())
    if not keyed or np.any(mmsi[1:] < mmsi[:-1]) or np.any(same & (later < 0)):
        ordered = frame.sort(["mmsi", "timestamp", "lat", "lon"], nulls_last=True)
        return ordered, _arrays(ordered)
    tied = np.zeros(len(mmsi), np.bool_)  # row i is tied with row i + 1
    tied[:-1] = same & (later == 0)
    in_tie = tied.copy()
    in_tie[1:] |= tied[:-1]
    rows = np.flatnonzero(in_tie)
    if np.isnan(lat[rows]).any() or np.isnan(lon[rows]).any():
        ordered = frame.sort(["mmsi", "timestamp", "lat", "lon"], nulls_last=True)
        return ordered, _arrays(ordered)
    opens = np.ones(len(rows), np.bool_)  # a new group where the row before is not tied
    opens[rows > 0] = ~tied[rows[rows > 0] - 1]
    group = np.cumsum(opens)
    moved = rows[np.lexsort((lon[rows], lat[rows], group))]
    if np.array_equal(moved, rows):
        return frame, arrays
    # tied rows share mmsi and time: only the positions move
    lat, lon = lat.copy(), lon.copy()
    lat[rows], lon[rows] = arrays[2][moved], arrays[3][moved]
    return _gathered(frame, rows, moved), (mmsi, micros, lat, lon)


def _gathered(frame: pl.DataFrame, rows: IntArray, moved: IntArray) -> pl.DataFrame:
    """`frame` with row `moved[k]` in place of row `rows[k]` (few rows): slices, not a copy."""
    parts, done = [], 0
    for row, source in zip(rows.tolist(), moved.tolist(), strict=True):
        parts.append(frame.slice(done, row - done))
        parts.append(frame.slice(source, 1))
        done = row + 1
    parts.append(frame.slice(done))
    return pl.concat(parts, rechunk=False)


def _segment_ids(mmsi: pl.Series, bounds: IntArray, number: IntArray) -> tuple[pl.Series, IntArray]:
    """ "<mmsi>-<number + 1>" per row, for rows grouped by MMSI between `bounds`, and the code of
    each row's segment (its rank among the frame's segments): each distinct text is formatted
    once and gathered (a short text is stored inline, so gathering is cheap)."""
    name = "segment_id"
    if not len(number):
        return pl.Series(name, [], pl.String), np.zeros(0, np.int64)
    lo = bounds[:-1]
    counts = np.maximum.reduceat(number, lo) + 1
    base = np.cumsum(counts) - counts
    owner = np.repeat(np.arange(len(lo)), counts)
    labels = pl.select(
        pl.concat_str(
            pl.Series(mmsi.gather(lo[owner])).cast(pl.String),
            pl.lit("-"),
            pl.Series(np.arange(len(owner)) - base[owner] + 1).cast(pl.String),
        )
    ).to_series()
    code = np.repeat(base, np.diff(bounds))
    code += number
    return labels.gather(code).alias(name), code


def _needing_the_loop(
    bounds: list[int], plain: BoolArray, lat: FloatArray, lon: FloatArray
) -> list[tuple[int, int]]:
    """(start, end) of the MMSIs (consecutive `bounds`) with a step that is not plain after their
    first point, or whose first point has no position: the others are one segment, no noise."""
    if not len(plain):
        return []
    edges = np.asarray(bounds, np.int64)
    lo, hi = edges[:-1], edges[1:]
    steps_plain = np.add.reduceat(plain.astype(np.int64), lo) if len(lo) else lo
    first_located = ~(np.isnan(lat[lo]) | np.isnan(lon[lo])) if len(lo) else lo.astype(bool)
    simple = (steps_plain == hi - lo - 1) & first_located
    return [(int(a), int(b)) for a, b in zip(lo[~simple], hi[~simple], strict=True)]
