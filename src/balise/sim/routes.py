"""Sea routes between the theatre's ports: berth to berth, land-safe, memoised.

What: `SeaRoutes(land).route(origin, destination)` gives the `Route` a ship follows from one berth
to another (UN/LOCODEs of `balise.sim.places.PORTS`), densified to at most 5 km between points,
with its cumulative distance in nautical miles.

Why: a synthetic world is only useful for testing detectors if its ships behave like real ones:
they leave a river port down its fairway, wait at the anchorage and cross by sea lanes.

How: a route is stitched from the origin's approach (berth, river fairway if any, anchorage), the
shortest path over searoute's maritime network between the two anchorages (`balise.sim.sea_network`;
spurs trimmed), and the destination's approach in reverse, then repaired where it crosses land and
thinned (`balise.sim.route_repair`). Anchorages less than 300 km apart are also joined directly
(the repair finds the water path) and the shorter land-safe polyline wins, so island hops do not
detour by distant network nodes. Nothing is closed beyond searoute's default (the North-West
Passage): the Pacific ports (Guayaquil, Posorja, Balboa) reach the Atlantic through the Panama
Canal, which the land mask's fairway corridors open.

Speed and determinism: a route and its reverse are built once; the network is searched with one
shortest-path tree per anchorage; detours are memoised by their end points; the mask (a 1 GB array
once decompressed) is loaded once per process, on first use. About 200 routes take a few seconds of
CPU. Ties are broken by fixed orders, so the same call always gives the same arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from balise.geo.landmask import LandMask
from balise.geo.sphere import KM_PER_NM, haversine_km
from balise.model.arrays import FloatArray
from balise.sim.places import RIVER_FAIRWAYS, port
from balise.sim.polyline import cumulative_km
from balise.sim.route_repair import RouteRepair
from balise.sim.sea_network import SeaNetwork

__all__ = ["DIRECT_LIMIT_KM", "Route", "SeaRoutes"]

DIRECT_LIMIT_KM: Final = 300.0
"""Anchorages closer than this are also joined by a direct water path, kept if shorter."""


@dataclass(frozen=True)
class Route:
    """A sea route from the origin's berth to the destination's berth.

    `lat`/`lon` are at most 5 km apart; `distance_nm` is the cumulative distance along them,
    starting at 0 (its last value is the route's length). The arrays are read-only: routes are
    memoised and shared by every ship that sails them.
    """

    origin: str
    destination: str
    lat: FloatArray
    lon: FloatArray
    distance_nm: FloatArray

    def __post_init__(self) -> None:
        for values in (self.lat, self.lon, self.distance_nm):
            values.flags.writeable = False

    def reversed(self) -> Route:
        """The same route sailed from destination to origin."""
        lat, lon = self.lat[::-1].copy(), self.lon[::-1].copy()
        km = cumulative_km(lat, lon)
        return Route(self.destination, self.origin, lat, lon, km / KM_PER_NM)


def _approach(locode: str) -> list[tuple[float, float]]:
    """Points from a port's berth out to its anchorage: berth, river fairway if any, anchorage."""
    here = port(locode)
    fairway = RIVER_FAIRWAYS.get(locode)
    points = list(fairway.points) if fairway else [(here.lat, here.lon)]
    return [*points, (here.anchorage_lat, here.anchorage_lon)]


def _trim_spur(anchor: tuple[float, float], nodes: list[tuple[float, float]]) -> None:
    """Drop leading network nodes that lead away from `anchor` only to come back (in place)."""
    while len(nodes) > 1:
        first = float(haversine_km(anchor[0], anchor[1], nodes[0][0], nodes[0][1]))
        second = float(haversine_km(anchor[0], anchor[1], nodes[1][0], nodes[1][1]))
        if second >= first:
            return
        del nodes[0]


class SeaRoutes:
    """Land-safe sea routes between the theatre's ports, computed once and memoised."""

    def __init__(self, land: LandMask) -> None:
        self._repair = RouteRepair(land)
        self._routes: dict[tuple[str, str], Route] = {}
        self._network: SeaNetwork | None = None

    def route(self, origin: str, destination: str) -> Route:
        """The route from port `origin`'s berth to port `destination`'s (UN/LOCODEs)."""
        if origin == destination:
            raise ValueError(f"a route needs two different ports, got {origin!r} twice")
        key = (origin, destination)
        if key not in self._routes:
            if (destination, origin) in self._routes:
                self._routes[key] = self._routes[(destination, origin)].reversed()
            else:
                first, second = sorted(key)
                built = self._build(first, second)
                self._routes[(first, second)] = built
                self._routes[(second, first)] = built.reversed()
        return self._routes[key]

    def _build(self, origin: str, destination: str) -> Route:
        """Stitch, repair and thin the route between two ports (see the module docstring).

        Between anchorages less than `DIRECT_LIMIT_KM` apart the direct water path is tried as
        well (joining the network near each anchorage can be a long way round for a short hop)
        and the shorter land-safe polyline wins.
        """
        head, tail = _approach(origin), _approach(destination)[::-1]
        ends = (head[0], tail[-1])
        if self._network is None:
            self._network = SeaNetwork()
        nodes = self._network.path(head[-1], tail[0])
        _trim_spur(head[-1], nodes)
        nodes.reverse()
        _trim_spur(tail[0], nodes)
        nodes.reverse()
        candidates = [self._repair.repaired(np.array([*head, *nodes, *tail]), ends)]
        gap_km = float(haversine_km(head[-1][0], head[-1][1], tail[0][0], tail[0][1]))
        if gap_km < DIRECT_LIMIT_KM:
            candidates.append(self._repair.repaired(np.array([*head, *tail]), ends))
        safe = [c for c in candidates if self._repair.is_safe(c[0], c[1], ends)] or candidates
        lat, lon = min(safe, key=lambda c: float(cumulative_km(c[0], c[1])[-1]))
        keep = self._repair.thinned(lat, lon, ends)
        lat, lon = lat[keep], lon[keep]
        return Route(origin, destination, lat, lon, cumulative_km(lat, lon) / KM_PER_NM)
