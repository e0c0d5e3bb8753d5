"""The sun's elevation against known values: equinox noon, midnight, published sunrise times."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from balise.geo.sun import SUNRISE_DEG, is_dark, solar_elevation_deg


def _unix(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp()


def _sunrise_utc(lat: float, lon: float, year: int, month: int, day: int) -> datetime:
    """The first time of the UTC day at which the sun's centre rises through -0.833°."""
    seconds = _unix(year, month, day) + np.arange(0, 86_400, 10)
    elevation = solar_elevation_deg(lat, lon, seconds)
    rising = np.flatnonzero((elevation[:-1] < SUNRISE_DEG) & (elevation[1:] >= SUNRISE_DEG))
    return datetime.fromtimestamp(float(seconds[rising[0] + 1]), UTC)


def test_equinox_noon_at_the_equator_is_near_the_zenith() -> None:
    # 2024-03-20, equation of time about -7.5 min: solar noon at 0° is about 12:07 UTC
    noon = solar_elevation_deg(0.0, 0.0, _unix(2024, 3, 20, 12, 7))
    assert float(noon) == pytest.approx(90.0, abs=0.5)


def test_midnight_is_below_the_horizon_and_the_antipode_has_noon() -> None:
    midnight = _unix(2024, 3, 21, 0, 7)
    assert float(solar_elevation_deg(0.0, 0.0, midnight)) < -89.0
    assert float(solar_elevation_deg(0.0, 180.0, midnight)) > 89.0
    assert float(solar_elevation_deg(0.0, -180.0, midnight)) > 89.0


@pytest.mark.parametrize(
    ("place", "lat", "lon", "date", "published"),
    [
        # timeanddate.com: London 2024-12-21 sunrise 08:04 GMT
        ("London", 51.5074, -0.1278, (2024, 12, 21), (8, 4)),
        # timeanddate.com: Paris 2024-06-21 sunrise 05:47 CEST = 03:47 UTC
        ("Paris", 48.8566, 2.3522, (2024, 6, 21), (3, 47)),
    ],
)
def test_sunrise_matches_published_times(
    place: str, lat: float, lon: float, date: tuple[int, int, int], published: tuple[int, int]
) -> None:
    rise = _sunrise_utc(lat, lon, *date)
    expected = datetime(*date, *published, tzinfo=UTC)
    assert abs((rise - expected).total_seconds()) <= 180, place


def test_is_dark_uses_civil_twilight_and_broadcasts() -> None:
    lat = np.array([48.0, 48.0, 48.0])
    lon = np.array([-4.5, -4.5, -4.5])
    # Brittany in March: 02:00 UTC dark; 06:50 UTC in civil twilight (-2°); 12:00 UTC day
    times = np.array([_unix(2024, 3, 1, 2), _unix(2024, 3, 1, 6, 50), _unix(2024, 3, 1, 12)])
    assert is_dark(lat, lon, times).tolist() == [True, False, False]
    assert is_dark(lat, lon, times, below_deg=0.0).tolist() == [True, True, False]
