"""`AnchorageIndex.nearest_clustered` gives exactly the answer of `nearest`."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balise.geo.ports import AnchorageIndex

_coords = st.tuples(st.floats(-89.0, 89.0), st.floats(-180.0, 179.999))
_offsets = st.lists(st.tuples(st.floats(-0.5, 0.5), st.floats(-0.5, 0.5)), min_size=1, max_size=30)


@settings(max_examples=80, deadline=None)
@given(
    points=st.lists(_coords, max_size=20),
    centre=_coords,
    near_points=_offsets,
    queries=_offsets,
    cell_deg=st.sampled_from([0.005, 0.05, 0.2]),
    search_km=st.sampled_from([3.0, 20.0, 80.0]),
)
def test_clustered_equals_ring_search(
    points: list[tuple[float, float]],
    centre: tuple[float, float],
    near_points: list[tuple[float, float]],
    queries: list[tuple[float, float]],
    cell_deg: float,
    search_km: float,
) -> None:
    """Same rows and bit-identical distances, duplicates and the antimeridian included."""
    lat0, lon0 = centre
    cloud = [(lat0 + a, lon0 + b) for a, b in near_points]
    allpoints = points + cloud + cloud[:2]
    frame = pl.DataFrame({"lat": [p[0] for p in allpoints], "lon": [p[1] for p in allpoints]})
    frame = frame.with_columns(((pl.col("lon") + 180.0) % 360.0 - 180.0).alias("lon"))
    index = AnchorageIndex(frame, cell_deg=0.1, search_km=search_km)
    q_lat = np.array([lat0 + a for a, _ in queries])
    q_lon = np.array([lon0 + b for _, b in queries])
    q_lat, q_lon = np.r_[q_lat, q_lat[:3]], np.r_[q_lon, q_lon[:3] + 1e-5]
    expected = index.nearest(q_lat, q_lon)
    found = index.nearest_clustered(q_lat, q_lon, cell_deg=cell_deg)
    np.testing.assert_array_equal(found[0], expected[0])
    np.testing.assert_array_equal(found[1], expected[1])


def test_clustered_without_points_or_positions() -> None:
    """No points: nothing found; no positions: empty answers."""
    empty = AnchorageIndex(
        pl.DataFrame({"lat": [], "lon": []}, schema={"lat": pl.Float64, "lon": pl.Float64})
    )
    found, km = empty.nearest_clustered([10.0], [20.0])
    assert found.tolist() == [-1]
    assert km.tolist() == [np.inf]
    index = AnchorageIndex(pl.DataFrame({"lat": [1.0], "lon": [2.0]}))
    found, km = index.nearest_clustered(np.zeros(0), np.zeros(0))
    assert found.size == km.size == 0


def test_clustered_rejects_bad_cells() -> None:
    """A cell that does not divide 180 degrees is refused, like the index's own."""
    index = AnchorageIndex(pl.DataFrame({"lat": [1.0], "lon": [2.0]}))
    with pytest.raises(ValueError, match="cell_deg"):
        index.nearest_clustered([1.0], [2.0], cell_deg=0.7)
