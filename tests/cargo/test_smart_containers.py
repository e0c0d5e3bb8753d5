"""Smart-container rules: doors, the box off its vessel, reefers, stops inland."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import polars as pl

from balise.cargo.door import detect_door_openings
from balise.cargo.inland import detect_unexpected_stops
from balise.cargo.journey import journeys
from balise.cargo.reefer import detect_reefer_anomalies
from balise.cargo.vessel_track import BoxOffVesselParams, detect_box_off_vessel
from balise.model.arrays import FloatArray
from cargo_helpers import BOX, at, event, events, positions, telemetry, voyage

TRIP = voyage("ECGYE", "NLRTM")  # loaded day 0, discharged day 10, gated out day 11


def _phase(out: pl.DataFrame) -> list[str]:
    return [json.loads(e)["phase"] for e in out["evidence"]]


def _const(value: float) -> Callable[[FloatArray, FloatArray], FloatArray]:
    def distance(lat: FloatArray, lon: FloatArray) -> FloatArray:
        return np.full(len(lat), value)

    return distance


def test_a_door_opened_at_sea_near_a_coast_away_from_ports_is_a_drop() -> None:
    fixes = telemetry(
        {"time": at(5), "lat": 14.0, "lon": -61.0, "door_open": False},
        {"time": at(5, 1), "lat": 14.0, "lon": -61.0, "door_open": True},
        {"time": at(5, 1.2), "lat": 14.0, "lon": -61.0, "door_open": True},
    )
    out = detect_door_openings(
        fixes,
        events(*TRIP),
        shore=_const(5.0),
        port_distance=_const(40.0),
    )
    assert _phase(out) == ["aboard"]
    assert json.loads(out["evidence"][0])["drop"] is True
    assert out["score"].to_list() == [0.8]
    far = detect_door_openings(
        fixes,
        events(*TRIP),
        shore=_const(200.0),
        port_distance=_const(900.0),
    )
    assert far["score"].to_list() == [0.6]


def test_a_door_opened_after_discharge_before_release_is_a_rip_off() -> None:
    iot = event("DOOR_OPENED", "NLRTM", 10.5, event_kind="IOT", laden=None)
    out = detect_door_openings(None, events(*TRIP, iot))
    assert _phase(out) == ["destination_terminal"]
    assert out["score"].to_list() == [0.7]


def test_a_door_opened_for_a_scheduled_inspection_is_quiet() -> None:
    iot = event("DOOR_OPENED", "NLRTM", 10.5, event_kind="IOT", laden=None)
    inspection = event("INSPECTED", "NLRTM", 10.6, classifier="PLN")
    assert detect_door_openings(None, events(*TRIP, iot, inspection)).is_empty()


def test_a_door_opened_at_stuffing_or_inland_is_not_reported() -> None:
    fixes = telemetry(
        {"time": at(-1, 1), "door_open": True},
        {"time": at(11, 3), "door_open": False},
        {"time": at(11, 4), "door_open": True},
    )
    assert detect_door_openings(fixes, events(*TRIP)).is_empty()


def _ship_track(offset_deg: float = 0.0) -> tuple[pl.DataFrame, pl.DataFrame]:
    ship = positions(*(
        {"mmsi": 636012345, "timestamp": at(5, h / 4), "lat": 10.0, "lon": -60 + h * 0.025}
        for h in range(48)
    ))  # fmt: skip
    box = telemetry(*(
        {"time": at(5, h), "lat": 10.0 + (offset_deg if h >= 4 else 0.0), "lon": -60 + h * 0.1}
        for h in range(10)
    ))  # fmt: skip
    return ship, box


def test_a_box_that_follows_its_ship_is_quiet() -> None:
    ship, box = _ship_track()
    assert detect_box_off_vessel(journeys(events(*TRIP)), box, ship).is_empty()


def test_a_box_far_from_its_ship_while_aboard() -> None:
    ship, box = _ship_track(offset_deg=0.5)
    out = detect_box_off_vessel(journeys(events(*TRIP)), box, ship)
    assert out.height == 1
    evidence = json.loads(out["evidence"][0])
    assert evidence["fixes"] == 6
    assert 50 < evidence["max_km"] < 60
    assert out["related"][0].to_list() == [{"kind": "vessel", "id": "636012345"}]
    by_function = detect_box_off_vessel(
        journeys(events(*TRIP)), box, lambda mmsi: ship.filter(pl.col("mmsi") == mmsi)
    )
    assert by_function["id"].to_list() == out["id"].to_list()


def _breadcrumbs(box: pl.DataFrame) -> list[dict[str, object]]:
    """The fixes of `box` as DCSA IoT `BREADCRUMB` events."""
    return [
        event(
            "BREADCRUMB",
            None,
            0,
            event_kind="IOT",
            laden=None,
            event_time=row["time"],
            lat=row["lat"],
            lon=row["lon"],
            event_id=f"crumb-{i}",
        )
        for i, row in enumerate(box.iter_rows(named=True))
    ]


def test_breadcrumb_positions_are_fixes_too() -> None:
    ship, box = _ship_track(offset_deg=0.5)
    from_telemetry = detect_box_off_vessel(journeys(events(*TRIP)), box, ship)
    trip = events(*TRIP, *_breadcrumbs(box))
    from_crumbs = detect_box_off_vessel(journeys(trip), None, ship, None, trip)
    assert from_crumbs["id"].to_list() == from_telemetry["id"].to_list()
    # a breadcrumb reporting a reading's fix again is one fix: no stray fix becomes a run
    one_stray = box.with_columns(
        pl.when(pl.int_range(pl.len()) == 5).then(10.5).otherwise(10.0).alias("lat")
    )
    both = events(*TRIP, *_breadcrumbs(one_stray))
    assert detect_box_off_vessel(journeys(both), one_stray, ship, None, both).is_empty()


def test_fixes_in_an_ais_gap_within_the_ships_reach_are_not_judged() -> None:
    """A box 11 km off its ship's line is off when the ship reports every 15 min; with ship
    positions 3 h apart, at 30 kn the ship could have been by each fix (the nearest report is
    15 min away at least): not judged."""
    ship, box = _ship_track(offset_deg=0.1)
    assert detect_box_off_vessel(journeys(events(*TRIP)), box, ship).height == 1
    sparse = ship.filter(
        (pl.col("timestamp").dt.hour() % 3 == 0) & (pl.col("timestamp").dt.minute() == 15)
    )
    assert detect_box_off_vessel(journeys(events(*TRIP)), box, sparse).is_empty()


def test_a_box_beyond_its_ships_reach_in_an_ais_gap_is_off() -> None:
    """Offshore, satellite AIS may report a ship every 30-60 min (the development worlds' ships
    every 33-35 min): a box 55 km from a ship reported every 35 min is off, since the ship
    could not have sailed that far from its positions around the gap, while its position
    interpolated across the gap is not trusted."""
    _, box = _ship_track(offset_deg=0.5)
    sparse = positions(*(
        {"mmsi": 636012345, "timestamp": at(5, k * 35 / 60), "lat": 10.0,
         "lon": -60 + k * 35 / 60 * 0.1}
        for k in range(21)
    ))  # fmt: skip
    found = journeys(events(*TRIP))
    out = detect_box_off_vessel(found, box, sparse)
    assert out.height == 1
    evidence = json.loads(out["evidence"][0])
    assert evidence["fixes"] == 6
    assert 30 < evidence["first"]["km"] < evidence["max_km"] < 60
    assert evidence["first"]["ship_lat"] == 10.0
    only_short_gaps = BoxOffVesselParams(max_reach_hours=0.5)
    assert detect_box_off_vessel(found, box, sparse, only_short_gaps).is_empty()


def _reefer(temps: list[float], lux: list[float] | None = None) -> pl.DataFrame:
    setpoint = event("MEASURED", None, 1, event_kind="REEFER", laden=None, setpoint_c=13.0)
    readings = telemetry(*(
        {"time": at(5, h), "temperature_c": t, "light_lux": (lux or [0.0] * len(temps))[h]}
        for h, t in enumerate(temps)
    ))  # fmt: skip
    return detect_reefer_anomalies(readings, events(*TRIP, setpoint))


def test_a_reefer_warming_far_from_its_set_point() -> None:
    out = _reefer([13.1, 13.0, 19.5, 20.5, 21.0, 13.4])
    assert [json.loads(e)["kinds"] for e in out["evidence"]] == [["warm"]]
    assert out["start"].to_list() == [at(5, 2)]
    assert out["end"].to_list() == [at(5, 4)]


def test_a_defrost_spike_of_one_reading_is_quiet() -> None:
    assert _reefer([13.1, 13.0, 19.5, 13.2, 13.0]).is_empty()


def test_light_inside_a_reefer() -> None:
    out = _reefer([13.0, 13.1, 13.0], lux=[0.0, 40.0, 0.0])
    assert [json.loads(e)["kinds"] for e in out["evidence"]] == [["light"]]


def test_a_jump_without_a_set_point() -> None:
    readings = telemetry(*({"time": at(5, h), "temperature_c": t}
                           for h, t in enumerate([4.0, 4.2, 9.5, 10.0, 4.1])))  # fmt: skip
    out = detect_reefer_anomalies(readings, events(*TRIP))
    assert out.height == 1
    dry = events(*(r | {"iso_equipment_code": "45G1"} for r in TRIP))
    assert detect_reefer_anomalies(readings, dry).is_empty()  # not a reefer


def _drive(stop_minutes: int, *, delivered: bool = True, after_hours: float = 1.0) -> pl.DataFrame:
    """Gate-out at day 11 from Rotterdam, drive, a stop 10 km away, then the consignee."""
    road = [{"time": at(11, m / 60), "lat": 51.9 + 0.002 * m, "lon": 4.4}
            for m in range(0, int(after_hours * 60), 10)]  # fmt: skip
    stop = [{"time": at(11, after_hours + m / 60), "lat": 52.2, "lon": 4.5, "door_open": m == 20}
            for m in range(0, stop_minutes + 1, 10)]  # fmt: skip
    consignee = [{"time": at(11, after_hours + 2), "lat": 52.4, "lon": 4.9}]
    rows = [*TRIP, event("STRIPPED", "NLRTM", 11.5, lat=52.4, lon=4.9)] if delivered else TRIP
    return detect_unexpected_stops(telemetry(*road, *stop, *consignee), events(*rows))


def test_a_long_stop_on_the_way_with_the_door_opened() -> None:
    out = _drive(60)
    assert out.height == 1
    evidence = json.loads(out["evidence"][0])
    assert evidence["door_opened"] is True
    assert evidence["minutes"] == 60
    assert out["score"].to_list() == [0.7]


def test_a_short_stop_or_a_drivers_break_is_quiet() -> None:
    assert _drive(20).is_empty()
    assert _drive(50, after_hours=5).is_empty()
    assert _drive(120, after_hours=5).height == 1


def test_a_stop_near_the_first_fix_but_away_from_the_terminal_is_reported() -> None:
    """A device reporting every 15 min is already 3 km out of the terminal at its first fix
    after the gate-out: the stop 1.5 km further on is not the terminal's."""
    left = event("GATED_OUT", "NLRTM", 11, lat=51.9, lon=4.4)
    rows = [*[r for r in TRIP if r["event_code"] != "GATED_OUT"], left,
            event("STRIPPED", "NLRTM", 11.5, lat=52.2, lon=4.9)]  # fmt: skip
    fixes = [{"time": at(11, 0.25), "lat": 51.927, "lon": 4.4},
             *({"time": at(11, 0.5 + m / 60), "lat": 51.9405, "lon": 4.4}
               for m in range(0, 91, 15)),
             {"time": at(11, 3), "lat": 52.2, "lon": 4.9}]  # fmt: skip
    out = detect_unexpected_stops(telemetry(*fixes), events(*rows))
    assert out.height == 1
    assert json.loads(out["evidence"][0])["minutes"] == 90
    near = [f | {"lat": 51.905} if f["lat"] == 51.9405 else f for f in fixes]  # at the terminal
    assert detect_unexpected_stops(telemetry(*near), events(*rows)).is_empty()


def test_the_stop_at_the_consignee_is_quiet() -> None:
    fixes = telemetry(*({"time": at(11, h / 6), "lat": 51.9 + (0.3 if h > 3 else h * 0.05),
                          "lon": 4.4} for h in range(20)))  # fmt: skip
    assert detect_unexpected_stops(fixes, events(*TRIP)).is_empty()
    assert BOX
