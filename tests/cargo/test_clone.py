"""Container clones: impossible travel between observations, incompatible size/type codes."""

from __future__ import annotations

import json

from balise.cargo.clone import detect_container_clones
from cargo_helpers import at, event, events, telemetry, voyage


def _rules(out: object) -> list[str]:
    return [json.loads(e)["rule"] for e in out["evidence"]]  # type: ignore[index]


def test_an_ordinary_voyage_is_no_clone() -> None:
    assert detect_container_clones(events(*voyage("ECGYE", "PAMIT", "NLRTM"))).is_empty()


def test_one_number_in_santos_and_rotterdam_a_day_apart() -> None:
    rows = events(event("GATED_IN", "BRSSZ", 0), event("GATED_IN", "NLRTM", 1))
    out = detect_container_clones(rows)
    assert _rules(out) == ["impossible_travel"]
    evidence = json.loads(out["evidence"][0])
    assert evidence["pairs"][0]["km"] > 9000
    assert evidence["pairs"][0]["speed_km_per_hour"] > 120


def test_a_truck_from_rotterdam_to_antwerp_is_possible() -> None:
    rows = events(event("GATED_OUT", "NLRTM", 0), event("GATED_IN", "BEANR", 0.125))  # 3 h
    assert detect_container_clones(rows).is_empty()


def test_the_box_own_gps_far_from_where_its_events_put_it() -> None:
    rows = events(event("DISCHARGED", "NLRTM", 1))
    fixes = telemetry({"time": at(1, 2), "lat": -23.97, "lon": -46.32})
    assert _rules(detect_container_clones(rows, fixes)) == ["impossible_travel"]


def test_alternating_sightings_make_one_episode() -> None:
    rows = events(*(event("GATED_IN", port, d) for d, port in enumerate(["BRSSZ", "NLRTM"] * 3)))
    out = detect_container_clones(rows)
    assert out.height == 1
    assert json.loads(out["evidence"][0])["impossible_moves"] == 5


def test_a_twenty_foot_box_that_becomes_a_forty_foot_one() -> None:
    rows = events(
        event("GATED_IN", "BRSSZ", 0, iso_equipment_code="22G1"),
        event("LOADED", "BRSSZ", 1, iso_equipment_code="45G1"),
    )
    out = detect_container_clones(rows)
    assert _rules(out) == ["size_type_mismatch"]
    assert "22G1" in json.loads(out["evidence"][0])["reasons"][0]


def test_codes_of_one_box_written_differently_are_no_clone() -> None:
    rows = events(
        event("GATED_IN", "BRSSZ", 0, iso_equipment_code="22G1"),
        event("LOADED", "BRSSZ", 1, iso_equipment_code="22G0"),
        event("DISCHARGED", "BRSSZ", 2, iso_equipment_code="2210"),
    )
    assert detect_container_clones(rows).is_empty()
    reefer = events(
        event("GATED_IN", "BRSSZ", 0, iso_equipment_code="45R1"),
        event("LOADED", "BRSSZ", 1, iso_equipment_code="45G1"),
    )
    assert _rules(detect_container_clones(reefer)) == ["size_type_mismatch"]
