"""The territorial sea of the French Caribbean: 12 nm from the coast, median lines, overrides."""

from __future__ import annotations

import numpy as np
import shapely

from balise.geo.landmask import LandMask
from balise.geo.sphere import KM_PER_NM, destination_point
from balise.geo.territorial_sea import (
    TERRITORIAL_SEA_KIND,
    inside,
    territorial_sea,
    territory_of,
)
from balise.geo.zones import zone_from_feature

FORT_DE_FRANCE = (14.600, -61.070)
POINTE_DES_SALINES = (14.395, -60.870)  # southern tip of Martinique
CAP_SAINT_LUCIA = (14.110, -60.930)  # northern tip of Saint Lucia


def _off(origin: tuple[float, float], bearing: float, nm: float) -> tuple[float, float]:
    lat, lon = destination_point(origin[0], origin[1], bearing, nm)
    return float(lat), float(lon)


def test_near_fort_de_france_is_inside_and_far_out_is_not() -> None:
    near = _off(FORT_DE_FRANCE, 225.0, 5.0)
    far = _off(FORT_DE_FRANCE, 270.0, 20.0)
    found = inside([near[0], far[0], *FORT_DE_FRANCE[:1]], [near[1], far[1], FORT_DE_FRANCE[1]])
    assert found.tolist() == [True, False, True]


def test_the_limit_is_twelve_nautical_miles_from_the_coast() -> None:
    # west of Martinique, where the nearest foreign land is over 40 nm away: the answer follows
    # the distance to the mask's land, but for a band of a cell's width round the limit
    rng = np.random.default_rng(13)
    lat, lon = rng.uniform(14.45, 14.85, 60), rng.uniform(-61.62, -61.25, 60)
    nm = LandMask().distance_to_land_km(lat, lon, search_km=40.0) / KM_PER_NM
    found = inside(lat, lon)
    clear = np.abs(nm - 12.0) > 0.6
    assert found[clear].tolist() == (nm[clear] < 12.0).tolist()
    assert (nm[clear] < 12.0).any()
    assert (nm[clear] > 12.0).any()


def test_the_saint_lucia_channel_is_cut_at_the_median_line() -> None:
    toward_lucia = float(np.degrees(np.arctan2(-0.06, -0.285)) % 360)
    nearer_martinique = _off(POINTE_DES_SALINES, toward_lucia, 6.0)
    nearer_lucia = _off(CAP_SAINT_LUCIA, (toward_lucia + 180.0) % 360.0, 6.0)
    assert inside(*nearer_martinique).item()
    assert not inside(*nearer_lucia).item()


def test_territories_are_told_apart_and_sint_maarten_is_foreign() -> None:
    lat = [14.60, 16.24, 17.90, 18.068, 18.020, 4.94, 15.30]
    lon = [-61.07, -61.53, -62.85, -63.085, -63.050, -52.33, -61.38]
    assert territory_of(lat, lon).tolist() == ["MQ", "GP", "BL", "MF", None, "GF", None]


def test_the_sea_is_one_valid_multipolygon_and_answers_keep_their_shape() -> None:
    sea = territorial_sea()
    assert sea.geom_type == "MultiPolygon"
    assert sea.is_valid
    assert territorial_sea() is sea
    grid = inside(np.full((2, 3), 14.6), np.full((2, 3), -61.07))
    assert grid.shape == (2, 3)
    assert grid.all()


def test_a_drawn_zone_replaces_its_territory() -> None:
    small = zone_from_feature({
        "type": "Feature", "id": "territorial-sea-MQ",
        "properties": {"kind": TERRITORIAL_SEA_KIND},
        "geometry": shapely.geometry.mapping(shapely.box(-61.10, 14.55, -61.00, 14.65)),
    })  # fmt: skip
    near = _off(FORT_DE_FRANCE, 225.0, 5.0)
    assert not inside(*near, zones=[small]).item()
    assert inside(*FORT_DE_FRANCE, zones=[small]).item()
    assert inside(16.24, -61.53, zones=[small]).item(), "Guadeloupe keeps its computed sea"
    extra = zone_from_feature({
        "type": "Feature", "id": "claimed-bank",
        "properties": {"kind": TERRITORIAL_SEA_KIND},
        "geometry": shapely.geometry.mapping(shapely.box(-62.0, 13.0, -61.9, 13.1)),
    })  # fmt: skip
    assert inside(13.05, -61.95, zones=[extra]).item()
    assert territory_of(13.05, -61.95, zones=[extra]).tolist() == ["claimed-bank"]
