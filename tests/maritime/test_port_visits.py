"""Port visits: GFW's entry/exit hysteresis, stops, gaps and confidence on hand-built tracks."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from balise.maritime.port_visits import PortVisitParams, detect_port_visits
from balise.model.schema import POSITION_SCHEMA
from helpers import T0, evidence, track

PORT_LAT, PORT_LON = 49.48, 0.10
ANCHORAGES = pl.DataFrame(
    {
        "lat": [PORT_LAT, PORT_LAT + 0.01, -16.5],
        "lon": [PORT_LON, PORT_LON, 179.99],
        "label": ["LE HAVRE", "LE HAVRE", "RABI"],
        "sublabel": [None, "OUTER", None],
        "iso3": ["FRA", "FRA", "FJI"],
    }
)


def _locode(lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]) -> npt.NDArray[np.object_]:
    return np.where(np.abs(lon) > 100, "FJRAB", "FRLEH").astype(object)


def _call(
    mmsi: int = 1,
    start: datetime = T0,
    stay_h: float = 20.0,
    lat: float = PORT_LAT,
    lon: float = PORT_LON,
    every_s: float = 120,
) -> pl.DataFrame:
    """In from 20 km south at 10 kn, moored `stay_h` hours, out again to the south."""
    inbound = track(mmsi, 1.08, lat - 0.18, lon, 10.0, 0.0, start, every_s, sog_knots=10.0)
    arrived = inbound["timestamp"][-1] + timedelta(seconds=every_s)
    moored = track(mmsi, stay_h, lat, lon, 0.0, 0.0, arrived, every_s, sog_knots=0.0)
    left = moored["timestamp"][-1] + timedelta(seconds=every_s)
    outbound = track(mmsi, 1.2, lat, lon, 10.0, 180.0, left, every_s, sog_knots=10.0)
    return pl.concat([inbound, moored, outbound])


def test_a_call_is_one_visit_of_confidence_four() -> None:
    call = _call()
    moored = call.filter(pl.col("sog_knots") == 0.0)["timestamp"]
    events = detect_port_visits(call, ANCHORAGES, locode=_locode)
    assert events.height == 1
    seen = evidence(events)
    assert seen["gfw_confidence"] == 4
    assert events["confidence"][0] == 1.0
    assert seen["entry_seen"]
    assert seen["exit_seen"]
    assert seen["stop"]
    assert not seen["gap"]
    assert seen["port"] == "LE HAVRE"
    assert seen["iso3"] == "FRA"
    assert seen["locode"] == "FRLEH"
    assert 20.0 < seen["duration_h"] < 21.0
    assert abs(events["lat"][0] - PORT_LAT) < 1e-6
    assert events["score"][0] == 0.0
    # entry: the first position within 3 km, 9.7 min at 10 kn before the berth (+ 2 min step)
    assert timedelta(minutes=10) <= moored.min() - events["start"][0] <= timedelta(minutes=12)
    # exit hysteresis: the last position within 4 km (13 min out at 10 kn), not 3 km (9.7 min)
    sailed = events["end"][0] - moored.max()
    assert timedelta(minutes=14) <= sailed <= timedelta(minutes=16)


def test_passing_by_at_speed_is_no_visit() -> None:
    passing = track(2, 3.0, PORT_LAT - 0.2, PORT_LON, 12.0, 0.0, sog_knots=12.0)
    assert detect_port_visits(passing, ANCHORAGES).is_empty()
    kept = detect_port_visits(passing, ANCHORAGES, PortVisitParams(min_confidence=1))
    assert kept.height == 1
    assert evidence(kept)["gfw_confidence"] == 1


def test_out_of_order_rows_give_the_same_visit() -> None:
    ordered = detect_port_visits(_call(), ANCHORAGES)
    shuffled = detect_port_visits(_call().sample(fraction=1.0, shuffle=True, seed=3), ANCHORAGES)
    assert shuffled.equals(ordered)


def test_a_visit_across_utc_midnight_stays_one_visit() -> None:
    events = detect_port_visits(_call(start=T0 + timedelta(hours=20)), ANCHORAGES)
    assert events.height == 1
    assert events["start"][0].date() != events["end"][0].date()


def test_a_silence_in_port_is_a_gap_inside_one_visit() -> None:
    call = _call()
    silent = call.filter(
        ~pl.col("timestamp").is_between(T0 + timedelta(hours=5), T0 + timedelta(hours=11))
    )
    events = detect_port_visits(silent, ANCHORAGES)
    assert events.height == 1
    seen = evidence(events)
    assert seen["gap"]
    assert seen["max_gap_hours"] > 5.9
    assert seen["gfw_confidence"] == 4


def test_gap_only_visit_without_entry_exit_or_stop_is_confidence_two() -> None:
    slow = track(3, 10, PORT_LAT, PORT_LON, 0.0, 0.0, every_s=6 * 3600, sog_knots=1.0)
    events = detect_port_visits(slow, ANCHORAGES)
    seen = evidence(events)
    assert seen["gfw_confidence"] == 2
    assert seen["gap"]
    assert not seen["stop"]
    assert seen["open"]
    assert seen["departure"] is None


def test_open_visit_at_end_of_data_ends_at_last_position() -> None:
    call = _call().filter(pl.col("timestamp") < T0 + timedelta(hours=10))
    events = detect_port_visits(call, ANCHORAGES)
    seen = evidence(events)
    assert seen["open"]
    assert not seen["exit_seen"]
    assert seen["gfw_confidence"] == 3
    assert events["end"][0] == call["timestamp"].max()


def test_antimeridian_anchorage_is_found_from_the_other_side() -> None:
    here = _call(lat=-16.5, lon=-179.995)
    events = detect_port_visits(here, ANCHORAGES, locode=_locode)
    seen = evidence(events)
    assert events.height == 1
    assert seen["port"] == "RABI"
    assert seen["locode"] == "FJRAB"
    assert abs(abs(events["lon"][0]) - 179.995) < 1e-6


def test_implied_speed_stands_in_for_missing_sog() -> None:
    call = _call().with_columns(pl.lit(None, dtype=pl.Float64).alias("sog_knots"))
    seen = evidence(detect_port_visits(call, ANCHORAGES))
    assert seen["stop"]
    assert seen["stopped_hours"] > 19


def test_two_vessels_and_two_calls() -> None:
    first = _call(mmsi=7)
    second = _call(mmsi=7, start=T0 + timedelta(days=3))
    other = _call(mmsi=8, start=T0 + timedelta(hours=2))
    events = detect_port_visits(pl.concat([first, second, other]), ANCHORAGES)
    assert events.group_by("mmsi").len().sort("mmsi").rows() == [(7, 2), (8, 1)]
    assert events["id"].n_unique() == 3


def test_empty_input() -> None:
    empty = pl.DataFrame(schema=POSITION_SCHEMA)
    assert detect_port_visits(empty, ANCHORAGES).is_empty()


def test_kept_anchorage_indexes_answer_for_their_own_points_only() -> None:
    """The search structures kept between calls belong to one set of points: another set (the
    same labels, the points moved away) gets its own, and the first set's answer is unchanged
    after it."""
    from balise.maritime import port_visits

    call = _call()
    moved = ANCHORAGES.with_columns(pl.col("lat") - 1.0)
    port_visits._geometries.clear()
    first = detect_port_visits(call, ANCHORAGES)
    elsewhere = detect_port_visits(call, moved)
    again = detect_port_visits(call, ANCHORAGES)
    assert first.height == 1
    assert elsewhere.is_empty()
    assert again.equals(first)
    assert len(port_visits._geometries) == 2
    port_visits._geometries.clear()
    assert detect_port_visits(call, ANCHORAGES).equals(first)


@settings(max_examples=60, deadline=None)
@given(
    st.floats(-85.0, 85.0),
    st.floats(-180.0, 180.0),
    st.floats(0.0, 360.0),
    st.floats(0.0, 4.0),
)
def test_positions_within_the_exit_distance_are_never_filtered_out(
    lat: float, lon: float, bearing: float, km: float
) -> None:
    """The coarse cells marked near the points keep every position whose rounding lies within
    `exit_km` of one, whatever the latitude or the side of the antimeridian."""
    from balise.geo.sphere import KM_PER_NM, destination_point
    from balise.maritime import port_visits

    points = pl.DataFrame({"lat": [lat], "lon": [lon]})
    at_lat, at_lon = destination_point(lat, lon, bearing, km / KM_PER_NM)
    geometry = port_visits._Geometry(points, 4.0)
    rows = geometry.near_rows(np.atleast_1d(at_lat), np.atleast_1d(at_lon))
    assert rows.tolist() == [0]


def test_positions_off_the_globe_are_not_near_a_port() -> None:
    from balise.maritime import port_visits

    geometry = port_visits._Geometry(ANCHORAGES, 4.0)
    lat = np.array([PORT_LAT, np.nan, PORT_LAT, PORT_LAT, 89.0])
    lon = np.array([PORT_LON, PORT_LON, np.nan, np.inf, PORT_LON])
    assert geometry.near_rows(lat, lon).tolist() == [0]
