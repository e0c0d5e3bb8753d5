"""The port calls of the world's container ships, as carriers publish them: who called where and
when, under which voyage number and port visit reference.

The container layer (`balise.sim.containers`) loads and discharges boxes only during these
calls, and the access layer's import boxes (`balise.sim.cargo`) are discharged from them, so that
every Track & Trace event of a box matches the AIS port call of its vessel.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Final

import numpy as np

from balise.sim.motion import Floats
from balise.sim.plan import HullPlan

CARRYING_ROLES: Final = ("container_liner", "feeder")
"""Roles of the hulls that carry containers."""
OPERATORS: Final = {
    "MSC": "MSC",
    "MAERSK": "MSK",
    "CMA": "CMA",
    "HAPAG": "HLC",
    "ONE": "ONE",
    "EVER": "EMC",
    "COSCO": "COS",
}
"""SMDG liner codes of the operators, from the first word of the vessel's name."""
FEEDER_OPERATOR: Final = "CMA"
"""Feeders are chartered by a carrier: their operator code when the name does not tell."""


@dataclass(frozen=True)
class VesselCall:
    """A stay of a container ship at a port (world seconds), the `seq`-th call of its plan."""

    plan: int
    seq: int
    locode: str
    arrival_s: float
    departure_s: float
    lat: float
    lon: float
    mmsi: int
    imo: int | None
    name: str
    flag: str
    call_sign: str
    hull_id: int
    berthed_s: float | None = None
    """When the ship moored (after an anchorage wait); None: at arrival."""

    @property
    def alongside_s(self) -> float:
        """When the ship is at the berth, where cranes can work it."""
        return self.arrival_s if self.berthed_s is None else self.berthed_s

    @property
    def operator(self) -> str:
        return OPERATORS.get(self.name.split(" ")[0], FEEDER_OPERATOR)

    @property
    def voyage(self) -> str:
        """The carrier voyage number of the leg that leaves this call (`0412N`)."""
        return f"{self.hull_id % 1000:03d}{self.seq % 100:02d}{'NS'[self.seq % 2]}"

    @property
    def arrival_voyage(self) -> str:
        """The carrier voyage number of the leg that arrived at this call."""
        seq = max(self.seq - 1, 0)
        return f"{self.hull_id % 1000:03d}{seq % 100:02d}{'NS'[seq % 2]}"

    @property
    def port_visit(self) -> str:
        """The port's reference of the visit: UN/LOCODE, hull and call."""
        return f"{self.locode}{self.hull_id:05d}{self.seq:03d}"

    def stay(self, rng: np.random.Generator, early: bool) -> float:
        """A crane move time inside the stay at the berth (not during an anchorage wait): in
        the first half (discharge) or the second (loading), at least 30 minutes from either end
        (a quarter of the stay when it is shorter than two hours, as a call at the ship's
        starting berth may be)."""
        berthed = self.alongside_s
        margin = min(1800.0, max(self.departure_s - berthed, 0.0) / 4)
        low, high = berthed + margin, max(self.departure_s - margin, berthed + margin)
        middle = (low + high) / 2
        return float(rng.uniform(low, middle) if early else rng.uniform(middle, high))


class CallIndex:
    """Every call of the container ships of `plans`, by plan and by port."""

    def __init__(self, plans: list[HullPlan]) -> None:
        self.plans = plans
        self.by_plan: dict[int, list[VesselCall]] = {}
        self.by_port: dict[str, list[VesselCall]] = defaultdict(list)
        for index, plan in enumerate(plans):
            if plan.scenario or plan.hull.role not in CARRYING_ROLES or not plan.statics:
                continue
            identity = plan.hull.identity
            calls = [
                VesselCall(
                    index,
                    seq,
                    c.locode,
                    c.arrival_s,
                    c.departure_s,
                    c.lat,
                    c.lon,
                    identity.mmsi,
                    identity.imo,
                    identity.name,
                    identity.flag,
                    identity.call_sign,
                    plan.hull.hull_id,
                    c.berthed_s,
                )
                for seq, c in enumerate(plan.port_calls)
            ]
            self.by_plan[index] = calls
            for call in calls:
                self.by_port[call.locode].append(call)
        for calls in self.by_port.values():
            calls.sort(key=lambda c: (c.arrival_s, c.plan))

    def all(self) -> list[VesselCall]:
        return [call for calls in self.by_plan.values() for call in calls]

    def later(self, call: VesselCall, within: int = 99) -> list[VesselCall]:
        """The next `within` calls of the same ship after `call`."""
        return self.by_plan[call.plan][call.seq + 1 : call.seq + 1 + within]

    def earlier(self, call: VesselCall) -> list[VesselCall]:
        return self.by_plan[call.plan][: call.seq]

    def at(self, locode: str, since_s: float, until_s: float) -> list[VesselCall]:
        """Calls at `locode` arriving between `since_s` and `until_s`."""
        return [c for c in self.by_port.get(locode, []) if since_s <= c.arrival_s < until_s]

    def position(self, plan: int, t_s: Floats) -> tuple[Floats, Floats]:
        """Where the ship of `plan` is at times `t_s` (its true track, linear between knots)."""
        track = self.plans[plan].track
        return np.interp(t_s, track.t_s, track.lat), np.interp(t_s, track.t_s, track.lon)
