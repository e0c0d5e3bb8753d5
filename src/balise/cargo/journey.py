"""Journeys of containers: per box and trip, its legs on vessels, the ports it waited at between
them, how long, how far its routing strays from the direct route, and what changed on the way.

A **trip** runs from the box being filled to it being emptied: it opens at a stuffing (`STUFFED`)
or at the first laden event after an empty spell, taking in the empty pickup just before it
(`PICKED_UP` or `GATED_OUT` while empty), and closes at the stripping (`STRIPPED`) or at the next
empty event. Events with no empty/laden state (customs, inspection) join the open trip. Only
actual events count (classifier `ACT` or none): planned and estimated times are not where a box
was.

A **leg** is a `LOADED` and the next `DISCHARGED` (a vessel, barge or rail move), with the vessel
of the load (else of the discharge). A chain that starts with a discharge has a leg without a load
port. A **stop** is the port between two legs, with its **dwell** (discharge to next load); it is
a **transshipment** when the box is loaded again at the port it was discharged at, or the events
flag a transshipment move.

The **origin** is where the box was stuffed, else where it was picked up empty, else the first
port it is seen at; `custody_from` says which (`stuffing`, `empty_pickup`, `laden`: a chain of
custody that starts with a laden box, origin unknown). The **detour ratio** is the sum of the
distances of the legs (and between a discharge port and the next load port when they differ) over
the distance from the first load port to the last discharge port, with the `PortDistance` given:
great-circle by default (a ratio of great circles, which understates detours round a continent),
or `balise.cargo.ports.sea_route_km` for sea routes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import polars as pl

from balise.cargo.findings import hours
from balise.cargo.ports import PortDistance, great_circle_km, port_position
from balise.geo.sphere import haversine_km
from balise.model.schema import UTC_TIME

EMPTY_PICKUP: Final = ("PICKED_UP", "GATED_OUT")
"""Equipment codes that, on an empty box, are its pickup for the next trip."""
FILLED: Final = ("STUFFED", "STRIPPED")
"""Codes that are acts on the cargo: the box is laden while they happen."""
DELIVERED: Final = ("STRIPPED", "GATED_OUT", "DROPPED_OFF", "HANDED_OVER", "PICKED_UP")
"""Codes that, after the last discharge, say the box left the destination terminal."""
MIN_DIRECT_KM: Final = 3000.0
"""Below this first-to-last port distance (km, the direct sea route) no detour ratio is given:
the ratio is meant for ocean crossings, and a regional trip through a hub is ordinary
hub-and-spoke feeder service (Manzanillo–Kingston–Cartagena is 4.8 times the direct route,
Barranquilla–Kingston–Caucedo 1.6; the Caribbean basin spans about 3,000 km). Raised from
100 km after the synthetic worlds' development seeds (`bench/cargo_quality.py`), where such
feeder trips through a watched hub made most false shell games."""


@dataclass(frozen=True)
class Leg:
    """One move of the box on a vessel (or barge, or train): load to discharge."""

    leg: int
    load_port: str | None
    discharge_port: str | None
    loaded_at: datetime | None
    discharged_at: datetime | None
    vessel_imo: int | None
    vessel_mmsi: int | None
    vessel_name: str | None
    voyage: str | None
    mode: str | None
    transshipment: bool


@dataclass(frozen=True)
class Stop:
    """A port between two legs, where the box waited."""

    port: str | None
    next_port: str | None
    arrived: datetime | None
    departed: datetime | None
    dwell_hours: float | None
    transshipment: bool
    vessel_changed: bool


@dataclass(frozen=True)
class Change:
    """Something that changed on the box during a trip: a seal, its bill of lading."""

    time: datetime
    port: str | None
    code: str | None
    before: tuple[str, ...]
    after: tuple[str, ...]
    mid_route: bool
    """After the first load and before the last discharge of the trip."""


@dataclass(frozen=True)
class Journey:
    """One trip of one container; see the module docstring."""

    container: str
    trip: int
    start: datetime
    end: datetime
    origin: str | None
    origin_lat: float | None
    origin_lon: float | None
    custody_from: str
    first_code: str | None
    first_port: str | None
    destination: str | None
    complete: bool
    legs: tuple[Leg, ...]
    stops: tuple[Stop, ...]
    bills_of_lading: tuple[str, ...]
    redocumented: tuple[Change, ...]
    seal_changes: tuple[Change, ...]
    handled_mid_route: tuple[tuple[str, str | None, datetime], ...]
    """(code, port, time) of stuffings and strippings between the first load and last
    discharge: the cargo was touched at an intermediate port."""
    iso_codes: tuple[str, ...]
    routed_km: float | None
    direct_km: float | None
    detour_ratio: float | None
    event_ids: tuple[str, ...] = field(default=())

    @property
    def transshipments(self) -> int:
        """Stops where the box changed vessel at one port (or flagged as transshipment)."""
        return sum(1 for s in self.stops if s.transshipment)

    @property
    def vessels(self) -> tuple[int, ...]:
        """MMSIs (else IMOs) of the vessels of the legs, in order, once each."""
        seen: list[int] = []
        for leg in self.legs:
            vessel = leg.vessel_mmsi or leg.vessel_imo
            if vessel is not None and vessel not in seen:
                seen.append(vessel)
        return tuple(seen)

    def vessel_at(self, moment: datetime) -> Leg | None:
        """The leg the box was aboard at `moment` (between its load and discharge)."""
        for leg in self.legs:
            if leg.loaded_at is None or leg.loaded_at > moment:
                continue
            if leg.discharged_at is None or moment <= leg.discharged_at:
                return leg
        return None


def actual_equipment_events(events: pl.DataFrame) -> pl.DataFrame:
    """The actual equipment events of `events` (`CONTAINER_EVENT_SCHEMA`) with a container and
    a time, sorted by container, time and id."""
    classifier = pl.col("classifier").fill_null("ACT").str.to_uppercase()
    return events.filter(
        (pl.col("event_kind").fill_null("EQUIPMENT") == "EQUIPMENT")
        & (classifier == "ACT")
        & pl.col("container_number").is_not_null()
        & pl.col("event_time").is_not_null()
    ).sort("container_number", "event_time", "event_id", nulls_last=True)


def journeys(
    events: pl.DataFrame,
    distance: PortDistance = great_circle_km,
) -> list[Journey]:
    """Every trip of every container of `events` (`CONTAINER_EVENT_SCHEMA`), in container and
    time order; `distance` measures the detour ratio."""
    found: list[Journey] = []
    rows = actual_equipment_events(events)
    for (container,), group in rows.group_by("container_number", maintain_order=True):
        for number, trip in enumerate(_trips(group.iter_rows(named=True))):
            found.append(_journey(str(container), number, trip, distance))
    return found


def _laden(row: dict[str, Any]) -> bool | None:
    """Whether the event says the box is laden (True), empty (False) or does not say (None)."""
    if row["event_code"] in FILLED:
        return True
    state = (row["empty_laden"] or "").upper()
    return {"LADEN": True, "EMPTY": False}.get(state)


def _trips(rows: Iterable[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The events of one container cut into trips (module docstring)."""
    trips: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] | None = None
    pickup: dict[str, Any] | None = None
    for row in rows:
        laden = _laden(row)
        if laden:
            if current is None:
                current = [pickup] if pickup is not None else []
                trips.append(current)
                pickup = None
            current.append(row)
            if row["event_code"] == "STRIPPED":
                current = None
        elif laden is False:
            current = None
            if row["event_code"] in EMPTY_PICKUP:
                pickup = row
        elif current is not None:
            current.append(row)
    return trips


def _legs(rows: Sequence[dict[str, Any]]) -> list[Leg]:
    """The legs of a trip's events, in order."""
    legs: list[Leg] = []
    loaded: dict[str, Any] | None = None
    for row in rows:
        code = row["event_code"]
        if code == "LOADED":
            if loaded is not None and not _same_move(loaded, row):
                legs.append(_leg(len(legs), loaded, None))
            loaded = loaded if loaded is not None and _same_move(loaded, row) else row
        elif code == "DISCHARGED":
            legs.append(_leg(len(legs), loaded, row))
            loaded = None
    if loaded is not None:
        legs.append(_leg(len(legs), loaded, None))
    return legs


def _same_move(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two loads reported for one move (same port and vessel)."""
    keys = ("unlocode", "vessel_imo", "vessel_mmsi")
    return all(a[k] == b[k] for k in keys)


def _leg(number: int, load: dict[str, Any] | None, discharge: dict[str, Any] | None) -> Leg:
    """A leg from its load and discharge events (either may be missing)."""

    def pick(key: str) -> Any:
        for row in (load, discharge):
            if row is not None and row[key] is not None:
                return row[key]
        return None

    return Leg(
        leg=number,
        load_port=load["unlocode"] if load else None,
        discharge_port=discharge["unlocode"] if discharge else None,
        loaded_at=load["event_time"] if load else None,
        discharged_at=discharge["event_time"] if discharge else None,
        vessel_imo=pick("vessel_imo"),
        vessel_mmsi=pick("vessel_mmsi"),
        vessel_name=pick("vessel_name"),
        voyage=pick("voyage"),
        mode=pick("mode"),
        transshipment=any(bool(r["transshipment"]) for r in (load, discharge) if r is not None),
    )


def _stops(legs: Sequence[Leg]) -> list[Stop]:
    """The ports between consecutive legs."""
    stops = []
    for before, after in itertools.pairwise(legs):
        same_port = before.discharge_port is not None and before.discharge_port == after.load_port
        dwell = (
            hours(before.discharged_at, after.loaded_at)
            if before.discharged_at is not None and after.loaded_at is not None
            else None
        )
        stops.append(
            Stop(
                port=before.discharge_port or after.load_port,
                next_port=after.load_port,
                arrived=before.discharged_at,
                departed=after.loaded_at,
                dwell_hours=dwell,
                transshipment=same_port or before.transshipment or after.transshipment,
                vessel_changed=(before.vessel_mmsi, before.vessel_imo)
                != (after.vessel_mmsi, after.vessel_imo),
            )
        )
    return stops


def _route(legs: Sequence[Leg], distance: PortDistance) -> tuple[float | None, float | None]:
    """(routed km, direct km) of the ports of the legs with both ends known, None when there
    are none or the distance of a port is unknown."""
    known = [
        str(p)
        for leg in legs
        if leg.load_port and leg.discharge_port
        for p in (leg.load_port, leg.discharge_port)
    ]
    if len(known) < 2:
        return None, None
    routed = 0.0
    for a, b in itertools.pairwise(known):
        if a == b:
            continue
        step = distance(a, b)
        if step is None:
            return None, None
        routed += step
    return routed, distance(known[0], known[-1])


def _mid_route(rows: Sequence[dict[str, Any]]) -> tuple[datetime | None, datetime | None]:
    """The time of the first load and of the last discharge of a trip's events."""
    loads = [r["event_time"] for r in rows if r["event_code"] == "LOADED"]
    discharges = [r["event_time"] for r in rows if r["event_code"] == "DISCHARGED"]
    return (min(loads) if loads else None), (max(discharges) if discharges else None)


def _between(moment: datetime, window: tuple[datetime | None, datetime | None]) -> bool:
    first, last = window
    return first is not None and last is not None and first < moment < last


def _changes(
    rows: Sequence[dict[str, Any]], values: Any, window: tuple[datetime | None, datetime | None]
) -> list[Change]:
    """Where `values(row)` (a tuple, empty when the event does not say) changes from the last
    stated value."""
    changes: list[Change] = []
    last: tuple[str, ...] = ()
    for row in rows:
        now = values(row)
        if not now:
            continue
        if last and now != last:
            changes.append(
                Change(
                    row["event_time"],
                    row["unlocode"],
                    row["event_code"],
                    last,
                    now,
                    _between(row["event_time"], window),
                )
            )
        last = now
    return changes


def _redocumented(
    rows: Sequence[dict[str, Any]], window: tuple[datetime | None, datetime | None]
) -> list[Change]:
    """Changes of the bill of lading, and events that say their document replaces others."""
    found = _changes(rows, lambda r: (r["bill_of_lading"],) if r["bill_of_lading"] else (), window)
    for row in rows:
        replaced = tuple(sorted(r for r in row["replaces"] or [] if r))
        if replaced and not any(c.time == row["event_time"] for c in found):
            after = (row["bill_of_lading"],) if row["bill_of_lading"] else ()
            found.append(
                Change(
                    row["event_time"],
                    row["unlocode"],
                    row["event_code"],
                    replaced,
                    after,
                    _between(row["event_time"], window),
                )
            )
    return sorted(found, key=lambda c: c.time)


def _origin(rows: Sequence[dict[str, Any]]) -> tuple[dict[str, Any], str]:
    """The event that places the origin, and how custody starts."""
    first_load = next((r for r in rows if r["event_code"] == "LOADED"), None)
    for row in rows:
        if first_load is not None and row["event_time"] > first_load["event_time"]:
            break
        if row["event_code"] == "STUFFED":
            return row, "stuffing"
    if _laden(rows[0]) is False:
        return rows[0], "empty_pickup"
    return rows[0], "laden"


def _journey(
    container: str, number: int, rows: list[dict[str, Any]], distance: PortDistance
) -> Journey:
    """The journey of one trip's events."""
    legs = _legs(rows)
    window = _mid_route(rows)
    origin, custody = _origin(rows)
    routed, direct = _route(legs, distance)
    ratio = routed / direct if routed is not None and direct and direct >= MIN_DIRECT_KM else None
    last_discharge = window[1]
    complete = last_discharge is not None and any(
        r["event_code"] in DELIVERED and r["event_time"] > last_discharge for r in rows
    )
    destination = next((leg.discharge_port for leg in reversed(legs) if leg.discharge_port), None)
    return Journey(
        container=container,
        trip=number,
        start=rows[0]["event_time"],
        end=rows[-1]["event_time"],
        origin=origin["unlocode"],
        origin_lat=origin["lat"],
        origin_lon=origin["lon"],
        custody_from=custody,
        first_code=rows[0]["event_code"],
        first_port=rows[0]["unlocode"],
        destination=destination,
        complete=complete,
        legs=tuple(legs),
        stops=tuple(_stops(legs)),
        bills_of_lading=tuple(
            dict.fromkeys(r["bill_of_lading"] for r in rows if r["bill_of_lading"])
        ),
        redocumented=tuple(_redocumented(rows, window)),
        seal_changes=tuple(
            _changes(rows, lambda r: tuple(sorted(s for s in r["seals"] or [] if s)), window)
        ),
        handled_mid_route=tuple(
            (r["event_code"], r["unlocode"], r["event_time"])
            for r in rows
            if r["event_code"] in FILLED and _between(r["event_time"], window)
        ),
        iso_codes=tuple(
            dict.fromkeys(r["iso_equipment_code"] for r in rows if r["iso_equipment_code"])
        ),
        routed_km=routed,
        direct_km=direct,
        detour_ratio=ratio,
        event_ids=tuple(r["event_id"] for r in rows if r["event_id"]),
    )


TRIP_SCHEMA: Final[dict[str, pl.DataType]] = {
    "container_number": pl.String(),
    "trip": pl.Int64(),
    "start": UTC_TIME,
    "end": UTC_TIME,
    "origin": pl.String(),
    "custody_from": pl.String(),
    "destination": pl.String(),
    "complete": pl.Boolean(),
    "legs": pl.Int64(),
    "transshipments": pl.Int64(),
    "vessels": pl.Int64(),
    "hubs": pl.List(pl.String()),
    "max_dwell_hours": pl.Float64(),
    "bills_of_lading": pl.List(pl.String()),
    "redocumented_mid_route": pl.Boolean(),
    "seal_changes": pl.Int64(),
    "routed_km": pl.Float64(),
    "direct_km": pl.Float64(),
    "detour_ratio": pl.Float64(),
}
"""One row per trip (`journey_frames`)."""


@dataclass(frozen=True)
class JourneyFrames:
    """Journeys as frames: one row per trip, per leg and per stop, keyed by (container_number,
    trip) — what `balise container NUMBER`, the API and the map show."""

    trips: pl.DataFrame
    legs: pl.DataFrame
    stops: pl.DataFrame


def journey_frames(found: Sequence[Journey]) -> JourneyFrames:
    """`found` as frames (`TRIP_SCHEMA` for trips)."""
    trips = [
        {
            "container_number": j.container,
            "trip": j.trip,
            "start": j.start,
            "end": j.end,
            "origin": j.origin,
            "custody_from": j.custody_from,
            "destination": j.destination,
            "complete": j.complete,
            "legs": len(j.legs),
            "transshipments": j.transshipments,
            "vessels": len(j.vessels),
            "hubs": [s.port for s in j.stops if s.port],
            "max_dwell_hours": max(
                (s.dwell_hours for s in j.stops if s.dwell_hours is not None), default=None
            ),
            "bills_of_lading": list(j.bills_of_lading),
            "redocumented_mid_route": any(c.mid_route for c in j.redocumented),
            "seal_changes": len(j.seal_changes),
            "routed_km": j.routed_km,
            "direct_km": j.direct_km,
            "detour_ratio": j.detour_ratio,
        }
        for j in found
    ]
    legs = [
        {"container_number": j.container, "trip": j.trip, **leg.__dict__}
        for j in found
        for leg in j.legs
    ]
    stops = [
        {"container_number": j.container, "trip": j.trip, "stop": n, **stop.__dict__}
        for j in found
        for n, stop in enumerate(j.stops)
    ]
    return JourneyFrames(
        trips=pl.DataFrame(trips, schema=TRIP_SCHEMA),
        legs=pl.DataFrame(legs, schema=LEG_SCHEMA),
        stops=pl.DataFrame(stops, schema=STOP_SCHEMA),
    )


LEG_SCHEMA: Final[dict[str, pl.DataType]] = {
    "container_number": pl.String(),
    "trip": pl.Int64(),
    "leg": pl.Int64(),
    "load_port": pl.String(),
    "discharge_port": pl.String(),
    "loaded_at": UTC_TIME,
    "discharged_at": UTC_TIME,
    "vessel_imo": pl.Int64(),
    "vessel_mmsi": pl.Int64(),
    "vessel_name": pl.String(),
    "voyage": pl.String(),
    "mode": pl.String(),
    "transshipment": pl.Boolean(),
}
"""One row per leg (`journey_frames`)."""
STOP_SCHEMA: Final[dict[str, pl.DataType]] = {
    "container_number": pl.String(),
    "trip": pl.Int64(),
    "stop": pl.Int64(),
    "port": pl.String(),
    "next_port": pl.String(),
    "arrived": UTC_TIME,
    "departed": UTC_TIME,
    "dwell_hours": pl.Float64(),
    "transshipment": pl.Boolean(),
    "vessel_changed": pl.Boolean(),
}
"""One row per stop between legs (`journey_frames`)."""


PORT_VISIT_COLUMNS: Final = ("mmsi", "start", "end")
"""Columns a port-visits frame needs; `locode` and/or `lat`, `lon` name the port."""


def port_visits_of_events(events: pl.DataFrame) -> pl.DataFrame:
    """mmsi, start, end, locode, lat, lon of the `port_visit` events of `events`
    (`EVENT_SCHEMA`, as `balise.maritime.port_visits.detect_port_visits` writes them)."""
    visits = events.filter(
        (pl.col("type") == "port_visit") & (pl.col("status").fill_null("active") != "retracted")
    )
    return visits.select(
        pl.col("mmsi").cast(pl.Int64),
        "start",
        "end",
        pl.col("evidence").str.json_path_match("$.locode").str.to_uppercase().alias("locode"),
        "lat",
        "lon",
    )


def legs_at_port_visits(
    legs: pl.DataFrame,
    port_visits: pl.DataFrame,
    *,
    slack_hours: float = 6.0,
    max_port_km: float = 15.0,
) -> pl.DataFrame:
    """`legs` (`LEG_SCHEMA`) with `vessel_at_load` and `vessel_at_discharge`: whether the leg's
    vessel (by MMSI) had a port visit at the load (discharge) port covering the load (discharge)
    time, give or take `slack_hours`. A visit is at the port when its `locode` is the port's, or
    when its position is within `max_port_km` of the port's. Null when it cannot be judged: no
    MMSI, no port or time, no visit at all of that vessel in `port_visits`, or a time outside
    the span of the vessel's visits (from the start of its first to the end of its last, give or
    take `slack_hours`): the AIS may not cover it (a box loaded before the record begins); False
    when the vessel's visits before and after the time are known and none fits — the box is
    booked on a ship the AIS does not put there."""
    by_vessel: dict[int, list[dict[str, Any]]] = {}
    for visit in port_visits.iter_rows(named=True):
        if visit["mmsi"] is not None and visit["start"] is not None:
            by_vessel.setdefault(int(visit["mmsi"]), []).append(visit)
    checks: dict[str, list[bool | None]] = {"vessel_at_load": [], "vessel_at_discharge": []}
    for leg in legs.iter_rows(named=True):
        visits = by_vessel.get(leg["vessel_mmsi"]) if leg["vessel_mmsi"] is not None else None
        for column, port, moment in (
            ("vessel_at_load", leg["load_port"], leg["loaded_at"]),
            ("vessel_at_discharge", leg["discharge_port"], leg["discharged_at"]),
        ):
            judged = (
                visits is not None
                and port is not None
                and moment is not None
                and _within_visits(visits, moment, slack_hours)
            )
            checks[column].append(
                any(_visit_fits(v, port, moment, slack_hours, max_port_km) for v in visits or ())
                if judged
                else None
            )
    return legs.with_columns(
        pl.Series(name, values, dtype=pl.Boolean) for name, values in checks.items()
    )


def _within_visits(visits: list[dict[str, Any]], moment: datetime, slack_hours: float) -> bool:
    """Whether `moment` lies within the span of a vessel's `visits` (± `slack_hours`)."""
    first = min(v["start"] for v in visits)
    last = max(v["end"] or v["start"] for v in visits)
    return hours(moment, first) <= slack_hours and hours(last, moment) <= slack_hours


def _visit_fits(
    visit: dict[str, Any], port: str, moment: datetime, slack_hours: float, max_port_km: float
) -> bool:
    """Whether a port visit is at `port` and covers `moment` (± `slack_hours`)."""
    start, end = visit["start"], visit["end"] or visit["start"]
    if start is None or not (
        hours(moment, start) <= slack_hours and hours(end, moment) <= slack_hours
    ):
        return False
    if visit.get("locode") == port:
        return True
    place = port_position(port)
    if place is None or visit.get("lat") is None or visit.get("lon") is None:
        return False
    return float(haversine_km(place[0], place[1], visit["lat"], visit["lon"])) <= max_port_km
