"""Draught across a gap, read from the voyage data on both sides."""

from __future__ import annotations

import json
from datetime import timedelta

import polars as pl

from balise.maritime.draught import with_draught_change
from balise.model.events import EVENT_SCHEMA
from balise.model.schema import IDENTITY_SCHEMA, conform
from helpers import T0


def _gap(mmsi: int, start_h: float, end_h: float) -> dict[str, object]:
    return {"id": f"g{mmsi}", "type": "ais_gap", "start": T0 + timedelta(hours=start_h),
            "end": T0 + timedelta(hours=end_h), "lat": 0.0, "lon": 0.0, "mmsi": mmsi,
            "other_mmsi": None, "confidence": 0.8, "score": None, "params": "{}",
            "evidence": '{"duration_h": 30}', "status": "active"}  # fmt: skip


def _reports(*rows: tuple[int, float, float]) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "mmsi": [r[0] for r in rows],
            "timestamp": [T0 + timedelta(hours=r[1]) for r in rows],
            "draught_m": [r[2] for r in rows],
        }
    )
    return conform(frame, IDENTITY_SCHEMA)


def test_laden_ship_comes_back_deeper() -> None:
    gaps = pl.DataFrame([_gap(1, 10, 40), _gap(2, 10, 40), _gap(3, 10, 40)], schema=EVENT_SCHEMA)
    reports = _reports(
        (1, 0, 9.0), (1, 41, 12.5),  # loaded in the dark
        (2, 0, 9.0),  # no new voyage data: same draught
        (3, 12, 7.0), (3, 90, 7.5),  # first report after the gap comes too late to count
    )  # fmt: skip
    evidence = [json.loads(e) for e in with_draught_change(gaps, reports)["evidence"]]
    assert evidence[0]["draught_change_m"] == 3.5
    assert evidence[0]["draught_changed"] is True
    assert evidence[0]["duration_h"] == 30
    assert (evidence[1]["draught_change_m"], evidence[1]["draught_changed"]) == (0.0, False)
    assert "draught_before_m" not in evidence[2]  # nothing reported before it went dark


def test_no_draught_reported_leaves_gaps_alone() -> None:
    gaps = pl.DataFrame([_gap(1, 10, 40)], schema=EVENT_SCHEMA)
    assert with_draught_change(gaps, _reports()).equals(gaps)
