"""`run_detectors` on hand-built tracks: what the engine adds around the detectors."""

from __future__ import annotations

import numpy as np
import polars as pl

from balise.engine.detect import DETECTED_TYPES, Geography, run_detectors
from balise.model.events import EVENT_SCHEMA
from balise.model.schema import IDENTITY_SCHEMA
from helpers import track


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
