"""Background traffic: what ordinary ships of each role do, day after day.

Container liners run scheduled services, feeders shuttle between hubs and islands, tankers,
bulkers and general cargo ships tramp between ports with anchorage waits, reefers carry fruit from
South America to the European ranges, fishing vessels fish their grounds (slow, erratic, loitering
that is legitimate), yachts hop between islands, ferries keep their timetables, tugs work their
port. Plans start before the world's window (warm-up) so that at its start ships are everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import numpy as np

from balise.geo.landmask import LandMask
from balise.sim.fleet import Hull
from balise.sim.motion import ANCHORED, FISHING, MOORED, TrackBuilder, haversine_nm, offset
from balise.sim.places import FERRY_LINES, FISHING_GROUNDS, YACHT_PORTS, FishingGround, port
from balise.sim.plan import HullPlan, PortCall
from balise.sim.routes import SeaRoutes
from balise.sim.voyage import HARBOUR_SPEED_KN, HOUR_S, Voyager, harbour_exit

DAY_S = 86_400.0
SERVICES: Final[tuple[tuple[str, ...], ...]] = (
    ("BRSSZ", "ESALG", "FRLEH", "NLRTM", "DEHAM", "BEANR", "ESVGO"),
    ("ECGYE", "PAMIT", "COCTG", "JMKIN", "ESALG", "NLRTM", "BEANR", "FRLEH"),
    ("COCTG", "DOCAU", "MQFDF", "GPPTP", "FRLEH", "FRDKK", "BEANR"),
    ("SRPBM", "GFDDC", "GPPTP", "MQFDF", "FRMTX", "FRLEH"),
    ("TGLFW", "CIABJ", "SNDKR", "MAPTM", "ESALG", "FRFOS"),
    ("COBAQ", "COCTG", "JMKIN", "MAPTM", "FRFOS"),
    ("BRSSZ", "ESLPA", "PTSIE", "FRLEH", "GBFXT", "NLRTM"),
)
"""Liner services (port rotations, looping), in the manner of the Europe-South America trades."""
FEEDER_LOOPS: Final[tuple[tuple[str, ...], ...]] = (
    ("JMKIN", "COCTG", "PAMIT"),
    ("DOCAU", "MQFDF", "GPPTP"),
    ("ESALG", "MAPTM", "ESLPA"),
    ("NLRTM", "FRLEH", "GBFXT"),
    ("TTPOS", "SRPBM", "GYGEO"),
    ("BSFPO", "JMKIN", "DOCAU"),
)
TRAMP_PORTS: Final[dict[str, tuple[str, ...]]] = {
    "tanker": ("TTPOS", "COCTG", "NLRTM", "FRFOS", "ESALG", "BSFPO", "CIABJ", "NGLOS", "FRMTX"),
    "bulker": ("BRSSZ", "COPBO", "NLRTM", "DEHAM", "FRDKK", "ESVGO", "MAPTM", "PTSIE"),
    "general_cargo": (
        "COCTG",
        "COBAQ",
        "SRPBM",
        "GYGEO",
        "DOCAU",
        "TGLFW",
        "SNDKR",
        "ESLPA",
        "ESVGO",
        "FRMTX",
        "MQFDF",
    ),
}
REEFER_ORIGINS: Final = ("COTRB", "COSMR", "ECPSJ", "ECGYE", "PAMIT")
REEFER_DESTINATIONS: Final = ("BEANR", "NLRTM", "DEHAM", "FRDKK", "FRLEH")
TUG_PORTS: Final = ("FRLEH", "NLRTM", "BEANR", "ESALG", "JMKIN", "COCTG", "MQFDF", "MAPTM")


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def _hours(rng: np.random.Generator, low: float, high: float) -> float:
    return float(rng.uniform(low, high))


def liner(hull: Hull, routes: SeaRoutes, rng: np.random.Generator, end_s: float) -> HullPlan:
    """A container ship on a service rotation, starting at a random call of it."""
    service = SERVICES[int(rng.integers(len(SERVICES)))]
    leg = int(rng.integers(len(service)))
    voyager = Voyager.in_port(hull, service[leg], -_hours(rng, 0, 240) * HOUR_S, routes, rng)
    voyager.builder.stay(_hours(rng, 6, 24) * HOUR_S, MOORED)
    while voyager.now_s < end_s:
        leg = (leg + 1) % len(service)
        wait = _hours(rng, 2, 30) if rng.random() < 0.35 else 0.0
        voyager.voyage(service[leg], wait_h=wait, berth_h=_hours(rng, 10, 36))
    return voyager.plan()


def feeder(hull: Hull, routes: SeaRoutes, rng: np.random.Generator, end_s: float) -> HullPlan:
    """A feeder shuttling around a short loop of hubs and islands."""
    loop = FEEDER_LOOPS[int(rng.integers(len(FEEDER_LOOPS)))]
    leg = int(rng.integers(len(loop)))
    voyager = Voyager.in_port(hull, loop[leg], -_hours(rng, 0, 96) * HOUR_S, routes, rng)
    while voyager.now_s < end_s:
        leg = (leg + 1) % len(loop)
        wait = _hours(rng, 2, 12) if rng.random() < 0.2 else 0.0
        voyager.voyage(loop[leg], wait_h=wait, berth_h=_hours(rng, 8, 20))
    return voyager.plan()


def tramp(hull: Hull, routes: SeaRoutes, rng: np.random.Generator, end_s: float) -> HullPlan:
    """A tanker, bulker or general cargo ship going where its charters take it; long waits."""
    ports = TRAMP_PORTS[hull.role]
    here = _pick(rng, ports)
    voyager = Voyager.in_port(hull, here, -_hours(rng, 0, 400) * HOUR_S, routes, rng)
    while voyager.now_s < end_s:
        destination = _pick(rng, tuple(p for p in ports if p != voyager.at_port))
        wait = _hours(rng, 6, 72) if rng.random() < 0.5 else 0.0
        voyager.voyage(destination, wait_h=wait, berth_h=_hours(rng, 24, 60))
    return voyager.plan()


def reefer(hull: Hull, routes: SeaRoutes, rng: np.random.Generator, end_s: float) -> HullPlan:
    """A reefer carrying fruit from Colombia, Ecuador or Panama to a northern European port."""
    voyager = Voyager.in_port(
        hull, _pick(rng, REEFER_ORIGINS), -_hours(rng, 0, 300) * HOUR_S, routes, rng
    )
    while voyager.now_s < end_s:
        going_north = voyager.at_port in REEFER_ORIGINS
        destination = _pick(rng, REEFER_DESTINATIONS if going_north else REEFER_ORIGINS)
        voyager.voyage(destination, wait_h=0.0, berth_h=_hours(rng, 20, 40))
    return voyager.plan()


def ferry(hull: Hull, routes: SeaRoutes, rng: np.random.Generator, end_s: float) -> HullPlan:
    """A ferry on its line: departs at the timetable's hours, turns round and comes back."""
    line = FERRY_LINES[int(rng.integers(len(FERRY_LINES)))]
    home, away = line.ports
    route_out, route_back = routes.route(home, away), routes.route(away, home)
    speed_kn = float(route_out.distance_nm[-1]) / line.crossing_hours
    departures = sorted(line.departures_utc)
    slot = int(rng.integers(len(departures)))
    start = -DAY_S + departures[slot] * HOUR_S
    voyager = Voyager.in_port(hull, home, start - 2 * HOUR_S, routes, rng)
    day = -1
    while voyager.now_s < end_s:
        voyager.builder.until(day * DAY_S + departures[slot] * HOUR_S, MOORED)
        voyager.announce(voyager.destination_text(port(away)), None)
        voyager.sail_route(route_out, speed_kn)
        voyager.call(away, route_out, 0.0, _hours(rng, 1.0, 2.0))
        voyager.announce(voyager.destination_text(port(home)), None)
        voyager.sail_route(route_back, speed_kn)
        voyager.call(home, route_back, 0.0, 0.5)
        day = int(voyager.now_s // DAY_S) + 1
    return voyager.plan()


def yacht(hull: Hull, routes: SeaRoutes, rng: np.random.Generator, end_s: float) -> HullPlan:
    """A yacht hopping between island marinas by day, days at anchor between hops."""
    voyager = Voyager.in_port(
        hull, _pick(rng, YACHT_PORTS), -_hours(rng, 0, 120) * HOUR_S, routes, rng
    )
    while voyager.now_s < end_s:
        next_day = (voyager.now_s // DAY_S + 1) * DAY_S
        voyager.builder.until(next_day + _hours(rng, 10, 14) * HOUR_S, ANCHORED)
        destination = _pick(rng, tuple(p for p in YACHT_PORTS if p != voyager.at_port))
        voyager.voyage(destination, berth_h=_hours(rng, 20, 110))
    return voyager.plan()


def tug(hull: Hull, routes: SeaRoutes, rng: np.random.Generator, end_s: float) -> HullPlan:
    """A harbour tug: alongside at its berth, out to the anchorage to assist ships, back."""
    here = port(_pick(rng, TUG_PORTS))
    way_lat, way_lon = harbour_exit(routes, here.locode)
    voyager = Voyager.in_port(hull, here.locode, -_hours(rng, 0, 24) * HOUR_S, routes, rng)
    builder = voyager.builder
    while builder.now_s < end_s:
        builder.stay(_hours(rng, 3, 14) * HOUR_S, MOORED)
        builder.sail(way_lat, way_lon, hull.service_speed_kn)
        builder.stay(_hours(rng, 0.5, 1.5) * HOUR_S, 0)  # alongside a ship at the anchorage
        builder.sail(way_lat[::-1], way_lon[::-1], HARBOUR_SPEED_KN)
    return voyager.plan()


def _open_water(land: LandMask, lat0: float, lon0: float, lat1: float, lon1: float) -> bool:
    """Whether the straight line between two points stays on water (checked every ~0.5 nm)."""
    steps = max(
        int(
            haversine_nm(np.array([lat0]), np.array([lon0]), np.array([lat1]), np.array([lon1]))[0]
            / 0.5
        ),
        2,
    )
    lats, lons = np.linspace(lat0, lat1, steps), np.linspace(lon0, lon1, steps)
    return not bool(land.on_land(lats, lons).any())


def fishing_grounds(land: LandMask) -> tuple[FishingGround, ...]:
    """The grounds a fishing vessel can reach in a straight line from its home anchorage."""
    reachable = []
    for ground in FISHING_GROUNDS:
        home = port(ground.home_port)
        if _open_water(land, home.anchorage_lat, home.anchorage_lon, ground.lat, ground.lon):
            reachable.append(ground)
    return tuple(reachable)


def _fish(
    builder: TrackBuilder, ground: FishingGround, rng: np.random.Generator, hours: float
) -> None:
    """Tows and drifts inside the ground for `hours`: slow legs on changing headings."""
    stop = builder.now_s + hours * HOUR_S
    while builder.now_s < stop:
        lat, lon = builder.position
        heading = _hours(rng, 0, 360)
        here_nm = haversine_nm(
            np.array([lat]), np.array([lon]), np.array([ground.lat]), np.array([ground.lon])
        )[0]
        if here_nm > ground.radius_nm * 0.6:  # head back towards the middle of the ground
            heading = float(np.degrees(np.arctan2(ground.lon - lon, ground.lat - lat)) % 360)
        if rng.random() < 0.25:
            builder.stay(_hours(rng, 0.5, 2) * HOUR_S, FISHING)
            continue
        speed = _hours(rng, 2.5, 4.0)
        lat1, lon1 = offset(lat, lon, heading, speed * _hours(rng, 1, 3))
        builder.go_to(lat1, lon1, speed, FISHING)


def fishing(
    hull: Hull,
    routes: SeaRoutes,
    rng: np.random.Generator,
    end_s: float,
    grounds: tuple[FishingGround, ...],
) -> HullPlan:
    """A fishing vessel: trips of one to three days to its ground, a day or two in port."""
    ground = grounds[int(rng.integers(len(grounds)))]
    home = port(ground.home_port)
    way_lat, way_lon = harbour_exit(routes, home.locode)
    voyager = Voyager.in_port(hull, home.locode, -_hours(rng, 0, 72) * HOUR_S, routes, rng)
    builder = voyager.builder
    while builder.now_s < end_s:
        arrival = builder.now_s
        builder.stay(_hours(rng, 12, 48) * HOUR_S, MOORED)
        voyager.calls.append(PortCall(home.locode, arrival, builder.now_s, home.lat, home.lon))
        builder.sail(way_lat, way_lon, HARBOUR_SPEED_KN)
        builder.go_to(ground.lat, ground.lon, hull.service_speed_kn)
        _fish(builder, ground, rng, _hours(rng, 20, 70))
        builder.go_to(ground.lat, ground.lon, 4.0, FISHING)
        builder.go_to(home.anchorage_lat, home.anchorage_lon, hull.service_speed_kn)
        builder.sail(way_lat[::-1], way_lon[::-1], HARBOUR_SPEED_KN)
    return voyager.plan()


Planner = Callable[[Hull, SeaRoutes, np.random.Generator, float], HullPlan]
PLANNERS: Final[dict[str, Planner]] = {
    "container_liner": liner,
    "feeder": feeder,
    "tanker": tramp,
    "bulker": tramp,
    "general_cargo": tramp,
    "reefer": reefer,
    "ferry": ferry,
    "yacht": yacht,
    "tug": tug,
}
"""The planner of each background role but fishing (which also needs the reachable grounds)."""
