"""Which events alert, how severe, and what the trigger fingerprint keys on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from balise.alerts.rules import AlertRules, evaluate, fingerprint
from balise.model.events import EVENT_SCHEMA, event_id, to_json

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def event(
    kind: str,
    mmsi: int,
    *,
    confidence: float | None = 0.6,
    score: float | None = None,
    other: int | None = None,
    hours: float = 14,
    **evidence: Any,
) -> dict[str, Any]:
    return {
        "id": event_id(kind, mmsi, T0.isoformat(), other), "type": kind, "start": T0,
        "end": T0 + timedelta(hours=hours), "lat": 10.0, "lon": -30.0, "mmsi": mmsi,
        "other_mmsi": other, "confidence": confidence, "score": score, "params": "{}",
        "evidence": to_json(evidence), "status": "active",
    }  # fmt: skip


def judged(rows: list[dict[str, Any]], risk: pl.DataFrame | None = None) -> dict[str, Any]:
    frame = evaluate(pl.DataFrame(rows, schema=EVENT_SCHEMA), risk, frozenset({"ECGYE"}))
    return {r["id"]: r for r in frame.to_dicts()}


def test_each_type_has_its_rule() -> None:
    rows = [
        event("ais_gap", 1, confidence=0.8, likely_intentional=True),
        event("ais_gap", 2, confidence=0.3, likely_intentional=False),
        event("port_visit", 3, confidence=1.0, score=0.0, locode="ecgye"),
        event("port_visit", 4, confidence=1.0, score=0.0, locode="FRLEH"),
        event("zone_entry", 5, confidence=0.9, score=0.5, zone_id="watch"),
        event("zone_entry", 6, confidence=0.9, score=0.0, zone_id="record-only"),
        event("loitering", 7, confidence=0.4),
        event("loitering", 8, confidence=0.2),
        event("identity_change", 9, confidence=0.9, score=0.25),
    ]
    alertable = {r["mmsi"]: judged(rows)[r["id"]]["alertable"] for r in rows}
    assert alertable == {1: True, 2: False, 3: True, 4: False, 5: True, 6: False, 7: True,
                         8: False, 9: False}  # fmt: skip


def test_high_risk_vessel_alerts_on_weak_events_of_either_vessel() -> None:
    weak = event("loitering", 8, confidence=0.2)
    meeting = event("encounter", 10, confidence=0.2, other=8)
    naive = event("ais_gap", 8, confidence=0.3, likely_intentional=False)
    risk = pl.DataFrame({"mmsi": [8], "score": [80.0], "band": ["high"]})
    found = judged([weak, meeting, naive], risk)
    assert found[weak["id"]]["alertable"]
    assert found[meeting["id"]]["alertable"]
    assert not found[naive["id"]]["alertable"]  # a reception hole stays context
    # severity = 1 - (1 - 0.2)(1 - 0.8) = 0.84: "high", just under "critical"
    assert found[weak["id"]]["severity"] == 0.84
    assert found[weak["id"]]["severity_label"] == "high"


def test_severity_labels_and_missing_strength() -> None:
    rules = AlertRules()
    assert [rules.label(s) for s in (0.1, 0.4, 0.6, 0.85)] == ["low", "medium", "high", "critical"]
    bare = event("dark_target", 1, confidence=None)
    assert judged([bare])[bare["id"]]["strength"] == rules.missing_strength


def test_fingerprint_follows_content_not_params() -> None:
    base = event("encounter", 1, confidence=0.7, other=2, minutes=150)
    same = base | {"params": to_json({"max_distance_km": 0.5})}
    grown = base | {"end": base["end"] + timedelta(hours=1),
                    "evidence": to_json({"minutes": 210})}  # fmt: skip
    assert fingerprint(same) == fingerprint(base)
    assert fingerprint(grown) != fingerprint(base)


def test_an_open_event_is_one_occurrence_until_it_closes() -> None:
    open_gap = event("ais_gap", 1, confidence=0.8, open=True, duration_h=13.0)
    later = open_gap | {"end": open_gap["end"] + timedelta(hours=6),
                        "evidence": to_json({"open": True, "duration_h": 19.0})}  # fmt: skip
    closed = later | {"evidence": to_json({"open": False, "duration_h": 19.0})}
    assert fingerprint(later) == fingerprint(open_gap)
    assert fingerprint(closed) != fingerprint(open_gap)
