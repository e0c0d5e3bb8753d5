"""`run_detectors` on hand-built tracks: what the engine adds around the detectors."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl
from polars.testing import assert_frame_equal

from balise.engine.detect import DETECTED_TYPES, Geography, fingerprint, run_detectors
from balise.maritime.encounter_filters import EncounterFilterParams
from balise.maritime.loitering import LoiteringFilterParams
from balise.maritime.params import DetectorParams, detector_params, detector_settings
from balise.model.events import EVENT_SCHEMA
from balise.model.schema import IDENTITY_SCHEMA
from helpers import evidence, track


def _pair() -> pl.DataFrame:
    """Two ships drifting side by side 200 m apart for 4 hours."""
    return pl.concat([
        track(227000001, 4, lat=10.0, lon=-30.0, knots=0.5, sog_knots=0.5),
        track(227000002, 4, lat=10.0018, lon=-30.0, knots=0.5, sog_knots=0.5),
    ])  # fmt: skip


def _geo(shore_nm: float) -> Geography:
    return Geography(
        shore_nm=lambda lat, lon: np.full(np.shape(lat), shore_nm),
        anchorage_km=lambda lat, lon: np.full(np.shape(lat), 100.0),
    )


def _identities() -> pl.DataFrame:
    return pl.DataFrame(schema=IDENTITY_SCHEMA)


def test_encounter_at_sea_is_found_and_in_a_basin_is_not() -> None:
    at_sea = run_detectors(_pair(), _identities(), "gfw", _geo(30.0))
    assert at_sea.schema == pl.Schema(EVENT_SCHEMA)
    assert at_sea.filter(pl.col("type") == "encounter").height == 1
    in_basin = run_detectors(_pair(), _identities(), "gfw", _geo(0.1))
    assert in_basin.filter(pl.col("type") == "encounter").is_empty()


def test_without_geography_the_geography_detectors_do_not_run() -> None:
    events = run_detectors(_pair(), _identities(), "gfw", Geography())
    assert events.filter(pl.col("type") == "coastal_drop").is_empty()
    assert set(events["type"].to_list()) <= set(DETECTED_TYPES)


def test_ships_at_anchor_together_near_a_port_are_not_an_encounter() -> None:
    anchored = _pair().with_columns(pl.lit(1, pl.Int8).alias("nav_status"))
    near_port = Geography(
        shore_nm=lambda lat, lon: np.full(np.shape(lat), 10.0),
        anchorage_km=lambda lat, lon: np.full(np.shape(lat), 20.0),
    )
    assert (
        run_detectors(anchored, _identities(), "gfw", near_port)
        .filter(pl.col("type") == "encounter")
        .is_empty()
    )
    # far from any port the declared status is not trusted: still an encounter
    far_out = Geography(
        shore_nm=lambda lat, lon: np.full(np.shape(lat), 100.0),
        anchorage_km=lambda lat, lon: np.full(np.shape(lat), 300.0),
    )
    found = run_detectors(anchored, _identities(), "gfw", far_out)
    assert found.filter(pl.col("type") == "encounter").height == 1


def test_encounter_filter_thresholds_are_parameters() -> None:
    """The filters' thresholds come from `DetectorParams.encounter_filter`: a basin at 0.1 nm
    is kept below a 0.05-nm limit, and anchored neighbours 20 km from a port are kept when the
    waiting area is 10 km."""
    basin = run_detectors(
        _pair(), _identities(), "gfw", _geo(0.1),
        params=DetectorParams(encounter_filter=EncounterFilterParams(min_shore_nm=0.05)),
    )  # fmt: skip
    assert basin.filter(pl.col("type") == "encounter").height == 1
    anchored = _pair().with_columns(pl.lit(1, pl.Int8).alias("nav_status"))
    near_port = Geography(
        shore_nm=lambda lat, lon: np.full(np.shape(lat), 10.0),
        anchorage_km=lambda lat, lon: np.full(np.shape(lat), 20.0),
    )
    small_area = DetectorParams(encounter_filter=EncounterFilterParams(anchorage_area_km=10.0))
    kept = run_detectors(anchored, _identities(), "gfw", near_port, params=small_area)
    assert kept.filter(pl.col("type") == "encounter").height == 1
    always = DetectorParams(encounter_filter=EncounterFilterParams(anchored_share=1.0))
    kept = run_detectors(anchored, _identities(), "gfw", near_port, params=always)
    assert kept.filter(pl.col("type") == "encounter").height == 1


def test_fishing_filter_threshold_is_a_parameter() -> None:
    """A slow stretch at sea reported as fishing is not loitering, unless the share of fishing
    reports allowed (`loitering_filter.fishing_share`) is raised to all of them."""
    fishing = track(227000003, 6, lat=10.0, lon=-30.0, knots=0.5, nav_status=7)
    default = run_detectors(fishing, _identities(), "gfw", _geo(30.0))
    assert default.filter(pl.col("type") == "loitering").is_empty()
    allowed = DetectorParams(loitering_filter=LoiteringFilterParams(fishing_share=1.0))
    kept = run_detectors(fishing, _identities(), "gfw", _geo(30.0), params=allowed)
    assert kept.filter(pl.col("type") == "loitering").height == 1


def test_filter_thresholds_are_settings_and_in_the_fingerprint() -> None:
    names = {s["name"]: s for s in detector_settings()}
    assert names["detect.encounter_filter.min_shore_nm"]["default"] == 0.5
    assert names["detect.encounter_filter.anchorage_area_km"]["unit"] == "km"
    assert names["detect.encounter_filter.anchored_share"]["default"] == 0.5
    assert names["detect.loitering_filter.fishing_share"]["unit"] == "fraction"
    params = detector_params({"detect.encounter_filter.min_shore_nm": 2.0})
    assert params.encounter_filter.min_shore_nm == 2.0
    assert fingerprint("gfw", params) != fingerprint("gfw")


def _port(label: str) -> Geography:
    """A geography with one port, `label`, at (49.48, 0.10), 30 nm from the shore."""
    points = pl.DataFrame(
        {"lat": [49.48], "lon": [0.10], "label": [label], "sublabel": [None], "iso3": ["FRA"]},
        schema_overrides={"sublabel": pl.String},
    )
    return Geography(
        shore_nm=lambda lat, lon: np.full(np.shape(lat), 30.0),
        anchorage_km=lambda lat, lon: np.full(np.shape(lat), 100.0),
        anchorages=points,
    )


def _moored() -> pl.DataFrame:
    """In from 20 km south at 10 kn, moored 20 hours at the port of `_port`."""
    inbound = track(227000001, 1.08, 49.30, 0.10, 10.0, 0.0, sog_knots=10.0)
    arrived = inbound["timestamp"][-1] + timedelta(seconds=120)
    moored = track(227000001, 20, 49.48, 0.10, 0.0, 0.0, arrived, sog_knots=0.0)
    return pl.concat([inbound, moored])


def test_a_second_call_gives_the_same_events_and_another_geography_its_own() -> None:
    havre, other = _port("LE HAVRE"), _port("ELSEWHERE")
    first = run_detectors(_moored(), _identities(), "gfw", havre)
    assert first.filter(pl.col("type") == "port_visit").height == 1
    assert_frame_equal(run_detectors(_moored(), _identities(), "gfw", havre), first)
    # the same points under other names: what is kept of the points between calls is not
    elsewhere = run_detectors(_moored(), _identities(), "gfw", other)
    visit = elsewhere.filter(pl.col("type") == "port_visit")
    assert evidence(visit)["port"] == "ELSEWHERE"
    assert_frame_equal(run_detectors(_moored(), _identities(), "gfw", havre), first)
