"""The detector kernel: one event builder, and params/evidence texts that decode back."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl

from balise.maritime.gaps import GapParams
from balise.maritime.kernel import (
    VESSEL_ORDER,
    build_events,
    haversine_km_expr,
    haversine_km_of_radians,
    params_json,
)
from balise.model.events import EVENT_SCHEMA, decode_event_json, to_json

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _rows() -> list[dict[str, object]]:
    return [
        {"start": T0, "end": T0, "lat": 1.0, "lon": 2.0, "mmsi": 227000002, "confidence": 0.5,
         "params": params_json(GapParams()), "evidence": to_json({"b": 1, "a": [1, None]})},
        {"start": T0, "end": T0, "lat": 1.0, "lon": 2.0, "mmsi": 227000001, "confidence": 0.5,
         "params": params_json(GapParams()), "evidence": to_json({"nested": {"x": "y"}})},
    ]  # fmt: skip


def test_params_and_evidence_round_trip_through_the_event_frame() -> None:
    events = build_events("ais_gap", _rows(), ("mmsi", "start"))
    assert events.schema == pl.Schema(EVENT_SCHEMA)
    decoded = [decode_event_json(row) for row in events.iter_rows(named=True)]
    assert [d["mmsi"] for d in decoded] == [227000001, 227000002]  # sorted by start, mmsi
    assert decoded[0]["evidence"] == {"nested": {"x": "y"}}
    assert decoded[1]["evidence"] == {"a": [1, None], "b": 1}
    assert decoded[0]["params"]["min_gap_hours"] == GapParams().min_gap_hours
    assert to_json(decoded[1]["evidence"]) == events["evidence"][1]  # the same canonical text
    assert decode_event_json(decoded[0]) == decoded[0]  # decoding twice changes nothing


def test_null_texts_decode_to_empty_objects() -> None:
    assert decode_event_json({"id": "x", "params": None, "evidence": ""}) == {
        "id": "x",
        "params": {},
        "evidence": {},
    }


def test_ids_are_stable_whatever_the_input_form() -> None:
    rows = _rows()
    from_dicts = build_events("ais_gap", rows, ("mmsi", "start"), order=VESSEL_ORDER)
    frame = pl.DataFrame(rows).with_columns(pl.col("start", "end").cast(EVENT_SCHEMA["start"]))
    from_frame = build_events("ais_gap", frame, ("mmsi", "start"), order=VESSEL_ORDER)
    assert from_dicts["id"].to_list() == from_frame["id"].to_list()
    assert from_dicts["status"].unique().to_list() == ["active"]
    assert build_events("ais_gap", [], ("mmsi", "start")).is_empty()


def _positions(vessels: int = 3, points: int = 50) -> pl.DataFrame:
    from datetime import timedelta

    rows = [
        {"mmsi": 227000000 + v, "timestamp": T0 + timedelta(minutes=k),
         "lat": 10.0 + v + k / 1000, "lon": -30.0 + k / 1000}
        for v in range(vessels) for k in range(points)
    ]  # fmt: skip
    return pl.DataFrame(rows).sample(fraction=1.0, shuffle=True, seed=3)


def test_sorted_tracks_are_shared_while_their_frame_lives_and_unchanged() -> None:
    from balise.maritime.kernel import _sorted_tracks, sorted_tracks

    positions = _positions()
    first = sorted_tracks(positions)
    assert first.equals(_sorted_tracks(positions))
    assert sorted_tracks(positions) is first  # the same frame: the same answer
    assert sorted_tracks(positions.clone()) is not first  # another frame: its own
    grown = positions.clone()
    grown.extend(_positions(vessels=1).with_columns(pl.col("mmsi") + 9))
    again = sorted_tracks(grown)
    grown.extend(_positions(vessels=1).with_columns(pl.col("mmsi") + 10))  # changed in place
    assert sorted_tracks(grown) is not again
    assert sorted_tracks(grown).equals(_sorted_tracks(grown))


def test_sorted_tracks_asked_side_by_side_are_ordered_once() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from balise.maritime.kernel import _sorted_tracks, sorted_tracks

    positions = _positions(vessels=20, points=200)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: sorted_tracks(positions), range(8)))
    assert all(a is answers[0] for a in answers)
    assert answers[0].equals(_sorted_tracks(positions))


def test_haversine_of_radians_is_the_expression_to_the_bit() -> None:
    rng = np.random.default_rng(7)
    points = pl.DataFrame(
        {
            "lat": rng.uniform(-89.0, 89.0, 10_000),
            "lon": rng.uniform(-180.0, 180.0, 10_000),
            "lat1": rng.uniform(-89.0, 89.0, 10_000),
            "lon1": rng.uniform(-180.0, 180.0, 10_000),
        }
    )
    expected = points.select(
        haversine_km_expr(pl.col("lat"), pl.col("lon"), pl.col("lat1"), pl.col("lon1"))
    )
    phi, phi1 = pl.col("lat").radians(), pl.col("lat1").radians()
    got = points.select(
        haversine_km_of_radians(phi, phi.cos(), pl.col("lon"), phi1, phi1.cos(), pl.col("lon1"))
    )
    assert np.array_equal(got.to_series().to_numpy(), expected.to_series().to_numpy())
