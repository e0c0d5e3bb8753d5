"""Risk per voyage: legs between port calls, scored on their own events without decay."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import polars as pl

from balise.maritime.risk import RiskParams
from balise.maritime.voyages import score_voyages, voyages
from balise.model.events import EVENT_SCHEMA
from helpers import T0

DAY = timedelta(days=1)


def _event(kind: str, start_day: float, end_day: float, **evidence: Any) -> dict[str, Any]:
    return {
        "id": f"{kind}-{start_day}", "type": kind, "start": T0 + start_day * DAY,
        "end": T0 + end_day * DAY, "lat": 0.0, "lon": 0.0, "mmsi": 1, "other_mmsi": None,
        "confidence": 0.8, "score": None, "params": "{}", "evidence": json.dumps(evidence),
        "status": "active",
    }  # fmt: skip


def _events() -> pl.DataFrame:
    return pl.DataFrame(
        [
            _event("port_visit", 0, 1, locode="BRSSZ"),
            _event("ais_gap", 5, 6, likely_intentional=True),
            _event("port_visit", 10, 11, locode="FRLEH"),
            _event("port_visit", 20, 21, locode="ESALG"),
        ],
        schema=EVENT_SCHEMA,
    )


def test_voyages_run_between_calls_and_after_the_last() -> None:
    legs = voyages(_events())
    assert legs.select("from_locode", "to_locode").rows() == [
        (None, "BRSSZ"), ("BRSSZ", "FRLEH"), ("FRLEH", "ESALG"), ("ESALG", None),
    ]  # fmt: skip
    assert legs["departure"][1] == T0 + DAY
    assert legs["arrival"][1] == T0 + 10 * DAY


def test_a_voyage_carries_its_own_events_and_its_high_risk_departure() -> None:
    scored = score_voyages(_events(), now=T0 + 60 * DAY, high_risk_ports=frozenset({"BRSSZ"}))
    params = RiskParams()
    gap = params.event_weights["ais_gap"] * 0.8
    port = params.event_weights["port_visit"] * 0.8
    crossing = scored.row(1, named=True)
    assert (crossing["from_locode"], crossing["to_locode"]) == ("BRSSZ", "FRLEH")
    # no decay within a voyage, even two months later: gap and departure port, noisy-OR
    assert crossing["score"] == round(100 * (1 - (1 - gap) * (1 - port)), 2)
    kinds = {r["kind"] for r in json.loads(crossing["reasons"])}
    assert kinds == {"ais_gap", "port_visit"}
    coastal = scored.row(2, named=True)
    assert (coastal["score"], coastal["band"]) == (0.0, "low")
