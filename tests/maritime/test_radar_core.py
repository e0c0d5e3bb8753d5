"""The radar core on hand-built contacts: horizon and coverage, gating and tracks, association
with AIS (dead reckoning included), dark targets, the AIS-silent vessel and the score's order."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import timedelta

import numpy as np
import polars as pl
import pytest

from balise.geo.sphere import destination_point
from balise.maritime.dark_targets import RadarGeography, dark_targets
from balise.maritime.radar_association import associate, match_contacts
from balise.maritime.radar_coverage import (
    coverage_polygons,
    coverage_range_nm,
    covered,
    radar_horizon_nm,
)
from balise.maritime.radar_params import RadarParams
from balise.maritime.radar_tracking import build_tracks
from balise.model.coastal import ASSOCIATION_SCHEMA, RADAR_SITE_SCHEMA, RADAR_TRACK_SCHEMA
from balise.model.events import EVENT_SCHEMA
from balise.model.schema import POSITION_SCHEMA
from radar_helpers import NIGHT, T0, ais, contacts

COAST_LON = -61.0
"""East of this meridian is land, in these tests."""
PARAMS = replace(RadarParams(), min_score=0.0)


def land_east(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    return np.asarray(lon, np.float64) >= COAST_LON


GEOGRAPHY = RadarGeography(on_land=land_east)
NO_AIS = pl.DataFrame(schema=POSITION_SCHEMA)


def sites(antenna_m: float, range_nm: float | None) -> pl.DataFrame:
    row = {"sensor_id": "S1", "name": "Site", "lat": 14.5, "lon": -61.0,
           "antenna_height_m": antenna_m, "range_nm": range_nm}  # fmt: skip
    return pl.DataFrame([row], schema=RADAR_SITE_SCHEMA)


def test_horizon_is_2_226_nm_per_root_metre() -> None:
    assert radar_horizon_nm(100.0, 0.0) == pytest.approx(22.26, abs=0.01)
    assert radar_horizon_nm(-5.0, 0.0) == 0.0  # a stored site's negative height: the sea surface
    assert radar_horizon_nm(30.0, 2.0) == pytest.approx(
        2.226 * (math.sqrt(30) + math.sqrt(2)), rel=1e-3
    )


def test_coverage_is_the_smaller_of_horizon_and_range() -> None:
    assert coverage_range_nm(sites(100.0, 12.0), 0.0)[0] == 12.0
    assert coverage_range_nm(sites(100.0, None), 0.0)[0] == pytest.approx(22.26, abs=0.01)


def test_covered_and_polygon_agree_with_the_range() -> None:
    site = sites(100.0, 12.0)
    lat, lon = destination_point([14.5, 14.5], [-61.0, -61.0], [90.0, 90.0], [11.9, 12.1])
    assert covered(site, lat, lon, 0.0).tolist() == [True, False]
    ((name, polygon),) = coverage_polygons(site, 0.0)
    km = 12.0 * 1.852
    area_km2 = polygon.area * 111.195**2 * math.cos(math.radians(14.5))
    assert name == "S1"
    assert area_km2 == pytest.approx(math.pi * km * km, rel=0.01)


def test_one_boat_is_one_track() -> None:
    tracks = build_tracks(contacts(14.5, -61.3, 45.0, 20.0), PARAMS)
    assert tracks.schema == pl.Schema(RADAR_TRACK_SCHEMA)
    assert tracks.height == 16
    assert tracks["track_id"].n_unique() == 1


def test_two_crossing_boats_stay_two_tracks() -> None:
    # both pass the same point at minute 16, one heading north-east, the other north-west
    lat, lon = destination_point(14.5, -61.3, 225.0, 20.0 * 16 / 60)
    a = contacts(float(lat), float(lon), 45.0, 20.0, minutes=32)
    lat, lon = destination_point(14.5, -61.3, 135.0, 20.0 * 16 / 60)
    b = contacts(float(lat), float(lon), 315.0, 20.0, minutes=32)
    tracks = build_tracks(pl.concat([a, b]), PARAMS)
    assert tracks["track_id"].n_unique() == 2
    courses = tracks.group_by("track_id").agg(pl.col("course_deg").n_unique())
    assert courses["course_deg"].to_list() == [1, 1]


def test_a_contact_outside_the_gate_does_not_join() -> None:
    boat = contacts(14.5, -61.3, 90.0, 10.0, minutes=20)
    # the last contact jumps 5 km north: far outside the 99 % gate of a 50 m contact
    lat, lon = destination_point(boat["lat"][-1], boat["lon"][-1], 0.0, 5 / 1.852)
    last = pl.int_range(pl.len()) == boat.height - 1
    jumped = boat.with_columns(
        pl.when(last).then(pl.lit(float(lat))).otherwise("lat").alias("lat"),
        pl.when(last).then(pl.lit(float(lon))).otherwise("lon").alias("lon"),
    )  # fmt: skip
    tracks = build_tracks(jumped, PARAMS)
    assert tracks.height == boat.height - 1


def test_scattered_clutter_makes_no_track() -> None:
    rng = np.random.default_rng(3)
    frames = [
        contacts(14.3 + rng.uniform(0, 0.3), -61.5 + rng.uniform(0, 0.3), 0.0, 0.0,
                 start=T0 + timedelta(minutes=2 * i), minutes=0)
        for i in range(20)
    ]  # fmt: skip
    assert build_tracks(pl.concat(frames), PARAMS).is_empty()


def test_contacts_with_a_track_id_keep_it() -> None:
    own = contacts(14.5, -61.3, 0.0, 10.0, minutes=4).with_columns(pl.lit("S1-7").alias("track_id"))
    tracks = build_tracks(own, PARAMS)
    assert tracks["track_id"].to_list() == ["S1-7"] * 3


def test_a_ship_with_ais_is_associated_and_a_boat_without_is_not() -> None:
    ship = contacts(14.5, -61.4, 90.0, 12.0, minutes=40)
    boat = contacts(14.3, -61.4, 90.0, 25.0, minutes=40)
    tracks = build_tracks(pl.concat([ship, boat]), PARAMS)
    found = associate(tracks, ais(227000001, 14.5, -61.4, 90.0, 12.0, minutes=40), PARAMS)
    assert found.schema == pl.Schema(ASSOCIATION_SCHEMA)
    assert found["mmsi"].to_list() == [227000001]
    ship_track = tracks.filter(pl.col("lat") > 14.4)["track_id"][0]
    assert found["track_id"][0] == ship_track
    assert found["matched"][0] == found["contacts"][0] == ship.height


def test_dead_reckoning_carries_the_last_fix_forward() -> None:
    # the vessel's AIS stops at T0; radar sees her 2 to 12 minutes later, 0.7 to 4 nm on
    radar = contacts(14.5, -61.4, 90.0, 20.0, minutes=12).filter(pl.col("time") > T0)
    last_fix = ais(227000002, 14.5, -61.4, 90.0, 20.0, minutes=0)
    tracks = radar.with_columns(pl.lit("S1-1").alias("track_id"))
    matched = match_contacts(tracks, last_fix, PARAMS)
    assert matched.height == radar.height
    assert matched["distance_m"].max() < 100  # type: ignore[operator]
    still = last_fix.with_columns(pl.lit(0.0).alias("sog_knots"))
    assert match_contacts(tracks, still, PARAMS).height < radar.height


def test_a_boat_without_ais_is_a_dark_target() -> None:
    boat = contacts(14.5, -61.4, 90.0, 25.0, minutes=20, start=NIGHT)
    tracks = build_tracks(boat, PARAMS)
    events = dark_targets(tracks, associate(tracks, NO_AIS, PARAMS), NO_AIS, GEOGRAPHY, PARAMS)
    assert events.schema == pl.Schema(EVENT_SCHEMA)
    assert events.height == 1
    event = events.row(0, named=True)
    assert event["subject"] == {"kind": "radar_track", "id": tracks["track_id"][0]}
    assert event["mmsi"] is None
    assert event["related"] == []
    evidence = json.loads(event["evidence"])
    assert evidence["night"] is True
    assert evidence["contacts"] == boat.height
    assert evidence["coast_bearing_deg"] == 90.0
    # 25 kn for 20 min from 23 nm out: the coast lies about 14.5 nm ahead, 35 minutes away
    assert evidence["minutes_to_landfall"] == pytest.approx(35, abs=2)


def test_a_ship_whose_ais_falls_silent_under_radar_is_dark_and_named() -> None:
    radar = contacts(14.5, -61.5, 90.0, 12.0, minutes=70)
    heard = ais(227000003, 14.5, -61.5, 90.0, 12.0, minutes=30)
    tracks = build_tracks(radar, PARAMS)
    found = associate(tracks, heard, PARAMS)
    assert found["mmsi"].to_list() == [227000003]
    events = dark_targets(tracks, found, heard, GEOGRAPHY, PARAMS)
    assert events.height == 1
    event = events.row(0, named=True)
    assert event["mmsi"] == 227000003
    assert event["related"] == [{"kind": "vessel", "id": "227000003"}]
    assert json.loads(event["evidence"])["ais_silenced"] is True


def test_a_ship_heard_throughout_is_no_dark_target() -> None:
    radar = contacts(14.5, -61.5, 90.0, 12.0, minutes=70)
    heard = ais(227000004, 14.5, -61.5, 90.0, 12.0, minutes=70)
    tracks = build_tracks(radar, PARAMS)
    events = dark_targets(tracks, associate(tracks, heard, PARAMS), heard, GEOGRAPHY, PARAMS)
    assert events.is_empty()


def test_a_fast_night_run_to_a_beach_outranks_a_slow_boat_near_its_harbour() -> None:
    run = contacts(14.5, -61.3, 90.0, 30.0, minutes=20, start=NIGHT)
    # a fishing boat coming home at 4 kn by day, 0.8 nm off its harbour at the end
    fishing = contacts(14.7, -61.06, 90.0, 4.0, minutes=40, sensor="S2")
    tracks = build_tracks(pl.concat([run, fishing]), PARAMS)
    events = dark_targets(tracks, associate(tracks, NO_AIS, PARAMS), NO_AIS, GEOGRAPHY, PARAMS)
    by_sensor = {
        json.loads(e)["sensor_id"]: s
        for e, s in zip(events["evidence"], events["score"], strict=True)
    }
    assert by_sensor["S1"] > by_sensor["S2"] + 0.3


def _two_coasts(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Home land east of `COAST_LON`, a foreign island west of -61.8."""
    lons = np.asarray(lon, np.float64)
    return np.asarray((lons >= COAST_LON) | (lons <= -61.8), np.bool_)


def _country(lat: np.ndarray, lon: np.ndarray) -> list[str | None]:
    return ["LCA" if x <= -61.5 else "MTQ" for x in np.asarray(lon, np.float64).ravel()]


def test_a_run_from_a_foreign_coast_scores_its_origin() -> None:
    run = contacts(14.5, -61.6, 90.0, 20.0, minutes=20)
    tracks = build_tracks(run, PARAMS)
    pairs = associate(tracks, NO_AIS, PARAMS)
    scores = {}
    for home in ({"MTQ"}, {"MTQ", "LCA"}):
        geography = RadarGeography(_two_coasts, coast_country=_country, home=frozenset(home))
        events = dark_targets(tracks, pairs, NO_AIS, geography, PARAMS)
        evidence = json.loads(events["evidence"][0])
        assert evidence["origin_country"] == "LCA"
        assert evidence["foreign_origin"] is (home == {"MTQ"})
        scores[len(home)] = events["score"][0]
    assert scores[1] == pytest.approx(scores[2] + 0.1)


def test_a_run_from_the_open_sea_has_no_foreign_origin() -> None:
    run = contacts(14.5, -61.6, 90.0, 20.0, minutes=20)
    tracks = build_tracks(run, PARAMS)
    geography = RadarGeography(land_east, coast_country=_country, home=frozenset({"MTQ"}))
    events = dark_targets(tracks, associate(tracks, NO_AIS, PARAMS), NO_AIS, geography, PARAMS)
    evidence = json.loads(events["evidence"][0])
    assert evidence["origin_country"] is None
    assert evidence["foreign_origin"] is False


def test_a_boat_seen_on_a_few_revisits_of_a_busy_sensor_is_still_tracked() -> None:
    # the sensor reports a ship every minute; the low boat is seen every fifth minute only
    ship = contacts(14.6, -61.6, 0.0, 10.0, minutes=60, every_s=60.0)
    low = contacts(14.3, -61.4, 0.0, 7.0, minutes=60, every_s=300.0)
    tracks = build_tracks(pl.concat([ship, low]), PARAMS)
    boat = tracks.filter(pl.col("lat") < 14.5)
    assert boat["track_id"].n_unique() == 1
    assert boat.height == low.height
    strict = replace(PARAMS, confirm_scans=4)  # 3 contacts within 4 revisits of 2 min: never
    assert build_tracks(pl.concat([ship, low]), strict).filter(pl.col("lat") < 14.5).is_empty()


def test_a_fast_boat_passing_a_drifting_ship_is_not_explained_by_her_ais() -> None:
    ship_ais = ais(227000003, 14.5, -61.405, 0.0, 0.0, start=NIGHT, minutes=10)
    boat = contacts(14.5, -61.43, 90.0, 18.0, minutes=10, start=NIGHT)
    tracks = boat.with_columns(pl.lit("S1-2").alias("track_id"))
    assert match_contacts(tracks, ship_ais, PARAMS).is_empty()
    blind = replace(PARAMS, match_speed_knots=100.0)
    assert match_contacts(tracks, ship_ais, blind).height >= 2
    events = dark_targets(tracks, associate(tracks, ship_ais, PARAMS), ship_ais, GEOGRAPHY, PARAMS)
    assert events.height == 1
    hidden = dark_targets(tracks, associate(tracks, ship_ais, blind), ship_ais, GEOGRAPHY, blind)
    assert json.loads(hidden["evidence"][0])["contacts"] < boat.height
