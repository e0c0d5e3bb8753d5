"""Tests of the identity detectors: shared MMSI, position jumps and identity changes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from balise.maritime.identity import (
    IdentityParams,
    detect_identity_changes,
    detect_position_jumps,
    detect_shared_mmsi,
)
from balise.maritime.segment import segment
from balise.model.events import EVENT_SCHEMA
from balise.model.schema import IDENTITY_SCHEMA, UTC_TIME, conform

FIXTURES = Path(__file__).parent.parent / "data" / "gfw-segmenter-tracks"
START = datetime(2024, 3, 1, 12, tzinfo=UTC)


def track(mmsi: int, points: list[tuple[float, float]], step_minutes: float = 10.0) -> pl.DataFrame:
    """Positions of `mmsi` at `points` (lat, lon), one every `step_minutes` from START."""
    return pl.DataFrame(
        {
            "mmsi": [mmsi] * len(points),
            "timestamp": [START + timedelta(minutes=step_minutes * i) for i in range(len(points))],
            "lat": [p[0] for p in points],
            "lon": [p[1] for p in points],
        },
        schema={"mmsi": pl.Int32, "timestamp": UTC_TIME, "lat": pl.Float64, "lon": pl.Float64},
    )


def line(lat: float, lon: float, n: int, dlon: float = 0.02) -> list[tuple[float, float]]:
    """`n` points heading east from (lat, lon), `dlon` degrees apart."""
    return [(lat, lon + dlon * i) for i in range(n)]


def evidence(events: pl.DataFrame, row: int = 0) -> dict[str, Any]:
    """The evidence of event `row`, parsed."""
    parsed: dict[str, Any] = json.loads(events["evidence"][row])
    return parsed


def alternating() -> pl.DataFrame:
    """Two hulls ~500 nm apart answering to one MMSI, reports alternating every 5 minutes."""
    north, south = line(45.0, -10.0, 20), line(36.7, -10.0, 20)
    return track(416000000, [p for pair in zip(north, south, strict=True) for p in pair], 5)


def excursion() -> pl.DataFrame:
    """A track every 30 min whose reports jump ~150 nm north for 3 h, then come back."""
    points = line(10.0, -60.0, 40)
    for i in range(10, 16):
        points[i] = (12.5, points[i][1])
    return track(309000001, points, 30)


def test_shared_mmsi_fires_once_with_evidence() -> None:
    events = detect_shared_mmsi(segment(alternating()))
    assert events.schema == pl.Schema(EVENT_SCHEMA)
    assert events.height == 1
    found = evidence(events)
    assert found["segment_ids"] == ["416000000-1", "416000000-2"]
    assert 490 < found["max_distance_nm"] < 510
    assert found["positions_per_segment"] == {"416000000-1": 20, "416000000-2": 20}
    assert events["type"][0] == "shared_mmsi"
    assert events["status"][0] == "active"
    assert 0.5 < events["confidence"][0] <= 1.0
    assert detect_shared_mmsi(segment(alternating()))["id"].equals(events["id"])


def test_shared_mmsi_silent_on_clean_track_and_excursion() -> None:
    assert detect_shared_mmsi(segment(track(227000001, line(43.0, 5.0, 30)))).is_empty()
    assert detect_shared_mmsi(segment(excursion())).is_empty()


def test_spoof_excursion_is_a_position_jump() -> None:
    events = detect_position_jumps(segment(excursion()))
    assert events.height == 1
    found = evidence(events)
    assert found["kind"] == "excursion"
    assert found["jumped_to"]["lat"] == 12.5
    assert 140 < found["jump_distance_nm"] < 160
    assert found["implied_speed_knots"] > 250
    assert found["positions"] == 6
    assert events["end"][0] - events["start"][0] == timedelta(hours=2, minutes=30)


def test_single_outlier_is_a_position_jump() -> None:
    points = line(10.0, -60.0, 20)
    points[8] = (12.0, -60.0)
    events = detect_position_jumps(segment(track(309000001, points)))
    assert events.height == 1
    assert evidence(events)["noise"] is True


def test_one_way_jump() -> None:
    points = line(10.0, -60.0, 10) + line(14.0, -60.0, 10)
    events = detect_position_jumps(segment(track(309000001, points)))
    assert events.height == 1
    assert evidence(events)["kind"] == "jump"


def test_no_jump_for_noise_gap_or_shared_mmsi() -> None:
    jitter = [(43.0 + 0.001 * (i % 3), 5.0 + 0.02 * i) for i in range(30)]
    assert detect_position_jumps(segment(track(227000001, jitter))).is_empty()
    gap = pl.concat(
        [
            track(227000001, line(43.0, 5.0, 5)),
            track(227000001, line(44.0, 6.0, 5)).with_columns(
                pl.col("timestamp") + timedelta(hours=30)
            ),
        ]
    )
    assert segment(gap)["segment_id"].n_unique() == 2
    assert detect_position_jumps(segment(gap)).is_empty()
    assert detect_position_jumps(segment(alternating())).is_empty()


def test_jump_threshold_is_a_parameter() -> None:
    points = line(10.0, -60.0, 20)
    points[8] = (10.1, points[8][1])  # 6 nm off for one report
    segmented = segment(track(309000001, points))
    assert detect_position_jumps(segmented).is_empty()
    events = detect_position_jumps(segmented, IdentityParams(min_jump_nm=5.0))
    assert events.height == 1
    assert json.loads(events["params"][0])["min_jump_nm"] == 5.0


def identities(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Identity reports in IDENTITY_SCHEMA; `minutes` gives each report's time after START."""
    frame = pl.DataFrame(
        [{**r, "timestamp": START + timedelta(minutes=r.pop("minutes"))} for r in rows],
        infer_schema_length=None,
    )
    return conform(frame, IDENTITY_SCHEMA)


def test_identity_change_ignores_partial_reports() -> None:
    reports = identities(
        [
            {
                "mmsi": 227000001,
                "minutes": 0,
                "name": "SEA STAR",
                "call_sign": "FABC",
                "ship_type": 30,
            },
            {"mmsi": 227000001, "minutes": 1, "name": "SEA STAR@@@"},  # type 24 part A
            {"mmsi": 227000001, "minutes": 2, "call_sign": "FABC", "ship_type": 30},  # part B
            {"mmsi": 227000001, "minutes": 60, "name": "OCEAN QUEEN", "call_sign": "FXYZ"},
        ]
    )
    events = detect_identity_changes(reports)
    assert events.height == 1
    changes = {c["field"]: (c["old"], c["new"]) for c in evidence(events)["changes"]}
    assert changes == {"name": ("SEA STAR", "OCEAN QUEEN"), "call_sign": ("FABC", "FXYZ")}
    assert events["start"][0] == START + timedelta(minutes=1)  # name last seen as SEA STAR
    assert events["end"][0] == START + timedelta(minutes=60)
    assert events["other_mmsi"][0] is None


def test_same_imo_under_new_mmsi_is_a_reflag() -> None:
    reports = identities(
        [
            {"mmsi": 227000001, "minutes": 0, "imo": 9074729, "name": "SEA STAR"},
            {"mmsi": 227000001, "minutes": 100, "imo": 9074729, "name": "SEA STAR"},
            {"mmsi": 341000001, "minutes": 5000, "imo": 9074729, "name": "SEA STAR"},
        ]
    )
    events = detect_identity_changes(reports)
    assert events.height == 1
    found = evidence(events)
    assert (found["old_mmsi"], found["new_mmsi"]) == (227000001, 341000001)
    assert (found["old_flag"], found["new_flag"]) == ("FR", "KN")
    assert events["mmsi"][0] == 341000001
    assert events["other_mmsi"][0] == 227000001
    assert detect_identity_changes(reports)["id"].equals(events["id"])


def test_no_identity_event_without_change() -> None:
    reports = identities(
        [{"mmsi": 227000001, "minutes": m, "name": "SEA STAR", "imo": 9074729} for m in range(5)]
    )
    assert detect_identity_changes(reports).is_empty()
    assert detect_identity_changes(conform(pl.DataFrame(), IDENTITY_SCHEMA)).is_empty()


def test_gfw_shared_mmsi_track_fires() -> None:
    raw = pl.read_ndjson(FIXTURES / "416000000.json").with_columns(
        mmsi=pl.col("ssvid").cast(pl.Int32),
        timestamp=pl.col("timestamp").str.to_datetime(time_zone="UTC", time_unit="us"),
    )
    events = detect_shared_mmsi(segment(raw))
    assert events.height >= 1
    assert max(evidence(events, i)["max_distance_nm"] for i in range(events.height)) > 50
