"""Reefer anomaly: the temperature or light pattern an opened or tampered reefer gives.

Reefers of fruit carry much of the cocaine seized in Europe, hidden in the cargo or in the
refrigeration unit itself (Operation TIN CAN, WCO/UNODC 2022; research note, §3.3). An opened
reefer shows in its readings (telemetry `temperature_c`, `light_lux`; reefer measurements with
their `setpoint_c`): warm air flows in, light reaches the sensor. Per reefer (a box with an ISO
type group `R`, reefer measurements or a set point), readings are anomalous when:

- `warm`: the temperature is `max_deviation_c` or more from the set point in force (the latest
  reported before the reading), or, with no set point known, it jumped by `jump_c` or more since
  the previous reading at most `jump_minutes` before and stays that much above the level before
  the jump — both sustained over `min_readings` consecutive readings, since a defrost cycle
  warms the air for a short while;
- `light`: light inside the box reaches `light_lux` while no stuffing, stripping or inspection is
  recorded within `handling_window_hours` (one reading is enough: a closed box is dark).

Anomalous readings of a box within `episode_hours` of each other make one event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from balise.cargo.findings import Finding, events_of, hours, iso, noisy_or, rounded
from balise.cargo.phases import timelines

KIND: Final = "reefer_anomaly"


@dataclass(frozen=True)
class ReeferParams:
    """Thresholds of the reefer rule (docs/detectors.md#reefer_anomaly)."""

    max_deviation_c: float = 5.0
    """Degrees (°C) from the set point that are anomalous: reefer units hold the set point
    within about ±0.5 °C in steady state (ISO 1496-2 test tolerance is of that order); a
    defrost or a door opened for minutes moves the air by several degrees. Judgement."""
    jump_c: float = 4.0
    """A rise (°C) between consecutive readings that is anomalous when no set point is known.
    Judgement."""
    jump_minutes: float = 120.0
    """… when the readings are at most this far apart (min)."""
    min_readings: int = 2
    """Consecutive warm readings that make an anomaly: a defrost cycle lasts 20-45 min and
    warms a single reading. Judgement."""
    light_lux: float = 5.0
    """Light inside the box (lux) that means an opening: inside a closed box it is 0; 5 lux is
    a dim room's light. Judgement."""
    handling_window_hours: float = 6.0
    """A stuffing, stripping or inspection within this many hours explains light. Judgement."""
    episode_hours: float = 6.0
    """Anomalous readings within this many hours of each other are one event. Judgement."""
    score_warm: float = 0.4
    """Score of a warm episode. Judgement."""
    score_light: float = 0.6
    """Score of light inside the box. Judgement."""
    confidence: float = 0.6
    """Confidence: sensors fail, set points change on instruction. Judgement."""


def _readings(telemetry: pl.DataFrame | None, events: pl.DataFrame | None) -> pl.DataFrame:
    """container_number, time, temperature_c, setpoint_c, light_lux, lat, lon of every reading,
    the set point carried forward per box, sorted by box and time."""
    parts = []
    schema: dict[str, pl.DataType] = {
        "container_number": pl.String(),
        "time": pl.Datetime("us", "UTC"),
        "temperature_c": pl.Float64(),
        "setpoint_c": pl.Float64(),
        "light_lux": pl.Float64(),
        "lat": pl.Float64(),
        "lon": pl.Float64(),
    }
    if telemetry is not None and not telemetry.is_empty():
        parts.append(
            telemetry.select(
                "container_number",
                "time",
                "temperature_c",
                pl.lit(None, pl.Float64).alias("setpoint_c"),
                "light_lux",
                "lat",
                "lon",
            )
        )
    if events is not None and not events.is_empty():
        reefer = events.filter(
            (pl.col("event_kind") == "REEFER")
            | pl.col("setpoint_c").is_not_null()
            | pl.col("temperature_c").is_not_null()
        )
        parts.append(
            reefer.select(
                "container_number",
                pl.col("event_time").alias("time"),
                "temperature_c",
                "setpoint_c",
                pl.lit(None, pl.Float64).alias("light_lux"),
                "lat",
                "lon",
            )
        )
    if not parts:
        return pl.DataFrame(schema=schema)
    return (
        pl.concat([p.cast(schema) for p in parts], how="vertical")  # type: ignore[arg-type]
        .drop_nulls(["container_number", "time"])
        .sort("container_number", "time")
        .with_columns(pl.col("setpoint_c").forward_fill().over("container_number"))
    )


def _reefers(events: pl.DataFrame | None, readings: pl.DataFrame) -> set[str]:
    """Boxes that are reefers: ISO type group R, reefer measurements or a set point."""
    boxes = set(readings.filter(pl.col("setpoint_c").is_not_null())["container_number"].to_list())
    if events is not None and not events.is_empty():
        typed = events.filter(
            (pl.col("iso_equipment_code").str.slice(2, 1) == "R")
            | (pl.col("event_kind") == "REEFER")
        )
        boxes |= set(typed["container_number"].drop_nulls().to_list())
    return boxes


def detect_reefer_anomalies(
    telemetry: pl.DataFrame | None,
    container_events: pl.DataFrame | None,
    params: ReeferParams | None = None,
) -> pl.DataFrame:
    """`reefer_anomaly` events (`EVENT_SCHEMA`) of the reefers' readings: `telemetry`
    (`TELEMETRY_SCHEMA`) and reefer measurements in `container_events`."""
    params = params or ReeferParams()
    readings = _readings(telemetry, container_events)
    reefers = _reefers(container_events, readings)
    lines = timelines(container_events)
    findings = []
    for (box,), group in readings.filter(
        pl.col("container_number").is_in(sorted(reefers))
    ).group_by("container_number", maintain_order=True):
        line = lines.get(str(box))
        flagged = _flagged(list(group.iter_rows(named=True)), params, line)
        findings += [_finding(str(box), episode, params) for episode in _episodes(flagged, params)]
    return events_of(KIND, findings, params)


def _flagged(rows: list[dict[str, Any]], params: ReeferParams, line: Any) -> list[dict[str, Any]]:
    """The anomalous readings of one box, each with its `why` (list of `warm`, `light`)."""
    warm = [False] * len(rows)
    baseline: float | None = None
    for n, row in enumerate(rows):
        temp, setpoint = row["temperature_c"], row["setpoint_c"]
        if temp is None:
            continue
        if setpoint is not None:
            warm[n] = abs(temp - setpoint) >= params.max_deviation_c
            continue
        previous = rows[n - 1] if n else None
        if baseline is None and previous is not None and previous["temperature_c"] is not None:
            close = hours(previous["time"], row["time"]) * 60 <= params.jump_minutes
            if close and temp - previous["temperature_c"] >= params.jump_c:
                baseline = previous["temperature_c"]
        warm[n] = baseline is not None and temp - baseline >= params.jump_c
        if not warm[n]:
            baseline = None
    sustained = _sustained(warm, params.min_readings)
    flagged = []
    for n, row in enumerate(rows):
        why = ["warm"] if sustained[n] else []
        light = row["light_lux"]
        if (
            light is not None
            and light >= params.light_lux
            and not (
                line is not None and line.handled_near(row["time"], params.handling_window_hours)
            )
        ):
            why.append("light")
        if why:
            flagged.append(row | {"why": why})
    return flagged


def _sustained(flags: list[bool], count: int) -> list[bool]:
    """`flags` kept only in runs of at least `count` consecutive."""
    kept = [False] * len(flags)
    n = 0
    while n < len(flags):
        if not flags[n]:
            n += 1
            continue
        end = n
        while end < len(flags) and flags[end]:
            end += 1
        if end - n >= count:
            kept[n:end] = [True] * (end - n)
        n = end
    return kept


def _episodes(flagged: list[dict[str, Any]], params: ReeferParams) -> list[list[dict[str, Any]]]:
    episodes: list[list[dict[str, Any]]] = []
    for row in flagged:
        if episodes and hours(episodes[-1][-1]["time"], row["time"]) <= params.episode_hours:
            episodes[-1].append(row)
        else:
            episodes.append([row])
    return episodes


def _finding(box: str, episode: list[dict[str, Any]], params: ReeferParams) -> Finding:
    kinds = sorted({w for row in episode for w in row["why"]})
    temps = [r["temperature_c"] for r in episode if r["temperature_c"] is not None]
    lights = [r["light_lux"] for r in episode if r["light_lux"] is not None and "light" in r["why"]]
    setpoint = next((r["setpoint_c"] for r in episode if r["setpoint_c"] is not None), None)
    reasons = []
    if "warm" in kinds:
        against = f"set point {setpoint:g} °C" if setpoint is not None else "the readings before"
        worst = max(temps, key=lambda t: abs(t - (setpoint or 0.0)))
        reasons.append(f"temperature reached {worst:.1f} °C against {against}")
    if "light" in kinds:
        reasons.append(
            f"light inside the box ({max(lights):.0f} lux) with no stuffing, stripping "
            f"or inspection recorded"
        )
    located = next((r for r in episode if r["lat"] is not None), None)
    weights = [params.score_warm if k == "warm" else params.score_light for k in kinds]
    return Finding(
        container=box,
        key=iso(episode[0]["time"]) or "",
        start=episode[0]["time"],
        end=episode[-1]["time"],
        confidence=params.confidence,
        score=noisy_or(weights),
        reasons=reasons,
        evidence={
            "kinds": kinds,
            "readings": len(episode),
            "setpoint_c": setpoint,
            "max_temperature_c": rounded(max(temps)) if temps else None,
            "min_temperature_c": rounded(min(temps)) if temps else None,
            "max_light_lux": rounded(max(lights)) if lights else None,
        },
        lat=located["lat"] if located else None,
        lon=located["lon"] if located else None,
    )
