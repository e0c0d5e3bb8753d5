"""What receivers hear: terrestrial coverage, satellite passes, outages, duplicates.

Terrestrial base stations hear almost every report within about two thirds of their range and
fewer towards its edge (VHF line of sight, slot collisions). Offshore, satellites hear a vessel
only while one passes over (12 minutes every 45 minutes here, as a constellation of
several satellites gives) and then only a share of its
reports (slot collisions in the satellite's wide footprint), which is why open-ocean tracks are
sparse. Base stations also go down now and then for hours: gaps nobody intended. A report heard by
two stations reaches the archive twice (national archives repeat most rows); a rare report is
garbled into a benign glitch
(speed and course not available).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from balise.sim.motion import Floats, Ints, haversine_nm
from balise.sim.places import RECEIVERS, Receiver

CELL_DEG = 0.1
SATELLITE_PERIOD_S = 2_700.0
SATELLITE_PASS_S = 720.0
SATELLITE_SHARE = 0.25
"""Share of a vessel's reports a passing satellite decodes."""
DUPLICATE_SHARE = 0.15
GLITCH_SHARE = 1e-4
OUTAGES_PER_RECEIVER_DAY = 1 / 20
SATELLITES = 3


@dataclass
class Coverage:
    """The nearest base station of every cell of a lat/lon grid and the distance to it."""

    lat0: float
    lon0: float
    receiver: Ints
    range_share: Floats
    """Distance to the nearest receiver as a share of its range (> 1: out of range)."""

    @classmethod
    def of(cls, receivers: tuple[Receiver, ...] = RECEIVERS) -> Coverage:
        lats = np.asarray([r.lat for r in receivers])
        lons = np.asarray([r.lon for r in receivers])
        lat0, lon0 = float(lats.min() - 2), float(lons.min() - 2)
        grid_lat = np.arange(lat0, lats.max() + 2, CELL_DEG) + CELL_DEG / 2
        grid_lon = np.arange(lon0, lons.max() + 2, CELL_DEG) + CELL_DEG / 2
        best = np.full((len(grid_lat), len(grid_lon)), np.inf)
        owner = np.zeros(best.shape, np.int64)
        for index, receiver in enumerate(receivers):
            reach_deg = receiver.range_nm / 60.0 / max(np.cos(np.radians(receiver.lat)), 0.2)
            rows = np.flatnonzero(np.abs(grid_lat - receiver.lat) <= reach_deg + CELL_DEG)
            cols = np.flatnonzero(np.abs(grid_lon - receiver.lon) <= reach_deg + CELL_DEG)
            glat, glon = np.meshgrid(grid_lat[rows], grid_lon[cols], indexing="ij")
            share = (
                haversine_nm(
                    glat, glon, np.full(glat.shape, receiver.lat), np.full(glat.shape, receiver.lon)
                )
                / receiver.range_nm
            )
            window = np.ix_(rows, cols)
            closer = share < best[window]
            best[window] = np.where(closer, share, best[window])
            owner[window] = np.where(closer, index, owner[window])
        return cls(lat0=lat0, lon0=lon0, receiver=owner, range_share=best)

    def at(self, lat: Floats, lon: Floats) -> tuple[Ints, Floats]:
        """The nearest receiver and range share of each position (out of the grid: no coverage)."""
        row = np.floor((lat - self.lat0) / CELL_DEG).astype(np.int64)
        col = np.floor((lon - self.lon0) / CELL_DEG).astype(np.int64)
        rows, cols = self.receiver.shape
        inside = (row >= 0) & (row < rows) & (col >= 0) & (col < cols)
        row, col = np.clip(row, 0, rows - 1), np.clip(col, 0, cols - 1)
        share = np.where(inside, self.range_share[row, col], np.inf)
        return self.receiver[row, col], share


@dataclass
class Outages:
    """Periods when a base station hears nothing: (receiver, start_s, end_s)."""

    periods: list[tuple[int, float, float]]

    @classmethod
    def draw(cls, receivers: int, days: float, rng: np.random.Generator) -> Outages:
        periods = []
        for receiver in range(receivers):
            for _ in range(int(rng.poisson(OUTAGES_PER_RECEIVER_DAY * days))):
                start = float(rng.uniform(0, days * 86_400))
                periods.append((receiver, start, start + float(rng.uniform(2, 8)) * 3600))
        return cls(periods)

    def down(self, receiver: Ints, t_s: Floats) -> npt.NDArray[np.bool_]:
        out = np.zeros(len(t_s), np.bool_)
        for index, start, end in self.periods:
            out |= (receiver == index) & (t_s >= start) & (t_s < end)
        return out


def station_id(receiver: Receiver) -> str:
    """The receiver's name as a tag-block source: upper case, letters and digits joined by '-'."""
    return re.sub(
        r"[^A-Z0-9]+", "-", receiver.name.upper().encode("ascii", "ignore").decode()
    ).strip("-")


def terrestrial_probability(range_share: Floats) -> Floats:
    """Chance that the nearest base station decodes a report, by distance as a share of range."""
    edge = np.clip((range_share - 0.66) / 0.34, 0, 1)
    return np.asarray(np.where(range_share <= 1, 0.97 - 0.5 * edge, 0.0), np.float64)


def satellite_overhead(t_s: Floats, lon: Floats) -> npt.NDArray[np.bool_]:
    """Whether a satellite is overhead: passes drift westwards with the earth's rotation."""
    phase = (t_s + (lon + 180.0) * 240.0) % SATELLITE_PERIOD_S
    return np.asarray(phase < SATELLITE_PASS_S, np.bool_)


def receive(
    reports: pl.DataFrame,
    coverage: Coverage,
    outages: Outages,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """The reports heard, each with its `station` and `channel`; duplicates for double reception.

    `reports` needs `t_s`, `lat` and `lon` (the broadcast position).
    """
    t_s, lat, lon = (reports[c].to_numpy() for c in ("t_s", "lat", "lon"))
    n = len(t_s)
    receiver, share = coverage.at(lat, lon)
    terrestrial = (rng.random(n) < terrestrial_probability(share)) & ~outages.down(receiver, t_s)
    satellite = ~terrestrial & satellite_overhead(t_s, lon) & (rng.random(n) < SATELLITE_SHARE)
    names = pl.Series(
        [station_id(r) for r in RECEIVERS] + [f"SAT-{i + 1}" for i in range(SATELLITES)]
    )
    satellite_index = len(RECEIVERS) + (t_s // SATELLITE_PERIOD_S) % SATELLITES
    station = np.where(terrestrial, receiver, satellite_index).astype(np.int64)
    channel_a = rng.random(n) < 0.5
    twice = terrestrial & (rng.random(n) < DUPLICATE_SHARE)
    heard = reports.with_columns(
        station=names.gather(station),
        channel=pl.Series(["B", "A"]).gather(channel_a.astype(np.int64)),
        _heard=pl.Series(terrestrial | satellite),
        _twice=pl.Series(twice),
    ).filter(pl.col("_heard"))
    again = heard.filter(pl.col("_twice")).with_columns(pl.col("station") + "-2")
    return pl.concat([heard, again]).drop("_heard", "_twice")


def glitch(positions: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """A rare report with its speed and course "not available", as a GNSS receiver losing its fix
    for a moment sends them: benign, and to be read as such."""
    hit = pl.Series(rng.random(positions.height) < GLITCH_SHARE)
    return positions.with_columns(
        pl.when(~hit).then(pl.col(c)).alias(c) for c in ("sog_knots", "cog_deg")
    )
