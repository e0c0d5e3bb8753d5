"""What each cargo rule hands to the event builder: one `Finding` per (container, episode), with
the reasons an analyst reads, and `events_of` to turn them into `EVENT_SCHEMA` rows.

Every cargo event is about a container (`subject` `{"kind": "container", "id": <number>}`) and
lists what else it involves in `related`: the vessel carrying the box (kind `vessel`, its MMSI),
the release presented at the gate (kind `release`), companies. The reasons are sentences, kept in
`evidence.reasons` beside what was measured; `params` holds the thresholds in force.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from balise.model.events import (
    EVENT_SCHEMA,
    SUBJECT,
    as_events,
    empty_events,
    event_id_expr,
    to_json,
)
from balise.model.schema import conform
from balise.model.scoring import iso as iso  # the rules import them here
from balise.model.scoring import rounded as rounded

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

MAX_LISTED: Final = 25
"""Items listed in one event's evidence and `related`; counts say how many there were."""


@dataclass(frozen=True)
class Finding:
    """One cargo event before it becomes an event record."""

    container: str
    key: str
    """What tells this finding from the container's others of the same type (a trip, a
    release, an episode's start): part of the event's stable id."""
    start: datetime
    end: datetime
    confidence: float
    score: float
    reasons: list[str]
    evidence: dict[str, Any]
    lat: float | None = None
    lon: float | None = None
    mmsi: int | None = None
    """The vessel carrying the box when the event happened, when known: listed in `related`
    (kind `vessel`), not in the event's `mmsi`, which stays null so that the vessel's own risk
    score does not count a container's event as the vessel's (`balise.cargo.risk` says how a
    container adds to its vessel's risk)."""
    related: list[tuple[str, str]] = field(default_factory=list)


def hours(start: datetime, end: datetime) -> float:
    """Hours from `start` to `end`."""
    return (end - start).total_seconds() / 3600.0


def noisy_or(weights: Iterable[float]) -> float:
    """1 − Π(1 − w): independent indications combined, never above 1."""
    rest = 1.0
    for weight in weights:
        rest *= 1.0 - min(max(weight, 0.0), 1.0)
    return round(1.0 - rest, 4)


def listed(values: Iterable[Any]) -> list[Any]:
    """At most `MAX_LISTED` of `values`, nulls left out, duplicates kept once, in order."""
    seen: list[Any] = []
    for value in values:
        if value is not None and value not in seen:
            seen.append(value)
    return seen[:MAX_LISTED]


def related_of(kind: str, values: Iterable[Any]) -> list[tuple[str, str]]:
    """`related` entries of `kind` for `values` (at most `MAX_LISTED`)."""
    return [(kind, str(v)) for v in listed(values)]


def events_of(kind: str, findings: Sequence[Finding], params: DataclassInstance) -> pl.DataFrame:
    """The `EVENT_SCHEMA` frame of `kind` findings, in (start, id) order; the id is made of the
    type, the container and the finding's key."""
    if not findings:
        return empty_events()
    frame = pl.DataFrame(
        {
            "row": range(len(findings)),
            "container": [f.container for f in findings],
            "key": [f.key for f in findings],
            "start": [f.start for f in findings],
            "end": [f.end for f in findings],
            "lat": [f.lat for f in findings],
            "lon": [f.lon for f in findings],
            "confidence": [f.confidence for f in findings],
            "score": [f.score for f in findings],
            "evidence": [to_json({**f.evidence, "reasons": f.reasons}) for f in findings],
        },
        schema_overrides={
            "row": pl.Int64,
            "lat": pl.Float64,
            "lon": pl.Float64,
            "start": EVENT_SCHEMA["start"],
            "end": EVENT_SCHEMA["end"],
        },
    )
    events = frame.join(_related(findings), on="row", how="left").with_columns(
        id=event_id_expr(kind, "container", "key"),
        type=pl.lit(kind),
        status=pl.lit("active"),
        subject=pl.struct(pl.lit("container").alias("kind"), pl.col("container").alias("id")),
        params=pl.lit(to_json(asdict(params))),
        related=pl.col("related").fill_null(pl.lit([], pl.List(SUBJECT))),
        mmsi=pl.lit(None, pl.Int32),
        other_mmsi=pl.lit(None, pl.Int32),
    )
    return as_events(conform(events, EVENT_SCHEMA)).sort("start", "id")


def _related(findings: Sequence[Finding]) -> pl.DataFrame:
    """row, related (a list of subjects) of each finding with related things."""
    pairs = [
        (row, kind, value) for row, f in enumerate(findings) for kind, value in _with_vessel(f)
    ]
    flat = pl.DataFrame(
        {
            "row": [p[0] for p in pairs],
            "kind": [p[1] for p in pairs],
            "id": [p[2] for p in pairs],
        },
        schema={"row": pl.Int64, "kind": pl.String, "id": pl.String},
    )
    return flat.group_by("row", maintain_order=True).agg(
        related=pl.struct("kind", "id").cast(SUBJECT)
    )


def _with_vessel(finding: Finding) -> list[tuple[str, str]]:
    """The finding's `related`, with its vessel first when known and not listed yet."""
    if finding.mmsi is None or ("vessel", str(finding.mmsi)) in finding.related:
        return finding.related
    return [("vessel", str(finding.mmsi)), *finding.related]
