"""Frames as JSON-ready records: the one place where times are formatted and the event
record's JSON text columns are decoded, for every export format.

Times are ISO 8601 in UTC with a `Z`, to the second unless the value has a fraction (then to the
microsecond); a naive time is taken as UTC. `params` and `evidence` are JSON objects stored as
text: JSON formats write them as objects (an empty object when null), CSV as the text itself.
Any other column is carried as it is: a struct becomes a JSON object, a list a JSON array (as
text in CSV), so new columns of the event record need no change here.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any, Final

import polars as pl

from balise.model.events import decode_event_json

JSON_TEXT_COLUMNS: Final = ("params", "evidence")
"""Columns of the event record holding a JSON object as text."""
_FORMAT: Final = "%Y-%m-%dT%H:%M:%S%.6f"


def iso_time(moment: datetime) -> str:
    """UTC time as ISO 8601 with a `Z`, seconds precision unless the time has a fraction."""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    text = moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def _iso_expr(name: str, dtype: pl.Datetime) -> pl.Expr:
    column = pl.col(name)
    if dtype.time_zone is not None:
        column = column.dt.convert_time_zone("UTC")
    return (column.dt.strftime(_FORMAT).str.replace(r"\.0{6}$", "") + "Z").alias(name)


def iso_times(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every time column as ISO 8601 text (as `iso_time` writes it; null stays
    null)."""
    times = [_iso_expr(n, t) for n, t in frame.schema.items() if isinstance(t, pl.Datetime)]
    return frame.with_columns(times) if times else frame


def json_default(value: Any) -> Any:
    """`json.dumps` default for values nested in structs and lists: times as ISO text."""
    if isinstance(value, datetime):
        return iso_time(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """One dict per row: times as ISO text, the JSON texts `params` and `evidence` (when present)
    decoded by the event record's codec (`decode_event_json`), structs as dicts and lists as
    lists."""
    return [decode_event_json(row) for row in iso_times(frame).to_dicts()]


def event_records(events: pl.DataFrame) -> list[dict[str, Any]]:
    """The events (`EVENT_SCHEMA` and any further columns) as JSON-ready dicts."""
    return records(events)


def nested_as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with its struct and list columns as JSON text (for CSV)."""
    nested = [n for n, t in frame.schema.items() if isinstance(t, pl.Struct | pl.List | pl.Array)]
    return frame.with_columns(
        pl.Series(name, [json_text(v) for v in frame[name].to_list()], pl.String) for name in nested
    )


def json_text(value: Any) -> str | None:
    """A nested value (dict, list) as compact JSON text; None stays None."""
    if value is None:
        return None
    return json.dumps(value, default=json_default, separators=(",", ":"))


def json_document(document: Any) -> str:
    """A whole JSON document (a FeatureCollection, a track) as text; nested times as ISO."""
    return json.dumps(document, default=json_default, ensure_ascii=False)
