"""Yachts arriving from abroad whose clearance declaration their track contradicts.

Each world stages one yacht per kind of contradiction the customs officer looks for on arrival
(French pleasure-craft formalities, see `balise.maritime.clearance`):

- `last_port`: she declares a foreign port she never left from (she came from another one);
- `extra_call`: she declares her real port of departure, but called at a second foreign port on
  the way;
- `stop_at_sea`: she declares her real voyage, but drifted for hours at sea outside French waters;
- `arrival_time`: she declares her real voyage, but arrives half a day away from the declared
  time (inside the day a declaration matches, outside the tolerance).

The declarations are filed by the scenario (`Staging.declarations`) and written with the
background ones by `balise.sim.documents.clearances`; the truth is one `clearance_mismatch`
event per yacht, at her arrival, with the staged reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

import numpy as np

from balise.geo.territorial_sea import inside
from balise.sim.motion import MOORED, UNDER_WAY
from balise.sim.plan import FiledDeclaration, PortCall
from balise.sim.truth import TruthEvent
from balise.sim.voyage import HOUR_S, Stop, Voyager

if TYPE_CHECKING:
    from balise.sim.scenarios import Staging

FOREIGN_ORIGINS: Final = ("GDSTG", "VCKTN", "LCCAS", "DMRSU", "AGSJO", "BBBGI")
"""Foreign island ports a yacht leaves for the French islands (all in `YACHT_PORTS`)."""
FRENCH_ARRIVALS: Final = ("MQFDF", "MQQMR", "GPPTP")
"""French ports of arrival: Fort-de-France, Le Marin, Pointe-à-Pitre."""
STOP_FRACTIONS: Final = (0.45, 0.35, 0.25, 0.55, 0.15)
"""Where along her route a yacht may stop at sea, in order of preference: mid-passage, but
outside French waters (between Dominica and Martinique mid-passage is already French)."""
REASONS: Final = ("last_port", "extra_call", "stop_at_sea", "arrival_time")
DRIFT_KN: Final = 0.3
"""Speed of the yacht drifting at sea (well under the detector's 1 kn of a stop)."""


def _pick(stage: Staging, options: tuple[str, ...], *, other_than: tuple[str, ...] = ()) -> str:
    left = tuple(o for o in options if o not in other_than)
    return left[int(stage.rng.integers(len(left)))]


def _yacht_voyager(stage: Staging, origin: str, destination: str, latest: float) -> Voyager:
    """A yacht moored at `origin` for a few hours, then sailing so as to reach `destination`
    between 0.3 of the window and `latest`, and never leaving before the window opens (the
    departure must be seen for the last port to be known)."""
    yacht = stage.hull("yacht")
    route = stage.routes.route(origin, destination)
    passage_s = float(route.distance_nm[-1]) / (yacht.service_speed_kn * 0.95) * HOUR_S
    voyager = stage.voyager_for(
        yacht, route, 1.0, max(stage.moment(0.3, latest), passage_s + 2 * HOUR_S)
    )
    voyager.builder.stay(float(stage.rng.uniform(6, 10)) * HOUR_S, MOORED)
    return voyager


def _outside_french_waters(stage: Staging, origin: str, destination: str) -> float:
    """A fraction of the route from `origin` to `destination` that lies outside French
    territorial waters (where a stop at sea is one the customs rule counts)."""
    route = stage.routes.route(origin, destination)
    fractions = np.array(STOP_FRACTIONS)
    index = np.searchsorted(route.distance_nm, fractions * float(route.distance_nm[-1]))
    index = np.minimum(index, len(route.lat) - 1)
    outside = ~inside(route.lat[index], route.lon[index])
    return float(fractions[int(np.argmax(outside))]) if outside.any() else 0.2


def _drift(stage: Staging, hours: float) -> Callable[[Voyager], None]:
    def drift(voyager: Voyager) -> None:
        voyager.builder.stay(HOUR_S * 0.25, UNDER_WAY)
        lat, lon = voyager.builder.position
        voyager.builder.go_to(lat + DRIFT_KN * hours / 60.0, lon, DRIFT_KN)

    return drift


def _sail(stage: Staging, reason: str) -> tuple[Voyager, str, str, float]:
    """Stage the voyage of `reason`; returns the voyager (arrived), the declared last port, the
    real one and the hours the declared arrival is off."""
    origin = _pick(stage, FOREIGN_ORIGINS)
    destination = _pick(stage, FRENCH_ARRIVALS)
    berth_h = float(stage.rng.uniform(30, 60))
    if reason == "extra_call":
        via = _pick(stage, FOREIGN_ORIGINS, other_than=(origin,))
        voyager = _yacht_voyager(stage, origin, via, 0.5)
        voyager.voyage(via, berth_h=float(stage.rng.uniform(6, 12)))
        voyager.voyage(destination, berth_h=berth_h)
        return voyager, origin, via, 0.0
    voyager = _yacht_voyager(stage, origin, destination, 0.75)
    at = _outside_french_waters(stage, origin, destination)
    stops = (Stop(at, _drift(stage, float(stage.rng.uniform(3, 5)))),)
    voyager.voyage(destination, berth_h=berth_h, stops=stops if reason == "stop_at_sea" else ())
    if reason == "last_port":
        declared = _pick(stage, FOREIGN_ORIGINS, other_than=(origin,))
        return voyager, declared, origin, 0.0
    sign = 1.0 if stage.rng.random() < 0.5 else -1.0
    hours_off = sign * float(stage.rng.uniform(10, 16)) if reason == "arrival_time" else 0.0
    return voyager, origin, origin, hours_off


def _file(
    stage: Staging, voyager: Voyager, call: PortCall, last_port: str, hours_off: float
) -> None:
    expected_s = round((call.arrival_s + hours_off * HOUR_S) / HOUR_S) * HOUR_S
    submitted_s = min(call.arrival_s, expected_s) - float(stage.rng.uniform(2, 12)) * HOUR_S
    stage.declarations.append(
        FiledDeclaration(
            voyager.hull.identity.mmsi, submitted_s, call.locode, expected_s, last_port
        )
    )


def clearance_mismatch(stage: Staging) -> None:
    """10. Four yachts from the neighbouring islands, each contradicting her declaration once."""
    for reason in REASONS:
        voyager, declared, real, hours_off = _sail(stage, reason)
        call = voyager.calls[-1]
        stage.plans.append(voyager.plan("clearance_mismatch"))
        if not 0 <= call.arrival_s < stage.end_s:
            continue
        _file(stage, voyager, call, declared, hours_off)
        evidence = {
            "reason": reason,
            "declared_last_port": declared,
            "last_port": real,
            "arrival_port": call.locode,
            "declared_hours_off": round(hours_off, 1),
        }
        stage.truth.append(
            TruthEvent(
                "clearance_mismatch",
                "clearance_mismatch",
                call.arrival_s,
                call.arrival_s,
                call.lat,
                call.lon,
                voyager.hull.identity.mmsi,
                evidence=evidence,
            )
        )
