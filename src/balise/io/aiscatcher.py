"""AIS-catcher JSON lines: one JSON object per line holding NMEA sentences and a receive time.

AIS-catcher (github.com/jvde-github/AIS-catcher) writes, with `-o 5` or its JSON outputs, one
object per message such as
`{"class":"AIS","device":"AIS-catcher","rxtime":"20231128153045","rxuxtime":1701185445.12,
"channel":"B","nmea":["!AIVDM,1,1,,B,...,0*78"],"type":3,"mmsi":477213600,...}`: the key names
`nmea`, `rxtime` and `rxuxtime` are those of AIS-catcher's key table (`Source/JSON/Keys.cpp`),
the example layout that of its release notes (v0.40, "AIS-catcher can decode NMEA lines") and of
its JSON output (`rxtime` as `YYYYMMDDhhmmss` UTC, `rxuxtime` unix seconds with a fraction).
Other tools write the same envelope with `timestamp` (unix seconds or ISO 8601) instead.

Only the sentences and the time are read; the decoded fields are ignored, so the messages go
through the same NMEA path (checksums, reassembly, decoding, cleaning) as any NMEA file. The time
is, in order: `rxuxtime`, `timestamp`, `rxtime`; a sentence's own tag block time wins over it.
A line that is not a JSON object is quarantined `bad_json`; one without sentences `no_sentences`;
one whose time is there but unreadable `bad_time`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO

import numpy as np
import polars as pl

from balise.io.nmea import batch_of, closing_batch
from balise.io.nmea_bytes import Chunk
from balise.io.nmea_lines import rest_of_line
from balise.io.nmea_reassembly import Reassembler
from balise.io.nmea_sentences import split_chunk
from balise.model.batch import ReadBatch, ReadOptions
from balise.model.schema import QUARANTINE_SCHEMA, UTC_TIME, conform

SOURCE_FORMAT = "aiscatcher"
BYTES_PER_RECORD = 256
"""Typical length of an AIS-catcher JSON line, to size batches in bytes."""
_TIME_KEYS = ("rxuxtime", "timestamp", "rxtime")
_COMPACT_TIME = "%Y%m%d%H%M%S"


def looks_like_aiscatcher(head: bytes) -> bool:
    """True when the first non-blank line is a JSON object with an `"nmea"` key."""
    for line in head.splitlines():
        text = line.strip()
        if text:
            return text.startswith(b"{") and b'"nmea"' in text
    return False


def read_aiscatcher(stream: BinaryIO, source: str, options: ReadOptions) -> Iterator[ReadBatch]:
    """Read JSON lines in batches of about `options.batch_records` lines (whole lines, the same on
    every run), then the closing batch of fragments left incomplete."""
    reassembler = Reassembler()
    first_line = 1
    while data := stream.read(options.batch_records * BYTES_PER_RECORD):
        if not data.endswith(b"\n"):
            data += rest_of_line(stream, options.max_line_bytes)
        lines = data.split(b"\n")
        if lines[-1] == b"":
            lines.pop()
        yield _batch(lines, first_line, reassembler, source, options)
        first_line += len(lines)
    yield closing_batch(reassembler, source)


@dataclass
class _Records:
    """The sentences of a block of JSON lines, with their line numbers and times, and the lines
    set aside."""

    sentences: list[str] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    times: list[datetime | None] = field(default_factory=list)
    rejected: list[tuple[int, str, str, str]] = field(default_factory=list)
    blank: int = 0


def _batch(
    lines: list[bytes],
    first_line: int,
    reassembler: Reassembler,
    source: str,
    options: ReadOptions,
) -> ReadBatch:
    records = _Records()
    for number, line in enumerate(lines, start=first_line):
        if len(line) > options.max_line_bytes:
            text = line[: options.max_line_bytes].decode("utf-8", errors="replace")
            detail = f"longer than {options.max_line_bytes} bytes (ingest.max_line_bytes)"
            records.rejected.append((number, "line_too_long", detail, text))
            continue
        _read_line(line, number, records)
    chunk = Chunk.of_lines(
        records.sentences,
        np.asarray(records.numbers, dtype=np.int64),
        pl.Series(records.times, dtype=UTC_TIME),
    )
    batch = batch_of(split_chunk(chunk), reassembler, source, options)
    batch.records_read = len(lines) - records.blank
    batch.skipped["blank_line"] = records.blank
    batch.skipped = +batch.skipped
    set_aside = pl.DataFrame(
        records.rejected, schema=["source_line", "reason", "detail", "raw"], orient="row"
    ).with_columns(pl.lit(source).alias("source"))
    quarantine = pl.concat([batch.quarantine, conform(set_aside, QUARANTINE_SCHEMA)])
    batch.quarantine = quarantine.sort("source_line", maintain_order=True)
    return batch


def _read_line(line: bytes, number: int, records: _Records) -> None:
    """Add one JSON line's sentences to `records`, or the reason it is set aside."""
    text = line.decode("utf-8", errors="replace").strip()
    if not text:
        records.blank += 1
        return
    try:
        record = json.loads(text)
    except ValueError as err:
        records.rejected.append((number, "bad_json", str(err), text))
        return
    if not isinstance(record, dict):
        records.rejected.append((number, "bad_json", "not a JSON object", text))
        return
    sentences = _sentences(record.get("nmea"))
    if not sentences:
        records.rejected.append((number, "no_sentences", "no NMEA sentence in 'nmea'", text))
        return
    given, time = _time(record)
    if given and time is None:
        records.rejected.append((number, "bad_time", "unreadable receive time", text))
        return
    for sentence in sentences:
        records.sentences.append(sentence)
        records.numbers.append(number)
        records.times.append(time)


def _sentences(value: object) -> list[str]:
    """The sentences of an `nmea` value: a list of strings or one string (one per line)."""
    items = value if isinstance(value, list) else [value]
    lines = [part for item in items if isinstance(item, str) for part in item.splitlines()]
    return [line.strip() for line in lines if line.strip()]


def _time(record: dict[str, object]) -> tuple[bool, datetime | None]:
    """Whether the record gives a receive time, and that time (None when unreadable)."""
    for key in _TIME_KEYS:
        value = record.get(key)
        if value is None or value == "":
            continue
        return True, _parse_time(value)
    return False, None


def _parse_time(value: object) -> datetime | None:
    """Unix seconds (a number, or a string of one), `YYYYMMDDhhmmss` or ISO 8601 (UTC when no
    offset is given); None when unreadable or not representable."""
    try:
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            return datetime.fromtimestamp(float(value), tz=UTC)
        if not isinstance(value, str):
            return None
        text = value.strip()
        if text.isdigit() and len(text) == len("20231128153045"):
            return datetime.strptime(text, _COMPACT_TIME).replace(tzinfo=UTC)
        if text.replace(".", "", 1).isdigit():
            return datetime.fromtimestamp(float(text), tz=UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return None
