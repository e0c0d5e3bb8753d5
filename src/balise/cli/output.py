"""Writing frames to stdout as JSON lines or CSV, batch by batch, and tables to the terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import TextIO

import polars as pl
from rich.console import Console
from rich.table import Table

from balise.model.events import nested_as_json


class DataFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


def _stringify_times(frame: pl.DataFrame) -> pl.DataFrame:
    """Times as ISO 8601 with a `Z`, as the event record and the API write them."""
    iso = pl.col(pl.Datetime).dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S%.fZ")
    return frame.with_columns(iso.str.replace(r"\.0+Z$", "Z"))


def write_frames(frames: Iterable[pl.DataFrame], fmt: DataFormat, out: TextIO | None = None) -> int:
    """Stream `frames` to `out` (stdout) in `fmt`; returns the number of rows written."""
    out = out or sys.stdout
    rows = 0
    for frame in frames:
        text = _stringify_times(frame)
        if fmt is DataFormat.csv:
            out.write(nested_as_json(text).write_csv(include_header=rows == 0))
        else:
            out.write(text.write_ndjson())
        rows += frame.height
    if rows == 0 and fmt is DataFormat.csv:
        return 0
    out.flush()
    return rows


def print_table(title: str, rows: Sequence[Sequence[str]], headers: Sequence[str]) -> None:
    """A small Rich table to stdout (for summaries meant for people)."""
    table = Table(title=title, title_justify="left", show_edge=False)
    for header in headers:
        table.add_column(header, justify="right" if header in ("count", "n") else "left")
    for row in rows:
        table.add_row(*row)
    Console(soft_wrap=True).print(table)
