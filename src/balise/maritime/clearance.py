"""Clearance checks: arrivals from abroad in the French Caribbean and Guiana, held against the
declarations filed for them.

What: `clearance_events` returns `clearance_missing` events (a vessel arrived in French waters
from a foreign port or from international waters and no declaration matches her) and
`clearance_mismatch` events (a declaration matches her arrival but her track contradicts it: other
last port, an extra call, a stop at sea, an arrival far from the declared time, another port).

Why: French customs require the master of a pleasure craft arriving from abroad to declare the
arrival (the "déclaration d'arrivée" of the yacht clearance; see the pleasure-craft formalities on
douane.gouv.fr); a yacht that skips it, or declares a voyage she did not make, is one way cocaine
reaches the islands' coves.

Rules (the thresholds are `ClearanceParams`, settings `detect.clearance.*`):
- Who: vessels whose AIS ship type is pleasure or sailing (36, 37; `ship_types`) or unknown:
  merchant ships clear through their agents with other documents.
- Arrival: a call in French waters (`balise.maritime.clearance_calls.vessel_calls`) whose previous
  call (within `lookback_days`) is abroad; without a previous call, a vessel first seen outside
  French waters comes "from international waters", unless she was already under way when the
  data began (`censored_minutes`) and arrives within `domestic_passage_hours`: she may be
  sailing between French islands, and where from is not in the data. A call after a French call
  is domestic (Martinique to Guadeloupe needs no clearance).
- Match: a declaration for the same MMSI, else for the same name and call sign (upper case, only
  letters and digits), whose `expected_arrival` is within `window_hours` of the arrival and which
  was submitted no later than `submit_grace_hours` after it; each declaration serves one arrival
  (the nearest in time, MMSI matches first).
- Mismatch reasons: `last_port` (the previous call is not the declared last port), `extra_call`
  (the declared last port was visited, but other calls followed it), `stop_at_sea` (a loitering,
  encounter or coastal_drop event, or a slow period outside ports and outside French waters,
  since the last port), `arrival_time` (more than `arrival_tolerance_hours` from the declared
  time), `arrival_port` (the port's LOCODE is not the declared one).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import polars as pl

from balise.maritime.clearance_calls import (
    Jurisdiction,
    slow_stops,
    vessel_calls,
    vessel_identities,
)
from balise.maritime.kernel import build_events, iso, params_json, rounded
from balise.model.events import empty_events, to_json

MISSING_SCORE: Final = 0.5
"""An undeclared arrival from abroad: the middle of the risk scale (a forgotten form is common,
a smuggling run is not; the analyst reads the voyage)."""
MISMATCH_SCORE: Final = 0.4
"""A declared voyage the track contradicts: somewhat less than no declaration at all."""
INTERNATIONAL_WATERS_CONFIDENCE: Final = 0.7
"""Confidence of an arrival whose previous port is unknown, only her first position outside
French waters: she may have left a French port before the data began."""
STOP_TYPES: Final = ("loitering", "encounter", "coastal_drop")
"""Events that are a stop at sea when they fall between the last port and the arrival."""
_MAX_CANDIDATES: Final = 5


@dataclass(frozen=True)
class ClearanceParams:
    """Thresholds of the clearance checks (Balise's choices: the customs rule has no tolerance)."""

    window_hours: float = 24.0
    """A declaration matches an arrival when its expected arrival is within this many hours of
    it: a yacht's passage takes a day or two, and its time of arrival is a forecast."""
    submit_grace_hours: float = 1.0
    """A declaration must be submitted before arrival; this many hours after the first position
    in port still count (the port visit starts at the port limits, before the berth)."""
    arrival_tolerance_hours: float = 6.0
    """A matched arrival this many hours or more from the declared time is a mismatch."""
    stop_max_knots: float = 1.0
    """A slow period outside ports: speed at or below this (a yacht at anchor or drifting)."""
    min_stop_hours: float = 2.0
    """... lasting at least this long: a stop, not a slow manoeuvre."""
    lookback_days: float = 30.0
    """The previous call counts when it ended at most this long before the arrival."""
    censored_minutes: float = 60.0
    """A vessel whose first position comes this soon after the first position of the data was
    already under way when the data began (min): where she sailed from is not in the data."""
    domestic_passage_hours: float = 48.0
    """Such a vessel arriving within this many hours of her first position may be on a passage
    between French islands, which leaves French waters (Guadeloupe to Saint-Martin, Martinique
    to Guadeloupe past Dominica): her origin is unknown and no `clearance_missing` is raised.
    Fort-de-France to Marigot, the longest such passage, is about 260 nm, 43 h at 6 kn."""
    ship_types: tuple[tuple[int, int], ...] = ((36, 37),)
    """AIS ship types checked (inclusive ranges: 36 sailing, 37 pleasure craft), with unknown."""


def normalised(text: str | None) -> str:
    """A name or call sign as compared: upper case, letters and digits only."""
    return re.sub(r"[^0-9A-Z]", "", (text or "").upper())


def _checked(vessels: pl.DataFrame, params: ClearanceParams) -> pl.DataFrame:
    """The vessels whose arrivals are checked: pleasure types or unknown."""
    kind = pl.col("ship_type")
    pleasure = pl.lit(False)
    for low, high in params.ship_types:
        pleasure = pleasure | kind.is_between(low, high)
    return vessels.filter(kind.is_null() | (kind == 0) | pleasure)


def _call(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"kind": row["kind"], "locode": row["locode"], "port": row["port"],
            "arrival": iso(row["arrival"]), "departure": iso(row["departure"]),
            "lat": rounded(row["lat"], 4), "lon": rounded(row["lon"], 4)}  # fmt: skip


@dataclass(frozen=True)
class _Arrival:
    """A call in French waters from abroad, with the vessel's calls before it."""

    mmsi: int
    call: Mapping[str, Any]
    previous: Mapping[str, Any] | None
    earlier: tuple[Mapping[str, Any], ...]
    origin: str

    @property
    def time(self) -> datetime:
        value: datetime = self.call["arrival"]
        return value


def _arrivals(
    calls: pl.DataFrame, first_seen: Mapping[int, _FirstSeen], params: ClearanceParams
) -> list[_Arrival]:
    """French calls preceded by a call abroad ("foreign_port") or, with no call before, by a
    first position outside French waters ("international_waters", `_from_international_waters`:
    not for a vessel under way when the data began and arriving soon after)."""
    found: list[_Arrival] = []
    lookback = timedelta(days=params.lookback_days)
    for (mmsi,), group in calls.group_by("mmsi", maintain_order=True):
        rows = group.sort("arrival").to_dicts()
        for index, call in enumerate(rows):
            since = call["arrival"] - lookback
            earlier = tuple(r for r in rows[:index] if (r["departure"] or r["arrival"]) >= since)
            previous = earlier[-1] if earlier else None
            if not call["french"] or (previous is not None and previous["french"]):
                continue
            if previous is None and (
                index > 0
                or not _from_international_waters(first_seen.get(int(mmsi)), call["arrival"],
                                                  params)
            ):  # fmt: skip
                continue
            origin = "foreign_port" if previous is not None else "international_waters"
            found.append(_Arrival(int(mmsi), call, previous, earlier, origin))
    return found


@dataclass(frozen=True)
class _FirstSeen:
    """Where and when a vessel was first seen: outside French waters, and already under way
    when the data began (`censored`)."""

    outside: bool
    at: datetime
    censored: bool


def _first_seen(
    positions: pl.DataFrame, start: datetime | None, jurisdiction: Jurisdiction,
    params: ClearanceParams,
) -> dict[int, _FirstSeen]:  # fmt: skip
    """Each vessel's first position: outside French waters or not, at what time, and whether it
    comes within `censored_minutes` of `start`, the data's first position."""
    first = positions.sort("timestamp").group_by("mmsi").first()
    if first.is_empty() or start is None:
        return {}
    outside = ~jurisdiction(first["lat"].to_numpy(), first["lon"].to_numpy())
    horizon = start + timedelta(minutes=params.censored_minutes)
    rows = zip(first["mmsi"].to_list(), outside.tolist(), first["timestamp"].to_list(), strict=True)
    return {int(m): _FirstSeen(bool(o), t, t <= horizon) for m, o, t in rows}


def _from_international_waters(
    seen: _FirstSeen | None, arrival: datetime, params: ClearanceParams
) -> bool:
    """Whether a vessel with no call before `arrival` came from international waters: first
    seen outside French waters, and not under way at the data's start on what may be a passage
    between French islands (`domestic_passage_hours`)."""
    if seen is None or not seen.outside:
        return False
    passage = timedelta(hours=params.domestic_passage_hours)
    return not (seen.censored and arrival - seen.at < passage)


def _candidates(
    arrival: _Arrival, vessel: Mapping[str, Any], declarations: list[dict[str, Any]],
    params: ClearanceParams,
) -> list[dict[str, Any]]:  # fmt: skip
    """The declarations naming the vessel (by MMSI, else name and call sign), each with `how`,
    `hours_off` (expected minus observed arrival) and `fails` (why it cannot match; empty if it
    can)."""
    name, sign = normalised(vessel.get("name")), normalised(vessel.get("call_sign"))
    found = []
    for declaration in declarations:
        if declaration["mmsi"] == arrival.mmsi:
            how = "mmsi"
        elif name and sign and (declaration["_name"], declaration["_sign"]) == (name, sign):
            how = "name_call_sign"
        else:
            continue
        hours_off = (declaration["expected_arrival"] - arrival.time).total_seconds() / 3600.0
        fails = []
        if abs(hours_off) > params.window_hours:
            fails.append(f"expected arrival {hours_off:+.1f} h from the arrival "
                         f"(window ±{params.window_hours:g} h)")  # fmt: skip
        late = (declaration["submitted_at"] - arrival.time).total_seconds() / 3600.0
        if late > params.submit_grace_hours:
            fails.append(f"submitted {late:.1f} h after the arrival")
        if declaration["_used"]:
            fails.append("already matched to another arrival")
        found.append({**declaration, "how": how, "hours_off": hours_off, "fails": fails})
    return sorted(found, key=lambda c: (c["how"] != "mmsi", abs(c["hours_off"])))


def _considered(candidates: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{"declaration_id": c["declaration_id"], "matched_by": c["how"],
             "expected_arrival": iso(c["expected_arrival"]), "arrival_port": c["arrival_port"],
             "last_port": c["last_port"], "why_not": "; ".join(c["fails"]) or None}
            for c in candidates[:_MAX_CANDIDATES]]  # fmt: skip


def _stops_on_the_way(
    arrival: _Arrival, since: datetime, events: pl.DataFrame, stops: pl.DataFrame
) -> list[dict[str, Any]]:
    """Stop events of the vessel, and her slow periods outside ports and French waters, between
    `since` and the arrival."""
    mine = (pl.col("mmsi") == arrival.mmsi) | (pl.col("other_mmsi") == arrival.mmsi)
    during = (pl.col("end") >= since) & (pl.col("start") <= arrival.time)
    stop_events = events.filter(mine & during & pl.col("type").is_in(STOP_TYPES))
    found = [{"type": e["type"], "event_id": e["id"], "start": iso(e["start"]),
              "end": iso(e["end"]), "lat": rounded(e["lat"], 4), "lon": rounded(e["lon"], 4)}
             for e in stop_events.to_dicts()]  # fmt: skip
    slow = stops.filter((pl.col("mmsi") == arrival.mmsi) & during)
    found += [{"type": "slow_period", "start": iso(s["start"]), "end": iso(s["end"]),
               "lat": rounded(s["lat"], 4), "lon": rounded(s["lon"], 4)}
              for s in slow.to_dicts()]  # fmt: skip
    return found


def _mismatches(
    arrival: _Arrival, declaration: Mapping[str, Any], events: pl.DataFrame,
    stops: pl.DataFrame, params: ClearanceParams,
) -> list[dict[str, Any]]:  # fmt: skip
    """Why the track contradicts the matched declaration (empty when it does not)."""
    reasons: list[dict[str, Any]] = []
    declared = declaration["last_port"]
    at_declared = [c for c in arrival.earlier if c["locode"] and c["locode"] == declared]
    since = arrival.time - timedelta(days=params.lookback_days)
    if at_declared:
        last = at_declared[-1]
        since = last["departure"] or last["arrival"]
        extra = arrival.earlier[arrival.earlier.index(last) + 1 :]
        if extra:
            reasons.append({"reason": "extra_call", "declared_last_port": declared,
                            "calls": [_call(c) for c in extra]})  # fmt: skip
    elif arrival.previous is not None:
        since = arrival.previous["departure"] or arrival.previous["arrival"]
        reasons.append({"reason": "last_port", "declared_last_port": declared,
                        "observed": _call(arrival.previous)})  # fmt: skip
    on_the_way = _stops_on_the_way(arrival, since, events, stops)
    if on_the_way:
        reasons.append({"reason": "stop_at_sea", "stops": on_the_way})
    if abs(declaration["hours_off"]) >= params.arrival_tolerance_hours:
        reasons.append({"reason": "arrival_time", "hours_off": rounded(declaration["hours_off"], 1),
                        "tolerance_hours": params.arrival_tolerance_hours})  # fmt: skip
    port = arrival.call["locode"]
    if port and declaration["arrival_port"] and port != declaration["arrival_port"]:
        reasons.append({"reason": "arrival_port", "declared": declaration["arrival_port"],
                        "observed": port})  # fmt: skip
    return reasons


def _row(arrival: _Arrival, evidence: dict[str, Any], params: ClearanceParams,
         score: float, key: str) -> dict[str, Any]:  # fmt: skip
    base = {"port": arrival.call["port"], "locode": arrival.call["locode"],
            "arrival": iso(arrival.time), "call_kind": arrival.call["kind"],
            "origin": arrival.origin, "came_from": _call(arrival.previous)}  # fmt: skip
    confidence = 1.0 if arrival.origin == "foreign_port" else INTERNATIONAL_WATERS_CONFIDENCE
    return {"start": arrival.time, "end": arrival.time, "lat": arrival.call["lat"],
            "lon": arrival.call["lon"], "mmsi": arrival.mmsi, "confidence": confidence,
            "score": score, "params": params_json(params), "evidence": to_json(base | evidence),
            "key": key}  # fmt: skip


def _declaration_rows(declarations: pl.DataFrame) -> list[dict[str, Any]]:
    rows = declarations.sort("submitted_at", "declaration_id").to_dicts()
    for row in rows:
        row["_name"], row["_sign"] = normalised(row["vessel_name"]), normalised(row["call_sign"])
        row["_used"] = False
    return rows


def clearance_events(
    visits: pl.DataFrame,
    declarations: pl.DataFrame,
    identity_history: pl.DataFrame,
    positions: pl.DataFrame,
    events: pl.DataFrame,
    jurisdiction: Jurisdiction,
    params: ClearanceParams | None = None,
) -> pl.DataFrame:
    """`clearance_missing` and `clearance_mismatch` events (`EVENT_SCHEMA`), pure.

    `visits`: port_visit events (their evidence's `locode` and `port`); `declarations`:
    `CLEARANCE_SCHEMA` rows; `identity_history`: AIS identity snapshots (`IDENTITY_SCHEMA`:
    mmsi, timestamp, name, call_sign, ship_type); `positions`: cleaned positions (mmsi,
    timestamp, lat, lon, sog_knots) of the vessels, for stops outside ports and where each was
    first seen (the first of them all stands for the start of the data); `events`: other
    detected events, of which `STOP_TYPES` are stops at sea; `jurisdiction`: French
    waters (`balise.geo.territorial_sea.inside`)."""
    params = params or ClearanceParams()
    vessels = _checked(vessel_identities(identity_history), params)
    checked = vessels["mmsi"]
    start = positions["timestamp"].min()
    visits = visits.filter(pl.col("mmsi").is_in(checked.implode()))
    positions = positions.filter(pl.col("mmsi").is_in(checked.implode()))
    stops = slow_stops(positions, visits, params.stop_max_knots, params.min_stop_hours)
    calls = vessel_calls(visits, stops, jurisdiction)
    french = jurisdiction(stops["lat"].to_numpy(), stops["lon"].to_numpy())
    at_sea = stops.filter(~pl.Series(french, dtype=pl.Boolean))
    seen = _first_seen(positions, start if isinstance(start, datetime) else None, jurisdiction,
                       params)  # fmt: skip
    arrivals = _arrivals(calls, seen, params)
    by_mmsi = {int(v["mmsi"]): v for v in vessels.to_dicts()}
    pending = _declaration_rows(declarations)
    missing, mismatched = [], []
    for arrival in sorted(arrivals, key=lambda a: a.time):
        candidates = _candidates(arrival, by_mmsi.get(arrival.mmsi, {}), pending, params)
        match = next((c for c in candidates if not c["fails"]), None)
        if match is None:
            considered: dict[str, Any] = {"declarations_considered": _considered(candidates)}
            missing.append(_row(arrival, considered, params, MISSING_SCORE, ""))
            continue
        next(d for d in pending if d["declaration_id"] == match["declaration_id"])["_used"] = True
        reasons = _mismatches(arrival, match, events, at_sea, params)
        if reasons:
            evidence = {"declaration": _considered([match])[0], "reasons": reasons}
            row = _row(arrival, evidence, params, MISMATCH_SCORE, match["declaration_id"])
            row["related"] = [{"kind": "declaration", "id": match["declaration_id"]}]
            mismatched.append(row)
    return pl.concat([
        build_events("clearance_missing", missing, ("mmsi", "start")) if missing
        else empty_events(),
        build_events("clearance_mismatch", mismatched, ("mmsi", "start", "key")) if mismatched
        else empty_events(),
    ])  # fmt: skip
