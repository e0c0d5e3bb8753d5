"""Shell game: a laden container whose routing hides where it came from.

Cocaine leaves South America in containers that are sent through one or more transshipment
hubs, often waiting there for weeks and re-documented on the way, so that the box reaching
Europe seems to come from the hub ("The Caribbean and West Africa are important transit areas",
EMCDDA and Europol, EU Drug Markets: Cocaine). Each trip of a box (`balise.cargo.journey`) is
read for these indicators, each with a weight (`ShellGameParams`):

- `origin_at_hub`: the chain of custody starts with a laden box at a hub (no stuffing or empty
  pickup recorded), so its true origin is unknown;
- `watched_hub`: a stop at a watched hub (one per hub, the weight once per stop);
- `many_transshipments`: at least `many_transshipments` stops where the box changed vessel;
- `long_dwell`: a stop of `long_dwell_days` or more at a port between two legs, or a wait as long
  at the hub where a chain starting laden begins, before its first loading (**strong** from
  `strong_dwell_days`): transshipment waits are days, months are the signature;
- `detour`: the detour ratio (`journey.py`) at least `detour_ratio`;
- `redocumented`: the bill of lading replaced or changed mid-route (**strong**);
- `handled_at_hub`: the box stuffed or stripped at an intermediate port (**strong**);
- `seal_changed`: its seals changed mid-route;
- `vessel_not_at_port`: with AIS port visits, a leg's vessel was not at the port when the box
  was loaded or discharged there.

A trip is reported when at least two kinds of indicator hold (two watched hubs are one kind: an
ordinary liner route may call at two), or one strong one; its score is the noisy-OR
of the weights (1 − Π(1 − w)), its confidence grows with the number of indicators. One event per
(container, trip), keyed on the trip's first event (a trip found earlier in a box's history does
not change the id of the later ones), placed at the last hub (else the origin).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from balise.cargo.findings import Finding, events_of, iso, noisy_or, related_of, rounded
from balise.cargo.journey import Journey, journey_frames, legs_at_port_visits
from balise.cargo.ports import port_position

KIND: Final = "shell_game"
STRONG: Final = ("redocumented", "handled_at_hub", "long_dwell_strong")
"""Indicators that are enough alone."""


@dataclass(frozen=True)
class ShellGameParams:
    """Thresholds and weights of the shell-game indicators (docs/detectors.md#shell_game)."""

    long_dwell_days: float = 14.0
    """A stop between two legs this long (days) is unusual: scheduled transshipment waits are a
    few days (the next connecting sailing is weekly); the research note's "months-long stays
    are the signature" (EMCDDA/Europol) is the strong form, `strong_dwell_days`. Two weeks is
    Balise judgement."""
    strong_dwell_days: float = 45.0
    """A stop this long (days) is enough alone: a laden box parked for a month and a half at a
    hub has left the ordinary flow. Balise judgement on the research note's months-long stays."""
    many_transshipments: int = 3
    """Changes of vessel that count as many: most deep-sea boxes change ship once or twice.
    Balise judgement."""
    detour_ratio: float = 1.5
    """Routed distance over the direct first-to-last port distance at or above which the routing
    is a detour: liner services via one hub stay well below 1.3 on the Atlantic. Balise
    judgement."""
    weight_origin_at_hub: float = 0.3
    """Weight of a chain of custody starting laden at a hub (the research note: "laden
    containers whose first recorded event is at a hub rather than at origin"). Judgement."""
    weight_watched_hub: float = 0.25
    """Weight of each stop at a watched hub. Judgement."""
    weight_many_transshipments: float = 0.2
    """Weight of `many_transshipments` or more. Judgement."""
    weight_long_dwell: float = 0.3
    """Weight of a stop of `long_dwell_days` or more (0.5 from `strong_dwell_days`). Judgement."""
    weight_detour: float = 0.25
    """Weight of a detour ratio of `detour_ratio` or more. Judgement."""
    weight_redocumented: float = 0.5
    """Weight of a bill of lading replaced mid-route (DCSA `documentReferenceReplacements`; the
    research note: "B/L re-issues or splits mid-route"). Judgement."""
    weight_handled_at_hub: float = 0.5
    """Weight of a stuffing or stripping at an intermediate port. Judgement."""
    weight_seal_changed: float = 0.2
    """Weight of a change of seals mid-route (customs seals change at inspections too).
    Judgement."""
    weight_vessel_not_at_port: float = 0.3
    """Weight of a leg whose vessel's AIS port visits do not put it at the port of the load or
    discharge. Judgement."""
    port_visit_slack_hours: float = 12.0
    """A port visit covers a load or discharge within this many hours of its ends (event clocks
    and AIS visit limits differ). Judgement."""
    port_visit_max_km: float = 15.0
    """A visit without a UN/LOCODE is at a port when within this distance (km) of it: the
    gazetteer's nearest-port limit."""


def detect_shell_game(
    found: list[Journey],
    watched_hubs: frozenset[str],
    hubs: frozenset[str],
    params: ShellGameParams | None = None,
    port_visits: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """`shell_game` events (`EVENT_SCHEMA`) of the laden trips `found` with at least one leg.
    `hubs` are the transshipment hubs (UN/LOCODEs), `watched_hubs` those on watch; `port_visits`
    (mmsi, start, end, locode and/or lat, lon) checks that the vessels were at the ports."""
    params = params or ShellGameParams()
    absent = _absent_vessels(found, port_visits, params)
    findings = []
    for journey in found:
        if not journey.legs:
            continue
        hits = _indicators(journey, watched_hubs, hubs, params, absent)
        kinds = {name for name, _, _ in hits}
        if len(kinds) >= 2 or kinds & set(STRONG):
            findings.append(_finding(journey, hits, params))
    return events_of(KIND, findings, params)


def _absent_vessels(
    found: list[Journey], port_visits: pl.DataFrame | None, params: ShellGameParams
) -> dict[tuple[str, int], list[str]]:
    """(container, trip) → texts of the legs whose vessel was not at the port."""
    if port_visits is None or port_visits.is_empty():
        return {}
    legs = journey_frames(found).legs
    checked = legs_at_port_visits(
        legs,
        port_visits,
        slack_hours=params.port_visit_slack_hours,
        max_port_km=params.port_visit_max_km,
    )
    absent: dict[tuple[str, int], list[str]] = {}
    for leg in checked.iter_rows(named=True):
        for column, port in (
            ("vessel_at_load", "load_port"),
            ("vessel_at_discharge", "discharge_port"),
        ):
            if leg[column] is False:
                what = "loaded" if column == "vessel_at_load" else "discharged"
                vessel = f"vessel MMSI {leg['vessel_mmsi']}"
                text = f"{vessel} was not at {leg[port]} when the box was {what}"
                absent.setdefault((leg["container_number"], leg["trip"]), []).append(text)
    return absent


def _indicators(
    journey: Journey,
    watched: frozenset[str],
    hubs: frozenset[str],
    params: ShellGameParams,
    absent: dict[tuple[str, int], list[str]],
) -> list[tuple[str, float, str]]:
    """(name, weight, reason) of each indicator that holds for `journey`."""
    hits: list[tuple[str, float, str]] = []
    if journey.custody_from == "laden" and journey.first_port in hubs:
        hits.append(
            (
                "origin_at_hub",
                params.weight_origin_at_hub,
                f"its chain starts laden at hub {journey.first_port}, "
                f"with no stuffing or empty pickup: origin unknown",
            )
        )
    for stop in journey.stops:
        if stop.port in watched:
            hits.append(
                (
                    "watched_hub",
                    params.weight_watched_hub,
                    f"transshipped at watched hub {stop.port}",
                )
            )
    if journey.transshipments >= params.many_transshipments:
        hits.append(
            (
                "many_transshipments",
                params.weight_many_transshipments,
                f"{journey.transshipments} transshipments",
            )
        )
    hits += _dwell(journey, hubs, params)
    ratio = journey.detour_ratio
    if ratio is not None and ratio >= params.detour_ratio:
        hits.append(
            ("detour", params.weight_detour, f"routed {ratio:.2f} times the direct distance")
        )
    hits += _changed(journey, params)
    for text in absent.get((journey.container, journey.trip), []):
        hits.append(("vessel_not_at_port", params.weight_vessel_not_at_port, text))
    return hits


def _dwell(
    journey: Journey, hubs: frozenset[str], params: ShellGameParams
) -> list[tuple[str, float, str]]:
    """The long-dwell indicator of the longest wait: a stop between two legs, or, for a chain
    that starts laden at a hub, the wait there from its first event to its first loading (the
    box parked at the hub, its origin out of sight, is the same signature)."""
    waits = [
        (s.dwell_hours, f"at {s.port} between two legs")
        for s in journey.stops
        if s.dwell_hours is not None
    ]
    first = journey.legs[0].loaded_at if journey.legs else None
    if journey.custody_from == "laden" and journey.first_port in hubs and first is not None:
        parked = (first - journey.start).total_seconds() / 3600.0
        waits.append((parked, f"laden at hub {journey.first_port} before its first loading"))
    if not waits:
        return []
    longest, where = max(waits, key=lambda w: w[0])
    days = longest / 24.0
    text = f"waited {days:.0f} days {where}"
    if days >= params.strong_dwell_days:
        return [("long_dwell_strong", max(params.weight_long_dwell, 0.5), text)]
    if days >= params.long_dwell_days:
        return [("long_dwell", params.weight_long_dwell, text)]
    return []


def _changed(journey: Journey, params: ShellGameParams) -> list[tuple[str, float, str]]:
    """Re-documentation, cargo handling and seal changes mid-route."""
    hits: list[tuple[str, float, str]] = []
    redone = [c for c in journey.redocumented if c.mid_route]
    if redone:
        first = redone[0]
        hits.append(
            (
                "redocumented",
                params.weight_redocumented,
                f"bill of lading {', '.join(first.before)} replaced by "
                f"{', '.join(first.after) or 'another'} at {first.port or 'an unknown port'} "
                f"mid-route",
            )
        )
    for code, port, _ in journey.handled_mid_route[:1]:
        hits.append(
            (
                "handled_at_hub",
                params.weight_handled_at_hub,
                f"{code.lower()} at {port or 'an unknown port'} between its first load "
                f"and last discharge",
            )
        )
    seals = [c for c in journey.seal_changes if c.mid_route]
    if seals:
        hits.append(
            (
                "seal_changed",
                params.weight_seal_changed,
                f"seals changed mid-route at {seals[0].port or 'an unknown port'}",
            )
        )
    return hits


def _finding(
    journey: Journey, hits: list[tuple[str, float, str]], params: ShellGameParams
) -> Finding:
    """The finding of one reported trip."""
    hub = next((s.port for s in reversed(journey.stops) if s.port), None)
    place = port_position(hub) if hub else None
    if place is None and journey.origin:
        place = port_position(journey.origin)
    lat, lon = place if place is not None else (journey.origin_lat, journey.origin_lon)
    evidence: dict[str, Any] = {
        "trip": journey.trip,
        "indicators": sorted({name for name, _, _ in hits}),
        "origin": journey.origin,
        "custody_from": journey.custody_from,
        "destination": journey.destination,
        "ports": [journey.legs[0].load_port, *(leg.discharge_port for leg in journey.legs)],
        "transshipments": journey.transshipments,
        "stops": [
            {
                "port": s.port,
                "dwell_days": rounded((s.dwell_hours or 0.0) / 24.0, 1)
                if s.dwell_hours is not None
                else None,
                "transshipment": s.transshipment,
            }
            for s in journey.stops
        ],
        "detour_ratio": rounded(journey.detour_ratio),
        "bills_of_lading": list(journey.bills_of_lading),
        "first_event": iso(journey.start),
        "last_event": iso(journey.end),
    }
    confidence = min(0.9, 0.4 + 0.1 * len({name for name, _, _ in hits}))
    vessel = journey.legs[-1].vessel_mmsi
    return Finding(
        container=journey.container,
        key=iso(journey.start) or "",
        start=journey.start,
        end=journey.end,
        confidence=round(confidence, 3),
        score=noisy_or(weight for _, weight, _ in hits),
        reasons=[text for _, _, text in hits],
        evidence=evidence,
        lat=lat,
        lon=lon,
        mmsi=vessel,
        related=related_of("vessel", [leg.vessel_mmsi for leg in journey.legs]),
    )
