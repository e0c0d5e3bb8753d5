"""Writing frames to stdout as JSON lines or CSV, batch by batch (with the export writers), and
tables to the terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from enum import StrEnum
from typing import TextIO

import polars as pl
from rich.console import Console
from rich.table import Table

from balise.io.exports.csv import csv_chunks
from balise.io.exports.jsonl import jsonl_chunks


class DataFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


class TableFormat(StrEnum):
    """A table on the terminal, or the rows as data."""

    table = "table"
    csv = "csv"
    jsonl = "jsonl"


def write_frames(
    frames: Iterable[pl.DataFrame], fmt: DataFormat | str, out: TextIO | None = None
) -> int:
    """Stream `frames` to `out` (stdout) as JSON lines or CSV (`balise.io.exports`: times as
    ISO 8601 UTC, one CSV header); returns the number of rows written."""
    out = out or sys.stdout
    rows = 0

    def counted() -> Iterator[pl.DataFrame]:
        nonlocal rows
        for frame in frames:
            rows += frame.height
            yield frame

    if DataFormat(fmt) is DataFormat.csv:
        for chunk in csv_chunks(counted()):
            out.write(chunk.decode())
    else:
        for text in jsonl_chunks(counted()):
            out.write(text)
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
