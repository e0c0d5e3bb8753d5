"""Where the sun stands: its elevation above the horizon at any position and time, to tell night.

What: `solar_elevation_deg(lat, lon, unix_seconds)` gives the sun's geometric elevation in degrees
(no atmospheric refraction), element-wise over NumPy arrays; `is_dark` says whether the sun is
below a threshold, by default the end of civil twilight (-6°).

Why: a drop-off off a coast is planned for darkness, so detectors raise their score at night. The
day/night line must be right at any longitude and season, not guessed from the UTC hour.

Source: NOAA Global Monitoring Laboratory, "General Solar Position Calculations" and the NOAA Solar
Calculator spreadsheet (after Meeus, *Astronomical Algorithms*): mean longitude and anomaly of the
sun, equation of centre, apparent longitude, obliquity, declination and equation of time, then the
hour angle from the true solar time. Accurate to about a minute of time for sunrise and sunset
between 1900 and 2100, far finer than a night flag needs.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from balise.model.arrays import BoolArray, FloatArray

__all__ = ["CIVIL_TWILIGHT_DEG", "SUNRISE_DEG", "is_dark", "solar_elevation_deg"]


CIVIL_TWILIGHT_DEG: Final = -6.0
"""Sun elevation at the end of civil twilight: below it a ship's lights, not its hull, are seen."""
SUNRISE_DEG: Final = -0.833
"""Geometric elevation of the sun's centre at published sunrise and sunset times (refraction of
34' at the horizon plus the sun's 16' semi-diameter)."""

_SECONDS_PER_DAY: Final = 86_400.0
_UNIX_EPOCH_JULIAN_DAY: Final = 2_440_587.5
_J2000_JULIAN_DAY: Final = 2_451_545.0
_DAYS_PER_CENTURY: Final = 36_525.0


def _declination_and_equation_of_time(centuries: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The sun's declination (degrees) and the equation of time (minutes) at Julian centuries
    since J2000, as in NOAA's spreadsheet."""
    t = centuries
    mean_long = np.radians((280.46646 + t * (36000.76983 + t * 0.0003032)) % 360.0)
    mean_anom = np.radians(357.52911 + t * (35999.05029 - 0.0001537 * t))
    eccentricity = 0.016708634 - t * (0.000042037 + 0.0000001267 * t)
    centre = (
        np.sin(mean_anom) * (1.914602 - t * (0.004817 + 0.000014 * t))
        + np.sin(2 * mean_anom) * (0.019993 - 0.000101 * t)
        + np.sin(3 * mean_anom) * 0.000289
    )
    omega = np.radians(125.04 - 1934.136 * t)
    apparent_long = np.radians(np.degrees(mean_long) + centre - 0.00569 - 0.00478 * np.sin(omega))
    seconds = 21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))
    obliquity = np.radians(23.0 + (26.0 + seconds / 60.0) / 60.0 + 0.00256 * np.cos(omega))
    declination = np.degrees(np.arcsin(np.sin(obliquity) * np.sin(apparent_long)))
    y = np.tan(obliquity / 2) ** 2
    equation = (
        y * np.sin(2 * mean_long)
        - 2 * eccentricity * np.sin(mean_anom)
        + 4 * eccentricity * y * np.sin(mean_anom) * np.cos(2 * mean_long)
        - 0.5 * y * y * np.sin(4 * mean_long)
        - 1.25 * eccentricity * eccentricity * np.sin(2 * mean_anom)
    )
    return declination, 4.0 * np.degrees(equation)


def solar_elevation_deg(
    lat: npt.ArrayLike, lon: npt.ArrayLike, unix_seconds: npt.ArrayLike
) -> FloatArray:
    """Geometric elevation of the sun's centre above the horizon, degrees (-90 to 90), at
    positions `lat`, `lon` (degrees; any longitude, wrapped) and times `unix_seconds` (seconds
    since 1970-01-01 UTC), broadcast together. Refraction is left out: it lifts the sun by about
    half a degree at the horizon and nothing at the twilight thresholds that matter here."""
    seconds = np.asarray(unix_seconds, dtype=np.float64)
    julian_day = seconds / _SECONDS_PER_DAY + _UNIX_EPOCH_JULIAN_DAY
    declination, equation_min = _declination_and_equation_of_time(
        (julian_day - _J2000_JULIAN_DAY) / _DAYS_PER_CENTURY
    )
    minutes_utc = np.mod(seconds, _SECONDS_PER_DAY) / 60.0
    true_solar_min = np.mod(minutes_utc + equation_min + 4.0 * np.asarray(lon, np.float64), 1440.0)
    hour_angle = np.radians(true_solar_min / 4.0 - 180.0)
    phi, delta = np.radians(np.asarray(lat, dtype=np.float64)), np.radians(declination)
    cos_zenith = np.sin(phi) * np.sin(delta) + np.cos(phi) * np.cos(delta) * np.cos(hour_angle)
    return np.asarray(90.0 - np.degrees(np.arccos(np.clip(cos_zenith, -1.0, 1.0))), np.float64)


def is_dark(
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    unix_seconds: npt.ArrayLike,
    below_deg: float = CIVIL_TWILIGHT_DEG,
) -> BoolArray:
    """Whether the sun is below `below_deg` (default: civil twilight, -6°) at each position and
    time; see `solar_elevation_deg` for the arguments."""
    return np.asarray(solar_elevation_deg(lat, lon, unix_seconds) < below_deg, np.bool_)
