"""The synthetic theatre's geography: places are where they should be, routes stay at sea.

The land mask takes seconds to load, so one `LandMask` and one `SeaRoutes` serve the module.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from balise.geo.landmask import LandMask
from balise.geo.sphere import bearing_deg, destination_point, distance_nm
from balise.sim.places import (
    AIS_DESTINATION_CHARS,
    COASTAL_SITES,
    FAIRWAYS,
    FERRY_LINES,
    FISHING_GROUNDS,
    PORTS,
    RECEIVERS,
    RIVER_FAIRWAYS,
    ROLES,
    YACHT_PORTS,
    port,
    port_entrance,
)
from balise.sim.route_repair import ROUTE_SPACING_KM
from balise.sim.routes import Route, SeaRoutes

KM_PER_NM = 1.852
PORT_ALLOWANCE_NM = 5.0 / KM_PER_NM
"""Route points closer than 5 km to an end port may lie on land cells."""

THEATRE = {
    "departure": "ECGYE ECPSJ BRSSZ SRPBM COCTG COBAQ COSMR COPBO COTRB GYGEO PAMIT PABLB",
    "transshipment": "JMKIN DOCAU BSFPO TTPOS MAPTM ESALG TGLFW CIABJ SNDKR ESLPA CVRAI",
    "french_caribbean": "MQFDF MQQMR GPPTP MFMAR GFDDC",
    "europe": "FRLEH FRDKK FRFOS BEANR NLRTM DEHAM ESVGO FRBES FRMTX PTSIE GBFXT GBSOU",
    "island": "LCCAS LCGRI VCKTN GDSTG DMRSU AGSJO BBBGI SXPHI",
}
"""The ports the theatre must have, by role."""

SOURCES = [p.locode for p in PORTS if p.role in ("departure", "transshipment")]
TARGETS = [p.locode for p in PORTS if p.role in ("europe", "french_caribbean")]
HOPS = sorted(set(YACHT_PORTS) | {p.locode for p in PORTS if p.role == "island"})


@pytest.fixture(scope="module")
def land() -> LandMask:
    """One land mask for the module (loading the grid takes seconds)."""
    mask = LandMask(FAIRWAYS)
    mask.on_land(0.0, 0.0)
    return mask


@pytest.fixture(scope="module")
def routes(land: LandMask) -> SeaRoutes:
    """One memoised route computer for the module."""
    return SeaRoutes(land)


def _far_from_ends(route: Route) -> np.ndarray:
    """Points of `route` more than 5 km from both its end ports."""
    a, b = port(route.origin), port(route.destination)
    return (distance_nm(route.lat, route.lon, a.lat, a.lon) > PORT_ALLOWANCE_NM) & (
        distance_nm(route.lat, route.lon, b.lat, b.lon) > PORT_ALLOWANCE_NM
    )


def _route_problems(route: Route, land: LandMask) -> list[str]:
    """What is wrong with a route: ends, spacing, cumulative distance, points on land."""
    problems = []
    a, b = port(route.origin), port(route.destination)
    if (route.lat[0], route.lon[0]) != (a.lat, a.lon):
        problems.append("does not start at the origin berth")
    if (route.lat[-1], route.lon[-1]) != (b.lat, b.lon):
        problems.append("does not end at the destination berth")
    steps_km = distance_nm(route.lat[:-1], route.lon[:-1], route.lat[1:], route.lon[1:]) * KM_PER_NM
    if steps_km.max() > ROUTE_SPACING_KM + 1e-6:
        problems.append(f"points {steps_km.max():.2f} km apart")
    if route.distance_nm[0] != 0 or np.any(np.diff(route.distance_nm) < 0):
        problems.append("cumulative distance does not start at 0 and grow")
    if not np.isclose(route.distance_nm[-1], steps_km.sum() / KM_PER_NM):
        problems.append("cumulative distance is not the sum of the steps")
    ashore = land.on_land(route.lat, route.lon) & _far_from_ends(route)
    if ashore.any():
        where = np.c_[route.lat[ashore][:3], route.lon[ashore][:3]].round(3).tolist()
        problems.append(f"{int(ashore.sum())} points on land, first {where}")
    # ships move along the straight legs between points: those stay at sea as well
    fractions = np.linspace(0.0, 1.0, 11)[1:-1]
    leg_lat = route.lat[:-1, None] + np.diff(route.lat)[:, None] * fractions
    leg_lon = route.lon[:-1, None] + np.diff(route.lon)[:, None] * fractions
    leg = Route(route.origin, route.destination, leg_lat.ravel(), leg_lon.ravel(), route.lat[:1])
    if (land.on_land(leg.lat, leg.lon) & _far_from_ends(leg)).any():
        problems.append("a leg between points crosses land")
    return problems


# --- spherical geometry ---------------------------------------------------------------------------


def test_distance_nm_is_sixty_miles_a_degree_on_a_meridian_and_at_the_equator() -> None:
    assert distance_nm(0.0, 0.0, 1.0, 0.0) == pytest.approx(60.04, abs=0.01)
    assert distance_nm(0.0, 10.0, 0.0, 11.0) == pytest.approx(60.04, abs=0.01)
    assert distance_nm(60.0, 0.0, 60.0, 1.0) == pytest.approx(30.02, abs=0.02)


def test_distance_nm_is_vectorised_and_symmetric() -> None:
    lat1, lon1 = np.array([10.0, 48.4, -23.9]), np.array([-75.5, -4.5, -46.3])
    lat2, lon2 = np.array([49.5, 14.6, 51.9]), np.array([0.1, -61.1, 4.4])
    there = distance_nm(lat1, lon1, lat2, lon2)
    assert there.shape == (3,)
    np.testing.assert_allclose(there, distance_nm(lat2, lon2, lat1, lon1))
    assert distance_nm(lat1, lon1, lat1, lon1) == pytest.approx(np.zeros(3))


def test_bearing_deg_gives_the_cardinal_points_between_0_and_360() -> None:
    lat2 = np.array([1.0, 0.0, -1.0, 0.0])
    lon2 = np.array([0.0, 1.0, 0.0, -1.0])
    np.testing.assert_allclose(bearing_deg(0.0, 0.0, lat2, lon2), [0.0, 90.0, 180.0, 270.0])
    bearings = bearing_deg(14.6, -61.1, np.linspace(-60, 60, 25), np.linspace(-170, 170, 25))
    assert ((bearings >= 0) & (bearings < 360)).all()


def test_destination_point_walks_the_given_distance_on_the_given_bearing() -> None:
    lat0, lon0 = np.full(8, 43.4), np.full(8, -8.7)
    bearings = np.arange(8) * 45.0 + 10.0
    lat, lon = destination_point(lat0, lon0, bearings, 120.0)
    np.testing.assert_allclose(distance_nm(lat0, lon0, lat, lon), 120.0, rtol=1e-9)
    np.testing.assert_allclose(bearing_deg(lat0, lon0, lat, lon), bearings, atol=1e-6)
    north_lat, north_lon = destination_point(0.0, 179.9, 90.0, 60.0)
    assert north_lat == pytest.approx(0.0)
    assert north_lon == pytest.approx(-179.1, abs=0.01)


# --- ports --------------------------------------------------------------------------------------


def test_ports_cover_the_theatre_with_unique_codes_and_known_roles() -> None:
    codes = [p.locode for p in PORTS]
    assert len(codes) == len(set(codes))
    for role, wanted in THEATRE.items():
        for code in wanted.split():
            assert port(code).role == role, code
    for here in PORTS:
        assert here.role in ROLES
        assert len(here.locode) == 5, here.locode
        assert here.locode.isupper(), here.locode
        assert here.locode.startswith(here.country), here.locode
        assert -60 < here.lat < 60, here.locode
        assert -100 < here.lon < 20, here.locode


def test_high_risk_ports_are_exactly_the_departure_and_transshipment_ports() -> None:
    for here in PORTS:
        assert here.high_risk == (here.role in ("departure", "transshipment")), here.locode


def test_ais_destination_texts_are_the_ways_crews_type_a_port() -> None:
    assert port("FRLEH").ais_destination_texts[:4] == ("LE HAVRE", "FRLEH", "FR LEH", "LEHAVRE")
    assert "POINTE A PITRE" in port("GPPTP").ais_destination_texts
    assert "ANTWERPEN" in port("BEANR").ais_destination_texts
    for here in PORTS:
        texts = here.ais_destination_texts
        assert here.locode in texts
        assert len(set(texts)) == len(texts)
        for text in texts:
            assert 0 < len(text) <= AIS_DESTINATION_CHARS
            assert text == text.upper()
            assert text.isascii()


def test_port_lookup_names_an_unknown_code() -> None:
    assert port("NLRTM").name == "Rotterdam"
    with pytest.raises(KeyError, match="XXABC"):
        port("XXABC")


def test_anchorages_are_at_sea_two_to_eight_km_off_the_port_entrance(land: LandMask) -> None:
    lat = np.array([p.anchorage_lat for p in PORTS])
    lon = np.array([p.anchorage_lon for p in PORTS])
    assert not land.on_land(lat, lon).any()
    for here in PORTS:
        entrance_lat, entrance_lon = port_entrance(here.locode)
        off_km = distance_nm(entrance_lat, entrance_lon, here.anchorage_lat, here.anchorage_lon)
        assert 2.0 <= off_km * KM_PER_NM <= 8.0, here.locode


def test_river_fairways_start_at_the_berth_and_reach_open_water(land: LandMask) -> None:
    bare = LandMask(fairways=())
    for code, fairway in RIVER_FAIRWAYS.items():
        here = port(code)
        assert fairway.points[0] == (here.lat, here.lon)
        sea_lat, sea_lon = fairway.points[-1]
        assert not bare.on_land(sea_lat, sea_lon), code
        lat, lon = zip(*fairway.points, strict=True)
        assert not land.on_land(np.array(lat), np.array(lon)).any(), code


# --- land mask ----------------------------------------------------------------------------------


def test_land_mask_tells_land_from_sea_in_any_shape(land: LandMask) -> None:
    # Paris, Bogotá, the Sahara; the mid-Atlantic, the Caribbean Sea, the Bay of Biscay
    lat = np.array([[48.85, 4.71, 23.0], [30.0, 15.0, 45.5]])
    lon = np.array([[2.35, -74.07, 10.0], [-40.0, -75.0, -4.0]])
    np.testing.assert_array_equal(land.on_land(lat, lon), [[True] * 3, [False] * 3])
    assert land.on_land(48.85, 2.35).shape == ()
    assert land.on_land([30.0, 48.85], [-40.0, 2.35]).tolist() == [False, True]


def test_land_mask_answers_as_global_land_mask_does(land: LandMask) -> None:
    from global_land_mask import globe

    rng = np.random.default_rng(7)
    lat, lon = rng.uniform(-89.9, 89.9, 200_000), rng.uniform(-180.0, 179.99, 200_000)
    expected = globe.is_land(lat.copy(), lon.copy())
    np.testing.assert_array_equal(LandMask(fairways=()).on_land(lat, lon), expected)
    with pytest.raises(ValueError, match="latitude"):
        land.on_land(91.0, 0.0)


def test_fairways_are_water_where_the_bare_mask_has_land(land: LandMask) -> None:
    bare = LandMask(fairways=())
    # Gatun Lake channel, Culebra Cut, the Elbe at Hamburg, the Scheldt at Antwerp
    lat = np.array([9.170, 9.050, 53.5450, 51.2700])
    lon = np.array([-79.860, -79.650, 9.9050, 4.3230])
    assert bare.on_land(lat, lon).all()
    assert not land.on_land(lat, lon).any()
    assert land.in_fairway(lat, lon).all()
    assert {f.name for f in FAIRWAYS} >= {"Panama Canal"}


def test_distance_to_land_is_zero_ashore_and_grows_offshore(land: LandMask) -> None:
    km = land.distance_to_land_km([48.85, 47.0, 30.0], [2.35, -5.0, -40.0], search_km=150.0)
    assert km[0] == 0.0
    assert 80.0 < km[1] < 150.0
    assert km[2] == np.inf


# --- sites, grounds, stations, lines ------------------------------------------------------------


def test_coastal_sites_are_two_or_more_per_region() -> None:
    regions = [site.region for site in COASTAL_SITES]
    for region in ("french_caribbean", "brittany", "galicia"):
        assert regions.count(region) >= 2, region
    assert set(regions) == {"french_caribbean", "brittany", "galicia"}


def test_coastal_sea_points_are_offshore_and_away_from_ports(land: LandMask) -> None:
    port_lat = np.array([p.lat for p in PORTS])
    port_lon = np.array([p.lon for p in PORTS])
    for site in COASTAL_SITES:
        assert not land.on_land(site.sea_lat, site.sea_lon), site.name
        offshore_km = float(land.distance_to_land_km(site.sea_lat, site.sea_lon))
        assert 3.0 <= offshore_km <= 10.0, site.name
        nearest_port_nm = distance_nm(site.sea_lat, site.sea_lon, port_lat, port_lon).min()
        assert nearest_port_nm * KM_PER_NM > 15.0, site.name


def test_coastal_shore_points_are_on_the_water_at_the_beach(land: LandMask) -> None:
    for site in COASTAL_SITES:
        assert not land.on_land(site.shore_lat, site.shore_lon), site.name
        assert float(land.distance_to_land_km(site.shore_lat, site.shore_lon)) <= 0.5, site.name
        # the small boat's run out to the ship is open water
        lat = np.linspace(site.shore_lat, site.sea_lat, 200)
        lon = np.linspace(site.shore_lon, site.sea_lon, 200)
        assert not land.on_land(lat, lon).any(), site.name


def test_fishing_grounds_are_wholly_at_sea_off_the_theatre_coasts(land: LandMask) -> None:
    assert len(FISHING_GROUNDS) >= 6
    fractions = np.r_[0.0, np.repeat([0.25, 0.5, 0.75, 1.0], 24)]
    bearings = np.r_[0.0, np.tile(np.arange(24) * 15.0, 4)]
    for ground in FISHING_GROUNDS:
        port(ground.home_port)
        lat, lon = destination_point(ground.lat, ground.lon, bearings, fractions * ground.radius_nm)
        assert not land.on_land(lat, lon).any(), ground.name
        # near a coast: within 150 km of land
        assert float(land.distance_to_land_km(ground.lat, ground.lon, search_km=150.0)) < 150.0


def test_receivers_stand_on_the_coast_with_a_vhf_range(land: LandMask) -> None:
    names = [r.name for r in RECEIVERS]
    assert len(names) == len(set(names))
    for receiver in RECEIVERS:
        assert 30.0 <= receiver.range_nm <= 60.0, receiver.name
        assert float(land.distance_to_land_km(receiver.lat, receiver.lon)) <= 3.0, receiver.name


def test_receivers_cover_every_port_and_anchorage() -> None:
    lat = np.array([r.lat for r in RECEIVERS])
    lon = np.array([r.lon for r in RECEIVERS])
    reach = np.array([r.range_nm for r in RECEIVERS])
    for here in PORTS:
        assert (distance_nm(here.lat, here.lon, lat, lon) <= reach).any(), here.locode
        anchorage = distance_nm(here.anchorage_lat, here.anchorage_lon, lat, lon)
        assert (anchorage <= reach).any(), here.locode


@pytest.mark.parametrize(
    ("coast", "lat_min", "lat_max", "lon_min", "lon_max", "at_least"),
    [
        ("French Caribbean", 14.0, 18.5, -63.5, -60.5, 6),
        ("Bay of Biscay", 43.3, 48.5, -5.5, -1.0, 8),
        ("English Channel", 48.5, 51.2, -5.5, 2.5, 8),
        ("North Sea", 51.2, 54.5, 1.0, 10.0, 8),
        ("Iberian Atlantic", 36.0, 43.8, -10.0, -5.5, 8),
        ("Moroccan Atlantic", 29.5, 36.0, -10.5, -5.0, 5),
        ("Gulf of Guinea", 3.0, 7.0, -8.0, 4.0, 5),
    ],
)
def test_receivers_line_the_coasts_of_the_theatre(
    coast: str, lat_min: float, lat_max: float, lon_min: float, lon_max: float, at_least: int
) -> None:
    inside = [r for r in RECEIVERS if lat_min <= r.lat <= lat_max and lon_min <= r.lon <= lon_max]
    assert len(inside) >= at_least, coast


def test_ferry_lines_join_theatre_ports_on_a_timetable(routes: SeaRoutes) -> None:
    assert {("ESALG", "MAPTM"), ("MQFDF", "GPPTP")} <= {line.ports for line in FERRY_LINES}
    for line in FERRY_LINES:
        home, away = (port(code) for code in line.ports)
        assert home.locode != away.locode
        assert 0.5 <= line.crossing_hours <= 12.0
        assert line.departures_utc
        assert all(0.0 <= h < 24.0 for h in line.departures_utc)
        speed_kn = routes.route(home.locode, away.locode).distance_nm[-1] / line.crossing_hours
        assert 8.0 <= speed_kn <= 35.0, line.name


def test_yacht_ports_are_marinas_and_island_ports_of_the_theatre() -> None:
    assert len(YACHT_PORTS) == len(set(YACHT_PORTS))
    wanted = {"MQQMR", "LCGRI", "VCKTN", "GDSTG", "GPPTP", "MFMAR", "AGSJO", "DMRSU", "BBBGI"}
    assert wanted <= set(YACHT_PORTS)
    for code in YACHT_PORTS:
        assert port(code).role in ("island", "french_caribbean", "departure"), code


# --- routes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("origin", SOURCES)
def test_routes_from_departure_and_hub_ports_stay_at_sea(
    origin: str, routes: SeaRoutes, land: LandMask
) -> None:
    problems = {
        destination: _route_problems(routes.route(origin, destination), land)
        for destination in TARGETS
    }
    assert {k: v for k, v in problems.items() if v} == {}


def test_routes_between_islands_and_marinas_stay_at_sea(routes: SeaRoutes, land: LandMask) -> None:
    problems = {
        (a, b): _route_problems(routes.route(a, b), land)
        for a, b in itertools.permutations(HOPS, 2)
    }
    assert {k: v for k, v in problems.items() if v} == {}


def test_ferry_routes_stay_at_sea(routes: SeaRoutes, land: LandMask) -> None:
    for line in FERRY_LINES:
        for a, b in (line.ports, line.ports[::-1]):
            assert _route_problems(routes.route(a, b), land) == [], line.name


@pytest.mark.parametrize(
    ("origin", "destination", "low_nm", "high_nm"),
    [
        ("COCTG", "FRLEH", 4400.0, 5000.0),
        ("BRSSZ", "NLRTM", 5300.0, 5800.0),
        ("SRPBM", "FRLEH", 3800.0, 4200.0),
        ("ECGYE", "BEANR", 5400.0, 6000.0),
        ("TGLFW", "FRLEH", 3800.0, 4200.0),
        ("COCTG", "MQFDF", 880.0, 1100.0),
        ("MQFDF", "GPPTP", 95.0, 130.0),
        ("ESALG", "MAPTM", 12.0, 25.0),
        ("GBPME", "FRLEH", 85.0, 110.0),
        ("PABLB", "PAMIT", 40.0, 60.0),
    ],
)
def test_route_lengths_are_those_of_real_passages(
    origin: str, destination: str, low_nm: float, high_nm: float, routes: SeaRoutes
) -> None:
    route = routes.route(origin, destination)
    assert low_nm <= route.distance_nm[-1] <= high_nm
    a, b = port(origin), port(destination)
    assert route.distance_nm[-1] >= distance_nm(a.lat, a.lon, b.lat, b.lon)


def test_pacific_ports_reach_the_atlantic_through_the_panama_canal(
    routes: SeaRoutes, land: LandMask
) -> None:
    for origin in ("ECGYE", "ECPSJ", "PABLB"):
        route = routes.route(origin, "FRLEH")
        near_gatun = distance_nm(route.lat, route.lon, 9.27, -79.92) < 5.0
        assert near_gatun.any(), origin
        assert (route.lat > -6.0).all(), origin  # not round Cape Horn


def test_a_route_and_its_reverse_are_the_same_track(routes: SeaRoutes) -> None:
    there, back = routes.route("COCTG", "BEANR"), routes.route("BEANR", "COCTG")
    assert (back.origin, back.destination) == ("BEANR", "COCTG")
    np.testing.assert_array_equal(back.lat, there.lat[::-1])
    np.testing.assert_array_equal(back.lon, there.lon[::-1])
    assert back.distance_nm[-1] == pytest.approx(there.distance_nm[-1])


def test_routes_are_memoised_and_deterministic(routes: SeaRoutes, land: LandMask) -> None:
    assert routes.route("SRPBM", "FRLEH") is routes.route("SRPBM", "FRLEH")
    fresh = SeaRoutes(land)
    for a, b in (("SRPBM", "FRLEH"), ("DEHAM", "MQFDF"), ("LCCAS", "LCGRI")):
        first, second = routes.route(a, b), fresh.route(a, b)
        np.testing.assert_array_equal(first.lat, second.lat)
        np.testing.assert_array_equal(first.lon, second.lon)
        np.testing.assert_array_equal(first.distance_nm, second.distance_nm)


def test_shared_route_arrays_cannot_be_changed_in_place(routes: SeaRoutes) -> None:
    route = routes.route("ESALG", "MAPTM")
    with pytest.raises(ValueError, match="read-only"):
        route.lat[0] = 0.0


def test_a_route_needs_two_known_ports(routes: SeaRoutes) -> None:
    with pytest.raises(ValueError, match="FRLEH"):
        routes.route("FRLEH", "FRLEH")
    with pytest.raises(KeyError, match="XXABC"):
        routes.route("FRLEH", "XXABC")


def test_routes_are_memoised_and_reversible(land: LandMask) -> None:
    fresh = SeaRoutes(land)
    out = fresh.route("COCTG", "FRLEH")
    assert fresh.route("COCTG", "FRLEH") is out
    back = fresh.route("FRLEH", "COCTG")
    assert np.allclose(back.lat, out.lat[::-1])
    assert back.distance_nm[-1] == pytest.approx(out.distance_nm[-1])
