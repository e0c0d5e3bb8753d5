"""Port visits: a vessel enters the waters of a port, stops or falls silent there, and leaves.

The method is GlobalFishingWatch/pipe-anchorages' (`anchorage_cfg.yaml`,
`transforms/create_in_out_events.py`, `create_port_visits.py`). A vessel is in port from the
first position within `entry_km` of an anchorage point until the first position more than
`exit_km` from every anchorage point (the hysteresis keeps a ship swinging at anchor near the
limit from entering and leaving). While in port it is stopped from a speed below
`stop_begin_knots` until one above `stop_end_knots`, and a silence longer than `min_gap_hours` is a
port gap. The visit's confidence is GFW's 1-4: 1 an entry or exit only, 2 a stop or gap only,
3 an entry or an exit and a stop or gap, 4 entry, exit and a stop or gap. GFW's products keep
visits of confidence 2 and above, and so does `min_confidence` by default: a ship that only
passes by an anchorage at speed makes no visit.

Visits are per MMSI (GFW: per vessel), so a silence in port of days stays inside one visit; two
stays at differently named ports separated by a silence are two visits. A visit still open at the
end of the data ends at its last position (evidence `open: true`); its id depends on the vessel
and its start only, so the same event is revised as data arrives.

Speed: the reported SOG, else the implied speed from the previous position. Scale: anchorage
distances are only computed for positions whose 0.02-degree cell is near an anchorage point (one
bit per cell of the globe), once per distinct rounded position and against the few candidate
points of its small cell (`AnchorageIndex.nearest_clustered`), and the per-track states only over
the positions within `exit_km` and their neighbours (few, even in dense data). Input already in
track order is not sorted again.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import polars as pl

from balise.geo.ports import AnchorageIndex
from balise.geo.sphere import EARTH_RADIUS_KM, KM_PER_NM
from balise.maritime.kernel import (
    build_events,
    haversine_km_expr,
    hours_between,
    iso,
    params_json,
    rounded,
)
from balise.maritime.segment import in_vessel_order
from balise.model.arrays import FloatArray, IntArray, ObjectArray, UInt8Array
from balise.model.events import empty_events, to_json

LocodeLookup = Callable[[FloatArray, FloatArray], ObjectArray]
"""(lat, lon) in degrees -> UN/LOCODE of the port there (None where none), element-wise; e.g.
`balise.geo.gazetteer.nearest_locode` with a 15 km limit."""

_CELL_DEG: Final = 0.02
"""Cell of the coarse "near an anchorage" filter, degrees (about 2 km, a half of `exit_km`):
small enough that most positions it lets through are within `exit_km`, large enough that the
cells near GFW's anchorages number a few hundred thousand."""
_CELLS_PER_DEG: Final = round(1 / _CELL_DEG)
_NEAR_BLOCK: Final = 1 << 16
"""Positions looked up in the marked cells at a time."""
_CELL_ROWS: Final = round(180 / _CELL_DEG)
_CELL_COLUMNS: Final = 2 * _CELL_ROWS
_ROUND_DEG: Final = 1e-4
"""Positions are matched to anchorages to this precision (about 11 m)."""
_SEARCH_CELL_DEG: Final = 0.01
"""Cell of the exact nearest-anchorage search: anchorage points are dense in ports, so small
cells keep the (position, point) pairs compared few."""
_KM_PER_DEG: Final = math.radians(1.0) * EARTH_RADIUS_KM
MAX_PORT_LAT: Final = 85.0
"""No port lies nearer the poles (the northernmost, in Svalbard, are below 79 degrees); GFW's list
has a stray point at the North Pole, and near the poles a cell search degenerates."""
_KEPT_INDEXES: Final = 4
"""Anchorage sets whose search structures `_anchorage_geometry` keeps between calls."""
VISIT_SCORE: Final = 0.0
"""An ordinary port visit adds no risk by itself: the risk layer weighs the port (high-risk lists)
and what the vessel did before and after."""


@dataclass(frozen=True)
class PortVisitParams:
    """Thresholds of the port-visit detector; defaults are GFW's (pipe-anchorages)."""

    entry_km: float = 3.0
    """In port from within this distance of an anchorage point: `anchorage_entry_distance_km`."""
    exit_km: float = 4.0
    """Out of port beyond this distance of every anchorage point: `anchorage_exit_distance_km`."""
    stop_begin_knots: float = 0.2
    """A stop begins below this speed: `stopped_begin_speed_knots`."""
    stop_end_knots: float = 0.5
    """A stop ends above this speed: `stopped_end_speed_knots`."""
    min_gap_hours: float = 4.0
    """A silence in port longer than this is a port gap (h): `minimum_port_gap_duration_minutes`
    240."""
    min_confidence: int = 2
    """Visits below this GFW confidence (1-4) are not reported: GFW's products use >= 2."""
    locode_km: float = 15.0
    """The visit's UN/LOCODE is the nearest gazetteer port within this distance (Balise's choice:
    gazetteer positions are a town's or terminal's, a few km from the anchorages)."""


def _near_cells(anchorages: pl.DataFrame, exit_km: float) -> IntArray:
    """Ids (`_cell_ids`, some repeated) of the `_CELL_DEG` cells holding any position whose
    rounding to `_ROUND_DEG` lies within `exit_km` of a point, and a few more: each point's cell
    with the cells around it as far as that distance reaches (1 % wider, so that no rounding of
    a cell edge can leave one out)."""
    lat = anchorages["lat"].to_numpy().astype(np.float64)
    rows, cols = np.divmod(np.unique(_cell_ids(lat, anchorages["lon"].to_numpy())), _CELL_COLUMNS)
    # the poleward edge of the cell bounds the longitude span of its points' reach
    poleward = np.maximum(np.abs(rows * _CELL_DEG - 90.0), np.abs((rows + 1) * _CELL_DEG - 90.0))
    lat_span_deg = 1.01 * (exit_km / _KM_PER_DEG + _ROUND_DEG)
    # a cap of angular radius d around latitude phi spans asin(sin d / cos phi) of longitude
    ratio = math.sin(exit_km / EARTH_RADIUS_KM) / _cos(poleward)
    lon_reach = np.where(ratio < 1.0, np.degrees(np.arcsin(np.minimum(ratio, 1.0))), 180.0)
    lon_span_deg = 1.01 * (lon_reach + _ROUND_DEG)
    lat_ring = math.ceil(lat_span_deg / _CELL_DEG)
    lon_ring = np.minimum(np.ceil(lon_span_deg / _CELL_DEG), _CELL_COLUMNS // 2).astype(np.int64)
    spans = (2 * lon_ring + 1) * (2 * lat_ring + 1)
    cell = np.repeat(np.arange(rows.size), spans)
    within = np.arange(cell.size) - np.repeat(np.cumsum(spans) - spans, spans)
    width = 2 * lon_ring[cell] + 1
    near_rows = rows[cell] + within // width - lat_ring
    near_cols = (cols[cell] + within % width - lon_ring[cell]) % _CELL_COLUMNS
    inside = (near_rows >= 0) & (near_rows < _CELL_ROWS)
    return np.asarray(near_rows[inside] * _CELL_COLUMNS + near_cols[inside], np.int64)


def _cos(lat_deg: FloatArray) -> FloatArray:
    """Cosine of latitudes in degrees, kept above that of 89.9 degrees (no port lies so near a
    pole: `MAX_PORT_LAT`)."""
    return np.asarray(np.cos(np.radians(np.minimum(lat_deg, 89.9))), np.float64)


def _cell_ids(lat: FloatArray, lon: FloatArray) -> IntArray:
    """The `_CELL_DEG` cell of each position, numbered row by row from the south-west, longitude
    wrapped; a position off the globe (NaN, infinite) falls in cell 0, at the South Pole, which no
    port's reach marks. Computed in place, and the slow steps (a float modulo, NaN replacement)
    only when needed: on millions of positions they would cost more than the rest."""
    rows = lat + 90.0
    rows *= _CELLS_PER_DEG
    np.floor(rows, out=rows)
    np.clip(rows, 0, _CELL_ROWS - 1, out=rows)
    cols = _wrapped(lon + 180.0)
    cols *= _CELLS_PER_DEG
    np.floor(cols, out=cols)
    # a longitude a hair west of 180 degrees wraps to 360.0 itself
    np.minimum(cols, _CELL_COLUMNS - 1, out=cols)
    rows *= _CELL_COLUMNS
    rows += cols
    if not np.isfinite(rows).all():
        np.nan_to_num(rows, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
    return rows.astype(np.int64)


def _near_bitmap(cells: IntArray) -> UInt8Array:
    """One bit per `_CELL_DEG` cell of the globe (20 MB), set for `cells`: a position's cell is
    looked up in two array reads, whatever the number of cells marked."""
    bitmap = np.zeros(_CELL_ROWS * _CELL_COLUMNS // 8 + 1, np.uint8)
    np.bitwise_or.at(bitmap, cells >> 3, np.left_shift(1, cells & 7).astype(np.uint8))
    return bitmap


class _Geometry:
    """What the search needs of one set of anchorage points and `exit_km`: the marked coarse
    cells (`_near_cells`) and the nearest-point index."""

    def __init__(self, anchorages: pl.DataFrame, exit_km: float) -> None:
        self.near_cells = _near_bitmap(_near_cells(anchorages, exit_km))
        self.index = AnchorageIndex(anchorages, cell_deg=_SEARCH_CELL_DEG, search_km=exit_km)

    def near_rows(self, lat: FloatArray, lon: FloatArray) -> IntArray:
        """The rows of the positions in a marked cell (`_near_cells`) and not beyond
        `MAX_PORT_LAT` (and a degree): the others are farther than `exit_km` from every point.
        Block by block (`_NEAR_BLOCK` rows), so that the steps' arrays stay in cache."""
        found = [
            start + self._marked(lat[start : start + _NEAR_BLOCK], lon[start : start + _NEAR_BLOCK])
            for start in range(0, lat.size, _NEAR_BLOCK)
        ]
        rows = np.concatenate(found) if found else np.zeros(0, np.int64)
        return rows[np.abs(lat[rows]) <= MAX_PORT_LAT + 1.0]

    def _marked(self, lat: FloatArray, lon: FloatArray) -> IntArray:
        """The rows of the positions in a marked cell."""
        cells = _cell_ids(lat, lon)
        marked = self.near_cells[cells >> 3]
        cells &= 7
        marked >>= cells.astype(np.uint8)
        return np.flatnonzero(marked & 1)


_geometries: OrderedDict[tuple[bytes, float], _Geometry] = OrderedDict()
_geometries_lock = threading.Lock()


def _anchorage_geometry(anchorages: pl.DataFrame, exit_km: float) -> _Geometry:
    """The `_Geometry` of `anchorages` and `exit_km`, built once and kept for the next calls
    (`_KEPT_INDEXES` sets at most): every run, full or incremental, searches the same tens of
    thousands of points, and building their index costs a detection on a few vessels more than
    the search itself. Keyed by the points' coordinates (a digest), so that another set of points
    never reuses it."""
    digest = hashlib.blake2b(digest_size=16)
    for column in ("lat", "lon"):
        digest.update(np.ascontiguousarray(anchorages[column].to_numpy(), np.float64).tobytes())
    key = (digest.digest(), float(exit_km))
    with _geometries_lock:
        found = _geometries.get(key)
        if found is not None:
            _geometries.move_to_end(key)
            return found
    built = _Geometry(anchorages, exit_km)
    with _geometries_lock:
        _geometries[key] = built
        while len(_geometries) > _KEPT_INDEXES:
            _geometries.popitem(last=False)
    return built


def _nearest(geometry: _Geometry, lat: FloatArray, lon: FloatArray) -> tuple[IntArray, FloatArray]:
    """Nearest anchorage point (row, km) of each position, searched once per distinct position
    rounded to `_ROUND_DEG` (a moored ship repeats its position for days), from the rounded
    position itself: the answer for a vessel does not depend on which other vessels are
    examined with it (a full run, an incremental one, a group of vessels on Spark)."""
    if not lat.size:
        return np.zeros(0, np.int64), np.zeros(0)
    lat_i = np.round(lat / _ROUND_DEG).astype(np.int64)
    lon_i = np.round((_wrapped(lon + 180.0) - 180.0) / _ROUND_DEG).astype(np.int64)
    key = lat_i * 4_000_000 + lon_i
    # consecutive positions of a track repeat: only the first of each run is looked up
    changed = np.r_[True, key[1:] != key[:-1]]
    run, heads = np.cumsum(changed) - 1, np.flatnonzero(changed)
    _, first, inverse = np.unique(key[heads], return_index=True, return_inverse=True)
    at = heads[first]
    found, km = geometry.index.nearest_clustered(lat_i[at] * _ROUND_DEG, lon_i[at] * _ROUND_DEG)
    of_row = inverse[run]
    return found[of_row], km[of_row]


def _wrapped(degrees: FloatArray) -> FloatArray:
    """`degrees` modulo 360 (in [0, 360)), the costly modulo skipped when all already are."""
    if degrees.size and degrees.min() >= 0.0 and degrees.max() < 360.0:
        return degrees
    with np.errstate(invalid="ignore"):  # NaN stays NaN
        return np.asarray(degrees % 360.0, np.float64)


def _anchorage_distance(
    tracks: pl.DataFrame, anchorages: pl.DataFrame, exit_km: float
) -> pl.DataFrame:
    """`tracks` cut to the positions within `exit_km` of an anchorage point and their neighbours
    in the track, with `anchorage_km` (inf when farther than `exit_km`) and `anchorage` (row of
    the nearest point, -1 when none).

    A position farther away is out of port whatever came before, so the states of the positions
    kept are those of the whole track: each position in port has its neighbours (times, states)
    beside it, and the hysteresis restarts out of port after each position left out."""
    lat, lon = tracks["lat"].to_numpy(), tracks["lon"].to_numpy()
    geometry = _anchorage_geometry(anchorages, exit_km)  # looked up once: its key is a digest
    near = geometry.near_rows(lat, lon)
    found, km = _nearest(geometry, lat[near], lon[near])
    within = found >= 0
    kept = _with_neighbours(tracks["mmsi"].to_numpy(), near[within])
    at = np.searchsorted(kept, near[within])
    index = np.full(kept.size, -1, dtype=np.int64)
    distance = np.full(kept.size, np.inf)
    index[at], distance[at] = found[within], km[within]
    extra = pl.DataFrame({"anchorage": index, "anchorage_km": distance})
    return pl.concat([tracks[kept], extra], how="horizontal")


def _with_neighbours(mmsi: npt.NDArray[Any], rows: IntArray) -> IntArray:
    """The sorted `rows` with the rows just before and after each of the same vessel."""
    keep = np.zeros(mmsi.size, np.bool_)
    keep[rows] = True
    before = rows[rows > 0] - 1
    keep[before[mmsi[before] == mmsi[before + 1]]] = True
    after = rows[rows < mmsi.size - 1] + 1
    keep[after[mmsi[after] == mmsi[after - 1]]] = True
    return np.flatnonzero(keep)


def _same_track(offset: int) -> pl.Expr:
    """Whether the row `offset` rows away belongs to the same vessel (rows sorted by MMSI): plain
    shifts masked by this are much cheaper than window expressions over millions of rows."""
    return pl.col("mmsi").shift(offset).eq_missing(pl.col("mmsi"))


def _within(expr: pl.Expr, offset: int) -> pl.Expr:
    """`expr` of the row `offset` rows away when it is the same vessel's, else null."""
    return pl.when(_same_track(offset)).then(expr.shift(offset))


def _hysteresis(on: pl.Expr, off: pl.Expr, first: pl.Expr) -> pl.Expr:
    """A state set by `on`, cleared by `off`, kept in between; false at each `first` row."""
    mark = pl.when(on).then(True).when(off).then(False)
    return pl.when(first).then(mark.fill_null(False)).otherwise(mark).forward_fill()


def _states(rows: pl.DataFrame, params: PortVisitParams) -> pl.DataFrame:
    """Each position with `in_port` (entry/exit hysteresis), its neighbours' times and states, the
    hours to the next position and `speed_knots` (SOG, else implied)."""
    in_port = _hysteresis(
        pl.col("anchorage_km") <= params.entry_km,
        pl.col("anchorage_km") > params.exit_km,
        ~_same_track(1),
    )
    rows = rows.with_columns(
        in_port.alias("in_port"), _within(pl.col("timestamp"), 1).alias("prev_timestamp")
    )
    hours_prev = hours_between(pl.col("prev_timestamp"), pl.col("timestamp"))
    return rows.with_columns(
        _within(pl.col("in_port"), 1).fill_null(False).alias("prev_in_port"),
        _within(pl.col("in_port"), -1).alias("next_in_port"),
        hours_between(pl.col("timestamp"), _within(pl.col("timestamp"), -1)).alias("hours_next"),
        hours_prev.alias("hours_prev"),
        _speed_knots(hours_prev, implied=rows["sog_knots"].null_count() > 0),
    )


def _speed_knots(hours_prev: pl.Expr, *, implied: bool) -> pl.Expr:
    """The reported SOG, else (when `implied`: some is missing) the speed implied by the
    distance from the previous position."""
    if not implied:
        return pl.col("sog_knots").alias("speed_knots")
    prev_lat, prev_lon = (_within(pl.col(c), 1) for c in ("lat", "lon"))
    km = haversine_km_expr(prev_lat, prev_lon, pl.col("lat"), pl.col("lon"))
    return pl.coalesce(
        pl.col("sog_knots"), pl.when(hours_prev > 0).then(km / KM_PER_NM / hours_prev)
    ).alias("speed_knots")


def _visit_rows(rows: pl.DataFrame, labels: pl.Series, params: PortVisitParams) -> pl.DataFrame:
    """The in-port positions numbered by visit (`visit`), with the `stopped` state."""
    label = labels.gather(_point_rows(rows["anchorage"], labels.len()))
    rows = rows.with_columns(label.alias("label"))
    split = (pl.col("hours_prev") > params.min_gap_hours) & (
        pl.col("label").ne_missing(_within(pl.col("label"), 1))
    )
    new = pl.col("in_port") & (~pl.col("prev_in_port") | split)
    visits = rows.with_columns(new.alias("new"), split.alias("split"))
    visits = visits.with_columns(pl.col("new").cast(pl.Int64).cum_sum().alias("visit"))
    visits = visits.filter("in_port")
    stopped = _hysteresis(
        pl.col("speed_knots") < params.stop_begin_knots,
        pl.col("speed_knots") > params.stop_end_knots,
        pl.col("new"),
    )
    return visits.with_columns(stopped.alias("stopped"))


def _point_rows(anchorage: pl.Series, points: int) -> pl.Series:
    """The row of each position's nearest anchorage point (`anchorage`), null where there is
    none (-1), for `gather` from the columns of the `points` points: a mapping or a join of
    every point costs each call more than the rest of the visits' search on a few vessels."""
    at = pl.col("anchorage")
    rows = anchorage.to_frame("anchorage").select(pl.when(at.is_between(0, points - 1)).then(at))
    return rows.to_series()


def _visits(rows: pl.DataFrame, params: PortVisitParams) -> pl.DataFrame:
    """One row per visit: times, flags, GFW confidence and a representative position."""
    stopped_leg = pl.when(pl.col("stopped")).then(pl.col("hours_next")).otherwise(0.0)
    sin, cos = pl.col("lon").radians().sin(), pl.col("lon").radians().cos()
    visits = rows.group_by("mmsi", "visit").agg(
        pl.col("timestamp").min().alias("start"),
        pl.col("timestamp").max().alias("end"),
        (pl.col("prev_timestamp").first().is_not_null() & ~pl.col("split").first()).alias(
            "entry_seen"
        ),
        (~pl.col("next_in_port").last()).fill_null(False).alias("exit_seen"),
        pl.col("hours_next").last().is_null().alias("open"),
        pl.col("stopped").any().alias("stop"),
        stopped_leg.sum().alias("stopped_hours"),
        pl.col("hours_next").max().fill_null(0.0).alias("max_gap_hours"),
        pl.col("anchorage").sort_by("anchorage_km").first(),
        pl.col("anchorage_km").min(),
        pl.col("lat").filter("stopped").mean().alias("stop_lat"),
        sin.filter("stopped").sum().alias("stop_sin"),
        cos.filter("stopped").sum().alias("stop_cos"),
        pl.col("lat").mean().alias("all_lat"),
        sin.sum().alias("all_sin"),
        cos.sum().alias("all_cos"),
        pl.len().alias("positions"),
    )
    visits = visits.with_columns(
        pl.when("stop").then(pl.col("stop_lat")).otherwise(pl.col("all_lat")).alias("lat"),
        pl.when("stop")
        .then(pl.arctan2("stop_sin", "stop_cos"))
        .otherwise(pl.arctan2("all_sin", "all_cos"))
        .degrees()
        .alias("lon"),
    )
    gap = pl.col("max_gap_hours") > params.min_gap_hours
    ends = pl.col("entry_seen").cast(pl.Int8) + pl.col("exit_seen").cast(pl.Int8)
    level = (
        pl.when(~(pl.col("stop") | gap))
        .then(1)
        .when(ends == 0)
        .then(2)
        .when(ends == 1)
        .then(3)
        .otherwise(4)
    )
    return visits.with_columns(gap.alias("gap"), level.alias("gfw_confidence"))


def _evidence(row: dict[str, Any]) -> str:
    """What was observed of one visit, as JSON text."""
    return to_json(
        {
            "port": row["label"],
            "sublabel": row["sublabel"],
            "iso3": row["iso3"],
            "locode": row["locode"],
            "anchorage_km": rounded(row["anchorage_km"]),
            "arrival": iso(row["start"]),
            "departure": None if row["open"] else iso(row["end"]),
            "duration_h": rounded(row["duration_h"]),
            "stop": row["stop"],
            "stopped_hours": rounded(row["stopped_hours"]),
            "gap": row["gap"],
            "max_gap_hours": rounded(row["max_gap_hours"]),
            "entry_seen": row["entry_seen"],
            "exit_seen": row["exit_seen"],
            "open": row["open"],
            "positions": row["positions"],
            "gfw_confidence": row["gfw_confidence"],
        }
    )


def _named(
    visits: pl.DataFrame, anchorages: pl.DataFrame, locode: LocodeLookup | None
) -> pl.DataFrame:
    """`visits` with the port's label, sublabel and iso3 (of the nearest anchorage point) and
    UN/LOCODE (of the visit position, when a lookup is given)."""
    at = _point_rows(visits["anchorage"], anchorages.height)
    named = visits.with_columns(
        (
            anchorages[c].cast(pl.String).gather(at)
            if c in anchorages.columns
            else pl.Series([None] * visits.height, dtype=pl.String)
        ).alias(c)
        for c in ("label", "sublabel", "iso3")
    )
    codes = (
        locode(named["lat"].to_numpy(), named["lon"].to_numpy()).tolist()
        if locode is not None and not named.is_empty()
        else [None] * named.height
    )
    return named.with_columns(
        pl.Series("locode", codes, dtype=pl.String),
        hours_between(pl.col("start"), pl.col("end")).alias("duration_h"),
    )


def detect_port_visits(
    positions: pl.DataFrame,
    anchorages: pl.DataFrame,
    params: PortVisitParams | None = None,
    locode: LocodeLookup | None = None,
) -> pl.DataFrame:
    """`port_visit` events (`EVENT_SCHEMA`) of cleaned positions, one per visit of a vessel.

    `positions` has the `POSITION_SCHEMA` columns (noise removed); `anchorages` the anchorage
    points: `lat`, `lon` and optionally `label`, `sublabel`, `iso3` (e.g. `load_anchorages()` and
    `load_ports()` together). `locode` names the visit's port by UN/LOCODE (null without it).
    Event: start at the first position in port, end at the last; position the mean of the stopped
    positions (all in-port positions when it never stopped); confidence GFW's level / 4; score 0.
    """
    params = params or PortVisitParams()
    tracks = (
        positions.select("mmsi", "timestamp", "lat", "lon", "sog_knots")
        .drop_nulls(["mmsi", "timestamp", "lat", "lon"])
        .filter(pl.col("lat").is_between(-90.0, 90.0))
    )
    if not in_vessel_order(
        tracks["mmsi"].to_numpy(),
        tracks["timestamp"].to_physical().to_numpy(),
        tracks["lat"].cast(pl.Float64).to_numpy(),
        tracks["lon"].cast(pl.Float64).to_numpy(),
    ):
        tracks = tracks.sort("mmsi", "timestamp", "lat", "lon")
    anchorages = anchorages.filter(pl.col("lat").abs() <= MAX_PORT_LAT)
    if tracks.is_empty() or anchorages.is_empty():
        return empty_events()
    rows = _states(_anchorage_distance(tracks, anchorages, params.exit_km), params)
    labels = anchorages["label"].cast(pl.String) if "label" in anchorages.columns else None
    labels = (
        labels if labels is not None else pl.Series([None] * anchorages.height, dtype=pl.String)
    )
    visits = _visits(_visit_rows(rows, labels, params), params)
    visits = visits.filter(pl.col("gfw_confidence") >= params.min_confidence)
    found = _named(visits, anchorages, locode)
    evidence = [_evidence(row) for row in found.iter_rows(named=True)]
    rows = found.select(
        "start",
        "end",
        "lat",
        "lon",
        "mmsi",
        (pl.col("gfw_confidence") / 4.0).alias("confidence"),
        pl.lit(VISIT_SCORE).alias("score"),
        pl.lit(params_json(params)).alias("params"),
    )
    return build_events("port_visit", rows, ("mmsi", "start"), evidence=evidence)
