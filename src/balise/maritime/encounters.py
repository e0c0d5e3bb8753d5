"""Encounters: two vessels on AIS side by side at sea, long enough to pass cargo between them.

The method follows GlobalFishingWatch/pipe-encounters: each track is resampled onto a 10-minute
grid by linear interpolation, never across a silence of more than 1 h; at each grid time, vessels
are paired with the others in their spatial cell and its 8 neighbours (never all pairs); runs of
consecutive grid times with a pair within `max_distance_m` are encounters, dropped near an
anchorage, merged when the same pair meets again soon after, then filtered on duration and median
speed. Unlike GFW, tracks are not split per UTC day, so encounters straddling midnight are found
(GFW's documented blind spot), and cells wrap at the antimeridian.

Three presets (`PRESETS`) reproduce the published rules of GFW, Skylight and Starboard.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import polars as pl
from polars.dataframe.group_by import GroupBy

from balise.geo.sphere import EARTH_RADIUS_KM, KM_PER_NM
from balise.maritime.kernel import (
    TRACK,
    US_PER_HOUR,
    AnchorageDistance,
    build_events,
    haversine_km_expr,
    haversine_km_of_radians,
    iso,
    params_json,
    rounded,
    sorted_tracks,
)
from balise.model.arrays import BoolArray, FloatArray, IntArray
from balise.model.events import empty_events, to_json
from balise.model.schema import UTC_TIME

CELL_KM: Final = 2.0
"""Smallest width of a neighbour-search cell, about that of GFW's S2 level-12 cells."""
AHEAD_CELL_KM: Final = 1.0
"""Smallest width of the cells of the search over a whole grid (`_pairs_ahead`): any width of
twice the distance limit or more finds every pair, and smaller cells fewer pairs to measure in a
crowded anchorage; at 1 km a row has fewer than 2**16 columns (see `_cell_keys`)."""
KM_PER_DEGREE: Final = math.pi * EARTH_RADIUS_KM / 180
"""Length of one degree of latitude (and of longitude at the equator)."""
NEIGHBOURS: Final = (-1, 0, 1)
"""Offsets of the neighbouring rows and columns of cells searched around a point's own cell."""
Offsets = tuple[tuple[int, tuple[int, ...]], ...]
"""Cells around a point's own cell: (row offset, (column offsets in that row...))..."""
NEIGHBOURHOOD: Final[Offsets] = tuple((row, NEIGHBOURS) for row in NEIGHBOURS)
"""A point's own cell and the 8 around it."""
AHEAD: Final[Offsets] = ((0, (0, 1)), (1, NEIGHBOURS))
"""A point's own cell, the next east and the three north: with the same cells of the points in
the other neighbouring cells, every neighbouring cell (see `_pairs_ahead`)."""
_LATITUDE_MARGIN_M: Final = 1.0
"""Margin of the latitude test before distances are computed (`_near`), in metres."""
CONFIDENCE_ANCHORAGES_KNOWN: Final = 0.7
"""An encounter checked to be away from every port anchorage."""
CONFIDENCE_ANCHORAGES_UNKNOWN: Final = 0.5
"""An encounter that may be two ships waiting at the same anchorage."""


@dataclass(frozen=True)
class EncounterParams:
    """Thresholds of the encounter detector; defaults are GFW's (see `PRESETS`)."""

    max_distance_m: float = 500.0
    """Largest distance between the two vessels at every grid time of the encounter (m)."""
    min_duration_hours: float = 2.0
    """Shortest encounter kept, first to last grid time in range (h)."""
    duration_strict: bool = False
    """When true the duration must exceed `min_duration_hours` ("more than 30 min")."""
    max_median_speed_knots: float | None = 2.0
    """Both vessels' median implied speeds must be below this (kn); `None`: no speed filter."""
    min_anchorage_km: float = 10.0
    """Encounters whose mean position is closer than this to an anchorage are dropped (km)."""
    merge_gap_hours: float = 4.0
    """Encounters of the same pair less than this apart are merged into one (h); 0: never."""
    resample_minutes: float = 10.0
    """Grid step of the resampled tracks: pipe-encounters `RESAMPLE_INCREMENT_MINUTES`."""
    max_interpolation_gap_hours: float = 1.0
    """No interpolation between positions further apart than this: `MAX_GAP_HOURS` (h)."""


PRESETS: Final[dict[str, EncounterParams]] = {
    # GlobalFishingWatch/pipe-encounters and pipe-events encounter-events.sql.j2; GFW technical
    # docs files/encounters.md: 500 m, >= 2 h, median speed < 2 kn, >= 10 km from an anchorage,
    # same pair merged when < 4 h apart.
    "gfw": EncounterParams(),
    # Skylight "Standard Rendezvous" (skylight.helpjuice.com "Event icons"): within 250 m for more
    # than 30 min; no published speed, anchorage or merge rule.
    "skylight": EncounterParams(
        max_distance_m=250.0,
        min_duration_hours=0.5,
        duration_strict=True,
        max_median_speed_knots=None,
        min_anchorage_km=0.0,
        merge_gap_hours=0.0,
    ),
    # Starboard (help.starboard.nz "How are vessel encounters identified"): < 200 m for >= 30 min
    # (its other rule, < 50 m for >= 10 min, is a second run with other params); its 10 km
    # from-shore exclusion needs the distance to shore, not applied here.
    "starboard": EncounterParams(
        max_distance_m=200.0,
        min_duration_hours=0.5,
        max_median_speed_knots=None,
        min_anchorage_km=0.0,
        merge_gap_hours=0.0,
    ),
}
"""Published encounter rules by name."""


CODE: Final = "_code"
"""An integer number per track (dense, in track order): joins, sorts and groups on it are far
cheaper than on the track's text."""


def _legs(
    positions: pl.DataFrame, max_gap_us: int, step_us: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Pairs of consecutive positions of a track (times in µs since the epoch) no further apart
    than `max_gap_us` holding a multiple of `step_us`, with the implied speed over the leg (kn),
    and the tracks' names (`CODE`, `TRACK`).

    Only legs holding a grid time matter to the grid (a few percent of them at a 10-minute step
    and a report every few seconds), so they are picked on arrays before any column is computed,
    and the columns are gathered from arrays: the track's text is named once per track, not per
    leg (gathering text costs more than all the numbers).
    """
    tracks = sorted_tracks(positions)
    code = tracks[TRACK].rle_id().to_numpy()
    t = _epoch_us(tracks["timestamp"])
    dt = t[1:] - t[:-1]
    holds = (-(-t[:-1] // step_us)) * step_us <= t[1:]
    keep = np.flatnonzero((code[1:] == code[:-1]) & (dt > 0) & (dt <= max_gap_us) & holds)
    lat, lon = tracks["lat"].to_numpy(), tracks["lon"].to_numpy()
    legs = pl.DataFrame(
        {
            CODE: code[keep], "mmsi": tracks["mmsi"].to_numpy()[keep], "t": t[keep],
            "lat": lat[keep], "lon": lon[keep],
            "t1": t[keep + 1], "lat1": lat[keep + 1], "lon1": lon[keep + 1],
        },
        schema_overrides={CODE: pl.UInt32, "mmsi": tracks["mmsi"].dtype},
    )  # fmt: skip
    distance_nm = (
        haversine_km_expr(pl.col("lat"), pl.col("lon"), pl.col("lat1"), pl.col("lon1")) / KM_PER_NM
    )
    hours = (pl.col("t1") - pl.col("t")).cast(pl.Float64) / US_PER_HOUR
    firsts = np.flatnonzero(np.diff(code, prepend=code[:1] + 1)) if len(code) else code
    names = pl.DataFrame({CODE: code[firsts], TRACK: tracks[TRACK].gather(firsts)},
                         schema_overrides={CODE: pl.UInt32})  # fmt: skip
    return legs.with_columns((distance_nm / hours).alias("speed_knots")), names


def _epoch_us(timestamp: pl.Series) -> IntArray:
    """Microseconds since the epoch: the physical integers themselves when stored in µs."""
    if isinstance(timestamp.dtype, pl.Datetime) and timestamp.dtype.time_unit == "us":
        return np.asarray(timestamp.to_physical().to_numpy(), np.int64)
    return np.asarray(timestamp.dt.epoch("us").to_numpy(), np.int64)


def _wrap_lon(lon: FloatArray) -> FloatArray:
    """Longitudes brought into [-180, 180)."""
    return np.asarray((lon + 180.0) % 360.0 - 180.0, dtype=np.float64)


def resample(positions: pl.DataFrame, step_minutes: float, max_gap_hours: float) -> pl.DataFrame:
    """Tracks on a grid of `step_minutes` (`TRACK`, `CODE`, mmsi, µs times `t` multiple of the
    step, lat, lon, speed_knots).

    Grid times between two positions at most `max_gap_hours` apart are linearly interpolated;
    longitude is interpolated the short way round (across the antimeridian when shorter).
    """
    grid, names = _grid(positions, step_minutes, max_gap_hours)
    return grid.select(names[TRACK].gather(grid[CODE]), pl.all())


def _grid(
    positions: pl.DataFrame, step_minutes: float, max_gap_hours: float
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`resample` without the tracks' text, and the tracks' names (`CODE`, `TRACK`; the code is
    the row number of the name)."""
    step = int(step_minutes * 60_000_000)
    legs, names = _legs(positions, int(max_gap_hours * US_PER_HOUR), step)
    t0, t1 = legs["t"].to_numpy(), legs["t1"].to_numpy()
    first = -(-t0 // step)
    counts = np.clip(t1 // step - first + 1, 0, None)
    leg = np.repeat(np.arange(legs.height), counts)
    offset = np.arange(leg.size) - np.repeat(np.cumsum(counts) - counts, counts)
    t = (first[leg] + offset) * step
    # a grid time at a position ends one leg and starts the next: keep the first (rows are in
    # track and time order, so such twins are neighbours)
    code = legs[CODE].to_numpy()[leg]
    once = np.ones(leg.size, dtype=bool)
    once[1:] = (code[1:] != code[:-1]) | (t[1:] != t[:-1])
    leg, t = leg[once], t[once]
    fraction = (t - t0[leg]) / (t1 - t0)[leg]
    lat0, lon0 = legs["lat"].to_numpy()[leg], legs["lon"].to_numpy()[leg]
    dlat = legs["lat1"].to_numpy()[leg] - lat0
    dlon = _wrap_lon(legs["lon1"].to_numpy()[leg] - lon0)
    grid = pl.DataFrame(
        {
            CODE: code[once],
            "mmsi": legs["mmsi"].to_numpy()[leg],
            "t": t,
            "lat": lat0 + fraction * dlat,
            "lon": _wrap_lon(lon0 + fraction * dlon),
            "speed_knots": legs["speed_knots"].to_numpy()[leg],
        },
        schema_overrides={CODE: pl.UInt32, "mmsi": legs["mmsi"].dtype, "t": pl.Int64,
                          "lat": pl.Float64, "lon": pl.Float64},
    )  # fmt: skip
    return grid, names


def _cell_rows(lat: FloatArray, cell_deg: float) -> IntArray:
    """Row of latitude cells, `cell_deg` high, counted from the south pole."""
    return np.floor((lat + 90.0) / cell_deg).astype(np.int64)


def _columns_in_row(row: IntArray, cell_deg: float, cell_km: float) -> IntArray:
    """How many longitude cells row `row` has: as many as fit, each at least `cell_km` wide at
    the row's poleward edge, so that cells wrap exactly at the antimeridian."""
    south, north = row * cell_deg - 90.0, (row + 1) * cell_deg - 90.0
    poleward = np.minimum(np.maximum(np.abs(south), np.abs(north)), 90.0)
    fit = np.floor(360.0 * KM_PER_DEGREE * np.cos(np.radians(poleward)) / cell_km)
    return np.asarray(np.maximum(fit, 1), dtype=np.int64)


def _cell_column(lon: FloatArray, columns: IntArray) -> IntArray:
    """Column of the cell of longitude `lon` in a row of `columns` cells (0 at -180°)."""
    column = np.floor((lon + 180.0) * columns / 360.0).astype(np.int64)
    return np.asarray(column % columns, dtype=np.int64)


def _neighbour_cells(
    lat: FloatArray, lon: FloatArray, cell_deg: float, cell_km: float
) -> tuple[IntArray, IntArray, IntArray]:
    """`point` (row number in `lat`, `lon`), `row` and `col` of each point's neighbourhood: its
    own cell and the 8 around it (see `_cells_around`)."""
    return _cells_around(lat, lon, cell_deg, cell_km, NEIGHBOURHOOD)


def _cells_around(
    lat: FloatArray, lon: FloatArray, cell_deg: float, cell_km: float, offsets: Offsets
) -> tuple[IntArray, IntArray, IntArray]:
    """`point` (row number in `lat`, `lon`), `row` and `col` of the cells at `offsets` from each
    point's own cell.

    The columns are computed in each row (rows have different numbers of columns) and wrap at
    the antimeridian; a cell named twice for one point (in rows of one or two columns, near the
    poles) is kept once.
    """
    own_row = _cell_rows(lat, cell_deg)
    rows, cols, narrow = [], [], False
    for row_offset, column_offsets in offsets:
        row = own_row + row_offset
        columns = _columns_in_row(row, cell_deg, cell_km)
        narrow = narrow or bool((columns < len(NEIGHBOURS)).any())
        centre = _cell_column(lon, columns)
        for column_offset in column_offsets:
            rows.append(row)
            cols.append((centre + column_offset) % columns)
    keep = _first_naming(rows, cols) if narrow else [np.ones(len(lat), dtype=bool)] * len(rows)
    point = np.arange(len(lat), dtype=np.int64)
    return (
        np.concatenate([point[k] for k in keep]),
        np.concatenate([r[k] for r, k in zip(rows, keep, strict=True)]),
        np.concatenate([c[k] for c, k in zip(cols, keep, strict=True)]),
    )


def _first_naming(rows: list[IntArray], cols: list[IntArray]) -> list[BoolArray]:
    """Per cell list (`rows[k]`, `cols[k]`), which points it names a cell that no earlier list
    named for the same point."""
    keep = [np.ones(len(rows[0]), dtype=bool)]
    for k in range(1, len(rows)):
        seen = np.zeros(len(rows[0]), dtype=bool)
        for j in range(k):
            seen |= (rows[j] == rows[k]) & (cols[j] == cols[k])
        keep.append(~seen)
    return keep


def _cell_keys(t: IntArray, row: IntArray, col: IntArray) -> IntArray:
    """One integer per (grid time, cell row, cell column): rows and columns of cells at least
    `AHEAD_CELL_KM` wide are below 2**16 (the row one off the grid either side included)."""
    return np.asarray(((t - t.min(initial=0)) << 32) | ((row + 1) << 16) | col, np.int64)


def close_pairs(
    grid: pl.DataFrame, max_distance_m: float, owned: BoolArray | None = None
) -> pl.DataFrame:
    """Pairs of points of `grid` at the same time within `max_distance_m`, with mmsi < other
    (`CODE`, mmsi, t, lat, lon, speed_knots, the same of the other point, distance_m).

    Neighbour search by cells at least `CELL_KM` and twice the distance limit wide: see
    `_close_points`. With `owned`, only the pairs whose first point is owned (see
    `neighbour_tiles`: a grid cut into tiles finds each pair once, in its first point's tile).
    """
    return _pair_frame(grid, *_close_points(grid, max_distance_m, owned))


def _cell_size(max_distance_m: float, least_km: float = CELL_KM) -> tuple[float, float]:
    """Width (km) and height (degrees) of the neighbour-search cells for `max_distance_m`, at
    least `least_km` wide."""
    cell_km = max(least_km, 2 * max_distance_m / 1000)
    return cell_km, cell_km / KM_PER_DEGREE


def neighbour_tiles(
    grid: pl.DataFrame, max_distance_m: float, tile_cells: int, tile_us: int
) -> tuple[IntArray, IntArray, BoolArray]:
    """The tiles each point of `grid` (t, lat, lon) is needed in, to find close pairs tile by
    tile: `point` (row number), `tile` (an integer) and `owned` (the point's own tile).

    A tile is `tile_cells` × `tile_cells` neighbour-search cells over `tile_us` of time. A point
    belongs to the tile of its own cell (owned) and is copied, as a halo, into the tiles of the
    8 cells around it: `close_pairs` over a tile's points with `owned` then finds every pair
    whose first point the tile owns, exactly as over the whole grid, and each pair in one tile.
    """
    cell_km, cell_deg = _cell_size(max_distance_m)
    lat, lon, t = (grid[c].to_numpy() for c in ("lat", "lon", "t"))
    row = _cell_rows(lat, cell_deg)
    col = _cell_column(lon, _columns_in_row(row, cell_deg, cell_km))
    own = _tile_keys(t // tile_us, row, col, tile_cells)
    around, a_row, a_col = _neighbour_cells(lat, lon, cell_deg, cell_km)
    tile = _tile_keys(t[around] // tile_us, a_row, a_col, tile_cells)
    found = pl.DataFrame({"point": around, "tile": tile}).unique(maintain_order=True)
    point, tile = found["point"].to_numpy(), found["tile"].to_numpy()
    return point, tile, np.asarray(tile == own[point], dtype=np.bool_)


def _tile_keys(period: IntArray, row: IntArray, col: IntArray, tile_cells: int) -> IntArray:
    """One integer per (time period, tile row, tile column) of cells (`row`, `col`)."""
    tile_row, tile_col = (row + 1) // tile_cells, col // tile_cells
    return np.asarray((period << 32) | (tile_row << 16) | tile_col, np.int64)


def _close_points(
    grid: pl.DataFrame, max_distance_m: float, owned: BoolArray | None = None
) -> tuple[IntArray, IntArray, FloatArray]:
    """Row numbers in `grid` of the pairs of points at the same time within `max_distance_m`
    (`one`, `other`, with mmsi of one < mmsi of other, `one` among the `owned` when given) and
    their distance in metres.

    A point is joined to the points of its own cell and the 8 around it only; over a whole grid
    (no `owned`), in cells as small as `AHEAD_CELL_KM`, to those of the half of them ahead
    (`_pairs_ahead`). The join is on point numbers and one integer key, and the distance is
    computed on the gathered positions alone: frames are built only for the pairs kept.
    """
    lat, lon, t, mmsi = (grid[c].to_numpy() for c in ("lat", "lon", "t", "mmsi"))
    if owned is None:
        cell_km, cell_deg = _cell_size(max_distance_m, AHEAD_CELL_KM)
        row = _cell_rows(lat, cell_deg)
        columns = _columns_in_row(row, cell_deg, cell_km)
        ahead = _columns_in_row(row + 1, cell_deg, cell_km)
        if min(columns.min(initial=3), ahead.min(initial=3)) >= len(NEIGHBOURS):
            own = _cell_keys(t, row, _cell_column(lon, columns))
            one, other = _pairs_ahead(t, lat, lon, own, mmsi, cell_deg, cell_km)
            return _near(lat, lon, one, other, max_distance_m)
    cell_km, cell_deg = _cell_size(max_distance_m)
    row = _cell_rows(lat, cell_deg)
    own = _cell_keys(t, row, _cell_column(lon, _columns_in_row(row, cell_deg, cell_km)))
    around, a_row, a_col = _neighbour_cells(lat, lon, cell_deg, cell_km)
    mine = pl.DataFrame({"point": np.arange(len(lat)), "key": own})
    if owned is not None:
        mine = mine.filter(pl.Series(owned))
    one, other = _joined(mine, around, _cell_keys(t[around], a_row, a_col))
    ordered = np.flatnonzero(mmsi[one] < mmsi[other])
    return _near(lat, lon, one[ordered], other[ordered], max_distance_m)


def _joined(mine: pl.DataFrame, other: IntArray, key: IntArray) -> tuple[IntArray, IntArray]:
    """`point` of `mine` (point, key) and `other` with the same `key`, joined."""
    found = mine.join(pl.DataFrame({"other": other, "key": key}), on="key")
    return found["point"].to_numpy(), found["other"].to_numpy()


def _pairs_ahead(
    t: IntArray,
    lat: FloatArray,
    lon: FloatArray,
    own: IntArray,
    mmsi: npt.NDArray[Any],
    cell_deg: float,
    cell_km: float,
) -> tuple[IntArray, IntArray]:
    """The pairs of points (`one`, `other`, mmsi of one < mmsi of other) in the same cell or in
    neighbouring cells at the same time, each once: a point is joined to the points of its own
    cell, of the next cell east and of the three cells north (`AHEAD`), and a pair of
    neighbouring cells is thus found from the first point's side only, half the rows of the
    whole neighbourhood's join. Within one cell, each pair is found from both points' sides, and
    kept from the side of the smaller mmsi. Needs rows of 3 columns or more (else a cell east
    may be one west too)."""
    ahead, a_row, a_col = _cells_around(lat, lon, cell_deg, cell_km, AHEAD)
    mine = pl.DataFrame({"point": np.arange(len(lat)), "key": own})
    point, slot = _joined(mine, np.arange(len(ahead)), _cell_keys(t[ahead], a_row, a_col))
    holder = ahead[slot]
    apart = slot >= len(lat)  # the first `len(lat)` slots are the points' own cells
    first = mmsi[holder] < mmsi[point]
    kept = np.flatnonzero(first | (apart & (mmsi[holder] != mmsi[point])))
    point, holder, first = point[kept], holder[kept], first[kept]
    return np.where(first, holder, point), np.where(first, point, holder)


def _near(
    lat: FloatArray, lon: FloatArray, one: IntArray, other: IntArray, max_distance_m: float
) -> tuple[IntArray, IntArray, FloatArray]:
    """The pairs of points (`one`, `other`, row numbers in `lat`, `lon`) within `max_distance_m`,
    and their great-circle distance in metres: the expression of `haversine_km_expr`, so that
    distances are the same to the last bit wherever they are computed, with each point's
    latitude in radians and its cosine computed once, not once per pair.

    A pair further apart in latitude alone is dropped before the distance is computed: the
    great-circle distance is at least the radius times the latitude difference (in radians),
    with a margin of `_LATITUDE_MARGIN_M` far above any rounding."""
    points = pl.DataFrame({"lat": lat}).select(pl.col("lat").radians().alias("phi"))
    phi = points["phi"].to_numpy()
    cos_phi = points.select(pl.col("phi").cos())["phi"].to_numpy()
    phi_one, phi_other = phi[one], phi[other]
    reach = (max_distance_m + _LATITUDE_MARGIN_M) / (EARTH_RADIUS_KM * 1000)
    maybe = np.flatnonzero(np.abs(phi_one - phi_other) <= reach)
    one, other = one[maybe], other[maybe]
    pairs = pl.DataFrame(
        {"phi": phi_one[maybe], "cos": cos_phi[one], "lon": lon[one],
         "phi1": phi_other[maybe], "cos1": cos_phi[other], "lon1": lon[other]}
    )  # fmt: skip
    km = haversine_km_of_radians(
        *(pl.col(c) for c in ("phi", "cos", "lon", "phi1", "cos1", "lon1"))
    )
    distance_m = pairs.select(km * 1000).to_series().to_numpy()
    near = np.flatnonzero(distance_m <= max_distance_m)
    return one[near], other[near], distance_m[near]


def _pair_frame(
    grid: pl.DataFrame, one: IntArray, other: IntArray, distance_m: FloatArray
) -> pl.DataFrame:
    """The pairs of points `one`, `other` (row numbers in `grid`) as `close_pairs` gives them."""
    points = grid.select(CODE, "mmsi", "t", "lat", "lon", "speed_knots")
    second = points.select(CODE, "mmsi", "lat", "lon", "speed_knots")[other]
    return points[one].hstack(
        [*second.rename(lambda c: f"other_{c}"), pl.Series("distance_m", distance_m)]
    )


PAIR: Final = (CODE, f"other_{CODE}")
"""The columns identifying a pair of tracks."""


def _runs(pairs: pl.DataFrame, step_us: int) -> pl.DataFrame:
    """`pairs` sorted by pair and time with `run`: a number (over all pairs) that is the same
    over consecutive grid times of a pair."""
    one, other, t = (pairs[c].to_numpy() for c in (*PAIR, "t"))
    order, run = _run_order(one, other, t, step_us)
    return pairs[order].with_columns(pl.Series("run", run, dtype=pl.Int64))


def _run_order(
    one: npt.NDArray[Any], other: npt.NDArray[Any], t: IntArray, step_us: int
) -> tuple[IntArray, IntArray]:
    """The order that sorts pairs of tracks (`one`, `other`) by pair and time `t`, and the `run`
    of each pair in that order (see `_runs`)."""
    order = _pair_time_order(one.astype(np.int64), other.astype(np.int64), t, step_us)
    one, other, t = one[order], other[order], t[order]
    new = np.ones(len(t), dtype=bool)
    new[1:] = (one[1:] != one[:-1]) | (other[1:] != other[:-1]) | (t[1:] - t[:-1] != step_us)
    return order, np.cumsum(new)


def _pair_time_order(one: IntArray, other: IntArray, t: IntArray, step_us: int) -> IntArray:
    """The order that sorts by `one`, `other` (non-negative track numbers), then time `t`.

    Speed: when the times are grid times (multiples of `step_us` apart) and the three fit in
    one integer, a stable sort of that integer, about twice as fast as sorting on three keys;
    otherwise the three-key sort."""
    if len(t) == 0:
        return np.zeros(0, dtype=np.int64)
    since = t - t.min()
    tracks = int(max(one.max(), other.max())) + 1
    steps = int(since.max()) // step_us + 1
    negative = min(int(one.min()), int(other.min())) < 0
    if negative or (since % step_us).any() or tracks * tracks * steps >= 2**62:
        return np.asarray(np.lexsort((t, other, one)), dtype=np.int64)
    key = (one * tracks + other) * steps + since // step_us
    return _stable_order(key)


def _stable_order(key: IntArray) -> IntArray:
    """The order of a stable sort of `key`: that of the faster unstable sort when the keys are
    all different (a pair of tracks has one point per grid time), checked on the sorted keys."""
    order = np.argsort(key)
    ranked = key[order]
    if (ranked[1:] == ranked[:-1]).any():
        order = np.argsort(key, kind="stable")
    return np.asarray(order, dtype=np.int64)


def _spanning_long_enough(
    one: npt.NDArray[Any], other: npt.NDArray[Any], t: IntArray, min_hours: float
) -> BoolArray:
    """Which points (sorted by pair and time, as `_run_order` orders them) belong to pairs whose
    grid times span `min_hours` or more: every encounter of a pair lies within that span, so the
    other pairs can give none, and their runs need no anchorage look-up."""
    if len(t) == 0:
        return np.zeros(0, dtype=bool)
    first = np.flatnonzero(np.r_[True, (one[1:] != one[:-1]) | (other[1:] != other[:-1])])
    last = np.r_[first[1:], len(t)] - 1
    span_hours = (t[last] - t[first]).astype(np.float64) / US_PER_HOUR
    return np.repeat(span_hours >= min_hours, last - first + 1)


def _encounter_points(grid: pl.DataFrame, params: EncounterParams) -> pl.DataFrame:
    """The close pairs of points of `grid` (as `close_pairs` gives them) with their `run`, sorted
    by pair and time, of the pairs spanning `min_duration_hours` or more.

    All is done on point numbers; the columns are gathered once, for the points kept."""
    step_us = int(params.resample_minutes * 60_000_000)
    one, other, distance_m = _close_points(grid, params.max_distance_m)
    code, t = grid[CODE].to_numpy(), grid["t"].to_numpy()
    order, run = _run_order(code[one], code[other], t[one], step_us)
    one, other, distance_m = one[order], other[order], distance_m[order]
    kept = np.flatnonzero(
        _spanning_long_enough(code[one], code[other], t[one], params.min_duration_hours)
    )
    points = _pair_frame(grid, one[kept], other[kept], distance_m[kept])
    return points.with_columns(pl.Series("run", run[kept], dtype=pl.Int64))


def encounters_of_pairs(
    pairs: pl.DataFrame,
    names: pl.DataFrame,
    params: EncounterParams | None = None,
    anchorage: AnchorageDistance | None = None,
) -> pl.DataFrame:
    """`encounter` events, as `detect_encounters` finds them, of close pairs of points found
    elsewhere (`close_pairs` frames of every grid time of the pairs of tracks in `pairs`, e.g.
    gathered tile by tile). `names` maps `CODE` to `TRACK` for the evidence."""
    params = params or EncounterParams()
    step_us = int(params.resample_minutes * 60_000_000)
    one, other, t = (pairs[c].to_numpy() for c in (*PAIR, "t"))
    order, run = _run_order(one, other, t, step_us)
    kept = np.flatnonzero(
        _spanning_long_enough(one[order], other[order], t[order], params.min_duration_hours)
    )
    points = pairs[order[kept]].with_columns(pl.Series("run", run[kept], dtype=pl.Int64))
    return _encounter_events(points, names, params, anchorage)


def _near_anchorage(
    points: pl.DataFrame, params: EncounterParams, anchorage: AnchorageDistance | None
) -> pl.DataFrame:
    """The `run`s whose mean position is closer than `min_anchorage_km` to an anchorage (none when
    `anchorage` is unknown or the limit is 0)."""
    if anchorage is None or params.min_anchorage_km <= 0 or points.is_empty():
        return points.select("run").clear()
    runs = _located(points.group_by("run"))
    km = anchorage(runs["lat"].to_numpy(), runs["lon"].to_numpy())
    return runs.filter(pl.Series(km < params.min_anchorage_km)).select("run")


def _located(groups: GroupBy) -> pl.DataFrame:
    """Mean position of the points of each group: both vessels, circular mean of longitude (so
    right across the antimeridian)."""
    one, other = pl.col("lon").radians(), pl.col("other_lon").radians()
    return groups.agg(
        ((pl.col("lat") + pl.col("other_lat")) / 2).mean().alias("lat"),
        pl.arctan2(one.sin().sum() + other.sin().sum(), one.cos().sum() + other.cos().sum())
        .degrees()
        .alias("lon"),
    )


def _merged(points: pl.DataFrame, merge_gap_us: int) -> pl.DataFrame:
    """`points` with `event`: runs of a pair less than `merge_gap_us` apart share a number."""
    bounds = points.group_by(*PAIR, "run").agg(
        pl.col("t").min().alias("first"), pl.col("t").max().alias("last")
    )
    gap = pl.col("first") - pl.col("last").shift(1).over(PAIR)
    events = (
        bounds.sort(*PAIR, "first")
        .with_columns((gap >= merge_gap_us).fill_null(True).cum_sum().over(PAIR).alias("event"))
        .select("run", "event")
    )
    return points.join(events, on="run", maintain_order="left")


def _summaries(points: pl.DataFrame, params: EncounterParams) -> pl.DataFrame:
    """One row per merged encounter, with its evidence columns, after duration and speed filters."""
    grouped = points.group_by(*PAIR, "event")
    located = _located(grouped)
    stats = grouped.agg(
        pl.col("mmsi").first(),
        pl.col("other_mmsi").first(),
        pl.col("t").min().alias("first"),
        pl.col("t").max().alias("last"),
        pl.col("distance_m").median().alias("median_distance_m"),
        pl.col("distance_m").min().alias("min_distance_m"),
        pl.col("speed_knots").median().alias("median_speed_knots"),
        pl.col("other_speed_knots").median().alias("other_median_speed_knots"),
        pl.len().alias("points"),
        pl.col("run").n_unique().alias("runs"),
    ).join(located, on=[*PAIR, "event"])
    duration = (pl.col("last") - pl.col("first")).cast(pl.Float64) / US_PER_HOUR
    found = stats.with_columns(duration.alias("duration_h"))
    long_enough = (
        pl.col("duration_h") > params.min_duration_hours
        if params.duration_strict
        else pl.col("duration_h") >= params.min_duration_hours
    )
    found = found.filter(long_enough)
    if params.max_median_speed_knots is not None:
        fastest = pl.max_horizontal("median_speed_knots", "other_median_speed_knots")
        found = found.filter(fastest < params.max_median_speed_knots)
    as_time = {
        c: pl.from_epoch(c, time_unit="us").dt.replace_time_zone("UTC").cast(UTC_TIME)
        for c in ("first", "last")
    }
    return found.with_columns(**as_time)


def _named(found: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    """`found` with the text of both tracks (`TRACK`, `other_TRACK`) for the evidence, from
    `names` (`CODE`, `TRACK`)."""
    names = names.select(CODE, TRACK).unique(CODE)
    other = names.rename({CODE: f"other_{CODE}", TRACK: f"other_{TRACK}"})
    return found.join(names, on=CODE, how="left").join(other, on=f"other_{CODE}", how="left")


def _evidence(row: dict[str, Any]) -> str:
    """What was observed of one encounter, as JSON text."""
    return to_json(
        {
            "track": row[TRACK],
            "other_track": row[f"other_{TRACK}"],
            "duration_h": rounded(row["duration_h"]),
            "median_distance_m": rounded(row["median_distance_m"], 1),
            "min_distance_m": rounded(row["min_distance_m"], 1),
            "median_speed_knots": rounded(row["median_speed_knots"]),
            "other_median_speed_knots": rounded(row["other_median_speed_knots"]),
            "points": row["points"],
            "runs": row["runs"],
            "first": iso(row["first"]),
            "last": iso(row["last"]),
        }
    )


def detect_encounters(
    positions: pl.DataFrame,
    params: EncounterParams | None = None,
    anchorage: AnchorageDistance | None = None,
) -> pl.DataFrame:
    """`encounter` events (`EVENT_SCHEMA`) of cleaned positions, one per pair and meeting.

    `positions` has the `POSITION_SCHEMA` columns, optionally `segment_id` (tracks are segments
    when present, else MMSIs). `anchorage` gives the distance to the nearest anchorage in km;
    without it (`None`) no encounter is dropped for being in a port's waiting area. Each event has
    `mmsi` < `other_mmsi`, runs from the first to the last grid time in range, and sits at the
    mean position of both vessels over it.
    """
    params = params or EncounterParams()
    grid, names = _grid(positions, params.resample_minutes, params.max_interpolation_gap_hours)
    return _encounter_events(_encounter_points(grid, params), names, params, anchorage)


def _encounter_events(
    points: pl.DataFrame,
    names: pl.DataFrame,
    params: EncounterParams,
    anchorage: AnchorageDistance | None,
) -> pl.DataFrame:
    """The events of the close `points` of pairs with their `run` (as `_encounter_points` gives
    them): runs near an anchorage dropped, runs merged, filtered, summarised."""
    if points.is_empty():
        return empty_events()
    points = points.join(_near_anchorage(points, params, anchorage), on="run", how="anti")
    merged = _merged(points, int(params.merge_gap_hours * US_PER_HOUR))
    found = _named(_summaries(merged, params), names)
    evidence = [_evidence(row) for row in found.iter_rows(named=True)]
    certain = (
        CONFIDENCE_ANCHORAGES_KNOWN if anchorage is not None else CONFIDENCE_ANCHORAGES_UNKNOWN
    )
    rows = found.select(
        pl.col("first").alias("start"),
        pl.col("last").alias("end"),
        "lat",
        "lon",
        "mmsi",
        "other_mmsi",
        pl.lit(certain).alias("confidence"),
        pl.lit(params_json(params)).alias("params"),
    )
    return build_events("encounter", rows, ("mmsi", "other_mmsi", "start"), evidence=evidence)
