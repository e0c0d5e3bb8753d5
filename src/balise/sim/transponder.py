"""What transponders transmit: position reports at the ITU rates and static reports every 6 minutes.

Reporting intervals follow ITU-R M.1371-5 (Annex 1, Table 1 for class A, the class B "CS" rates):
class A at anchor or moored and slower than 3 kn every 3 min, under way up to 14 kn every 10 s,
14-23 kn every 6 s, faster every 2 s; class B every 3 min up to 2 kn, every 30 s above. Static
and voyage data (type 5) and class B static data (type 24) every 6 min. The sampled values carry
the small noise of real sensors: GNSS position scatter, speed and course jitter, a gyro heading that
is not exactly the course over ground.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from balise.model.broadcast import POSITION_REPORT_SCHEMA, STATIC_REPORT_SCHEMA
from balise.sim.motion import (
    ANCHORED,
    MOORED,
    NM_PER_DEG_LAT,
    Floats,
    Ints,
    Samples,
    Segments,
    sample,
)
from balise.sim.plan import HullPlan, StaticState

STATIC_INTERVAL_S = 360.0
WORLD_SPAN_S = 1e9
"""Time key spacing between hulls in the flattened lookups (the world spans far less)."""
GNSS_SCATTER_M = 4.0


def report_interval_s(segments: Segments, chosen: Ints, class_b: npt.NDArray[np.bool_]) -> Floats:
    """The position reporting interval of each chosen segment (ITU-R M.1371-5)."""
    speed = segments.speed_kn[chosen]
    status = segments.status[chosen]
    at_rest = np.isin(status, (ANCHORED, MOORED)) & (speed < 3)
    class_a = np.select([at_rest, speed <= 14, speed <= 23], [180.0, 10.0, 6.0], 2.0)
    b = np.where(speed <= 2, 180.0, 30.0)
    return np.asarray(np.where(class_b[segments.hull[chosen]], b, class_a), np.float64)


@dataclass
class StaticTable:
    """Every hull's broadcast states, flattened for vectorised lookup by (hull, time)."""

    keys: Floats
    states: list[StaticState]
    mmsi: npt.NDArray[np.int64]
    frame: pl.DataFrame
    """One row per state: the broadcast identity and voyage fields."""

    @classmethod
    def of(cls, plans: list[HullPlan]) -> StaticTable:
        keys, states = [], []
        for hull, plan in enumerate(plans):
            for state in plan.statics:
                keys.append(hull * WORLD_SPAN_S + state.from_s)
                states.append(state)
        order = np.argsort(np.asarray(keys), kind="stable")
        ordered = [states[i] for i in order]
        return cls(
            keys=np.asarray(keys, np.float64)[order],
            states=ordered,
            mmsi=np.asarray([s.identity.mmsi for s in ordered], np.int64),
            frame=_state_frame(ordered),
        )

    def lookup(self, hull: Ints, t_s: Floats) -> Ints:
        """Index of the state in force for each (hull, time)."""
        index = np.searchsorted(self.keys, hull * WORLD_SPAN_S + t_s, side="right") - 1
        return np.maximum(index, 0).astype(np.int64)


@dataclass
class Transponders:
    """The hulls' transponder settings: class, timing phase, heading bias."""

    class_b: npt.NDArray[np.bool_]
    phase_s: Floats
    heading_bias_deg: Floats
    statics: StaticTable
    spoofs: list[tuple[int, float, float, float, float]]

    @classmethod
    def of(cls, plans: list[HullPlan], rng: np.random.Generator) -> Transponders:
        spoofs = [
            (hull, s.start_s, s.end_s, s.dlat, s.dlon)
            for hull, plan in enumerate(plans)
            for s in plan.spoofs
        ]
        return cls(
            class_b=np.asarray([p.hull.identity.ais_class == "B" for p in plans], np.bool_),
            phase_s=rng.uniform(0, 180, len(plans)),
            heading_bias_deg=rng.normal(0, 1.5, len(plans)),
            statics=StaticTable.of(plans),
            spoofs=spoofs,
        )


def _state_frame(states: list[StaticState]) -> pl.DataFrame:
    identities = [s.identity for s in states]
    return pl.DataFrame(
        {
            "mmsi": [i.mmsi for i in identities],
            "imo": [i.imo for i in identities],
            "name": [i.name for i in identities],
            "call_sign": [i.call_sign for i in identities],
            "ship_type": [i.ship_type for i in identities],
            "to_bow_m": [i.to_bow_m for i in identities],
            "to_stern_m": [i.to_stern_m for i in identities],
            "to_port_m": [i.to_port_m for i in identities],
            "to_starboard_m": [i.to_starboard_m for i in identities],
            "draught_m": [s.draught_m for s in states],
            "destination": [s.destination for s in states],
            "eta_s": [s.eta_s for s in states],
        },
        schema_overrides={"imo": pl.Int32, "eta_s": pl.Float64, "mmsi": pl.Int64},
    )


def _samples(
    segments: Segments, transponders: Transponders, window: tuple[float, float], static: bool
) -> Samples:
    chosen = segments.overlapping(*window)
    chosen = chosen[segments.transmitting[chosen]]
    if static:
        interval = np.full(len(chosen), STATIC_INTERVAL_S)
    else:
        interval = report_interval_s(segments, chosen, transponders.class_b)
    phase = transponders.phase_s[segments.hull[chosen]] % interval
    return sample(segments, chosen, interval, phase, window)


def position_reports(
    segments: Segments,
    transponders: Transponders,
    window: tuple[float, float],
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Position reports transmitted in `window`, with a `hull` column, in no particular order."""
    found = _samples(segments, transponders, window, static=False)
    hull = segments.hull[found.segment]
    n = len(hull)
    lat, lon = _spoofed(found, hull, transponders)
    scatter = GNSS_SCATTER_M / 1852 / NM_PER_DEG_LAT
    lat = lat + rng.normal(0, scatter, n)
    lon = lon + rng.normal(0, scatter, n) / np.cos(np.radians(lat))
    speed = segments.speed_kn[found.segment]
    moving = speed > 0.3
    sog = np.where(moving, np.maximum(speed + rng.normal(0, 0.15, n), 0), rng.uniform(0, 0.2, n))
    cog = (
        np.where(
            moving,
            segments.course_deg[found.segment] + rng.normal(0, 1.0, n),
            rng.uniform(0, 360, n),
        )
        % 360
    )
    heading = (
        np.round(segments.course_deg[found.segment] + transponders.heading_bias_deg[hull]) % 360
    )
    class_b = transponders.class_b[hull]
    status = segments.status[found.segment]
    msg_type = np.where(class_b, 18, np.where(rng.random(n) < 0.05, 3, 1))
    state = transponders.statics.lookup(hull, found.t_s)
    return pl.DataFrame(
        {
            "hull": hull,
            "mmsi": transponders.statics.mmsi[state],
            "t_s": found.t_s,
            "lat": lat,
            "lon": lon,
            "sog_knots": np.round(sog, 1),
            "cog_deg": np.round(cog, 1),
            "heading_deg": pl.Series(heading.astype(np.int16)).set(pl.Series(class_b), None),
            "nav_status": pl.Series(status.astype(np.int8)).set(pl.Series(class_b), None),
            "msg_type": msg_type.astype(np.int8),
        }
    )


def _spoofed(found: Samples, hull: Ints, transponders: Transponders) -> tuple[Floats, Floats]:
    """The broadcast positions: true positions but during spoofing periods."""
    lat, lon = found.lat.copy(), found.lon.copy()
    for spoofed_hull, start, end, dlat, dlon in transponders.spoofs:
        during = (hull == spoofed_hull) & (found.t_s >= start) & (found.t_s < end)
        lat[during] += dlat
        lon[during] += dlon
    return lat, lon


def static_reports(
    segments: Segments, transponders: Transponders, window: tuple[float, float]
) -> pl.DataFrame:
    """Static reports (type 5 or 24) transmitted in `window`, with `hull`, `t_s` and lat/lon."""
    found = _samples(segments, transponders, window, static=True)
    hull = segments.hull[found.segment]
    states = transponders.statics.frame[transponders.statics.lookup(hull, found.t_s)]
    class_b = transponders.class_b[hull]
    frame = pl.DataFrame(
        {
            "hull": hull,
            "t_s": found.t_s,
            "lat": found.lat,
            "lon": found.lon,
            "msg_type": np.where(class_b, 24, 5).astype(np.int8),
        }
    ).hstack(states)
    voyage_only = pl.col("msg_type") == 5
    return frame.with_columns(
        pl.when(voyage_only).then(pl.col(c)).alias(c)
        for c in ("imo", "draught_m", "destination", "eta_s")
    )


def conform_reports(
    frame: pl.DataFrame, schema: dict[str, pl.DataType], start: np.datetime64
) -> pl.DataFrame:
    """Reports with absolute UTC times (`t_s` seconds after `start`) and exactly `schema`."""
    start_us = int(start.astype("datetime64[us]").astype(np.int64))
    timed = frame.with_columns(
        (pl.col("t_s") * 1e6 + start_us)
        .cast(pl.Int64)
        .cast(pl.Datetime("us", "UTC"))
        .alias("timestamp")
    )
    if "eta_s" in frame.columns:
        timed = timed.with_columns(
            (pl.col("eta_s") * 1e6 + start_us)
            .cast(pl.Int64)
            .cast(pl.Datetime("us", "UTC"))
            .alias("eta")
        )
    return timed.select(
        (pl.col(c) if c in timed.columns else pl.lit(None)).cast(t).alias(c)
        for c, t in schema.items()
    )


__all__ = [
    "POSITION_REPORT_SCHEMA",
    "STATIC_REPORT_SCHEMA",
    "StaticTable",
    "Transponders",
    "conform_reports",
    "position_reports",
    "report_interval_s",
    "static_reports",
]
