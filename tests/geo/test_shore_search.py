"""The shortcuts of the distance-to-shore search change no answer, to the last bit.

The search measures fewer (position, coast cell) pairs than the candidate grid cells hold and
reuses per-row and per-column parts of the haversine term; these tests hold it to the plain
formula over every coast cell of every candidate grid cell.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from balise.geo.landmask import CELLS_PER_DEGREE, MASK_COLUMNS, MASK_ROWS
from balise.geo.shore import (
    COARSE,
    GRID_COLUMNS,
    ShoreDistance,
    _candidate_cells,
    _haversine_to_cell,
    _terms_below,
)
from balise.geo.sphere import EARTH_RADIUS_KM, KM_PER_NM

FloatArray = npt.NDArray[np.float64]


def _plain_term(
    lat: FloatArray, lon: FloatArray, rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64]
) -> FloatArray:
    """The haversine term from each position to the nearest point of its mask cell, written
    out once per pair."""
    half = 0.5 / CELLS_PER_DEGREE
    c_lat = 90.0 - (rows.astype(np.float64) + 0.5) / CELLS_PER_DEGREE
    c_lon = (cols.astype(np.float64) + 0.5) / CELLS_PER_DEGREE - 180.0
    d_lon = (lon - c_lon + 180.0) % 360.0 - 180.0
    p_lat = np.clip(lat, c_lat - half, c_lat + half)
    p_d_lon = np.clip(d_lon, -half, half)
    p1, p2 = np.radians(lat), np.radians(p_lat)
    return np.asarray(
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(np.radians(lat)) * np.cos(p2) * np.sin(np.radians(d_lon - p_d_lon) / 2) ** 2,
        np.float64,
    )


def _random_pairs(
    seed: int, n_queries: int, n_pairs: int
) -> tuple[
    FloatArray, FloatArray, npt.NDArray[np.int64], npt.NDArray[np.uint16], npt.NDArray[np.uint16]
]:
    """Positions worldwide (poles and antimeridian included) and mask cells near each, pairs
    grouped by position and sorted by row within it, as the search makes them."""
    rng = np.random.default_rng(seed)
    lat = np.r_[rng.uniform(-90.0, 90.0, n_queries - 4), [90.0, -90.0, 0.0, 45.0]]
    lon = np.r_[rng.uniform(-180.0, 180.0, n_queries - 4), [0.0, 179.9999, -180.0, 180.0 - 1e-9]]
    query = np.sort(rng.integers(0, n_queries, n_pairs))
    rows = (90.0 - lat[query]) * CELLS_PER_DEGREE + rng.integers(-30, 31, n_pairs)
    cols = (lon[query] + 180.0) * CELLS_PER_DEGREE + rng.integers(-30, 31, n_pairs)
    rows = np.clip(rows.astype(np.int64), 0, MASK_ROWS - 1)
    cols = cols.astype(np.int64) % MASK_COLUMNS
    order = np.lexsort((rows, query))
    return lat, lon, query[order], rows[order].astype(np.uint16), cols[order].astype(np.uint16)


@pytest.mark.parametrize("seed", range(5))
def test_term_is_the_plain_formula(seed: int) -> None:
    """The in-place, table-driven term equals the formula written out, bit for bit."""
    lat, lon, query, rows, cols = _random_pairs(seed, 500, 20_000)
    got = _haversine_to_cell(lat, lon, query, rows, cols)
    want = _plain_term(lat[query], lon[query], rows.astype(np.int64), cols.astype(np.int64))
    assert np.array_equal(got, want)


@pytest.mark.parametrize("seed", range(5))
def test_terms_below_keep_each_smallest(seed: int) -> None:
    """Given any upper bound no smaller than a query's smallest term, the pairs kept are a
    subset with the same terms, and each query keeps its smallest."""
    lat, lon, query, rows, cols = _random_pairs(seed, 500, 20_000)
    every = _haversine_to_cell(lat, lon, query, rows, cols)
    rng = np.random.default_rng(seed)
    upper = np.full(len(lat), np.inf)
    picked = rng.permutation(query.size)
    upper[query[picked]] = every[picked]  # the term of some pair of each query
    kept_q, kept = _terms_below(lat, lon, query, rows, cols, upper)
    assert kept_q.size < query.size
    smallest = np.full(len(lat), np.inf)
    np.minimum.at(smallest, query, every)
    found = np.full(len(lat), np.inf)
    np.minimum.at(found, kept_q, kept)
    assert np.array_equal(found, smallest)
    assert np.isin(kept, every).all()


@pytest.fixture(scope="module")
def shore(tmp_path_factory: pytest.TempPathFactory) -> ShoreDistance:
    """A build (about a minute, shared with other tests of the session)."""
    distance = ShoreDistance(tmp_path_factory.mktemp("shore-search"))
    distance([0.0], [0.0])
    return distance


def _exhaustive_nm(shore: ShoreDistance, lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Distance to the nearest coast cell of all candidate grid cells of water positions, nm:
    every cell measured, no bound used."""
    data = shore._data()
    rows = np.minimum(((90.0 - lat) * CELLS_PER_DEGREE).astype(np.int64), MASK_ROWS - 1)
    cols = np.minimum(((lon + 180.0) * CELLS_PER_DEGREE).astype(np.int64), MASK_COLUMNS - 1)
    out = np.zeros(lat.size)
    for k in range(lat.size):
        if not (data.packed[rows[k], cols[k] >> 3] >> (7 - (cols[k] & 7))) & 1:
            continue
        cells, _ = _candidate_cells(
            data, np.array([(rows[k] // COARSE) * GRID_COLUMNS + cols[k] // COARSE])
        )
        coast = np.concatenate([np.arange(data.offsets[c], data.offsets[c + 1]) for c in cells])
        term = _plain_term(
            np.full(coast.size, lat[k]),
            np.full(coast.size, lon[k]),
            data.coast_r[coast].astype(np.int64),
            data.coast_c[coast].astype(np.int64),
        ).min()
        out[k] = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(term, 0.0, 1.0)))
    return out / KM_PER_NM


def test_search_equals_exhaustive(shore: ShoreDistance) -> None:
    """Worldwide and coastal positions (Fiji across the antimeridian, Norway, Antarctica):
    the search gives the exhaustive answer exactly."""
    rng = np.random.default_rng(7)
    centres = [(-17.8, 178.0), (-16.5, -179.9), (65.0, 12.0), (-70.0, 0.0), (48.4, -5.0)]
    lat = np.r_[rng.uniform(-90.0, 90.0, 300), [90.0, -90.0, 89.99, -89.99]]
    lon = np.r_[rng.uniform(-180.0, 180.0, 300), [0.0, 180.0 - 1e-9, -180.0, 179.9]]
    for c_lat, c_lon in centres:
        lat = np.r_[lat, np.clip(c_lat + rng.normal(0.0, 0.3, 150), -90.0, 90.0)]
        lon = np.r_[lon, (c_lon + rng.normal(0.0, 0.3, 150) + 180.0) % 360.0 - 180.0]
    got = shore(lat, lon)
    assert (got > 0).sum() > 300
    assert np.array_equal(got, _exhaustive_nm(shore, lat, lon))
