"""Destination mismatches: the port a vessel declares over AIS is not the port it goes to.

Three rules, each one `destination_mismatch` event (evidence `rule`):

- `other_port`: the destination broadcast when the vessel left a port is not the port it visits
  next. The event runs from the departure to the arrival and sits at the port reached.
- `undeclared_call`: the same, when the port reached is on the high-risk list (a known cocaine
  departure or transit port) - a vessel calling where it did not say it would, at such a port,
  is the pattern of a contaminated voyage (UNODC Global Report on Cocaine 2023).
- `changed_at_sea`: the destination changes to another port while the vessel is between ports;
  the event runs from the last reception of the old destination to the first of the new one (the
  change was typed in between) and sits where the new one was first received.

Texts are read by the gazetteer (`balise.geo.gazetteer`): a declaration "matches" a port when the
port's UN/LOCODE is one of those the text may mean, or one of those ports lies within
`same_port_km` of the visit (a terminal or a neighbouring LOCODE of the same harbour: Europoort
for Rotterdam). Text variants of one port ("LE HAVRE", "FRLEH") are not changes; nor is a first
declaration after none ("FOR ORDERS" -> "FRLEH"), nor the update of a destination that still
named the port just left (crews retype it on sailing), nor two destinations that alternate (the
old one still broadcast after the new one appeared). A destination typed a little after sailing
(within `declare_grace_hours`) counts as the one declared at departure.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import numpy as np
import polars as pl

from balise.geo.gazetteer import Gazetteer
from balise.geo.sphere import haversine_km
from balise.maritime.kernel import build_events, iso, params_json
from balise.model.events import EVENT_SCHEMA, empty_events, to_json

SCORES: Final = {"other_port": 0.3, "undeclared_call": 0.8, "changed_at_sea": 0.4}
"""Risk added: a wrong destination is common and mostly innocent (orders change, crews forget to
update), an unannounced call at a high-risk port is not; a change at sea to a high-risk port
scores as an undeclared call."""
AT_SEA_BEFORE: Final = timedelta(hours=1)
"""A vessel whose first position comes this long before its first port visit was first seen at
sea: the destination it declared then is compared with that port."""
CONFIDENCE_UNIQUE: Final = 0.8
"""The declared text names one port (`normalise_destination` resolves it)."""
CONFIDENCE_AMBIGUOUS: Final = 0.6
"""The declared text may mean several ports, none of them the one reached."""
CONFIDENCE_CHANGE: Final = 0.9
"""A change at sea is read directly off two broadcasts."""


@dataclass(frozen=True)
class DestinationParams:
    """Thresholds of the destination-mismatch detector (Balise's choices, no published anchor)."""

    same_port_km: float = 25.0
    """A declared port within this distance of the visit is the port reached (other LOCODEs of
    one harbour: Rotterdam and Europoort are 19 km apart)."""
    declare_grace_hours: float = 6.0
    """A destination first typed this long after departure is the declared one (h)."""
    approach_km: float = 100.0
    """A stop (anchorage wait) this close to the declared port, followed by the declared port
    within `approach_hours`, is the approach, not another port (Antwerp's anchorage is ~70 km
    down the Scheldt)."""
    approach_hours: float = 48.0
    """Hours within which the declared port must follow that stop for it to be the approach."""


@dataclass(frozen=True)
class _Visit:
    start: datetime
    end: datetime
    lat: float
    lon: float
    locode: str | None
    port: str | None


@dataclass(frozen=True)
class _Declared:
    timestamp: datetime
    text: str
    candidates: tuple[str, ...]
    previous_seen: datetime
    """The last time the destination before this one was broadcast (received)."""


class _Matcher:
    """Whether texts and visits name the same port, by the gazetteer and distances."""

    def __init__(self, gazetteer: Gazetteer, params: DestinationParams, risky: Collection[str]):
        self.gazetteer, self.params, self.risky = gazetteer, params, frozenset(risky)

    def distance_km(self, codes: Collection[str], lat: float, lon: float) -> float:
        places = [p for p in (self.gazetteer.position(c) for c in codes) if p is not None]
        if not places:
            return float("inf")
        here = np.array(places)
        return float(haversine_km(here[:, 0], here[:, 1], lat, lon).min())

    def reached(self, codes: tuple[str, ...], visit: _Visit, km: float | None = None) -> bool:
        limit = self.params.same_port_km if km is None else km
        return visit.locode in codes or self.distance_km(codes, visit.lat, visit.lon) <= limit

    def same(self, a: tuple[str, ...], b: tuple[str, ...]) -> bool:
        if set(a) & set(b):
            return True
        places = [p for p in (self.gazetteer.position(c) for c in b) if p is not None]
        return any(self.distance_km(a, lat, lon) <= self.params.same_port_km for lat, lon in places)

    def high_risk(self, visit: _Visit) -> bool:
        return visit.locode in self.risky or self.reached(tuple(self.risky), visit)


def _declarations(identities: pl.DataFrame, gazetteer: Gazetteer) -> dict[int, list[_Declared]]:
    """Per MMSI, the broadcasts where the destination text changed, in time order, each with
    the last time the text before it was seen (identity snapshots carry `last_seen`; raw
    reports are their own last sighting)."""
    seen = pl.col("last_seen") if "last_seen" in identities.columns else pl.col("timestamp")
    rows = (
        identities.select(
            "mmsi",
            "timestamp",
            pl.col("destination").str.strip_chars(),
            pl.coalesce(seen, pl.col("timestamp")).alias("seen"),
        )
        .drop_nulls(["mmsi", "timestamp", "destination"])
        .sort("mmsi", "timestamp")
        .with_columns(pl.col("seen").shift(1).over("mmsi").alias("before"))
        .filter(
            pl.col("destination").ne_missing(pl.col("destination").shift(1))
            | pl.col("mmsi").ne_missing(pl.col("mmsi").shift(1))
        )
    )
    found: dict[int, list[_Declared]] = {}
    for mmsi, timestamp, text, _, before in rows.iter_rows():
        declared = _Declared(timestamp, text, gazetteer.candidates(text), before or timestamp)
        found.setdefault(mmsi, []).append(declared)
    return found


def _visits(visits: pl.DataFrame) -> dict[int, list[_Visit]]:
    """Per MMSI, the port visits (events of type `port_visit`) in time order."""
    rows = visits.filter(pl.col("type") == "port_visit").sort("mmsi", "start")
    rows = rows.with_columns(
        pl.col("evidence").str.json_path_match("$.locode").alias("locode"),
        pl.col("evidence").str.json_path_match("$.port").alias("port"),
    )
    found: dict[int, list[_Visit]] = {}
    for r in rows.select("mmsi", "start", "end", "lat", "lon", "locode", "port").iter_rows():
        found.setdefault(r[0], []).append(_Visit(*r[1:]))
    return found


def _declared_at(history: list[_Declared], departed: _Visit, matcher: _Matcher) -> _Declared | None:
    """The destination in force when the vessel left `departed`: the last broadcast before, or
    the first one naming another port within the grace period when it still named `departed`."""
    times = [d.timestamp for d in history]
    last = bisect.bisect_right(times, departed.end) - 1
    current = history[last] if last >= 0 else None
    if (
        current is not None
        and current.candidates
        and not matcher.reached(current.candidates, departed)
    ):
        return current
    grace = departed.end + timedelta(hours=matcher.params.declare_grace_hours)
    for later in history[last + 1 :]:
        if later.timestamp > grace:
            break
        if later.candidates and not matcher.reached(later.candidates, departed):
            return later
    return None


def _approach(visits: list[_Visit], i: int, declared: _Declared, matcher: _Matcher) -> bool:
    """Whether visit `i` is a stop on the way into the declared port (reached right after)."""
    if i + 1 >= len(visits):
        return False
    near, after = visits[i], visits[i + 1]
    hours = (after.start - near.end).total_seconds() / 3600
    return (
        matcher.reached(declared.candidates, near, matcher.params.approach_km)
        and matcher.reached(declared.candidates, after)
        and hours <= matcher.params.approach_hours
    )


def _announced_at_sea(
    history: list[_Declared], declared: _Declared, reached: _Visit, matcher: _Matcher
) -> bool:
    """Whether the destination was changed at sea to the port reached: the change is the event."""
    times = [d.timestamp for d in history]
    latest = history[bisect.bisect_right(times, reached.start) - 1]
    return latest.timestamp > declared.timestamp and matcher.reached(latest.candidates, reached)


def _call_event(
    mmsi: int,
    departed: _Visit | None,
    reached: _Visit,
    declared: _Declared,
    since: datetime,
    matcher: _Matcher,
) -> dict[str, Any]:
    """One `other_port` or `undeclared_call` event: declared, then reached another port."""
    risky = matcher.high_risk(reached)
    code = matcher.gazetteer.normalise(declared.text)
    return {
        "mmsi": mmsi,
        "start": since,
        "end": reached.start,
        "lat": reached.lat,
        "lon": reached.lon,
        "rule": "undeclared_call" if risky else "other_port",
        "confidence": CONFIDENCE_UNIQUE if code else CONFIDENCE_AMBIGUOUS,
        "evidence": {
            "declared_text": declared.text,
            "declared_locode": code,
            "declared_candidates": list(declared.candidates),
            "declared_at": iso(declared.timestamp),
            "departed_locode": None if departed is None else departed.locode,
            "departed_port": None if departed is None else departed.port,
            "departure": None if departed is None else iso(departed.end),
            "first_seen_at_sea": None if departed is not None else iso(since),
            "reached_locode": reached.locode,
            "reached_port": reached.port,
            "arrival": iso(reached.start),
            "high_risk": risky,
        },
    }


def _mismatched(
    visits: list[_Visit], i: int, declared: _Declared | None, history: list[_Declared],
    matcher: _Matcher,
) -> bool:  # fmt: skip
    """Whether visit `i` is not the port `declared` (nor the approach to it, nor a port the
    destination was changed to at sea: that change is its own event)."""
    reached = visits[i]
    if declared is None or matcher.reached(declared.candidates, reached):
        return False
    if _announced_at_sea(history, declared, reached, matcher):
        return False
    return matcher.high_risk(reached) or not _approach(visits, i, declared, matcher)


def _first_declared(
    visits: list[_Visit], history: list[_Declared], first_seen: datetime | None
) -> _Declared | None:
    """For a vessel first seen at sea (at least `AT_SEA_BEFORE` before its first visit), the
    first port it declared then: its voyage began before the data did."""
    if not visits or first_seen is None or first_seen > visits[0].start - AT_SEA_BEFORE:
        return None
    declared = next((d for d in history if d.candidates), None)
    if declared is None or declared.timestamp >= visits[0].start:
        return None
    return declared


def _call_events(
    mmsi: int,
    visits: list[_Visit],
    history: list[_Declared],
    matcher: _Matcher,
    first_seen: datetime | None = None,
) -> list[dict[str, Any]]:
    """Rules `other_port` and `undeclared_call` over consecutive visits of one vessel, and over
    its first visit when it was first seen at sea (`first_seen`, its first position)."""
    events = []
    declared = _first_declared(visits, history, first_seen)
    if (
        first_seen is not None
        and declared is not None
        and _mismatched(visits, 0, declared, history, matcher)
    ):
        events.append(_call_event(mmsi, None, visits[0], declared, first_seen, matcher))
    for i in range(1, len(visits)):
        departed = visits[i - 1]
        declared = _declared_at(history, departed, matcher)
        if declared is not None and _mismatched(visits, i, declared, history, matcher):
            events.append(_call_event(mmsi, departed, visits[i], declared, departed.end, matcher))
    return events


def _in_port(visits: list[_Visit], t: datetime) -> _Visit | None:
    """The visit under way at `t`, else the last one before it (None before any)."""
    before = [v for v in visits if v.start <= t]
    return before[-1] if before else None


def _change_events(
    mmsi: int, visits: list[_Visit], history: list[_Declared], matcher: _Matcher
) -> list[dict[str, Any]]:
    """Rule `changed_at_sea`: a destination replaced by another port between ports."""
    events = []
    for old, new in itertools.pairwise(history):
        if not (old.candidates and new.candidates) or matcher.same(old.candidates, new.candidates):
            continue
        if new.previous_seen > new.timestamp:
            # the old text was still broadcast after the new one appeared: two values alternate
            # (two hulls or transponders on one MMSI, a shuttle's folded snapshots), not a change
            continue
        last = _in_port(visits, new.timestamp)
        if last is not None and (
            new.timestamp <= last.end or matcher.reached(old.candidates, last)
        ):
            continue
        risky = any(c in matcher.risky for c in new.candidates)
        events.append(
            {
                "mmsi": mmsi,
                # the change was typed between the last reception of the old text and the first
                # of the new one: mid-ocean, satellite passes can be hours apart
                "start": new.previous_seen,
                "end": new.timestamp,
                "key": new.timestamp,
                "rule": "changed_at_sea",
                "risky": risky,
                "confidence": CONFIDENCE_CHANGE,
                "evidence": {
                    "old_text": old.text,
                    "old_locode": matcher.gazetteer.normalise(old.text),
                    "new_text": new.text,
                    "new_locode": matcher.gazetteer.normalise(new.text),
                    "old_last_seen": iso(new.previous_seen),
                    "new_first_seen": iso(new.timestamp),
                    "last_port_locode": None if last is None else last.locode,
                    "high_risk": risky,
                },
            }
        )
    return events


def _located(changes: pl.DataFrame, positions: pl.DataFrame) -> pl.DataFrame:
    """`changes` with the position of the vessel's report nearest in time to each change (only
    the vessels that changed are sorted: a few out of thousands)."""
    track = (
        positions.filter(pl.col("mmsi").is_in(changes["mmsi"].unique().implode()))
        .select(pl.col("mmsi").cast(changes.schema["mmsi"]), pl.col("timestamp").alias("start"),
                "lat", "lon")
        .drop_nulls()
        .sort("start")
    )  # fmt: skip
    return changes.sort("start").join_asof(
        track, on="start", by="mmsi", strategy="nearest", check_sortedness=False
    )


def _frame(events: list[dict[str, Any]], params: DestinationParams) -> pl.DataFrame:
    """The event rows of `events` as `EVENT_SCHEMA`."""
    if not events:
        return empty_events()
    for event in events:
        event["evidence"]["rule"] = event["rule"]
        event["evidence"]["lat"], event["evidence"]["lon"] = event["lat"], event["lon"]
    score = [SCORES["undeclared_call"] if e.get("risky") else SCORES[e["rule"]] for e in events]
    frame = pl.DataFrame(
        {
            "start": [e["start"] for e in events],
            "end": [e["end"] for e in events],
            "lat": [e["lat"] for e in events],
            "lon": [e["lon"] for e in events],
            "mmsi": [e["mmsi"] for e in events],
            "confidence": [e["confidence"] for e in events],
            "score": score,
            "rule": [e["rule"] for e in events],
            "key": [e.get("key", e["start"]) for e in events],
            "evidence": [to_json(e["evidence"]) for e in events],
        },
        schema_overrides={"lat": pl.Float64, "lon": pl.Float64},
    )
    frame = frame.with_columns(pl.lit(params_json(params)).alias("params"))
    return build_events("destination_mismatch", frame, ("mmsi", "key", "rule"))


def detect_destination_mismatches(
    identities: pl.DataFrame,
    visits: pl.DataFrame,
    positions: pl.DataFrame,
    high_risk: Collection[str] = (),
    params: DestinationParams | None = None,
    gazetteer: Gazetteer | None = None,
    first_seen: Mapping[int, datetime] | None = None,
) -> pl.DataFrame:
    """`destination_mismatch` events (`EVENT_SCHEMA`) of identity records and port visits.

    `identities` has `mmsi`, `timestamp`, `destination` (`IDENTITY_SCHEMA`); `visits` the
    `port_visit` events of the same data (`detect_port_visits`, evidence with `locode`, `port`);
    `positions` (`mmsi`, `timestamp`, `lat`, `lon`) place the changes at sea; `high_risk` the
    UN/LOCODEs of high-risk ports (`load_high_risk_ports()["locode"]`). `gazetteer` defaults to
    the packaged one. `first_seen` gives each vessel's first position time when `positions`
    hold only part of its history (an incremental run on a time window).
    """
    params = params or DestinationParams()
    matcher = _Matcher(gazetteer or Gazetteer.packaged(), params, high_risk)
    declared = _declarations(identities, matcher.gazetteer)
    by_vessel = _visits(visits)
    seen = dict(positions.group_by("mmsi").agg(pl.col("timestamp").min()).iter_rows())
    if first_seen is not None:
        seen |= first_seen
    calls: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for mmsi, history in declared.items():
        stays = by_vessel.get(mmsi, [])
        calls += _call_events(mmsi, stays, history, matcher, seen.get(mmsi))
        changes += _change_events(mmsi, stays, history, matcher)
    if changes:
        keys = pl.DataFrame(
            {"mmsi": [c["mmsi"] for c in changes], "start": [c["end"] for c in changes]},
            schema={"mmsi": pl.Int64, "start": EVENT_SCHEMA["start"]},
        )
        placed = _located(keys, positions)
        spots = {(m, s): (la, lo) for m, s, la, lo in placed.iter_rows()}
        for change in changes:
            change["lat"], change["lon"] = spots.get((change["mmsi"], change["end"]), (None, None))
    return _frame(calls + changes, params)
