"""Zones from GeoJSON: rules, lenient and strict reading, the antimeridian, the defaults."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balise.errors import InputRejected
from balise.geo.zones import (
    ZoneRule,
    default_zones,
    load_zones,
    read_zone_file,
    zone_from_feature,
    zones_from_geojson,
)

SQUARE = [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]]


def feature(zone_id: str | None = "z", coordinates: Any = SQUARE, **properties: Any) -> Any:
    geometry = None if coordinates is None else {"type": "Polygon", "coordinates": coordinates}
    return {
        "type": "Feature",
        **({} if zone_id is None else {"id": zone_id}),
        "geometry": geometry,
        "properties": properties,
    }


def collection(*features: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def test_a_feature_reads_with_its_rules_and_defaults() -> None:
    rules = [
        {"trigger": "dwell", "min_dwell_minutes": 90, "ship_types": [[36, 37], 30],
         "flags": ["VE", 226], "max_speed_knots": 4, "score": 0.7},
    ]  # fmt: skip
    zone = zone_from_feature(feature("box-1", rules=rules, kind="protected"))
    assert (zone.id, zone.name, zone.kind) == ("box-1", "box-1", "protected")
    (rule,) = zone.rules
    assert rule == ZoneRule(
        trigger="dwell",
        min_dwell_minutes=90.0,
        ship_types=((36, 37), (30, 30)),
        flags=("VE", "226"),
        max_speed_knots=4.0,
        score=0.7,
    )
    assert rule.flag_mids() == {775, 226}
    assert zone_from_feature(feature("plain")).rules == (ZoneRule("entry"),)
    assert zone_from_feature(feature("plain")).kind == "watch"


def test_contains_is_vectorised_and_counts_the_boundary() -> None:
    zone = zone_from_feature(feature())
    lat = np.array([0.5, 0.5, 1.0, 2.0, -0.1, 0.0])
    lon = np.array([0.5, 1.5, 0.5, 0.5, 0.5, 0.0])
    assert zone.contains(lat, lon).tolist() == [True, False, True, False, False, True]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (feature("a", [[[0, 0], [1, 0], [1, "x"], [0, 0]]]), "bad coordinates"),
        (feature("b", [[[0, 0], [1, 0], [1, 95], [0, 0]]]), "bad coordinates"),
        (feature("c", [[[0, 0], [1, 0], [1, 1], [0, 1]]]), "unclosed ring"),
        (feature("d", None), "missing geometry"),
        (feature("e", [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]), "Self-intersection"),
        (feature("f", [[[0, 0], [1, 0], [0, 0]]]), "fewer than the 4"),
        (feature(None), "missing or bad id"),
        (feature("g", rules=[{"trigger": "dwell"}]), "min_dwell_minutes is required"),
        (feature("h", rules=[{"trigger": "entry", "flag": ["FR"]}]), "unknown rule key"),
        (feature("i", rules=[{"trigger": "entry", "flags": ["XX"]}]), "unknown flag"),
        (feature("j", rules=[{"trigger": "entry", "score": 2}]), "out of range"),
        ({"type": "Feature", "id": "k", "geometry": {"type": "Point", "coordinates": [0, 0]}},
         "unsupported geometry type"),
    ],
)  # fmt: skip
def test_bad_features_are_quarantined_with_reasons_and_the_others_kept(
    bad: Any, reason: str
) -> None:
    load = zones_from_geojson(collection(feature("good-1"), bad, feature("good-2")))
    assert [z.id for z in load.zones] == ["good-1", "good-2"]
    (problem,) = load.problems
    assert problem.feature_index == 1
    assert reason in problem.reason
    with pytest.raises(InputRejected, match=reason) as raised:
        zones_from_geojson(collection(feature("good-1"), bad), strict=True)
    assert raised.value.details["index"] == 1


def test_a_repeated_id_is_a_problem_and_the_first_is_kept() -> None:
    load = zones_from_geojson(collection(feature("z", name="first"), feature("z", name="again")))
    assert [z.name for z in load.zones] == ["first"]
    assert load.problems[0].reason == "duplicate id 'z'"


def test_a_single_bad_feature_raises_a_clear_error() -> None:
    with pytest.raises(InputRejected, match="zone refused: unclosed ring"):
        zone_from_feature(feature("x", [[[0, 0], [1, 0], [1, 1], [0, 1]]]))
    with pytest.raises(InputRejected, match="FeatureCollection"):
        zones_from_geojson([feature()])


ACROSS = {"lat": [-17.0, -17.0, -17.0, -17.0, -17.0], "lon": [179.5, -179.5, 180.0, 170.0, -170.0]}
"""Two positions either side of the antimeridian inside, one on it, two outside."""
INSIDE_ACROSS = [True, True, True, False, False]


def test_a_ring_with_longitudes_beyond_180_is_cut_at_the_antimeridian() -> None:
    ring = [[[178.0, -18.0], [182.0, -18.0], [182.0, -16.0], [178.0, -16.0], [178.0, -18.0]]]
    zone = zone_from_feature(feature("fiji", ring))
    assert len(zone.parts) == 2
    assert all(p.bounds[0] >= -180 and p.bounds[2] <= 180 for p in zone.parts)
    assert zone.contains(ACROSS["lat"], ACROSS["lon"]).tolist() == INSIDE_ACROSS


def test_a_multipolygon_split_per_rfc7946_works() -> None:
    east = [[[178.0, -18.0], [180.0, -18.0], [180.0, -16.0], [178.0, -16.0], [178.0, -18.0]]]
    west = [[[-180.0, -18.0], [-178.0, -18.0], [-178.0, -16.0], [-180.0, -16.0], [-180.0, -18.0]]]
    raw = {"type": "Feature", "id": "fiji", "properties": {},
           "geometry": {"type": "MultiPolygon", "coordinates": [east, west]}}  # fmt: skip
    zone = zone_from_feature(raw)
    assert zone.contains(ACROSS["lat"], ACROSS["lon"]).tolist() == INSIDE_ACROSS
    assert zone.contains([-17.0], [-180.0]).tolist() == [True]


def test_a_ring_jumping_across_the_antimeridian_is_read_the_short_way() -> None:
    ring = [[[178.0, -18.0], [-178.0, -18.0], [-178.0, -16.0], [178.0, -16.0], [178.0, -18.0]]]
    zone = zone_from_feature(feature("fiji", ring))
    assert zone.contains(ACROSS["lat"], ACROSS["lon"]).tolist() == INSIDE_ACROSS
    assert zone.contains([-17.0], [0.0]).tolist() == [False]


def test_the_default_zones_load() -> None:
    zones = {zone.id: zone for zone in default_zones()}
    assert set(zones) == {"galicia-rias", "brittany-coast", "martinique-coast", "guadeloupe-coast"}
    for zone in zones.values():
        assert zone.kind == "watch"
        assert zone.rules
        assert all(part.is_valid for part in zone.parts)
    far = [z.id for z in zones.values() if z.contains([45.0], [-20.0])[0]]
    assert far == []


def test_user_zones_replace_defaults_by_id_and_add_others(tmp_path: Path) -> None:
    path = tmp_path / "zones.geojson"
    user = collection(
        feature("martinique-coast", name="Mine"), feature("extra"), feature("bad", None)
    )
    path.write_text(json.dumps(user), encoding="utf-8")
    load = load_zones(path)
    names = {zone.id: zone.name for zone in load.zones}
    assert names["martinique-coast"] == "Mine"
    assert {"extra", "galicia-rias"} <= set(names)
    assert "bad" not in names
    assert [(p.feature_index, p.zone_id) for p in load.problems] == [(2, "bad")]
    assert load_zones(None).zones == default_zones()
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputRejected, match="cannot read zones"):
        read_zone_file(path)


@settings(max_examples=60, deadline=None)
@given(
    west=st.floats(-180.0, 180.0),
    lats=st.lists(st.floats(-20.0, 20.0), min_size=1, max_size=20),
    lons=st.lists(st.floats(-180.0, 180.0), min_size=20, max_size=20),
)
def test_a_box_anywhere_holds_the_points_a_modular_test_says(
    west: float, lats: list[float], lons: list[float]
) -> None:
    """A 3° box starting at any longitude, written with longitudes up to 183, holds exactly the
    points whose longitude is 0-3° east of its west edge, modulo 360 (antimeridian invariant)."""
    east = west + 3.0
    ring = [[[west, -10.0], [east, -10.0], [east, 10.0], [west, 10.0], [west, -10.0]]]
    zone = zone_from_feature(feature("box", ring))
    lat = np.array(lats)
    lon = np.array(lons[: len(lats)])
    offset = (lon - west) % 360.0
    expected = (np.abs(lat) <= 10.0) & (offset <= 3.0)
    # within 1e-9 of the west edge, but not on it: the modulo may round such an offset to 0
    # (180 against a west edge 3e-14 east of -180), so it cannot say which side they are on
    near_west = ((offset < 1e-9) & (lon != west)) | (offset > 360.0 - 1e-9)
    margin = (np.abs(np.abs(lat) - 10.0) > 1e-9) & (np.abs(offset - 3.0) > 1e-9) & ~near_west
    assert (zone.contains(lat, lon)[margin] == expected[margin]).all()
