"""The event record every detector emits (ARCHITECTURE.md, "Event record").

Detectors return frames of `EVENT_SCHEMA`; `params` and `evidence` are JSON texts so that one table
holds every event type. An event's `id` is stable: the same input and settings give the same id
(`event_id`), so a re-run revises an event instead of duplicating it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Final

import polars as pl

from balise.model.schema import UTC_TIME

EVENT_SCHEMA: Final[dict[str, pl.DataType]] = {
    "id": pl.String(),
    "type": pl.String(),
    "start": UTC_TIME,
    "end": UTC_TIME,
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "mmsi": pl.Int32(),
    "other_mmsi": pl.Int32(),
    "confidence": pl.Float64(),
    "score": pl.Float64(),
    "params": pl.String(),
    "evidence": pl.String(),
    "status": pl.String(),
}
"""One row per event: `params` (the thresholds in force) and `evidence` (what was observed) are
JSON objects as text; `status` is "active", "revised" or "retracted"."""

EVENT_TYPES: Final = (
    "ais_gap", "encounter", "loitering", "port_visit", "identity_change", "position_jump",
    "shared_mmsi", "destination_mismatch", "zone_entry", "coastal_drop", "dark_target",
    "clearance_missing",
)  # fmt: skip


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


def empty_events() -> pl.DataFrame:
    """No events, with the schema."""
    return pl.DataFrame(schema=EVENT_SCHEMA)


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
