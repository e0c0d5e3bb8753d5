"""What the traffic and scenario layers decide for each hull, before anything is broadcast.

A `HullPlan` is the hull, its true track, what its transponder says over time (identity and voyage
data, as crews type them), its port calls (the ground truth of port visits) and any periods when
the position it broadcasts is not where it is (spoofing). Later layers (cargo, sensors, payments)
hang off the same hulls and port calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from balise.sim.fleet import Hull, Identity
from balise.sim.motion import Track


@dataclass(frozen=True)
class StaticState:
    """What the transponder broadcasts from `from_s` on: identity and voyage data."""

    from_s: float
    identity: Identity
    destination: str
    eta_s: float | None
    draught_m: float


@dataclass(frozen=True)
class PortCall:
    """A stay in port, anchorage wait included: the truth of a port visit."""

    locode: str
    arrival_s: float
    departure_s: float
    lat: float
    lon: float
    berthed_s: float | None = None
    """When the ship moored at the berth (after its anchorage wait); None: at arrival."""


@dataclass(frozen=True)
class FiledDeclaration:
    """A clearance declaration a scenario files for its vessel (times in seconds after the
    world's start), written with the background ones."""

    mmsi: int
    submitted_s: float
    arrival_port: str
    expected_arrival_s: float
    last_port: str


@dataclass(frozen=True)
class Spoof:
    """From `start_s` to `end_s` the broadcast position is offset by (`dlat`, `dlon`) degrees."""

    start_s: float
    end_s: float
    dlat: float
    dlon: float


@dataclass
class HullPlan:
    """A hull and everything the world does with it."""

    hull: Hull
    track: Track
    statics: list[StaticState]
    port_calls: list[PortCall] = field(default_factory=list)
    spoofs: list[Spoof] = field(default_factory=list)
    scenario: str = ""
    """The scenario the hull takes part in, empty for background traffic."""
