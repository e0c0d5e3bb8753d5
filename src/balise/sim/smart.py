"""Where a box is at any time, and what a smart box's device reports.

A box is at its shipper's, on a truck to the port, at the terminal, aboard its ship (the ship's
true track: the device follows the AIS track), at a hub's terminal, aboard the next ship, at the
terminal of discharge, on a truck to its consignee (straight line at truck speed, with any stop)
and at its consignee's. The device of a smart box reports every hour, every quarter of an hour
on the truck to its consignee (trackers report more often in motion), and at every door opening
and closing: position, door contact, light inside the box (lux), temperature (°C: a reefer holds
its setpoint within ±0.3 °C), relative humidity (%), shock (g: crane moves 1.5-3.5 g) and
battery (%).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Final

import numpy as np
import polars as pl

from balise.sim.boxes import HOUR_S, Box, road_hours
from balise.sim.calls import CallIndex
from balise.sim.motion import Floats
from balise.sim.places import port

Where = Callable[[Floats], tuple[Floats, Floats]]
OFF_VESSEL_KN: Final = 20.0
"""Speed of the boat that takes a box's device away from its ship."""
BATTERY_PER_HOUR: Final = 0.02
"""Battery used per hour of hourly reporting (%): a device lasts about six months."""
ROAD_REPORT_S: Final = 900.0
"""Seconds between reports on the truck from the terminal to the consignee."""


def _still(lat: float, lon: float) -> Where:
    return lambda t: (np.full(len(t), lat), np.full(len(t), lon))


def _line(t0: float, t1: float, a: tuple[float, float], b: tuple[float, float]) -> Where:
    def where(t: Floats) -> tuple[Floats, Floats]:
        share = np.clip((t - t0) / max(t1 - t0, 1.0), 0.0, 1.0)
        return a[0] + share * (b[0] - a[0]), a[1] + share * (b[1] - a[1])

    return where


def stages(box: Box, calls: CallIndex) -> list[tuple[float, float, Where]]:
    """The box's whereabouts as (from, until, where) in time order."""
    out: list[tuple[float, float, Where]] = []
    first = port(box.first_port)
    origin = box.origin[2], box.origin[3]
    truck_in = box.gate_in_s - road_hours(*origin, first.lat, first.lon) * HOUR_S
    if box.stuffed_s is not None:
        out += [
            (-np.inf, truck_in, _still(*origin)),
            (
                truck_in,
                box.gate_in_s,
                _line(truck_in, box.gate_in_s, origin, (first.lat, first.lon)),
            ),
        ]
    ashore_since = box.gate_in_s if box.stuffed_s is not None else -np.inf
    for lg in box.legs:
        here = port(lg.load.locode)
        out.append((ashore_since, lg.loaded_s, _still(here.lat, here.lon)))
        out += _aboard(box, calls, lg.load.plan, lg.loaded_s, lg.discharged_s)
        ashore_since = lg.discharged_s
    last = port(box.last_port)
    left = box.gate_outs[-1][0] if box.gate_outs else np.inf
    out.append((ashore_since, left, _still(last.lat, last.lon)))
    if box.gate_outs:
        out += _road(box, left, (last.lat, last.lon))
    return out


def _aboard(
    box: Box, calls: CallIndex, plan: int, loaded_s: float, discharged_s: float
) -> list[tuple[float, float, Where]]:
    def ship(t: Floats) -> tuple[Floats, Floats]:
        return calls.position(plan, t)

    if box.off_vessel is None or not loaded_s <= box.off_vessel[0] < discharged_s:
        return [(loaded_s, discharged_s, ship)]
    t0, to_lat, to_lon = box.off_vessel
    lat0, lon0 = (float(v[0]) for v in calls.position(plan, np.array([t0])))
    t1 = t0 + 25.0 / OFF_VESSEL_KN * HOUR_S
    return [
        (loaded_s, t0, ship),
        (t0, t1, _line(t0, t1, (lat0, lon0), (to_lat, to_lon))),
        (t1, np.inf, _still(to_lat, to_lon)),
    ]


def _road(box: Box, left: float, here: tuple[float, float]) -> list[tuple[float, float, Where]]:
    there = box.delivery[2], box.delivery[3]
    arrive = box.delivered_s or left
    if box.truck_stop is None:
        return [(left, arrive, _line(left, arrive, here, there)), (arrive, np.inf, _still(*there))]
    s0, s1, lat, lon = box.truck_stop
    return [
        (left, s0, _line(left, s0, here, (lat, lon))),
        (s0, s1, _still(lat, lon)),
        (s1, arrive, _line(s1, arrive, (lat, lon), there)),
        (arrive, np.inf, _still(*there)),
    ]


def positions(box: Box, calls: CallIndex, t: Floats) -> tuple[Floats, Floats]:
    """Where the box is at times `t`; after an off-vessel departure, where its device is."""
    lat, lon = np.full(len(t), np.nan), np.full(len(t), np.nan)
    for since, until, where in stages(box, calls):
        inside = (t >= since) & (t < until) & np.isnan(lat)
        if inside.any():
            lat[inside], lon[inside] = where(t[inside])
    return lat, lon


def _times(box: Box, end_s: float) -> Floats:
    first = box.stuffed_s if box.stuffed_s is not None else box.gate_in_s
    last = min((box.stripped_s or end_s) + 2 * HOUR_S, end_s)
    since = max(np.ceil(first / HOUR_S) * HOUR_S, 0.0)
    hourly = np.arange(since, last, HOUR_S)
    road = np.zeros(0)
    if box.gate_outs and box.delivered_s is not None:
        left = max(np.ceil(box.gate_outs[-1][0] / ROAD_REPORT_S) * ROAD_REPORT_S, since)
        road = np.arange(left, min(box.delivered_s, last), ROAD_REPORT_S)
    doors = [t for d in box.doors for t in (d.start_s, d.end_s) if 0 <= t < end_s]
    # whole seconds, as the events' times: a door's reading has its event's time
    return np.unique(np.round(np.concatenate([hourly, road, np.array(doors, np.float64)])))


def readings(box: Box, calls: CallIndex, end_s: float, rng: np.random.Generator) -> pl.DataFrame:
    """The device readings of a smart box inside the window."""
    t = _times(box, end_s)
    lat, lon = positions(box, calls, t)
    door = np.zeros(len(t), bool)
    lux = rng.uniform(0, 0.4, len(t))
    for d in box.doors:
        inside = (t >= round(d.start_s)) & (t < round(d.end_s))
        door |= inside
        lux[inside] = d.lux * rng.uniform(0.8, 1.2, int(inside.sum()))
    hour = (t / HOUR_S + lon / 15.0) % 24  # local solar hour
    setpoint = box.setpoint_c
    if setpoint is not None:
        temperature = setpoint + rng.normal(0, 0.12, len(t))
        if box.reefer_jump is not None:
            since = (t - box.reefer_jump[0]) / HOUR_S
            rise = np.where(since < 1, np.clip(since, 0, 1), np.exp(-(since - 1) / 3.0))
            temperature += box.reefer_jump[1] * np.where(since >= 0, rise, 0.0)
        humidity = rng.uniform(85, 95, len(t))
    else:
        temperature = 29 - 0.3 * np.abs(lat) + 4 * np.sin((hour - 9) / 24 * 2 * np.pi)
        temperature += rng.normal(0, 0.5, len(t))
        humidity = rng.uniform(60, 88, len(t))
    shock = rng.uniform(0.01, 0.15, len(t))
    moves = [x for lg in box.legs for x in (lg.loaded_s, lg.discharged_s)]
    moves += [box.gate_in_s, *(g[0] for g in box.gate_outs)]
    for move in moves:
        near = np.abs(t - move) < HOUR_S / 2
        shock[near] = rng.uniform(1.5, 3.5, int(near.sum()))
    first = box.stuffed_s if box.stuffed_s is not None else box.gate_in_s
    battery = np.clip(100 - BATTERY_PER_HOUR * (t - first) / HOUR_S, 5, 100)
    return pl.DataFrame(
        {
            "container_number": [box.number] * len(t),
            "t_s": t,
            "lat": np.round(lat, 5),
            "lon": np.round(lon, 5),
            "door_open": door,
            "light_lux": np.round(lux, 1),
            "temperature_c": np.round(temperature, 2),
            "humidity": np.round(humidity, 1),
            "shock_g": np.round(shock, 2),
            "battery": np.round(battery, 1),
        }
    )


def telemetry(
    boxes: list[Box], calls: CallIndex, start: datetime, end_s: float, rng: np.random.Generator
) -> pl.DataFrame:
    """Every reading of every smart box in the window, in time order (TELEMETRY_SCHEMA's
    columns but source; times ISO 8601 UTC)."""
    frames = [readings(b, calls, end_s, rng) for b in boxes if b.smart]
    frames = [f for f in frames if f.height]
    if not frames:
        return pl.DataFrame(schema={"container_number": pl.String, "time": pl.String})
    start_us = int(np.datetime64(start.replace(tzinfo=None), "us").astype(np.int64))
    return (
        pl.concat(frames)
        .sort("t_s", "container_number")
        .with_columns(
            time=(pl.col("t_s") * 1e6 + start_us)
            .cast(pl.Int64)
            .cast(pl.Datetime("us", "UTC"))
            .dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        )
        .select(
            "container_number",
            "time",
            "lat",
            "lon",
            "door_open",
            "light_lux",
            "temperature_c",
            "humidity",
            "shock_g",
            "battery",
        )
    )
