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
    # a call at a high-risk port alone is context (3): the port_call rule wants more
    assert alertable == {1: True, 2: False, 3: False, 4: False, 5: True, 6: False, 7: True,
                         8: False, 9: False}  # fmt: skip


def call(mmsi: int, locode: str, day: float) -> dict[str, Any]:
    """A port visit of `mmsi` at `locode` starting `day` days after T0, lasting a day."""
    start = T0 + timedelta(days=day)
    return event("port_visit", mmsi, confidence=1.0, score=0.0, locode=locode) | {
        "id": event_id("port_visit", mmsi, start.isoformat()), "start": start,
        "end": start + timedelta(days=1),
    }  # fmt: skip


def test_a_watchlisted_vessel_arriving_alerts() -> None:
    listed, other = call(21, "FRLEH", 2), call(22, "FRLEH", 2)
    reasons = '[{"contribution":0.9,"kind":"watchlist","points":90.0,"text":"listed"}]'
    risk = pl.DataFrame({"mmsi": [21, 22], "score": [90.0, 5.0], "band": ["high", "low"],
                         "reasons": [reasons, "[]"]})  # fmt: skip
    found = judged([listed, other], risk)
    assert found[listed["id"]]["alertable"]
    assert not found[other["id"]]["alertable"]


def test_a_call_during_or_right_after_an_anomaly_alerts() -> None:
    meeting = event("encounter", 31, confidence=0.7, other=32, hours=5)  # T0 to T0 + 5 h
    soon, late = call(31, "FRLEH", 2), call(31, "FRLEH", 6)  # 43 h and 139 h after it
    partner = call(32, "ESVGO", 1)
    dark = event("ais_gap", 33, confidence=0.3, likely_intentional=False)  # not an anomaly
    after_hole = call(33, "FRLEH", 1)
    found = judged([meeting, soon, late, partner, dark, after_hole])
    assert found[soon["id"]]["alertable"]
    assert found[partner["id"]]["alertable"]  # the other vessel of the meeting too
    assert not found[late["id"]]["alertable"]
    assert not found[after_hole["id"]]["alertable"]
    shorter = AlertRules(port_after_anomaly_hours=24.0)
    frame = evaluate(pl.DataFrame([meeting, soon], schema=EVENT_SCHEMA), None, frozenset(), shorter)
    assert frame.filter(pl.col("id") == soon["id"])["alertable"].to_list() == [False]


def test_a_call_at_a_high_risk_port_off_the_vessel_pattern_alerts() -> None:
    liner = [call(41, "ECGYE", day) for day in (0, 14, 28, 42)]  # every two weeks
    new = [call(42, "FRLEH", 0), call(42, "FRLEH", 20), call(42, "ECGYE", 40)]
    short = [call(43, "FRLEH", 0), call(43, "ECGYE", 10)]  # 10 days of history: no pattern yet
    found = judged(liner + new + short)
    assert not any(found[c["id"]]["alertable"] for c in liner)
    assert [found[c["id"]]["alertable"] for c in new] == [False, False, True]
    assert not any(found[c["id"]]["alertable"] for c in short)


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
