"""True motion of hulls as piecewise-linear tracks, and its sampling at AIS reporting times.

A `Track` is a list of knots (time, position); between two knots the hull moves in a straight
line at constant speed, with the navigational status and the transponder state (on or off) of
the segment. Routes come densified (a few km between points), so straight segments follow the
curve of the earth closely enough. The sampling is vectorised over every segment of every hull.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from balise.geo.sphere import bearing_deg, distance_nm

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

NM_PER_DEG_LAT = 60.0
MOORED, ANCHORED, UNDER_WAY, FISHING = 5, 1, 0, 7
"""Navigational status codes (ITU-R M.1371 message 1, field 'navigational status')."""
haversine_nm = distance_nm
"""Great-circle distance in nautical miles (the project's one implementation)."""
course_deg = bearing_deg
"""Initial great-circle bearing, degrees 0-360."""


def offset(lat: float, lon: float, bearing: float, distance_nm: float) -> tuple[float, float]:
    """The point `distance_nm` from (lat, lon) on `bearing` (flat-earth, for short offsets)."""
    rad = np.radians(bearing)
    dlat = distance_nm * np.cos(rad) / NM_PER_DEG_LAT
    dlon = distance_nm * np.sin(rad) / (NM_PER_DEG_LAT * np.cos(np.radians(lat)))
    return float(lat + dlat), float(lon + dlon)


@dataclass
class Track:
    """Knots of one hull: `status[i]` and `transmitting[i]` hold for the segment from knot i."""

    t_s: Floats
    lat: Floats
    lon: Floats
    status: npt.NDArray[np.int8]
    transmitting: Bools


@dataclass
class TrackBuilder:
    """Builds a track by appending what the hull does, from a start time and position."""

    t_s: list[float]
    lat: list[float]
    lon: list[float]
    status: list[int] = field(default_factory=lambda: [UNDER_WAY])
    transmitting: list[bool] = field(default_factory=lambda: [True])
    ais_on: bool = True

    @classmethod
    def at(cls, t_s: float, lat: float, lon: float) -> TrackBuilder:
        return cls(t_s=[t_s], lat=[lat], lon=[lon])

    @property
    def now_s(self) -> float:
        return self.t_s[-1]

    @property
    def position(self) -> tuple[float, float]:
        return self.lat[-1], self.lon[-1]

    def _append(self, t_s: float, lat: float, lon: float, status: int) -> None:
        self.status[-1] = status
        self.transmitting[-1] = self.ais_on
        self.t_s.append(t_s)
        self.lat.append(lat)
        self.lon.append(lon)
        self.status.append(status)
        self.transmitting.append(self.ais_on)

    def stay(self, duration_s: float, status: int) -> None:
        """Stay where the hull is (moored, anchored, drifting) for `duration_s`."""
        lat, lon = self.position
        self._append(self.now_s + max(duration_s, 1.0), lat, lon, status)

    def sail(self, lat: Floats, lon: Floats, speed_kn: float, status: int = UNDER_WAY) -> None:
        """Sail through the points `lat`, `lon` in order at `speed_kn`."""
        lats = np.concatenate([[self.lat[-1]], lat])
        lons = np.concatenate([[self.lon[-1]], lon])
        legs_nm = haversine_nm(lats[:-1], lons[:-1], lats[1:], lons[1:])
        keep = legs_nm > 1e-4
        times = self.now_s + np.cumsum(legs_nm[keep]) / speed_kn * 3600.0
        for t, la, lo in zip(times, lats[1:][keep], lons[1:][keep], strict=True):
            self._append(float(t), float(la), float(lo), status)

    def go_to(self, lat: float, lon: float, speed_kn: float, status: int = UNDER_WAY) -> None:
        """Sail straight to one point."""
        self.sail(np.array([lat]), np.array([lon]), speed_kn, status)

    def until(self, t_s: float, status: int) -> None:
        """Stay until absolute time `t_s` (no-op when already past it)."""
        if t_s > self.now_s:
            self.stay(t_s - self.now_s, status)

    def build(self) -> Track:
        return Track(
            t_s=np.asarray(self.t_s, np.float64),
            lat=np.asarray(self.lat, np.float64),
            lon=np.asarray(self.lon, np.float64),
            status=np.asarray(self.status, np.int8),
            transmitting=np.asarray(self.transmitting, np.bool_),
        )


@dataclass
class Segments:
    """Every segment of every hull, flat: the world's motion in one set of arrays."""

    hull: Ints
    t0: Floats
    t1: Floats
    lat0: Floats
    lon0: Floats
    lat1: Floats
    lon1: Floats
    status: npt.NDArray[np.int8]
    transmitting: Bools
    speed_kn: Floats
    course_deg: Floats

    @classmethod
    def of(cls, tracks: list[Track]) -> Segments:
        """The segments of `tracks`, hull `i` being `tracks[i]`."""

        def cat(arrays: list[npt.NDArray[np.generic]]) -> npt.NDArray[np.generic]:
            return np.concatenate(arrays) if arrays else np.array([])

        hull = cat([np.full(len(t.t_s) - 1, i, np.int64) for i, t in enumerate(tracks)])
        head = [slice(None, -1)] * len(tracks)
        t0 = cat([t.t_s[s] for t, s in zip(tracks, head, strict=True)]).astype(np.float64)
        t1 = cat([t.t_s[1:] for t in tracks]).astype(np.float64)
        lat0 = cat([t.lat[:-1] for t in tracks]).astype(np.float64)
        lon0 = cat([t.lon[:-1] for t in tracks]).astype(np.float64)
        lat1 = cat([t.lat[1:] for t in tracks]).astype(np.float64)
        lon1 = cat([t.lon[1:] for t in tracks]).astype(np.float64)
        duration_h = np.maximum(t1 - t0, 1e-9) / 3600.0
        return cls(
            hull=hull.astype(np.int64),
            t0=t0,
            t1=t1,
            lat0=lat0,
            lon0=lon0,
            lat1=lat1,
            lon1=lon1,
            status=cat([t.status[:-1] for t in tracks]).astype(np.int8),
            transmitting=cat([t.transmitting[:-1] for t in tracks]).astype(np.bool_),
            speed_kn=haversine_nm(lat0, lon0, lat1, lon1) / duration_h,
            course_deg=course_deg(lat0, lon0, lat1, lon1),
        )

    def overlapping(self, start_s: float, end_s: float) -> Ints:
        """Indices of the segments overlapping [start_s, end_s)."""
        return np.flatnonzero((self.t0 < end_s) & (self.t1 > start_s)).astype(np.int64)


@dataclass
class Samples:
    """Positions sampled on segments: `segment` indexes into the `Segments` they came from."""

    segment: Ints
    t_s: Floats
    lat: Floats
    lon: Floats


def sample(
    segments: Segments,
    chosen: Ints,
    interval_s: Floats,
    phase_s: Floats,
    window: tuple[float, float],
) -> Samples:
    """Times `t0 + phase + k * interval` of each chosen segment within it and within `window`.

    `interval_s` and `phase_s` are given per chosen segment. Positions are interpolated along the
    segment. Vectorised: one `np.repeat` expands every segment into its samples.
    """
    a = segments.t0[chosen]
    lo = np.maximum(a, window[0])
    hi = np.minimum(segments.t1[chosen], window[1])
    first = np.maximum(np.ceil((lo - a - phase_s) / interval_s), 0)
    last = np.ceil((hi - a - phase_s) / interval_s)
    counts = np.maximum(last - first, 0).astype(np.int64)
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(chosen)), counts)
    starts = np.cumsum(counts) - counts
    k = first[owner] + (np.arange(total) - starts[owner])
    t = a[owner] + phase_s[owner] + k * interval_s[owner]
    segment = chosen[owner]
    span = np.maximum(segments.t1[segment] - segments.t0[segment], 1e-9)
    frac = (t - segments.t0[segment]) / span
    lat = segments.lat0[segment] + frac * (segments.lat1[segment] - segments.lat0[segment])
    lon = segments.lon0[segment] + frac * (segments.lon1[segment] - segments.lon0[segment])
    return Samples(segment=segment, t_s=t, lat=lat, lon=lon)
