"""Container clone: one container number carried by two boxes.

A cloned box wears a real box's number (self-adhesive characters, a forged CSC plate, a stolen
seal) so that it passes as the known one while the drugs travel in it; the two are switched at a
port (TT Club / UK P&I, "Containers displaying false identification references"). A check digit
does not catch it: the number is real. What gives it away is its history (research note, §3.2):

- `impossible_travel`: the number observed at two places further apart than any container could
  travel in the time between (Track & Trace events with a position or a port's position, and
  the box's own telemetry); one event per episode of such pairs;
- `size_type_mismatch`: ISO 6346 size and type codes that a single box cannot have in one
  history (a 20-foot box reported as a 40-foot one, a reefer as a dry box). The size code (first
  two characters) is compared always, the type group letter when both codes have one (the
  1984 numeric codes are left to the size).

The owner code is not compared with the carrier: carriers load leased (`TGHU`, `TCNU`, ...) and
shipper-owned boxes every day, so it says nothing on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import polars as pl

from balise.cargo.findings import Finding, events_of, hours, iso, related_of, rounded
from balise.cargo.journey import actual_equipment_events
from balise.cargo.ports import port_position
from balise.geo.sphere import haversine_km

KIND: Final = "container_clone"


@dataclass(frozen=True)
class CloneParams:
    """Thresholds of the clone rules (docs/detectors.md#container_clone)."""

    max_speed_kmh: float = 120.0
    """Fastest average a container can make between two observations (km/h): freight trains run
    at up to 100-120 km/h, trucks are limited to 90 km/h in the EU (Directive 92/6/EEC), ships
    to about 25 kn (46 km/h); containers do not fly. Faster means two boxes."""
    min_distance_km: float = 50.0
    """Two observations closer than this (km) are never judged: a port's UN/LOCODE position can
    be 30 km from its outer terminals (Rotterdam's Maasvlakte)."""
    episode_days: float = 30.0
    """Impossible pairs within this many days of each other make one event. Judgement."""
    confidence_travel: float = 0.7
    """Confidence of an impossible-travel event: a wrong event position or clock does the same,
    so it is not proof. Judgement."""
    confidence_size_type: float = 0.6
    """Confidence of a size/type mismatch: a mistyped code does the same. Judgement."""
    score_travel: float = 0.7
    """Score of an impossible-travel event. Judgement."""
    score_size_type: float = 0.5
    """Score of a size/type mismatch. Judgement."""


def detect_container_clones(
    container_events: pl.DataFrame,
    telemetry: pl.DataFrame | None = None,
    params: CloneParams | None = None,
) -> pl.DataFrame:
    """`container_clone` events (`EVENT_SCHEMA`) of the container events
    (`CONTAINER_EVENT_SCHEMA`) and the telemetry (`TELEMETRY_SCHEMA`, optional)."""
    params = params or CloneParams()
    observed = _observations(container_events, telemetry)
    findings = [*_travel_findings(observed, params), *_type_findings(container_events, params)]
    return events_of(KIND, findings, params)


def _observations(events: pl.DataFrame, telemetry: pl.DataFrame | None) -> pl.DataFrame:
    """container_number, time, lat, lon, what (event code or `telemetry`), place (port or
    None), vessel_mmsi of every located observation, sorted by container and time."""
    actual = actual_equipment_events(events)
    positions = {p: port_position(p) for p in actual["unlocode"].drop_nulls().unique().to_list()}
    lat = [
        row[0] if row[0] is not None else (positions.get(row[2]) or (None, None))[0]
        for row in actual.select("lat", "lon", "unlocode").iter_rows()
    ]
    lon = [
        row[1] if row[1] is not None else (positions.get(row[2]) or (None, None))[1]
        for row in actual.select("lat", "lon", "unlocode").iter_rows()
    ]
    from_events = actual.select(
        "container_number",
        pl.col("event_time").alias("time"),
        pl.Series("lat", lat, pl.Float64),
        pl.Series("lon", lon, pl.Float64),
        pl.col("event_code").alias("what"),
        pl.col("unlocode").alias("place"),
        pl.col("vessel_mmsi"),
    )
    parts = [from_events]
    if telemetry is not None and not telemetry.is_empty():
        parts.append(
            telemetry.select(
                "container_number",
                "time",
                "lat",
                "lon",
                pl.lit("telemetry").alias("what"),
                pl.lit(None, pl.String).alias("place"),
                pl.lit(None, pl.Int64).alias("vessel_mmsi"),
            )
        )
    return (
        pl.concat(parts, how="vertical_relaxed")
        .drop_nulls(["container_number", "time", "lat", "lon"])
        .sort("container_number", "time", "what")
    )


def _pairs(observed: pl.DataFrame, params: CloneParams) -> pl.DataFrame:
    """Consecutive observations of one number too far apart for the time between."""
    previous = [
        pl.col(c).shift(1).over("container_number").alias(f"prev_{c}")
        for c in ("time", "lat", "lon", "what", "place")
    ]
    pairs = observed.with_columns(previous).drop_nulls(["prev_time"])
    km = haversine_km(
        pairs["prev_lat"].to_numpy(),
        pairs["prev_lon"].to_numpy(),
        pairs["lat"].to_numpy(),
        pairs["lon"].to_numpy(),
    )
    pairs = pairs.with_columns(pl.Series("km", km, pl.Float64)).with_columns(
        ((pl.col("time") - pl.col("prev_time")).dt.total_microseconds() / 3.6e9).alias("h")
    )
    speed = pl.col("km") / pl.col("h")
    too_fast = (pl.col("h") <= 0) | (speed > params.max_speed_kmh)
    return pairs.filter((pl.col("km") >= params.min_distance_km) & too_fast).with_columns(
        pl.when(pl.col("h") > 0).then(speed).alias("speed_km_per_hour")
    )


def _travel_findings(observed: pl.DataFrame, params: CloneParams) -> list[Finding]:
    """One finding per container and episode of impossible pairs."""
    if observed.height < 2:
        return []
    findings = []
    pairs = _pairs(observed, params)
    for (box,), group in pairs.group_by("container_number", maintain_order=True):
        episode: list[dict[str, Any]] = []
        for pair in group.iter_rows(named=True):
            if episode and hours(episode[-1]["time"], pair["prev_time"]) > params.episode_days * 24:
                findings.append(_travel_finding(str(box), episode, params))
                episode = []
            episode.append(pair)
        findings.append(_travel_finding(str(box), episode, params))
    return findings


def _where(what: str, place: str | None, lat: float, lon: float) -> str:
    return f"{what.lower()} at {place}" if place else f"{what.lower()} at {lat:.3f}, {lon:.3f}"


def _travel_finding(box: str, pairs: list[dict[str, Any]], params: CloneParams) -> Finding:
    first = pairs[0]
    speed = first["speed_km_per_hour"]
    pace = f"{speed:.0f} km/h" if speed is not None else "no time at all"
    reasons = [
        f"seen {_where(*(first[f'prev_{k}'] for k in ('what', 'place', 'lat', 'lon')))} and "
        f"{_where(first['what'], first['place'], first['lat'], first['lon'])}, "
        f"{first['km']:.0f} km apart in {first['h']:.1f} h ({pace})",
    ]
    if len(pairs) > 1:
        reasons.append(f"{len(pairs)} impossible moves in all")
    return Finding(
        container=box,
        key=f"travel|{iso(first['prev_time'])}",
        start=first["prev_time"],
        end=pairs[-1]["time"],
        confidence=params.confidence_travel,
        score=params.score_travel,
        reasons=reasons,
        evidence={
            "rule": "impossible_travel",
            "pairs": [
                {
                    "from": {
                        "time": iso(p["prev_time"]),
                        "what": p["prev_what"],
                        "place": p["prev_place"],
                        "lat": rounded(p["prev_lat"], 4),
                        "lon": rounded(p["prev_lon"], 4),
                    },
                    "to": {
                        "time": iso(p["time"]),
                        "what": p["what"],
                        "place": p["place"],
                        "lat": rounded(p["lat"], 4),
                        "lon": rounded(p["lon"], 4),
                    },
                    "km": rounded(p["km"], 1),
                    "hours": rounded(p["h"], 2),
                    "speed_km_per_hour": rounded(p["speed_km_per_hour"], 1),
                }
                for p in pairs[:10]
            ],
            "impossible_moves": len(pairs),
        },
        lat=first["lat"],
        lon=first["lon"],
        related=related_of("vessel", [p["vessel_mmsi"] for p in pairs]),
    )


def _size_type(code: str) -> tuple[str, str | None]:
    """(size code, type group letter or None) of an ISO 6346 size and type code."""
    code = code.strip().upper()
    group = code[2] if len(code) >= 3 and code[2].isalpha() else None
    return code[:2], group


def _type_findings(events: pl.DataFrame, params: CloneParams) -> list[Finding]:
    """One finding per container whose history holds incompatible size/type codes."""
    coded = actual_equipment_events(events).drop_nulls(["iso_equipment_code"])
    findings = []
    for (box,), group in coded.group_by("container_number", maintain_order=True):
        rows = list(group.iter_rows(named=True))
        clash = _first_clash(rows)
        if clash is not None:
            findings.append(_type_finding(str(box), rows, clash, params))
    return findings


def _first_clash(rows: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The first event whose code cannot be the same box as an earlier one, with that one."""
    for n, row in enumerate(rows):
        size, group = _size_type(row["iso_equipment_code"])
        for earlier in rows[:n]:
            size0, group0 = _size_type(earlier["iso_equipment_code"])
            if size != size0 or (group and group0 and group != group0):
                return earlier, row
    return None


def _type_finding(
    box: str,
    rows: list[dict[str, Any]],
    clash: tuple[dict[str, Any], dict[str, Any]],
    params: CloneParams,
) -> Finding:
    earlier, later = clash
    place = port_position(later["unlocode"]) if later["unlocode"] else None
    codes: dict[str, list[str]] = {}
    for row in rows:
        codes.setdefault(row["iso_equipment_code"], []).append(iso(row["event_time"]) or "")
    start: datetime = later["event_time"]
    return Finding(
        container=box,
        key=f"size_type|{iso(start)}",
        start=start,
        end=rows[-1]["event_time"],
        confidence=params.confidence_size_type,
        score=params.score_size_type,
        reasons=[
            f"reported as {earlier['iso_equipment_code']} at {earlier['unlocode'] or '?'} "
            f"({iso(earlier['event_time'])}) and as {later['iso_equipment_code']} at "
            f"{later['unlocode'] or '?'} ({iso(start)}): one box cannot be both"
        ],
        evidence={
            "rule": "size_type_mismatch",
            "codes": {
                code: {"events": len(times), "first": min(times), "last": max(times)}
                for code, times in codes.items()
            },
        },
        lat=later["lat"] if later["lat"] is not None else (place[0] if place else None),
        lon=later["lon"] if later["lon"] is not None else (place[1] if place else None),
        related=related_of("vessel", [r["vessel_mmsi"] for r in rows]),
    )
