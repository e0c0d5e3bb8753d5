"""Ground truth: one event record (docs/architecture.md) per scenario event and per port call.

Truth lines use the event record every detector emits, so a detector's output can be scored
against them field by field. `scenario` tells which staged behaviour produced the event
("traffic" for the ordinary port calls of the background fleet); `evidence` says what was staged.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class TruthEvent:
    """A staged event, in seconds after the world's start."""

    type: str
    scenario: str
    start_s: float
    end_s: float
    lat: float
    lon: float
    mmsi: int | None
    other_mmsi: int | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


def _iso(start: datetime, seconds: float) -> str:
    return (
        (start + timedelta(seconds=round(seconds))).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )


def _vessel(mmsi: int | None) -> dict[str, str] | None:
    return None if mmsi is None else {"kind": "vessel", "id": str(mmsi)}


def truth_record(event: TruthEvent, start: datetime, seed: int) -> dict[str, Any]:
    """The event record of a truth event; the id is stable for the same seed and event."""
    record: dict[str, Any] = {
        "type": event.type,
        "start": _iso(start, event.start_s),
        "end": _iso(start, event.end_s),
        "lat": round(event.lat, 5),
        "lon": round(event.lon, 5),
        "mmsi": event.mmsi,
        "other_mmsi": event.other_mmsi,
    }
    digest = hashlib.sha256(json.dumps([seed, event.scenario, record]).encode()).hexdigest()
    return {
        "id": f"truth-{digest[:16]}",
        **record,
        "subject": _vessel(event.mmsi),
        "related": [_vessel(event.other_mmsi)] if event.other_mmsi is not None else [],
        "confidence": 1.0,
        "score": None,
        "params": {},
        "evidence": {"scenario": event.scenario, **event.evidence},
        "status": "active",
    }
