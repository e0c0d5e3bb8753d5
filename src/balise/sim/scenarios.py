"""Staged trafficking behaviour with its ground truth, on hulls added to the background traffic.

Each scenario builds the plans of the hulls it needs and returns the truth of what it staged. The
key moment of every scenario is placed inside the world's window; voyages start earlier when
needed (warm-up) so that the ships are where the scenario wants them at the right time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Final

import numpy as np

from balise.geo.landmask import LandMask
from balise.sim.clearance_scenarios import clearance_mismatch
from balise.sim.fleet import Hull, IdentityFactory, make_hull
from balise.sim.motion import MOORED, UNDER_WAY, TrackBuilder, haversine_nm, offset
from balise.sim.places import COASTAL_SITES, CoastalSite, port
from balise.sim.plan import FiledDeclaration, HullPlan, Spoof, StaticState
from balise.sim.routes import Route, SeaRoutes
from balise.sim.truth import TruthEvent
from balise.sim.voyage import APPROACH_NM, HOUR_S, Stop, Voyager

NIGHT_UTC_HOUR: Final[dict[str, float]] = {"french_caribbean": 6.0, "brittany": 1.0, "galicia": 1.5}
"""About 02:00 local time in each region (UTC-4 in the French Caribbean, UTC+1/+2 in Europe)."""


@dataclass
class Staging:
    """What scenarios share: identities, routes, land, randomness, the window, the results."""

    factory: IdentityFactory
    routes: SeaRoutes
    land: LandMask
    rng: np.random.Generator
    end_s: float
    next_hull_id: int
    plans: list[HullPlan] = field(default_factory=list)
    truth: list[TruthEvent] = field(default_factory=list)
    watchlist: list[Hull] = field(default_factory=list)
    undeclared_arrivals: list[int] = field(default_factory=list)
    """MMSIs of yachts that arrive without a clearance declaration."""
    declarations: list[FiledDeclaration] = field(default_factory=list)
    """Declarations the scenarios file themselves (their vessels get no other)."""

    def hull(self, role: str, flag: str | None = None) -> Hull:
        self.next_hull_id += 1
        return make_hull(self.factory, self.next_hull_id, role, flag)

    def moment(self, low: float = 0.25, high: float = 0.75) -> float:
        """A time inside the window for a scenario's key moment."""
        return float(self.rng.uniform(low, high)) * self.end_s

    def voyager_for(self, hull: Hull, route: Route, fraction: float, at_s: float) -> Voyager:
        """A voyager that leaves the route's origin so as to pass `fraction` of it an hour
        before `at_s` (it then waits for its moment), at a fixed speed."""
        speed = hull.service_speed_kn * 0.95
        start = at_s - fraction * float(route.distance_nm[-1]) / speed * HOUR_S - HOUR_S
        voyager = Voyager.in_port(hull, route.origin, start, self.routes, self.rng)
        voyager.fixed_speed_kn = speed
        return voyager


OFFSHORE_NM = 40.0
"""A mothership waits at least this far from any land: beyond coastal patrols and radar."""


def _offshore_fraction(stage: Staging, route: Route, min_shore_nm: float) -> float:
    """The fraction of `route` at its first point past 100 nm that is `min_shore_nm` from land."""
    search_km = min_shore_nm * 1.852
    for index in np.flatnonzero(route.distance_nm >= 100.0):
        at = (route.lat[index : index + 1], route.lon[index : index + 1])
        if stage.land.distance_to_land_km(*at, search_km=search_km + 1)[0] >= search_km:
            return float(route.distance_nm[index] / route.distance_nm[-1])
    return 0.5


def _distance(lat: float, lon: float, lat2: float, lon2: float) -> float:
    return float(
        haversine_nm(np.array([lat]), np.array([lon]), np.array([lat2]), np.array([lon2]))[0]
    )


def _point_at(route: Route, fraction: float) -> tuple[int, float, float]:
    index = int(np.searchsorted(route.distance_nm, fraction * float(route.distance_nm[-1])))
    index = min(index, len(route.lat) - 1)
    return index, float(route.lat[index]), float(route.lon[index])


def _dark_craft(
    stage: Staging, role: str, route: Route, index: int, meet_s: float, stay_h: float
) -> HullPlan:
    """A craft without AIS that runs out along `route` to its point `index`, stays, runs back."""
    hull = stage.hull(role)
    path_lat, path_lon = route.lat[: index + 1], route.lon[: index + 1]
    distance = float(route.distance_nm[index])
    builder = TrackBuilder.at(
        meet_s - distance / hull.service_speed_kn * HOUR_S - HOUR_S,
        float(path_lat[0]),
        float(path_lon[0]),
    )
    builder.ais_on = False
    builder.transmitting[0] = False
    builder.stay(HOUR_S, MOORED)
    builder.sail(path_lat[1:], path_lon[1:], hull.service_speed_kn)
    builder.until(meet_s, UNDER_WAY)
    builder.stay(stay_h * HOUR_S, UNDER_WAY)
    builder.sail(path_lat[::-1], path_lon[::-1], hull.service_speed_kn)
    builder.stay(HOUR_S, MOORED)
    return HullPlan(hull=hull, track=builder.build(), statics=[], scenario="dark_craft")


def mothership(stage: Staging, partner: str) -> None:
    """1. A mothership loiters offshore while a dark go-fast (or a fishing boat gone dark) comes
    alongside for a transfer; only the mothership's slow drift is visible."""
    origin, destination = ("SRPBM", "FRLEH") if partner == "go_fast" else ("COTRB", "BEANR")
    route = stage.routes.route(origin, destination)
    fraction = _offshore_fraction(stage, route, OFFSHORE_NM)
    index, lat, lon = _point_at(route, fraction)
    meet, stay_h = stage.moment(), float(stage.rng.uniform(4, 7))
    ship = stage.hull("reefer" if partner == "go_fast" else "general_cargo")
    voyager = stage.voyager_for(ship, route, fraction, meet)

    def transfer(v: Voyager) -> None:
        v.builder.until(meet, UNDER_WAY)
        drift_lat, drift_lon = offset(lat, lon, float(stage.rng.uniform(0, 360)), 0.4 * stay_h)
        v.builder.go_to(drift_lat, drift_lon, 0.4)

    voyager.voyage(destination, stops=(Stop(fraction, transfer),))
    stage.plans.append(voyager.plan("mothership_transfer"))
    craft = _dark_craft(
        stage, "go_fast" if partner == "go_fast" else "fishing", route, index, meet, stay_h
    )
    if partner == "fishing":
        stage.truth.append(_fishing_gone_dark(craft, meet, stay_h))
    stage.plans.append(craft)
    stage.truth.append(
        TruthEvent(
            "loitering",
            "mothership_transfer",
            meet,
            meet + stay_h * HOUR_S,
            lat,
            lon,
            ship.identity.mmsi,
            evidence={"partner": partner, "partner_ais": partner == "fishing"},
        )
    )


def _fishing_gone_dark(craft: HullPlan, meet_s: float, stay_h: float) -> TruthEvent:
    """Make `craft` a fishing boat that transmits but for about 5 h either side of the meeting;
    the truth of its gap spans from the knot where it fell silent to the one where it resumed."""
    track = craft.track
    dark = (track.t_s >= meet_s - 5 * HOUR_S) & (track.t_s < meet_s + (stay_h + 5) * HOUR_S)
    track.transmitting = ~dark
    craft.statics.append(StaticState(
        float(track.t_s[0]), craft.hull.identity, "FISHING", None, craft.hull.design_draught_m
    ))  # fmt: skip
    craft.scenario = "mothership_transfer"
    off = int(np.argmax(dark))
    on = off + int(np.argmin(dark[off:])) if not dark[-1] else len(dark) - 1
    return TruthEvent("ais_gap", "mothership_transfer", float(track.t_s[off]),
                      float(track.t_s[on]), float(track.lat[off]), float(track.lon[off]),
                      craft.hull.identity.mmsi, evidence={"intentional": True})  # fmt: skip


def encounter(stage: Staging) -> None:
    """2. Two AIS vessels meet offshore and drift together for hours (ship-to-ship transfer)."""
    origin, destination = "COCTG", "ESALG"
    route, back = stage.routes.route(origin, destination), stage.routes.route(destination, origin)
    fraction = float(stage.rng.uniform(0.35, 0.6))
    _, lat, lon = _point_at(route, fraction)
    back_index = int(
        np.argmin(
            haversine_nm(
                back.lat, back.lon, np.full(len(back.lat), lat), np.full(len(back.lon), lon)
            )
        )
    )
    back_fraction = float(back.distance_nm[back_index] / back.distance_nm[-1])
    meet, hold_h = stage.moment(), float(stage.rng.uniform(3, 9))
    drift_bearing = float(stage.rng.uniform(0, 360))
    ships = (stage.hull("tanker"), stage.hull("general_cargo"))
    for ship, leg, share, destination_port, side in (
        (ships[0], route, fraction, destination, 0.0),
        (ships[1], back, back_fraction, origin, 0.08),
    ):
        voyager = stage.voyager_for(ship, leg, share, meet)

        def alongside(v: Voyager, side_nm: float = side) -> None:
            here_lat, here_lon = offset(lat, lon, drift_bearing + 90, side_nm)
            v.builder.go_to(here_lat, here_lon, 8.0)
            v.builder.until(meet, UNDER_WAY)
            end_lat, end_lon = offset(here_lat, here_lon, drift_bearing, 0.5 * hold_h)
            v.builder.go_to(end_lat, end_lon, 0.5)

        voyager.voyage(destination_port, stops=(Stop(share, alongside),))
        stage.plans.append(voyager.plan("encounter"))
    stage.truth.append(
        TruthEvent(
            "encounter",
            "encounter",
            meet,
            meet + hold_h * HOUR_S,
            lat,
            lon,
            ships[0].identity.mmsi,
            ships[1].identity.mmsi,
            {"distance_m": 150},
        )
    )
    if hold_h >= 4:  # drifting together that long is also loitering, for each of them
        for ship in ships:
            stage.truth.append(TruthEvent("loitering", "encounter", meet, meet + hold_h * HOUR_S,
                                          lat, lon, ship.identity.mmsi,
                                          evidence={"partner_ais": True}))  # fmt: skip


_DROP_VOYAGES: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "french_caribbean": (("SRPBM", "GPPTP"), ("COCTG", "MQFDF"), ("TTPOS", "GPPTP")),
    "brittany": (("ESVGO", "FRLEH"), ("BRSSZ", "FRLEH"), ("MAPTM", "NLRTM")),
    "galicia": (("BRSSZ", "FRLEH"), ("MAPTM", "NLRTM"), ("ESLPA", "FRLEH")),
}


def _clear_line(land: LandMask, lat0: float, lon0: float, lat1: float, lon1: float) -> bool:
    steps = max(int(_distance(lat0, lon0, lat1, lon1) / 0.3), 2)
    return not bool(
        land.on_land(np.linspace(lat0, lat1, steps), np.linspace(lon0, lon1, steps)).any()
    )


def _drop_approach(stage: Staging, site: CoastalSite) -> tuple[Route, int] | None:
    """A route passing near `site` and the route point from which the ship can reach it."""
    best: tuple[float, Route, int] | None = None
    for origin, destination in _DROP_VOYAGES[site.region]:
        route = stage.routes.route(origin, destination)
        away = haversine_nm(
            route.lat,
            route.lon,
            np.full(len(route.lat), site.sea_lat),
            np.full(len(route.lon), site.sea_lon),
        )
        at_sea = (route.distance_nm > APPROACH_NM) & (
            route.distance_nm < route.distance_nm[-1] - APPROACH_NM - 1
        )
        for index in np.argsort(np.where(at_sea, away, np.inf))[:40]:
            if not at_sea[index]:
                break
            la, lo = float(route.lat[index]), float(route.lon[index])
            if _clear_line(stage.land, la, lo, site.sea_lat, site.sea_lon):
                if best is None or away[index] < best[0]:
                    best = (float(away[index]), route, int(index))
                break
    return None if best is None or best[0] > 80 else (best[1], best[2])


def coastal_drop(stage: Staging, site: CoastalSite) -> None:
    """3. A ship leaves its lane at night, slows and circles off a coast away from ports while a
    small boat without AIS runs out from a cove and back."""
    found = _drop_approach(stage, site)
    if found is None:
        return
    route, index = found
    fraction = float(route.distance_nm[index] / route.distance_nm[-1])
    day = int(stage.moment() // 86_400)
    slow = day * 86_400 + NIGHT_UTC_HOUR[site.region] * HOUR_S
    if slow < 0.1 * stage.end_s:
        slow += 86_400
    linger_h = float(stage.rng.uniform(1.0, 2.5))
    ship = stage.hull("general_cargo")
    voyager = stage.voyager_for(ship, route, fraction, slow - 2 * HOUR_S)
    rejoin = (float(route.lat[index]), float(route.lon[index]))
    lingered: list[float] = []

    def drop(v: Voyager) -> None:
        v.builder.go_to(site.sea_lat, site.sea_lon, 10.0)
        v.builder.until(slow, UNDER_WAY)
        lingered.append(v.builder.now_s)  # later than planned when the ship arrives late
        for bearing in np.linspace(0, 360, 7)[1:]:
            la, lo = offset(site.sea_lat, site.sea_lon, float(bearing), 0.4)
            v.builder.go_to(la, lo, 1.5)
        v.builder.until(slow + linger_h * HOUR_S, UNDER_WAY)
        lingered.append(v.builder.now_s)
        v.builder.go_to(site.sea_lat, site.sea_lon, 3.0)
        v.builder.go_to(*rejoin, 10.0)

    voyager.voyage(route.destination, stops=(Stop(fraction, drop),))
    stage.plans.append(voyager.plan("coastal_drop"))
    if not lingered:
        lingered += [slow, slow + linger_h * HOUR_S]
    meet = lingered[0]
    boat = stage.hull("go_fast")
    builder = TrackBuilder.at(meet - 2 * HOUR_S, site.shore_lat, site.shore_lon)
    builder.ais_on, builder.transmitting[0] = False, False
    builder.stay(HOUR_S, MOORED)
    builder.go_to(site.sea_lat, site.sea_lon, 18.0)
    builder.until(meet + 0.5 * HOUR_S, UNDER_WAY)
    builder.stay(0.4 * HOUR_S, UNDER_WAY)
    builder.go_to(site.shore_lat, site.shore_lon, 18.0)
    builder.stay(HOUR_S, MOORED)
    stage.plans.append(HullPlan(boat, builder.build(), [], scenario="coastal_drop"))
    stage.truth.append(
        TruthEvent(
            "coastal_drop",
            "coastal_drop",
            lingered[0],
            lingered[1],
            site.sea_lat,
            site.sea_lon,
            ship.identity.mmsi,
            evidence={"site": site.name, "region": site.region, "small_boat": True},
        )
    )


def dark_voyage(stage: Staging) -> None:
    """4. AIS off for 12-72 h far offshore, back on elsewhere with a different draught."""
    origin, destination = ("BRSSZ", "FRLEH") if stage.rng.random() < 0.5 else ("COCTG", "NLRTM")
    route = stage.routes.route(origin, destination)
    dark_h = float(stage.rng.uniform(12, max(12.5, min(72.0, 0.5 * stage.end_s / HOUR_S))))
    ship = stage.hull("bulker")
    off_fraction = float(stage.rng.uniform(0.3, 0.45))
    off_at = stage.moment(0.15, 0.45)
    speed = ship.service_speed_kn * 0.95
    on_fraction = off_fraction + dark_h * speed / float(route.distance_nm[-1])
    voyager = stage.voyager_for(ship, route, off_fraction, off_at)
    seen: dict[str, tuple[float, float, float, float]] = {}

    def off(v: Voyager) -> None:
        seen["off"] = (v.now_s, *v.builder.position, v.draught_m)
        v.builder.ais_on = False

    def on(v: Voyager) -> None:
        v.builder.ais_on = True
        eta = v.statics[-1].eta_s
        v.announce(v.statics[-1].destination, eta, v.draught_m + float(stage.rng.uniform(1.5, 3)))
        seen["on"] = (v.now_s, *v.builder.position, v.draught_m)

    voyager.voyage(
        destination, stops=(Stop(off_fraction, off), Stop(on_fraction, on)), speed_kn=speed
    )
    stage.plans.append(voyager.plan("dark_voyage"))
    (t0, lat0, lon0, d0), (t1, lat1, lon1, d1) = seen["off"], seen["on"]
    stage.truth.append(
        TruthEvent(
            "ais_gap",
            "dark_voyage",
            t0,
            t1,
            lat0,
            lon0,
            ship.identity.mmsi,
            evidence={
                "intentional": True,
                "draught_before_m": d0,
                "draught_after_m": round(d1, 1),
                "resume_lat": lat1,
                "resume_lon": lon1,
            },
        )
    )


def identity_games(stage: Staging) -> None:
    """5. An MMSI used by two hulls, a rename and a reflag mid-voyage, a spoofed position jump."""
    first, second = stage.hull("general_cargo"), stage.hull("general_cargo")
    twin_identity = replace(second.identity, mmsi=first.identity.mmsi)
    second = replace(second, identity=twin_identity)
    for hull, (origin, destination) in ((first, ("COCTG", "DOCAU")), (second, ("TGLFW", "SNDKR"))):
        voyager = Voyager.in_port(hull, origin, -12 * HOUR_S, stage.routes, stage.rng)
        while voyager.now_s < stage.end_s:
            voyager.voyage(destination if voyager.at_port == origin else origin, berth_h=20)
        stage.plans.append(voyager.plan("shared_mmsi"))
    stage.truth.append(
        TruthEvent(
            "shared_mmsi",
            "shared_mmsi",
            0.0,
            stage.end_s,
            port("COCTG").lat,
            port("COCTG").lon,
            first.identity.mmsi,
            evidence={"hulls": 2},
        )
    )
    for reflag in (False, True):
        _identity_change(stage, reflag)
    _spoofing(stage)


def _identity_change(stage: Staging, reflag: bool) -> None:
    ship = stage.hull("general_cargo", "PA" if reflag else None)
    route = stage.routes.route("SRPBM", "ESALG")
    fraction = float(stage.rng.uniform(0.3, 0.6))
    voyager = stage.voyager_for(ship, route, fraction, stage.moment())
    changes: list[tuple[float, float, float, int]] = []

    def change(v: Voyager) -> None:
        old = v.identity
        new_flag = "TG" if reflag else old.flag
        new = replace(
            old,
            name=stage.factory.name("cargo"),
            call_sign=stage.factory.call_sign(new_flag),
            flag=new_flag,
            mmsi=stage.factory.mmsi(new_flag) if reflag else old.mmsi,
        )
        v.change_identity(new)
        changes.append((v.now_s, *v.builder.position, new.mmsi))

    voyager.voyage("ESALG", stops=(Stop(fraction, change),))
    stage.plans.append(voyager.plan("identity_change"))
    t, lat, lon, new_mmsi = changes[0]
    fields = ["name", "call_sign"] + (["flag", "mmsi"] if reflag else [])
    stage.truth.append(
        TruthEvent(
            "identity_change",
            "identity_change",
            t,
            t,
            lat,
            lon,
            ship.identity.mmsi,
            new_mmsi if reflag else None,
            {"fields": fields, "imo": ship.identity.imo},
        )
    )


def _spoofing(stage: Staging) -> None:
    ship = stage.hull("tanker")
    route = stage.routes.route("TTPOS", "NLRTM")
    fraction = float(stage.rng.uniform(0.3, 0.5))
    at = stage.moment()
    voyager = stage.voyager_for(ship, route, fraction, at)
    voyager.voyage("NLRTM")
    plan = voyager.plan("position_jump")
    duration_s = float(stage.rng.uniform(2, 6)) * HOUR_S
    when = np.searchsorted(plan.track.t_s, at)
    lat, lon = float(plan.track.lat[when]), float(plan.track.lon[when])
    for dlat, dlon in ((0.0, -2.5), (0.0, 2.5), (2.0, 0.0), (-2.0, 0.0)):
        moved = plan.track.lat + dlat, plan.track.lon + dlon
        during = (plan.track.t_s >= at - HOUR_S) & (plan.track.t_s <= at + duration_s + HOUR_S)
        if not stage.land.on_land(moved[0][during], moved[1][during]).any():
            plan.spoofs.append(Spoof(at, at + duration_s, dlat, dlon))
            stage.plans.append(plan)
            stage.truth.append(
                TruthEvent(
                    "position_jump",
                    "position_jump",
                    at,
                    at + duration_s,
                    lat + dlat,
                    lon + dlon,
                    ship.identity.mmsi,
                    evidence={"jump_nm": 150.0, "true_lat": lat, "true_lon": lon},
                )
            )
            return
    stage.plans.append(plan)


def undeclared_call(stage: Staging) -> None:
    """6. The destination says one port, the ship calls at a high-risk port first; and a
    destination changed at sea."""
    ship = stage.hull("general_cargo")
    route = stage.routes.route("BRSSZ", "SRPBM")
    voyager = stage.voyager_for(ship, route, 1.0, stage.moment(0.2, 0.6))
    departure = voyager.now_s + 6 * HOUR_S
    voyager.builder.stay(6 * HOUR_S, MOORED)
    voyager.voyage("SRPBM", declared="FRLEH", berth_h=18)
    call = voyager.calls[-1]
    voyager.voyage("FRLEH")
    stage.plans.append(voyager.plan("undeclared_call"))
    stage.truth.append(
        TruthEvent(
            "destination_mismatch",
            "undeclared_call",
            departure,
            call.arrival_s,
            call.lat,
            call.lon,
            ship.identity.mmsi,
            evidence={"declared": "FRLEH", "called": "SRPBM", "high_risk": True},
        )
    )
    changer = stage.hull("container_liner")
    route = stage.routes.route("COCTG", "BEANR")
    fraction = float(stage.rng.uniform(0.5, 0.7))
    voyager = stage.voyager_for(changer, route, fraction, stage.moment())
    changed: list[tuple[float, float, float]] = []

    def new_destination(v: Voyager) -> None:
        v.announce(v.destination_text(port("BEANR")), v.statics[-1].eta_s)
        changed.append((v.now_s, *v.builder.position))

    voyager.voyage("BEANR", declared="FRLEH", stops=(Stop(fraction, new_destination),))
    stage.plans.append(voyager.plan("destination_changed"))
    t, lat, lon = changed[0]
    stage.truth.append(
        TruthEvent(
            "destination_mismatch",
            "destination_changed",
            t,
            t,
            lat,
            lon,
            changer.identity.mmsi,
            evidence={"declared": "FRLEH", "new": "BEANR"},
        )
    )


def yacht_without_clearance(stage: Staging) -> None:
    """7. A yacht from Suriname or Saint Lucia arrives in Martinique with no clearance filed."""
    origin = "SRPBM" if stage.rng.random() < 0.5 else "LCCAS"
    yacht = stage.hull("yacht", "VC")
    route = stage.routes.route(origin, "MQFDF")
    voyager = stage.voyager_for(yacht, route, 1.0, stage.moment(0.3, 0.8))
    voyager.voyage("MQFDF", berth_h=72)
    call = voyager.calls[-1]
    stage.plans.append(voyager.plan("clearance_missing"))
    stage.undeclared_arrivals.append(yacht.identity.mmsi)
    stage.truth.append(
        TruthEvent(
            "clearance_missing",
            "clearance_missing",
            call.arrival_s,
            call.arrival_s,
            call.lat,
            call.lon,
            yacht.identity.mmsi,
            evidence={"last_port": origin, "arrival_port": "MQFDF"},
        )
    )


def narco_sub(stage: Staging) -> None:
    """8. A semi-submersible without AIS approaching Galicia or Martinique: only radar sees it.

    Its truth (`dark_target`) is completed by the radar layer, which knows when it was seen."""
    sites = [s for s in COASTAL_SITES if s.region in ("galicia", "french_caribbean")]
    site = sites[int(stage.rng.integers(len(sites)))]
    origin = "SRPBM" if site.region == "galicia" else "GYGEO"
    destination = "ESVGO" if site.region == "galicia" else "MQFDF"
    route = stage.routes.route(origin, destination)
    sub = stage.hull("narco_sub")
    arrive = stage.moment(0.5, 0.9)
    approach = int(np.searchsorted(route.distance_nm, float(route.distance_nm[-1]) - 10.0))
    distance = float(route.distance_nm[approach])
    builder = TrackBuilder.at(
        arrive - distance / sub.service_speed_kn * HOUR_S - 2 * HOUR_S,
        float(route.lat[0]),
        float(route.lon[0]),
    )
    builder.ais_on, builder.transmitting[0] = False, False
    builder.sail(route.lat[1 : approach + 1], route.lon[1 : approach + 1], sub.service_speed_kn)
    if _clear_line(stage.land, *builder.position, site.sea_lat, site.sea_lon):
        builder.go_to(site.sea_lat, site.sea_lon, sub.service_speed_kn)
    builder.stay(2 * HOUR_S, UNDER_WAY)
    stage.plans.append(HullPlan(sub, builder.build(), [], scenario="narco_sub"))
    lat, lon = builder.position
    stage.truth.append(
        TruthEvent(
            "dark_target",
            "narco_sub",
            builder.now_s,
            builder.now_s,
            lat,
            lon,
            None,
            evidence={"hull": sub.hull_id, "site": site.name},
        )
    )


def watchlist_arrival(stage: Staging) -> None:
    """9. A vessel on the watchlist sails to a European port and arrives in the window."""
    ship = stage.hull("general_cargo", "CM")
    route = stage.routes.route("TGLFW", "FRLEH")
    voyager = stage.voyager_for(ship, route, 1.0, stage.moment(0.4, 0.8))
    voyager.voyage("FRLEH", berth_h=30)
    call = voyager.calls[-1]
    stage.plans.append(voyager.plan("watchlist_arrival"))
    stage.watchlist.append(ship)
    stage.truth.append(
        TruthEvent(
            "port_visit",
            "watchlist_arrival",
            call.arrival_s,
            call.departure_s,
            call.lat,
            call.lon,
            ship.identity.mmsi,
            evidence={"port": "FRLEH", "watchlist": True},
        )
    )


def _coastal_drops(stage: Staging) -> None:
    for region in ("french_caribbean", "brittany", "galicia"):
        sites = [s for s in COASTAL_SITES if s.region == region]
        coastal_drop(stage, sites[int(stage.rng.integers(len(sites)))])


SCENARIOS: Final[tuple[tuple[str, Callable[[Staging], None]], ...]] = (
    ("mothership_go_fast", lambda stage: mothership(stage, "go_fast")),
    ("mothership_fishing", lambda stage: mothership(stage, "fishing")),
    ("encounter", encounter),
    ("coastal_drop", _coastal_drops),
    ("dark_voyage", dark_voyage),
    ("identity", identity_games),
    ("undeclared_call", undeclared_call),
    ("yacht_without_clearance", yacht_without_clearance),
    ("narco_sub", narco_sub),
    ("watchlist_arrival", watchlist_arrival),
    ("clearance_mismatch", clearance_mismatch),
)
"""Every scenario, in the order they are staged (the order fixes the random draws)."""


def stage_all(stage: Staging) -> None:
    """Stage every scenario."""
    for _, scenario in SCENARIOS:
        scenario(stage)
