"""Coastal radar: contacts of every hull near the watched coasts, with or without AIS.

Radars of the coastal surveillance networks (French semaphores, Spanish coastal radars) see what
floats within their horizon, about 24 nm for a ship, whether or not it transmits AIS; small and
low craft (go-fasts, semi-submersibles) are detected less often. A contact carries no identity:
time, position with its error, speed and course from the tracker, and the sensor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from balise.sim.motion import NM_PER_DEG_LAT, Floats, Ints, Segments, haversine_nm, sample

CONTACT_INTERVAL_S = 120.0
DETECTION: Final[dict[str, float]] = {"go_fast": 0.6, "narco_sub": 0.35, "yacht": 0.8}
"""Share of tracker updates that hold a contact, by role (others 0.95)."""
RADAR_CONTACT_SCHEMA: Final[dict[str, pl.DataType]] = {
    "time": pl.Datetime("us", "UTC"),
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "speed_knots": pl.Float64(),
    "course_deg": pl.Float64(),
    "sensor_id": pl.String(),
    "position_error_m": pl.Float64(),
}


@dataclass(frozen=True)
class RadarSite:
    """A coastal radar: its sensor id, position, antenna height above sea level and range."""

    name: str
    lat: float
    lon: float
    antenna_height_m: float
    title: str
    range_nm: float = 24.0


RADAR_SITES: Final[tuple[RadarSite, ...]] = (
    RadarSite("MQ-CARAVELLE", 14.770, -60.880, 95.0, "Sémaphore de la Caravelle"),
    RadarSite("MQ-FORT-DE-FRANCE", 14.600, -61.070, 120.0, "Sémaphore de Fort-de-France"),
    RadarSite("MQ-DIAMANT", 14.470, -61.030, 110.0, "Sémaphore du Diamant"),
    RadarSite(
        "GP-POINTE-DES-CHATEAUX", 16.250, -61.180, 60.0, "Sémaphore de la Pointe des Châteaux"
    ),
    RadarSite("GP-VIEUX-FORT", 15.950, -61.700, 75.0, "Sémaphore du Vieux-Fort"),
    RadarSite("FR-SAINT-MATHIEU", 48.330, -4.770, 60.0, "Sémaphore de Saint-Mathieu"),
    RadarSite("FR-PENMARCH", 47.800, -4.370, 50.0, "Sémaphore de Penmarc'h"),
    RadarSite("FR-BELLE-ILE", 47.310, -3.230, 80.0, "Sémaphore de Belle-Île"),
    RadarSite("ES-FISTERRA", 42.880, -9.270, 140.0, "Centro de Salvamento Marítimo Fisterra"),
    RadarSite("ES-SILLEIRO", 42.100, -8.900, 100.0, "Radar de Cabo Silleiro"),
    RadarSite("ES-ESTACA-DE-BARES", 43.790, -7.690, 150.0, "Radar de Estaca de Bares"),
)
"""Coastal radar sites (semaphores and coastal stations) of Martinique, Guadeloupe, Brittany and
Galicia, at their headlands. Antenna heights are synthetic but of the real order: French
semaphores and Spanish coastal radars stand on headlands 50-150 m above the sea."""


def radar_sites() -> pl.DataFrame:
    """The radar sites as the workspace's `radars.csv` holds them (`balise ingest
    radar-sites`): sensor_id, name, lat, lon, antenna_height_m, range_nm."""
    return pl.DataFrame(
        [
            {
                "sensor_id": site.name,
                "name": site.title,
                "lat": site.lat,
                "lon": site.lon,
                "antenna_height_m": site.antenna_height_m,
                "range_nm": site.range_nm,
            }
            for site in RADAR_SITES
        ]
    )


def _nearest_site(lat: Floats, lon: Floats) -> tuple[Ints, Floats]:
    distances = np.stack(
        [
            haversine_nm(lat, lon, np.full(len(lat), s.lat), np.full(len(lon), s.lon)) / s.range_nm
            for s in RADAR_SITES
        ]
    )
    nearest = np.argmin(distances, axis=0)
    return nearest.astype(np.int64), distances[nearest, np.arange(len(lat))] * np.asarray(
        [s.range_nm for s in RADAR_SITES]
    )[nearest]


def radar_contacts(
    segments: Segments,
    near: npt.NDArray[np.bool_],
    roles: list[str],
    window: tuple[float, float],
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Contacts in `window`: columns `hull`, `t_s` and those of `RADAR_CONTACT_SCHEMA` but time.

    `near` marks the segments that can come within range (`near_any_site`)."""
    chosen = segments.overlapping(*window)
    chosen = chosen[near[chosen]]
    interval = np.full(len(chosen), CONTACT_INTERVAL_S)
    found = sample(segments, chosen, interval, np.zeros(len(chosen)), window)
    site, distance_nm = _nearest_site(found.lat, found.lon)
    hull = segments.hull[found.segment]
    seen = np.asarray([DETECTION.get(r, 0.95) for r in roles])[hull]
    keep = (distance_nm <= 24.0) & (rng.random(len(hull)) < seen)
    n = int(keep.sum())
    error_m = 30.0 + 4.0 * distance_nm[keep]
    scatter = rng.normal(0, 1, (2, n)) * error_m / 1852 / NM_PER_DEG_LAT
    lat = found.lat[keep] + scatter[0]
    segment = found.segment[keep]
    jitter = rng.normal(0, 0.5, n)
    return pl.DataFrame(
        {
            "hull": hull[keep],
            "t_s": found.t_s[keep],
            "lat": np.round(lat, 5),
            "lon": np.round(found.lon[keep] + scatter[1] / np.cos(np.radians(lat)), 5),
            "speed_knots": np.round(np.maximum(segments.speed_kn[segment] + jitter, 0), 1),
            "course_deg": np.round((segments.course_deg[segment] + rng.normal(0, 4, n)) % 360, 0),
            "sensor_id": np.asarray([s.name for s in RADAR_SITES])[site[keep]],
            "position_error_m": np.round(error_m, 0),
        }
    )


def near_any_site(segments: Segments) -> npt.NDArray[np.bool_]:
    """Segments with an end within 30 nm of a radar site (segments are a few nm long)."""
    near = np.zeros(len(segments.t0), np.bool_)
    for site in RADAR_SITES:
        for lat, lon in ((segments.lat0, segments.lon0), (segments.lat1, segments.lon1)):
            near |= (
                haversine_nm(lat, lon, np.full(len(lat), site.lat), np.full(len(lon), site.lon))
                < site.range_nm + 6
            )
    return near
