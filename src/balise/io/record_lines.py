"""Lenient line readers for port and access records: CSV with a header, and JSON lines.

One record per line. A line is decoded as UTF-8 (bad bytes replaced), split (CSV with the
standard quoting rules, or one JSON object) and handed as a `Row` to its format's parser; a line
that does not split or that the parser refuses becomes a quarantine row with the reason, the
detail and the original text, and the reader goes on. Blank lines are counted as
`skipped: blank_line`. A line longer than `ingest.max_record_line_bytes` is quarantined
`line_too_long` with its first bytes only. Batches hold `ingest.batch_records` data lines, the
same on every run, so an interrupted ingest resumes where it stopped.

The CSV header names columns case-insensitively; columns Balise does not know are ignored,
optional ones may be absent (their values are null); a header without a required column rejects
the input as a whole (`InputRejected`: it is not a file of that kind).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import polars as pl

from balise.errors import InputRejected
from balise.io.nmea_lines import rest_of_line
from balise.io.record_fields import BadRecord, Row, SkipRecord
from balise.model.batch import ReadOptions
from balise.model.record_batch import RECORD_SCHEMAS, RecordBatch, RecordKind
from balise.model.schema import QUARANTINE_SCHEMA

RowParser = Callable[[Row], dict[str, Any]]
"""Reads one record's fields into the columns of its kind (all but `source` and
`source_line`); raises `BadRecord` to quarantine it."""
Splitter = Callable[[str], Row]


@dataclass(frozen=True)
class RecordFormat:
    """One input format: its kind of record, its name (the ingest's `source_format`), the
    columns its header must name (CSV), the parser of one record and the other names of columns
    (`aliases`, lower case: a header's or a JSON object's `bl_number` read as `bill_of_lading`)."""

    kind: RecordKind
    name: str
    required_columns: tuple[str, ...]
    parse: RowParser
    aliases: Mapping[str, str] = field(default_factory=dict)


def read_csv_records(
    stream: BinaryIO, source: str, fmt: RecordFormat, options: ReadOptions
) -> Iterator[RecordBatch]:
    """Batches of the records of a CSV `stream` whose first non-blank line is the header; an
    input without one gives no batch. Raises `InputRejected` for a header that lacks one of
    `fmt.required_columns`."""
    lines = numbered_lines(stream, options.max_record_line_bytes)
    for number, data in lines:
        if data.strip():
            split = _csv_splitter(_header(data, number, source, fmt, options), fmt)
            yield from line_batches(lines, source, fmt, options, split, blank=number - 1)
            return


def read_jsonl_records(
    stream: BinaryIO, source: str, fmt: RecordFormat, options: ReadOptions
) -> Iterator[RecordBatch]:
    """Batches of the records of a JSON lines `stream`: one object per line, keys matched
    case-insensitively; a line that is not a JSON object is quarantined `bad_json`."""
    yield from line_batches(
        numbered_lines(stream, options.max_record_line_bytes), source, fmt, options, _json_row
    )


def numbered_lines(stream: BinaryIO, max_line_bytes: int) -> Iterator[tuple[int, bytes]]:
    """The lines of `stream` with their numbers (from 1), without line ends; a line longer than
    `max_line_bytes` comes with its first `max_line_bytes + 1` bytes only."""
    number = 0
    while line := rest_of_line(stream, max_line_bytes):
        number += 1
        yield number, line.rstrip(b"\r\n")


def _header(
    data: bytes, number: int, source: str, fmt: RecordFormat, options: ReadOptions
) -> list[str]:
    """The header's column names, trimmed and in lower case."""
    try:
        fields = [] if len(data) > options.max_record_line_bytes else _split_csv(data.decode())
    except (BadRecord, UnicodeDecodeError):
        fields = []
    names = [fmt.aliases.get(n, n) for n in (name.strip().lower() for name in fields)]
    missing = [column for column in fmt.required_columns if column not in names]
    if missing:
        raise InputRejected(
            f"{source}, line {number}: not a {fmt.kind} CSV header (missing column "
            f"{', '.join(missing)}; expected {', '.join(fmt.required_columns)}, ...)",
            source=source, line=number, missing_columns=missing, header=names[:30],
        )  # fmt: skip
    return names


def _split_csv(text: str) -> list[str]:
    try:
        return next(csv.reader([text], strict=True), [])
    except csv.Error as err:
        raise BadRecord("bad_csv", str(err)) from err


def _csv_splitter(header: list[str], fmt: RecordFormat) -> Splitter:
    """A line's fields under the header's names (the first column of a repeated name wins)."""
    columns = {name: i for i, name in reversed(list(enumerate(header)))}

    def split(text: str) -> Row:
        fields = _split_csv(text)
        if len(fields) != len(header):
            detail = f"{len(header)} fields expected, {len(fields)} found"
            raise BadRecord("wrong_field_count", detail)
        return Row({name: fields[i] for name, i in columns.items()})

    return split


def _json_row(text: str) -> Row:
    try:
        value = json.loads(text)
    except ValueError as err:
        raise BadRecord("bad_json", str(err)) from err
    except RecursionError as err:  # `[[[[...` nested past the interpreter's stack
        raise BadRecord("bad_json", "nested too deeply") from err
    if not isinstance(value, dict):
        raise BadRecord("bad_json", f"a JSON {type(value).__name__}, not an object")
    return Row({str(key).strip().lower(): item for key, item in value.items()})


@dataclass
class _Batch:
    """A batch in the making: the good records column by column (a dict per record would cost
    several times the memory), the rejected lines and the tallies."""

    kind: RecordKind
    source: str
    columns: dict[str, list[Any]] = field(init=False)
    rejected: list[tuple[int, str, str, str]] = field(default_factory=list)
    cleared: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    read: int = 0
    blank: int = 0

    def __post_init__(self) -> None:
        self.columns = {name: [] for name in RECORD_SCHEMAS[self.kind]}

    def add(self, number: int, text: str, parse: RowParser, split: Splitter) -> None:
        try:
            row = split(text)
            record = parse(row)
        except BadRecord as bad:
            self.rejected.append((number, bad.reason, bad.detail, text))
            return
        except SkipRecord as skip:
            self.skipped[skip.reason] += 1
            return
        if row.cleared:
            self.cleared.update(row.cleared)
        record["source"], record["source_line"] = self.source, number
        for name, column in self.columns.items():
            column.append(record[name])

    def done(self) -> RecordBatch:
        names = ("source_line", "reason", "detail", "raw")
        rejected = pl.DataFrame(
            self.rejected, schema={c: QUARANTINE_SCHEMA[c] for c in names}, orient="row"
        )
        return RecordBatch(
            self.kind,
            pl.DataFrame(self.columns, schema=RECORD_SCHEMAS[self.kind]),
            quarantine=rejected.select(pl.lit(self.source).alias("source"), *names),
            records_read=self.read,
            skipped=self.skipped + Counter({"blank_line": self.blank}),
            cleared=self.cleared,
        )


def line_batches(
    lines: Iterator[tuple[int, bytes]],
    source: str,
    fmt: RecordFormat,
    options: ReadOptions,
    split: Splitter,
    blank: int = 0,
) -> Iterator[RecordBatch]:
    """The records of `lines` in batches of `options.batch_records` data lines, each line
    `split` into a `Row` and read by `fmt.parse`."""
    batch = _Batch(fmt.kind, source, blank=blank)
    size = max(1, options.batch_records)
    for number, data in lines:
        if not data.strip():
            batch.blank += 1
            continue
        batch.read += 1
        text = data.decode("utf-8", errors="replace")
        if len(data) > options.max_record_line_bytes:
            cap = options.max_record_line_bytes
            detail = f"longer than {cap} bytes (ingest.max_record_line_bytes)"
            batch.rejected.append((number, "line_too_long", detail, text))
        else:
            batch.add(number, text, fmt.parse, split)
        if batch.read >= size:
            yield batch.done()
            batch = _Batch(fmt.kind, source)
    if batch.read or batch.blank:
        yield batch.done()
