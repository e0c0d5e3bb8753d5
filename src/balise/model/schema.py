"""The fixed frame schemas every reader produces and the store keeps.

Readers may only emit these columns with these types; the store creates its tables from them, so a
change here is a change of the stored format (and needs a migration note in the changelog).
"""

from __future__ import annotations

from typing import TypeVar

import polars as pl

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)

UTC_TIME = pl.Datetime("us", "UTC")

POSITION_SCHEMA: dict[str, pl.DataType] = {
    "mmsi": pl.Int32(),
    "timestamp": UTC_TIME,
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "sog_knots": pl.Float64(),
    "cog_deg": pl.Float64(),
    "heading_deg": pl.Int16(),
    "nav_status": pl.Int8(),
    "msg_type": pl.Int8(),
    "source": pl.String(),
    "source_format": pl.String(),
    "source_line": pl.Int64(),
}
"""One row per position report (AIS types 1, 2, 3, 18, 19, 27 or a CSV row with a position)."""

IDENTITY_SCHEMA: dict[str, pl.DataType] = {
    "mmsi": pl.Int32(),
    "timestamp": UTC_TIME,
    "msg_type": pl.Int8(),
    "imo": pl.Int32(),
    "name": pl.String(),
    "call_sign": pl.String(),
    "ship_type": pl.Int16(),
    "ship_type_text": pl.String(),
    "length_m": pl.Float64(),
    "width_m": pl.Float64(),
    "draught_m": pl.Float64(),
    "destination": pl.String(),
    "eta": UTC_TIME,
    "source": pl.String(),
    "source_format": pl.String(),
    "source_line": pl.Int64(),
}
"""One row per identity/voyage report (AIS types 5, 19, 24 or CSV static columns) and time seen.

A column is null when the report does not carry it (a type 24 part A carries only the name) or when
the value was "not available" or failed validation (an IMO number with a wrong check digit).
"""

IDENTITY_FIELDS: tuple[str, ...] = (
    "imo",
    "name",
    "call_sign",
    "ship_type",
    "ship_type_text",
    "length_m",
    "width_m",
    "draught_m",
    "destination",
    "eta",
)
"""The identity columns whose changes over time are kept as history."""
IDENTITY_KEY: tuple[str, ...] = ("mmsi", "msg_type", "source_format", *IDENTITY_FIELDS)
"""An identity report is folded into the first one with these equal: the identity snapshots of
the store and of the position lake."""

QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String(),
    "source_line": pl.Int64(),
    "reason": pl.String(),
    "detail": pl.String(),
    "raw": pl.String(),
}
"""One row per rejected input record: why, and the original text so nothing is lost."""


def empty(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """An empty frame of `schema`."""
    return pl.DataFrame(schema=schema)


def conform(frame: Frame, schema: dict[str, pl.DataType]) -> Frame:
    """`frame` with exactly the columns of `schema`, in order and cast; missing columns are null."""
    present = set(frame.collect_schema().names())
    columns = [
        (pl.col(name) if name in present else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in schema.items()
    ]
    return frame.select(columns)
