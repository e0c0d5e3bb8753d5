"""Sailing a hull from port to port: routes, anchorage waits, berths and the voyage data crews type.

`Voyager` is the one place where a hull's track, its broadcast voyage data (destination, ETA,
draught) and its port calls are kept in step, for the background traffic and the scenarios alike.
A scenario interrupts a voyage at a fraction of its route with a `Stop` (meet someone, loiter, go
dark) and the voyage then carries on to its port.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from balise.sim.fleet import Hull, Identity
from balise.sim.motion import ANCHORED, MOORED, Floats, TrackBuilder, haversine_nm, offset
from balise.sim.places import Port, port
from balise.sim.plan import HullPlan, PortCall, StaticState
from balise.sim.routes import Route, SeaRoutes

HOUR_S = 3600.0
FAIRWAY_REFERENCE = ("ESLPA", "FRLEH")
"""Distant ports whose sea routes show the way out of any port of the theatre."""
APPROACH_NM = 12.0
"""Distance before the berth from which a ship slows to harbour speed."""
HARBOUR_SPEED_KN = 8.0


def harbour_exit(routes: SeaRoutes, locode: str) -> tuple[Floats, Floats]:
    """The way from `locode`'s berth out to its anchorage, along the port's fairway.

    A straight line would cross land for river and basin ports (Rotterdam, Antwerp, Hamburg); the
    sea route out of the port follows the fairway, so the way out is that route up to its point
    nearest the anchorage, then the anchorage itself.
    """
    here = port(locode)
    route = routes.route(locode, FAIRWAY_REFERENCE[locode == FAIRWAY_REFERENCE[0]])
    within = max(int(np.searchsorted(route.distance_nm, 60.0)), 1)
    lat, lon = route.lat[:within], route.lon[:within]
    nearest = int(
        np.argmin(
            haversine_nm(
                lat, lon, np.full(within, here.anchorage_lat), np.full(within, here.anchorage_lon)
            )
        )
    )
    return (
        np.append(lat[: nearest + 1], here.anchorage_lat),
        np.append(lon[: nearest + 1], here.anchorage_lon),
    )


def berth_of(hull: Hull, here: Port) -> tuple[float, float]:
    """Where `hull` moors in `here`: a spot of its own up to ~0.4 nm from the port's position, so
    that two ships in port are never at the very same point."""
    bearing = (hull.hull_id * 137.508) % 360.0  # the golden angle spreads hulls around the port
    return offset(here.lat, here.lon, bearing, 0.08 + 0.06 * (hull.hull_id % 6))


@dataclass(frozen=True)
class Stop:
    """Something done at `fraction` (0-1) of a route's length, before carrying on."""

    fraction: float
    action: Callable[[Voyager], None]


@dataclass
class Voyager:
    """A hull's plan being built: where it is, what it broadcasts, where it has called."""

    hull: Hull
    builder: TrackBuilder
    routes: SeaRoutes
    rng: np.random.Generator
    at_port: str
    identity: Identity
    draught_m: float
    statics: list[StaticState] = field(default_factory=list)
    calls: list[PortCall] = field(default_factory=list)
    fixed_speed_kn: float | None = None
    """A speed kept on every voyage (scenarios that must be somewhere at a given time)."""
    berthed_since_s: float | None = None
    """When the hull moored at its starting berth (`in_port`), until it first sails: that stay is
    a port call like any other (a yacht leaving St John's comes from St John's)."""

    @classmethod
    def in_port(
        cls, hull: Hull, locode: str, t_s: float, routes: SeaRoutes, rng: np.random.Generator
    ) -> Voyager:
        """A hull moored at `locode`'s berth at `t_s`, announcing that port as destination."""
        berth = port(locode)
        voyager = cls(
            hull=hull,
            builder=TrackBuilder.at(t_s, *berth_of(hull, berth)),
            routes=routes,
            rng=rng,
            at_port=locode,
            identity=hull.identity,
            draught_m=hull.design_draught_m,
        )
        voyager.announce(voyager.destination_text(berth), None)
        voyager.berthed_since_s = t_s
        return voyager

    @property
    def now_s(self) -> float:
        return self.builder.now_s

    def destination_text(self, destination: Port) -> str:
        """The destination as a crew types it: a name, a LOCODE or a variant."""
        texts = destination.ais_destination_texts
        return texts[int(self.rng.integers(len(texts)))]

    def announce(
        self, destination: str, eta_s: float | None, draught_m: float | None = None
    ) -> None:
        """Broadcast new voyage data from now on."""
        if draught_m is not None:
            self.draught_m = draught_m
        self.statics.append(
            StaticState(self.now_s, self.identity, destination, eta_s, round(self.draught_m, 1))
        )

    def change_identity(self, identity: Identity) -> None:
        """Broadcast another identity from now on, keeping the voyage data."""
        self.identity = identity
        last = self.statics[-1]
        self.statics.append(replace(last, from_s=self.now_s, identity=identity))

    def loaded_draught(self) -> float:
        """A draught for a new voyage: between ballast and full load."""
        return self.hull.design_draught_m * float(self.rng.uniform(0.62, 1.0))

    def speed_kn(self) -> float:
        """This voyage's speed: the fixed speed, or a share of the service speed."""
        if self.fixed_speed_kn is not None:
            return self.fixed_speed_kn
        return self.hull.service_speed_kn * float(self.rng.uniform(0.88, 1.0))

    def voyage(
        self,
        destination: str,
        *,
        declared: str | None = None,
        wait_h: float = 0.0,
        berth_h: float = 24.0,
        stops: tuple[Stop, ...] = (),
        speed_kn: float | None = None,
    ) -> None:
        """Sail to `destination` (announcing `declared` instead when given), call there."""
        route = self.routes.route(self.at_port, destination)
        speed = speed_kn or self.speed_kn()
        eta = self.now_s + float(route.distance_nm[-1]) / speed * HOUR_S + wait_h * HOUR_S
        announced = port(declared or destination)
        self.announce(
            self.destination_text(announced), round(eta / HOUR_S) * HOUR_S, self.loaded_draught()
        )
        self.sail_route(route, speed, stops)
        self.call(destination, route, wait_h, berth_h)

    def sail_route(self, route: Route, speed_kn: float, stops: tuple[Stop, ...] = ()) -> None:
        """Sail `route` up to its approach, doing each stop at its fraction of the distance."""
        self._leave_starting_berth()
        total = float(route.distance_nm[-1])
        approach = int(np.searchsorted(route.distance_nm, max(total - APPROACH_NM, 0.0)))
        done = 0
        for stop in sorted(stops, key=lambda s: s.fraction):
            index = min(int(np.searchsorted(route.distance_nm, stop.fraction * total)), approach)
            self.builder.sail(route.lat[done : index + 1], route.lon[done : index + 1], speed_kn)
            stop.action(self)
            done = index
        self.builder.sail(route.lat[done:approach], route.lon[done:approach], speed_kn)

    def _leave_starting_berth(self) -> None:
        """Record the stay at the starting berth as the first call, when the hull first sails."""
        if self.berthed_since_s is None:
            return
        here = port(self.at_port)
        self.calls.insert(0, PortCall(self.at_port, self.berthed_since_s, self.now_s, here.lat,
                                      here.lon))  # fmt: skip
        self.berthed_since_s = None

    def call(self, locode: str, route: Route, wait_h: float, berth_h: float) -> None:
        """Approach, wait at the anchorage if asked, moor at the berth, record the call."""
        here = port(locode)
        arrival = self.now_s
        total = float(route.distance_nm[-1])
        approach = int(np.searchsorted(route.distance_nm, max(total - APPROACH_NM, 0.0)))
        rest_lat, rest_lon = route.lat[approach:], route.lon[approach:]
        if wait_h > 0:
            to_anchorage = haversine_nm(
                rest_lat,
                rest_lon,
                np.full(len(rest_lat), here.anchorage_lat),
                np.full(len(rest_lon), here.anchorage_lon),
            )
            nearest = int(np.argmin(to_anchorage))
            self.builder.sail(rest_lat[: nearest + 1], rest_lon[: nearest + 1], HARBOUR_SPEED_KN)
            self.builder.go_to(here.anchorage_lat, here.anchorage_lon, HARBOUR_SPEED_KN)
            arrival = self.now_s
            self.builder.stay(wait_h * HOUR_S, ANCHORED)
            rest_lat, rest_lon = rest_lat[nearest:], rest_lon[nearest:]
        self.builder.sail(rest_lat, rest_lon, HARBOUR_SPEED_KN)
        self.builder.go_to(*berth_of(self.hull, here), HARBOUR_SPEED_KN)
        berthed = self.now_s
        arrival = min(arrival, berthed) if wait_h > 0 else berthed
        self.builder.stay(berth_h * HOUR_S, MOORED)
        self.calls.append(PortCall(locode, arrival, self.now_s, here.lat, here.lon, berthed))
        self.at_port = locode

    def plan(self, scenario: str = "") -> HullPlan:
        return HullPlan(
            hull=self.hull,
            track=self.builder.build(),
            statics=self.statics,
            port_calls=self.calls,
            scenario=scenario,
        )
