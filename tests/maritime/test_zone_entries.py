"""Zone entries: visits found to the position, dwell and vessel filters, and the hard cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from balise.geo.zones import Zone, zone_from_feature
from balise.maritime.zones import ZoneParams, detect_zone_entries
from balise.model.events import EVENT_SCHEMA
from balise.model.schema import POSITION_SCHEMA, conform
from helpers import T0, evidence, track

FR, VE = 227000001, 775000001
"""A French- and a Venezuelan-flagged MMSI (MIDs 227 and 775)."""


def square(
    rules: list[dict[str, Any]] | None = None,
    zone_id: str = "box",
    west: float = -29.9,
    east: float = -29.7,
    south: float = 9.9,
    north: float = 10.1,
) -> Zone:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    properties: dict[str, Any] = {"name": "Box", "kind": "watch"}
    if rules is not None:
        properties["rules"] = rules
    return zone_from_feature(
        {
            "type": "Feature",
            "id": zone_id,
            "properties": properties,
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }
    )


def crossing(mmsi: int = FR, start: datetime = T0, **columns: Any) -> pl.DataFrame:
    """Eastbound at 10 kn along 10° N from 30° W, a position every 2 min: inside the square from
    minute 36 (lon -29.8985) to minute 106 (lon -29.7010), outside at minutes 34 and 108."""
    return track(mmsi, 3, lat=10.0, lon=-30.0, knots=10, start=start, every_s=120, **columns)


def test_a_track_crossing_a_square_is_one_visit_exact_to_the_position() -> None:
    events = detect_zone_entries(crossing(), [square([{"trigger": "entry", "score": 0.4}])])
    assert events.schema == pl.Schema(EVENT_SCHEMA)
    assert events.height == 1
    event = events.row(0, named=True)
    assert event["start"] == T0 + timedelta(minutes=36)
    assert event["end"] == T0 + timedelta(minutes=106)
    assert (event["type"], event["mmsi"], event["score"], event["confidence"]) == (
        "zone_entry", FR, 0.4, 0.9,
    )  # fmt: skip
    assert event["lon"] == pytest.approx(-29.8985, abs=1e-4)
    found = evidence(events)
    assert found["zone"] == {"id": "box", "name": "Box", "kind": "watch"}
    assert found["rule"]["trigger"] == "entry"
    assert found["positions"] == 36
    assert found["duration_h"] == pytest.approx(70 / 60, abs=1e-3)
    assert found["before"] == (T0 + timedelta(minutes=34)).isoformat()
    assert found["after"] == (T0 + timedelta(minutes=108)).isoformat()
    assert found["exit"]["lon"] == pytest.approx(-29.7010, abs=1e-4)
    assert found["mean_speed_knots"] == pytest.approx(10.0, abs=0.05)
    assert (found["entered_before_data"], found["open"]) == (False, False)


def test_a_dwell_rule_fires_for_a_long_visit_only() -> None:
    def dwell(minutes: float) -> pl.DataFrame:
        rules = [{"trigger": "dwell", "min_dwell_minutes": minutes}]
        return detect_zone_entries(crossing(), [square(rules)])

    assert dwell(90).is_empty()
    assert dwell(70).height == 1
    assert evidence(dwell(60))["rule"]["min_dwell_minutes"] == 60


def test_entry_and_dwell_on_one_visit_give_one_event_scored_by_the_best_rule() -> None:
    rules = [
        {"trigger": "entry", "score": 0.2},
        {"trigger": "dwell", "min_dwell_minutes": 60, "score": 0.7},
        {"trigger": "dwell", "min_dwell_minutes": 600, "score": 0.9},
    ]
    events = detect_zone_entries(crossing(), [square(rules)])
    assert events.height == 1
    assert events["score"][0] == 0.7
    assert evidence(events)["rules_fired"] == [0, 1]


@pytest.mark.parametrize(
    ("rule", "fired"),
    [
        ({"flags": ["VE"]}, {VE}),
        ({"flags": [227]}, {FR}),
        ({"exclude_flags": ["FR"]}, {VE}),
        ({"ship_types": [[36, 37]]}, {FR}),
        ({"ship_types": [70, 30]}, {VE}),
        ({"ship_types": [[80, 89]]}, set()),
        ({"max_speed_knots": 5.0}, set()),
        ({"max_speed_knots": 12.0}, {FR, VE}),
    ],
)
def test_vessel_filters_pick_the_vessels(rule: dict[str, Any], fired: set[int]) -> None:
    positions = pl.concat([crossing(FR), crossing(VE)])
    info = pl.DataFrame({"mmsi": [FR, VE, VE], "ship_type": [37, 30, 70]})
    info = info.with_columns(timestamp=pl.Series([T0, T0, T0 + timedelta(days=1)]))
    zone = square([{"trigger": "entry", **rule}])
    events = detect_zone_entries(positions, [zone], vessel_info=info)
    assert set(events["mmsi"].to_list()) == fired


def test_a_ship_type_rule_never_fires_for_an_unknown_type() -> None:
    zone = square([{"trigger": "entry", "ship_types": [[0, 255]]}])
    assert detect_zone_entries(crossing(), [zone]).is_empty()


def test_a_slow_vessel_matches_a_speed_limit_from_its_reported_speed() -> None:
    slow = crossing(sog_knots=2.0)
    events = detect_zone_entries(slow, [square([{"trigger": "entry", "max_speed_knots": 3}])])
    assert evidence(events)["max_speed_knots"] == 2.0


def test_a_visit_across_the_antimeridian_is_one_visit() -> None:
    ring = [[179.0, -18.0], [181.0, -18.0], [181.0, -16.0], [179.0, -16.0], [179.0, -18.0]]
    zone = zone_from_feature(
        {"type": "Feature", "id": "fiji", "properties": {},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}
    )  # fmt: skip
    # 20 kn east along 17° S from 178.5° E: enters at minute 90, last inside at minute 430.
    positions = track(FR, 12, lat=-17.0, lon=178.5, knots=20, every_s=300)
    assert (positions["lon"] < -179.0).any()
    events = detect_zone_entries(positions, [zone])
    assert events.height == 1
    assert events["start"][0] == T0 + timedelta(minutes=90)
    assert events["end"][0] == T0 + timedelta(minutes=430)
    assert evidence(events)["exit"]["lon"] < -179.0


def test_a_visit_across_utc_midnight_is_one_visit() -> None:
    late = datetime(2024, 3, 1, 23, 0, tzinfo=UTC)
    events = detect_zone_entries(crossing(start=late), [square()])
    assert events.height == 1
    assert events["start"][0] == late + timedelta(minutes=36)
    assert events["end"][0] == datetime(2024, 3, 2, 0, 46, tzinfo=UTC)


def test_out_of_order_rows_give_the_same_events() -> None:
    positions = pl.concat([crossing(FR), crossing(VE, start=T0 + timedelta(hours=1))])
    zones = [square(), square(zone_id="other", west=-29.8, east=-29.6)]
    ordered = detect_zone_entries(positions, zones)
    shuffled = detect_zone_entries(positions.sample(fraction=1.0, shuffle=True, seed=7), zones)
    assert ordered.height == 4
    assert ordered.equals(shuffled)
    assert ordered["id"].n_unique() == 4


def test_a_vessel_inside_at_its_first_and_last_position_is_flagged() -> None:
    inside = crossing()[20:50]
    events = detect_zone_entries(inside, [square()])
    found = evidence(events)
    assert (found["entered_before_data"], found["open"]) == (True, True)
    assert (found["before"], found["after"]) == (None, None)
    assert events["start"][0] == inside["timestamp"][0]
    assert events["end"][0] == inside["timestamp"][-1]


def test_late_data_revises_the_same_event() -> None:
    early = detect_zone_entries(crossing()[:40], [square()])
    full = detect_zone_entries(crossing(), [square()])
    assert evidence(early)["open"] is True
    assert early["id"].to_list() == full["id"].to_list()
    assert early["end"][0] < full["end"][0]


def test_a_long_silence_inside_splits_the_visit() -> None:
    track_ = crossing()
    silent = pl.concat(
        [track_[:30], track_[30:].with_columns(pl.col("timestamp") + timedelta(hours=7))]
    )
    split = detect_zone_entries(silent, [square()])
    assert split.height == 2
    first, second = evidence(split, 0), evidence(split, 1)
    assert (first["split_after"], second["split_before"]) == (True, True)
    assert (first["split_before"], second["split_after"]) == (False, False)
    kept = detect_zone_entries(silent, [square()], params=ZoneParams(max_gap_hours=None))
    assert kept.height == 1
    assert evidence(kept)["duration_h"] == pytest.approx(7 + 70 / 60, abs=1e-3)


def test_a_single_position_inside_is_a_low_confidence_visit() -> None:
    far = track(FR, 1, lat=11.0, every_s=600)
    one = conform(
        pl.DataFrame({"mmsi": [FR], "timestamp": [T0 + timedelta(hours=2)],
                      "lat": [10.0], "lon": [-29.8]}),
        POSITION_SCHEMA,
    )  # fmt: skip
    events = detect_zone_entries(pl.concat([far, one]), [square()])
    assert events["confidence"].to_list() == [0.5]


def test_nothing_in_nothing_out() -> None:
    assert detect_zone_entries(crossing()[:0], [square()]).is_empty()
    assert detect_zone_entries(crossing(), []).is_empty()
    assert detect_zone_entries(track(FR, 1, lat=40.0), [square()]).is_empty()


def test_segments_of_a_shared_mmsi_are_separate_tracks() -> None:
    """Two hulls under one MMSI, one in the zone and one far away, reporting in turn: by MMSI the
    track leaves and re-enters at every report; by segment it is one visit."""
    inside = crossing()[20:40].with_columns(segment_id=pl.lit("a"))
    away = track(FR, 1, lat=12.0, every_s=120, start=T0 + timedelta(minutes=40, seconds=60))
    away = away[:20].with_columns(segment_id=pl.lit("b"))
    both = pl.concat([inside, away])
    assert detect_zone_entries(both.drop("segment_id"), [square()]).height == 20
    by_segment = detect_zone_entries(both, [square()])
    assert by_segment.height == 1
    assert evidence(by_segment)["track"] == "a"
