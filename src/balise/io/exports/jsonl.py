"""Frames as JSON lines: one JSON object per row, written a batch at a time
(`balise events --format jsonl`, `balise positions`, `balise vessels`).

Values as `records` gives them: times as ISO 8601 UTC text, `params` and `evidence` as objects,
structs as objects and lists as arrays.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Final

import polars as pl

from balise.io.exports.records import JSON_TEXT_COLUMNS, iso_times, json_default, records

MEDIA_TYPE: Final = "application/x-ndjson"


def jsonl_text(frame: pl.DataFrame) -> str:
    """One frame as JSON lines (each line ends with a newline)."""
    if not any(c in frame.columns for c in JSON_TEXT_COLUMNS):
        return iso_times(frame).write_ndjson()  # nothing to decode: Polars writes it faster
    return "".join(
        json.dumps(row, default=json_default, ensure_ascii=False) + "\n" for row in records(frame)
    )


def jsonl_chunks(frames: Iterable[pl.DataFrame]) -> Iterator[str]:
    """The frames as JSON lines, one chunk per frame."""
    for frame in frames:
        yield jsonl_text(frame)
