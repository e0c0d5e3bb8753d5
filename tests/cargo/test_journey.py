"""Journeys: trips cut on empty, legs, transshipments, dwell, detour, re-documentation, seals,
and the check of legs against the vessels' AIS port visits."""

from __future__ import annotations

import polars as pl
import pytest

from balise.cargo.journey import journey_frames, journeys, legs_at_port_visits
from balise.cargo.ports import great_circle_km, port_timezones, sea_route_km
from cargo_helpers import BOX, at, event, events, voyage


def test_a_voyage_through_two_hubs_has_three_legs_and_two_transshipments() -> None:
    [trip] = journeys(events(*voyage("ECGYE", "PAMIT", "DOCAU", "NLRTM", dwell_days=3)))
    assert [(leg.load_port, leg.discharge_port) for leg in trip.legs] == [
        ("ECGYE", "PAMIT"), ("PAMIT", "DOCAU"), ("DOCAU", "NLRTM"),
    ]  # fmt: skip
    assert trip.transshipments == 2
    assert [s.port for s in trip.stops] == ["PAMIT", "DOCAU"]
    assert [s.dwell_hours for s in trip.stops] == [72.0, 72.0]
    assert trip.custody_from == "stuffing"
    assert trip.origin == "ECGYE"
    assert trip.destination == "NLRTM"
    assert trip.complete
    assert len(trip.vessels) == 3


def test_trips_are_cut_where_the_box_is_emptied() -> None:
    first = voyage("BRSSZ", "FRLEH")
    second = voyage("ECGYE", "NLRTM", start=60)
    returned = event("GATED_IN", "FRLEH", 25, laden="EMPTY")
    found = journeys(events(*first, returned, *second))
    assert [(j.origin, j.destination) for j in found] == [("BRSSZ", "FRLEH"), ("ECGYE", "NLRTM")]
    assert found[1].custody_from == "stuffing"
    assert found[1].first_code == "PICKED_UP"  # the empty pickup opens the trip


def test_a_chain_starting_laden_has_no_known_origin() -> None:
    [trip] = journeys(events(*voyage("DOCAU", "NLRTM", stuffed=False)))
    assert trip.custody_from == "laden"
    assert trip.first_port == "DOCAU"


def test_a_change_of_vessel_at_another_port_is_no_transshipment_unless_flagged() -> None:
    rows = [
        event("LOADED", "ECGYE", 0, vessel_mmsi=1), event("DISCHARGED", "PABLB", 5, vessel_mmsi=1),
        event("LOADED", "PAMIT", 7, vessel_mmsi=2), event("DISCHARGED", "NLRTM", 20, vessel_mmsi=2),
    ]  # fmt: skip
    [trip] = journeys(events(*rows))
    assert trip.transshipments == 0
    assert trip.stops[0].port == "PABLB"
    assert trip.stops[0].next_port == "PAMIT"
    rows[2] = rows[2] | {"transshipment": True}
    assert journeys(events(*rows))[0].transshipments == 1


def test_detour_ratio_is_routed_over_direct_distance() -> None:
    [direct] = journeys(events(*voyage("ECGYE", "NLRTM")))
    assert direct.detour_ratio == pytest.approx(1.0)
    [via_africa] = journeys(events(*voyage("ECGYE", "TGLFW", "NLRTM")))
    legs = great_circle_km("ECGYE", "TGLFW") + great_circle_km("TGLFW", "NLRTM")  # type: ignore[operator]
    assert via_africa.routed_km == pytest.approx(legs)
    assert via_africa.detour_ratio == pytest.approx(legs / great_circle_km("ECGYE", "NLRTM"))  # type: ignore[operator]
    assert via_africa.detour_ratio is not None
    assert via_africa.detour_ratio > 1.4


def test_sea_routes_go_round_the_land_and_show_the_detour_better() -> None:
    by_sea = sea_route_km("ECGYE", "NLRTM")
    assert by_sea is not None
    assert by_sea > great_circle_km("ECGYE", "NLRTM")  # type: ignore[operator]
    assert sea_route_km("ECGYE", "XXXXX") is None
    rows = events(*voyage("ECGYE", "TGLFW", "NLRTM"))
    [via_africa] = journeys(rows, sea_route_km)
    assert (via_africa.detour_ratio or 0.0) > 1.7
    [liner] = journeys(events(*voyage("ECGYE", "PAMIT", "DOCAU", "NLRTM")), sea_route_km)
    assert liner.detour_ratio is not None
    assert liner.detour_ratio < 1.05


def test_a_bill_of_lading_replaced_mid_route_is_kept() -> None:
    rows = voyage("ECGYE", "DOCAU", "NLRTM")
    rows = [r | {"bill_of_lading": "BL1" if n < 4 else "BL2"} for n, r in enumerate(rows)]
    rows[4] = rows[4] | {"replaces": ["BL1"]}  # loaded again at Caucedo
    [trip] = journeys(events(*rows))
    assert trip.bills_of_lading == ("BL1", "BL2")
    assert [(c.before, c.after, c.port, c.mid_route) for c in trip.redocumented] == [
        (("BL1",), ("BL2",), "DOCAU", True)
    ]


def test_seal_changes_are_found_with_their_port() -> None:
    rows = voyage("ECGYE", "DOCAU", "NLRTM")
    rows = [r | {"seals": ["S1"] if n < 4 else ["S9", "S2"]} for n, r in enumerate(rows)]
    [trip] = journeys(events(*rows))
    assert [(c.port, c.before, c.after, c.mid_route) for c in trip.seal_changes] == [
        ("DOCAU", ("S1",), ("S2", "S9"), True)
    ]


def test_planned_events_are_not_where_the_box_was() -> None:
    rows = [*voyage("ECGYE", "NLRTM"), event("LOADED", "DOCAU", 3, classifier="PLN")]
    [trip] = journeys(events(*rows))
    assert len(trip.legs) == 1


def test_frames_have_one_row_per_trip_leg_and_stop() -> None:
    frames = journey_frames(journeys(events(*voyage("ECGYE", "PAMIT", "NLRTM"))))
    assert frames.trips.height == 1
    assert frames.legs["leg"].to_list() == [0, 1]
    assert frames.stops["port"].to_list() == ["PAMIT"]
    assert frames.trips["hubs"].to_list() == [["PAMIT"]]


def test_legs_are_checked_against_port_visits() -> None:
    legs = journey_frames(journeys(events(*voyage("ECGYE", "NLRTM")))).legs
    visits = pl.DataFrame(
        {
            "mmsi": [636012345, 636012345],
            "start": [at(-0.5), at(15)],
            "end": [at(0.5), at(16)],
            "locode": ["ECGYE", "FRLEH"],
        }
    )
    checked = legs_at_port_visits(legs, visits)
    assert checked["vessel_at_load"].to_list() == [True]
    assert checked["vessel_at_discharge"].to_list() == [False]
    unknown = legs_at_port_visits(legs, visits.with_columns(pl.lit(1).alias("mmsi")))
    assert unknown["vessel_at_load"].to_list() == [None]


def test_a_leg_outside_the_span_of_the_vessels_visits_is_not_judged() -> None:
    """A box loaded before the AIS record begins: the vessel's later visits elsewhere say
    nothing of where it was then (and discharged after the record ends, likewise)."""
    legs = journey_frames(journeys(events(*voyage("ECGYE", "NLRTM")))).legs
    visits = pl.DataFrame(
        {"mmsi": [636012345], "start": [at(4)], "end": [at(5)], "locode": ["PAMIT"]}
    )
    checked = legs_at_port_visits(legs, visits, slack_hours=12)
    assert checked["vessel_at_load"].to_list() == [None]
    assert checked["vessel_at_discharge"].to_list() == [None]
    wider = visits.vstack(
        pl.DataFrame({"mmsi": [636012345], "start": [at(20)], "end": [at(21)], "locode": ["BEANR"]})
    )
    checked = legs_at_port_visits(legs, wider, slack_hours=12)
    assert checked["vessel_at_discharge"].to_list() == [False]


def test_every_listed_port_has_a_time_zone_and_a_position() -> None:
    from zoneinfo import ZoneInfo

    from balise.cargo.ports import port_position

    for locode, zone in port_timezones().items():
        assert ZoneInfo(zone) is not None
        assert port_position(locode) is not None, locode
    assert BOX
