"""The event record every detector emits (docs/architecture.md, "Event record").

Detectors return frames of `EVENT_SCHEMA`; `params` and `evidence` are JSON texts so that one table
holds every event type. An event's `id` is stable: the same input and settings give the same id
(`event_id`), so a re-run revises an event instead of duplicating it.

Every event is about a `subject` (`{"kind": ..., "id": ...}`, the kinds of
`balise.model.event_types.SUBJECT_KINDS`) and lists what else it involves in `related` (the other
vessel of an encounter, the vessel carrying a container, the list entry matched). Vessel events
keep `mmsi` and `other_mmsi` filled as well, so that what reads them does not change; the types
themselves are declared once, in `balise.model.event_types`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Final

import polars as pl

from balise.model.schema import UTC_TIME

SUBJECT: Final = pl.Struct({"kind": pl.String(), "id": pl.String()})
"""What an event is about, or one of the things it involves: a kind and an id (an MMSI, a
container number, a declaration reference, an entity id, ...), both as text."""

EVENT_SCHEMA: Final[dict[str, pl.DataType]] = {
    "id": pl.String(),
    "type": pl.String(),
    "start": UTC_TIME,
    "end": UTC_TIME,
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "subject": SUBJECT,
    "related": pl.List(SUBJECT),
    "mmsi": pl.Int32(),
    "other_mmsi": pl.Int32(),
    "confidence": pl.Float64(),
    "score": pl.Float64(),
    "params": pl.String(),
    "evidence": pl.String(),
    "status": pl.String(),
}
"""One row per event: `subject` and `related` say what it is about; `params` (the thresholds in
force) and `evidence` (what was observed) are JSON objects as text; `status` is "active",
"revised" or "retracted"."""


def to_json(values: Mapping[str, Any]) -> str:
    """Compact, key-sorted JSON: the same values always give the same text."""
    return json.dumps(values, sort_keys=True, separators=(",", ":"), default=str)


def event_id(kind: str, mmsi: int | None, start_iso: str, *more: object) -> str:
    """A stable event id from what identifies the event: type, vessel, start and any other key."""
    text = to_json({"type": kind, "mmsi": mmsi, "start": start_iso, "more": [str(m) for m in more]})
    return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def event_id_expr(kind: str, *keys: str) -> pl.Expr:
    """A vectorised stable id over columns `keys` (e.g. "mmsi", "start"): `<type>-<16 hex>`."""
    joined = pl.concat_str([pl.col(k).cast(pl.String).fill_null("") for k in keys], separator="|")
    return pl.lit(f"{kind}-") + joined.map_batches(
        lambda texts: pl.Series(
            [hashlib.sha256(f"{kind}|{t}".encode()).hexdigest()[:16] for t in texts.to_list()]
        ),
        return_dtype=pl.String,
    )


_NO_EVENTS: Final = pl.DataFrame(schema=EVENT_SCHEMA)


def empty_events() -> pl.DataFrame:
    """No events, with the schema (a new frame each time, copied from one built once: building
    it from the schema costs more than most steps of a detector on a few vessels)."""
    return _NO_EVENTS.clear()


def _vessel(mmsi: str) -> pl.Expr:
    """The subject `{"kind": "vessel", "id": "<mmsi>"}` of column `mmsi` (null where it is)."""
    subject = pl.struct(pl.lit("vessel").alias("kind"), pl.col(mmsi).cast(pl.String).alias("id"))
    return pl.when(pl.col(mmsi).is_not_null()).then(subject)


def with_vessel_subjects(events: pl.DataFrame) -> pl.DataFrame:
    """`events` with `subject` and `related` filled from `mmsi` and `other_mmsi` where they are
    missing or null: the vessel the event is about, and the other vessel of a two-vessel event."""
    subject = _vessel("mmsi")
    related = (
        pl.when(pl.col("other_mmsi").is_not_null())
        .then(pl.concat_list([_vessel("other_mmsi")]))
        .otherwise(pl.lit([], dtype=pl.List(SUBJECT)))
    )
    if "subject" in events.columns:
        subject = pl.coalesce(pl.col("subject"), subject)
    if "related" in events.columns:
        related = pl.coalesce(pl.col("related"), related)
    return events.with_columns(subject.alias("subject"), related.alias("related"))


def as_events(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` as an `EVENT_SCHEMA` frame: the record's columns in order and type, subjects
    filled from the vessel columns where a detector left them out. A frame that already is one
    (every detector's result) is returned as it is."""
    if _is_event_frame(frame):
        return frame
    filled = with_vessel_subjects(frame)
    return filled.select([pl.col(c).cast(t) for c, t in EVENT_SCHEMA.items()])


def _is_event_frame(frame: pl.DataFrame) -> bool:
    """Whether `frame` has the `EVENT_SCHEMA` columns, in order and type, and a `subject` and
    `related` in every row (what `as_events` would make of it is then `frame` itself)."""
    return (
        list(frame.schema.items()) == list(EVENT_SCHEMA.items())
        and not frame["subject"].null_count()
        and not frame["related"].null_count()
    )


def decode_event_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of event `row` (a dict of `EVENT_SCHEMA` columns, e.g. from `iter_rows(named=True)`
    or a store query) with its `params` and `evidence` JSON texts, those present, as dicts: the
    inverse of writing them with `to_json`. A null or empty text gives an empty dict, and a value
    already decoded is kept, so decoding twice is harmless."""
    decoded = dict(row)
    for key in ("params", "evidence"):
        if key in decoded:
            value = decoded[key]
            parsed = value if isinstance(value, Mapping) else json.loads(value or "{}")
            if not isinstance(parsed, Mapping):
                raise ValueError(f"event {key} is not a JSON object: {value!r}")
            decoded[key] = dict(parsed)
    return decoded
