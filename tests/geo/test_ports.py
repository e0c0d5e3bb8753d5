"""Tests of the packaged GFW port lists and the nearest-anchorage index."""

from __future__ import annotations

from importlib import resources

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balise.geo.ports import AnchorageIndex, haversine_km, load_anchorages, load_ports


def test_anchorage_count_matches_the_file() -> None:
    """The file holds 60,410 anchorage points; the one with longitude 1001 is dropped."""
    data = resources.files("balise.data").joinpath("gfw_ports", "anchorage_overrides.csv")
    lines = data.read_text(encoding="utf-8").splitlines()
    assert len(lines) - 1 == 60_410
    frame = load_anchorages()
    assert frame.height == 60_409
    assert frame.columns[:5] == ["lat", "lon", "label", "sublabel", "iso3"]
    assert len(AnchorageIndex.anchorages()) == 60_409


def test_ports_are_the_world_port_index() -> None:
    """3,669 WPI ports, every one with a real position."""
    frame = load_ports()
    assert frame.height == 3_669
    assert frame["lat"].is_between(-90, 90).all()


def test_le_havre_harbour_is_le_havre() -> None:
    """A point in Le Havre's harbour finds the port of Le Havre, a few hundred metres away.

    GFW's named anchorages carry no Le Havre entry, so the WPI port list answers here.
    """
    index = AnchorageIndex.ports()
    found, km = index.nearest([49.477], [0.125])
    assert index.port_label(int(found[0])) == ("PORT OF LE HAVRE", None, "FRA")
    assert km[0] < 1.5


def test_calais_anchorage() -> None:
    """A point off Calais harbour finds a Calais anchorage."""
    index = AnchorageIndex.anchorages()
    found, _ = index.nearest(np.array([50.968]), np.array([1.85]))
    label = index.port_label(int(found[0]))
    assert label is not None
    assert label.label.strip() == "CALAIS"
    assert label.iso3 == "FRA"


def test_antimeridian_real_anchorage() -> None:
    """West of the antimeridian, Beringovsky (179.39° E) is found across it."""
    index = AnchorageIndex.anchorages()
    found, km = index.nearest([63.06], [-179.95])
    label = index.port_label(int(found[0]))
    assert label is not None
    assert label.label == "BERINGOVSKY"
    assert 20 < km[0] < 50


def test_antimeridian_hand_made() -> None:
    """Points at ±179.99° are 2.2 km apart, not 40,000 km."""
    points = pl.DataFrame({"lat": [-17.0, -17.0], "lon": [-179.99, 10.0], "label": ["A", "B"]})
    index = AnchorageIndex(points, search_km=10.0)
    found, km = index.nearest([-17.0, -17.0], [179.99, 180.0])
    assert found.tolist() == [0, 0]
    assert km[0] == pytest.approx(2.0 * 1.1119 * np.cos(np.radians(17.0)), rel=1e-3)


def test_beyond_the_limit_is_infinite() -> None:
    """No point within `search_km`: index -1, distance inf, label None."""
    points = pl.DataFrame({"lat": [0.0], "lon": [0.0], "label": ["X"]})
    index = AnchorageIndex(points, search_km=50.0)
    found, km = index.nearest([0.0, 0.0], [0.4, 0.6])
    assert found.tolist() == [0, -1]
    assert np.isfinite(km[0])
    assert km[1] == np.inf
    assert index.port_label(-1) is None


_coords = st.tuples(st.floats(-85.0, 85.0), st.floats(-180.0, 179.999))


@settings(max_examples=60, deadline=None)
@given(
    points=st.lists(_coords, min_size=1, max_size=40),
    centre=_coords,
    offsets=st.lists(st.tuples(st.floats(-3, 3), st.floats(-3, 3)), min_size=1, max_size=20),
)
def test_matches_brute_force(
    points: list[tuple[float, float]],
    centre: tuple[float, float],
    offsets: list[tuple[float, float]],
) -> None:
    """Nearest distances equal the haversine brute force, within the limit and inf beyond."""
    lat0, lon0 = centre
    cloud = [(min(max(lat0 + a, -89.9), 89.9), lon0 + b) for a, b in offsets]
    allpoints = points + cloud
    frame = pl.DataFrame({"lat": [p[0] for p in allpoints], "lon": [p[1] for p in allpoints]})
    index = AnchorageIndex(frame, cell_deg=0.5, search_km=300.0)
    q_lat = np.clip(np.array([p[0] for p in cloud]) + 0.7, -90, 90)
    q_lon = np.array([p[1] for p in cloud]) - 0.9
    found, km = index.nearest(q_lat, q_lon)
    brute = haversine_km(
        q_lat[:, None], q_lon[:, None], frame["lat"].to_numpy()[None], frame["lon"].to_numpy()[None]
    ).min(axis=1)
    expected = np.where(brute <= 300.0, brute, np.inf)
    np.testing.assert_allclose(km, expected, rtol=1e-9, atol=1e-9)
    hit = found >= 0
    np.testing.assert_allclose(
        haversine_km(q_lat[hit], q_lon[hit], frame["lat"][found[hit]], frame["lon"][found[hit]]),
        km[hit],
        rtol=1e-9,
    )
