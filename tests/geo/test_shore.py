"""Tests of the offline distance to shore against an independent search of the land mask."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from balise.geo.landmask import LandMask
from balise.geo.shore import ShoreDistance
from balise.geo.sphere import KM_PER_NM

TOLERANCE_NM = 3.0
"""The accuracy the detectors are promised up to 200 nm offshore."""


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary directory for the module's build."""
    return tmp_path_factory.mktemp("shore")


@pytest.fixture(scope="module")
def shore(cache_dir: Path) -> ShoreDistance:
    """One build for the module (about a minute), saved to the cache directory."""
    distance = ShoreDistance(cache_dir)
    distance([0.0], [0.0])
    return distance


def _reference_nm(lat: float, lon: float, search_km: float = 120.0) -> float:
    """Distance to the nearest mask land cell by scanning every cell around the point, nm."""
    return float(LandMask(()).distance_to_land_km([lat], [lon], search_km=search_km)[0]) / KM_PER_NM


def test_west_of_brest(shore: ShoreDistance) -> None:
    """50 nm west of Brest along its parallel the nearest land is Ushant, ~25 nm away."""
    lat, lon = 48.39, -4.49 - 50.0 / (60.0 * math.cos(math.radians(48.39)))
    got = float(shore([lat], [lon])[0])
    assert got == pytest.approx(_reference_nm(lat, lon), abs=TOLERANCE_NM)
    assert 20.0 < got < 30.0


def test_off_martinique_east_coast(shore: ShoreDistance) -> None:
    """A point ~5 nm off Martinique's Atlantic coast."""
    lat, lon = 14.65, -60.78
    got = float(shore([lat], [lon])[0])
    assert got == pytest.approx(_reference_nm(lat, lon), abs=TOLERANCE_NM)
    assert 3.0 < got < 7.0


def test_mid_atlantic_is_far(shore: ShoreDistance) -> None:
    """30° N 45° W is more than 500 nm from any land."""
    assert float(shore([30.0], [-45.0])[0]) > 500.0


def test_inland_is_zero(shore: ShoreDistance) -> None:
    """Paris and the Sahara are on land: 0."""
    np.testing.assert_array_equal(shore([48.85, 23.0], [2.35, 10.0]), [0.0, 0.0])


def test_shape_and_antimeridian(shore: ShoreDistance) -> None:
    """Arrays keep their shape; 180° and -180° are the same meridian."""
    got = shore(np.full((2, 2), -16.0), np.array([[179.5, -180.5], [-179.5, 180.0]]))
    assert got.shape == (2, 2)
    assert got[0, 0] == pytest.approx(shore([-16.0], [179.5])[0])
    assert got[1, 1] == pytest.approx(shore([-16.0], [-180.0])[0])


def test_random_coastal_points(shore: ShoreDistance) -> None:
    """Random water points of the Channel, Caribbean and Gulf of Guinea agree with the scan."""
    rng = np.random.default_rng(7)
    boxes = [(48.0, 51.0, -6.0, 2.0), (10.0, 19.0, -68.0, -59.0), (-2.0, 6.0, -2.0, 10.0)]
    lat = np.concatenate([rng.uniform(a, b, 15) for a, b, _, _ in boxes])
    lon = np.concatenate([rng.uniform(c, d, 15) for _, _, c, d in boxes])
    got = shore(lat, lon)
    checked = 0
    for la, lo, nm in zip(lat, lon, got, strict=True):
        expected = _reference_nm(float(la), float(lo), search_km=60.0)
        if math.isfinite(expected) and expected < 30.0:
            assert nm == pytest.approx(expected, abs=TOLERANCE_NM)
            checked += 1
        elif not math.isfinite(expected):
            assert nm > 60.0 / KM_PER_NM - TOLERANCE_NM
    assert checked >= 10


def test_cache_file_is_written(shore: ShoreDistance, cache_dir: Path) -> None:
    """The build is saved under the caller's directory, for the next process to read."""
    assert list(cache_dir.glob("*.npz"))
    assert float(shore([30.0], [-45.0])[0]) > 500.0
