"""Frames as one CSV document, written a batch at a time: the stream an export of any size
needs (`balise events --format csv`, `GET /api/v1/exports/events.csv`).

One header (that of the first frame, or of `schema` when no frame comes); times as ISO 8601 UTC
text (`records.iso_times`); struct and list columns as JSON text; `params` and `evidence` as the
JSON text they are stored as. Every frame must have the first frame's columns, in its order.

Text cells are formula-safe (`formula_safe`): a vessel name or a triage note beginning with `=`,
`+`, `-`, `@`, a tab or a carriage return is written with a leading `'`, so that a spreadsheet
opening the export shows it as text instead of running it (`=HYPERLINK(...)`, `=cmd|...`), as
the OWASP "CSV Injection" page recommends. Only text columns are touched: a negative number in a
numeric column stays a number.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Final

import polars as pl

from balise.io.exports.records import iso_times, nested_as_text

MEDIA_TYPE: Final = "text/csv; charset=utf-8"
FORMULA_START: Final = r"^[=+\-@\t\r]"
"""What a spreadsheet may read as the start of a formula (OWASP, CSV Injection)."""


def formula_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every text cell that could start a formula prefixed with `'`."""
    text = [name for name, dtype in frame.schema.items()
            if dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)]  # fmt: skip
    return frame.with_columns(
        pl.when(pl.col(name).cast(pl.String).str.contains(FORMULA_START))
        .then(pl.lit("'") + pl.col(name).cast(pl.String))
        .otherwise(pl.col(name).cast(pl.String))
        .alias(name)
        for name in text
    )


def csv_text(frame: pl.DataFrame, *, header: bool = True) -> str:
    """One frame as CSV text, formula-safe."""
    return formula_safe(nested_as_text(iso_times(frame))).write_csv(include_header=header)


def csv_chunks(
    frames: Iterable[pl.DataFrame], schema: Mapping[str, pl.DataType] | None = None
) -> Iterator[bytes]:
    """The frames as UTF-8 CSV, one chunk per frame, the header once: with the first frame, or
    from `schema` when `frames` yields none (no frame and no schema: no bytes at all)."""
    header = True
    for frame in frames:
        yield csv_text(frame, header=header).encode()
        header = False
    if header and schema is not None:
        yield csv_text(pl.DataFrame(schema=dict(schema))).encode()
