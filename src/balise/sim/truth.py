"""Ground truth: one event record (docs/architecture.md) per scenario event and per port call,
and per day of the insider's reading (`insider_lookup`, about a user: no vessel, no position).

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
    lat: float | None
    lon: float | None
    mmsi: int | None
    other_mmsi: int | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    subject: tuple[str, str] | None = None
    """(kind, id) of what the event is about when it is not the vessel `mmsi` (a user)."""
    related: tuple[tuple[str, str], ...] = ()
    """(kind, id) of what else it involves, besides the vessel `other_mmsi`."""


def _iso(start: datetime, seconds: float) -> str:
    return (
        (start + timedelta(seconds=round(seconds))).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )


def _vessel(mmsi: int | None) -> dict[str, str] | None:
    return None if mmsi is None else {"kind": "vessel", "id": str(mmsi)}


def _subject(event: TruthEvent) -> dict[str, str] | None:
    if event.subject is not None:
        return {"kind": event.subject[0], "id": event.subject[1]}
    return _vessel(event.mmsi)


def truth_record(event: TruthEvent, start: datetime, seed: int) -> dict[str, Any]:
    """The event record of a truth event; the id is stable for the same seed and event."""
    record: dict[str, Any] = {
        "type": event.type,
        "start": _iso(start, event.start_s),
        "end": _iso(start, event.end_s),
        "lat": None if event.lat is None else round(event.lat, 5),
        "lon": None if event.lon is None else round(event.lon, 5),
        "mmsi": event.mmsi,
        "other_mmsi": event.other_mmsi,
    }
    digest = hashlib.sha256(json.dumps([seed, event.scenario, record]).encode()).hexdigest()
    return {
        "id": f"truth-{digest[:16]}",
        **record,
        "subject": _subject(event),
        "related": [
            *([_vessel(event.other_mmsi)] if event.other_mmsi is not None else []),
            *({"kind": kind, "id": value} for kind, value in event.related),
        ],
        "confidence": 1.0,
        "score": None,
        "params": {},
        "evidence": {"scenario": event.scenario, **event.evidence},
        "status": "active",
    }
