"""Reader of DCSA Track & Trace events (JSON): what carriers, terminals and smart containers
publish about boxes, vessels' port calls and shipments' documents.

Two inputs are read: JSON lines (one event object per line, the fast form, `dcsa_jsonl`) and a
JSON array of events (what a Track & Trace API answers, `dcsa_json`: read whole, an event's
`source_line` is its position in the array, from 1). Events of DCSA 3.0 and of the flat 2.x
shape may be mixed; which keys are read and how each stored column is made is the table of
`balise.io.dcsa_shape`; the checks are those of `balise.io.dcsa_mapping`.

Lenient like the other record readers: a line that is not JSON (`bad_json`), not an object
(`bad_json`), has a value of the wrong JSON kind where an object or a list is expected
(`bad_structure`), or fails a check (`missing_field`, `unknown_code`, `bad_time`,
`bad_container_number`) is quarantined with its text, and the reader goes on; blank lines are
counted (`skipped: blank_line`), a line longer than `ingest.max_record_line_bytes` is
quarantined `line_too_long`. A batch holds `ingest.batch_records` events, the same on every run.

Speed: a batch is decoded by polars in one call (`str.json_decode` with the shape's types) and
mapped column-wise; a batch holding a bad line is split in halves until the bad lines stand
alone, so the good lines keep the fast path.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, Final

import polars as pl

from balise.errors import InputRejected
from balise.io.dcsa_mapping import map_events
from balise.io.dcsa_shape import EVENT_DTYPE
from balise.io.record_lines import numbered_lines
from balise.model.batch import ReadOptions
from balise.model.cargo import CONTAINER_EVENT_SCHEMA
from balise.model.record_batch import RecordBatch, RecordKind
from balise.model.schema import QUARANTINE_SCHEMA, conform, empty

DCSA_JSONL: Final = "dcsa_jsonl"
"""Format name of JSON lines of events."""
DCSA_JSON: Final = "dcsa_json"
"""Format name of a JSON array of events."""
_ONE_BY_ONE: Final = 16
"""Below this many lines a failing piece is decoded line by line rather than halved again."""
_WRONG_KIND: Final = re.compile(r'deserializing value "(.{0,80}).*?" as (\w+)')
_REJECTED_SCHEMA: Final = {
    "source_line": pl.Int64(), "reason": pl.String(), "detail": pl.String(), "raw": pl.String(),
}  # fmt: skip


def dcsa_format(head: bytes, name: str) -> str:
    """`dcsa_json` (a JSON array) or `dcsa_jsonl` (JSON lines), from the first bytes of an input;
    `InputRejected` when they begin with neither `[` nor `{`."""
    first = head.lstrip()[:1]
    if first == b"[":
        return DCSA_JSON
    if first == b"{":
        return DCSA_JSONL
    raise InputRejected(
        f"{name}: not DCSA Track & Trace events (expected a JSON array of events or JSON lines, "
        f"one event object per line; the input begins with {head.lstrip()[:20]!r})",
        source=name,
    )


@dataclass
class _Lines:
    """The events of one batch in the making: their line numbers and texts, the lines already
    set aside and the counts."""

    numbers: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    rejected: list[tuple[int, str, str, str]] = field(default_factory=list)
    read: int = 0
    blank: int = 0

    def add(self, number: int, data: bytes, max_bytes: int) -> None:
        self.read += 1
        text = data.decode("utf-8", errors="replace")
        if len(data) > max_bytes:
            detail = f"longer than {max_bytes} bytes (ingest.max_record_line_bytes)"
            self.rejected.append((number, "line_too_long", detail, text))
        else:
            self.numbers.append(number)
            self.texts.append(text)


def read_event_lines(stream: BinaryIO, source: str, options: ReadOptions) -> Iterator[RecordBatch]:
    """Batches of the events of a JSON lines `stream` (see the module's docstring)."""
    size, cap = max(1, options.batch_records), options.max_record_line_bytes
    lines = _Lines()
    for number, data in numbered_lines(stream, cap):
        if not data.strip():
            lines.blank += 1
            continue
        lines.add(number, data, cap)
        if lines.read >= size:
            yield events_batch(source, lines)
            lines = _Lines()
    if lines.read or lines.blank:
        yield events_batch(source, lines)


def read_event_array(stream: BinaryIO, source: str, options: ReadOptions) -> Iterator[RecordBatch]:
    """Batches of the events of a JSON array `stream`, read whole (see the module's docstring);
    an input that is not a JSON array is one `bad_json` quarantine row (line 0)."""
    data = stream.read()
    try:
        items = json.loads(data)
    except (ValueError, RecursionError) as err:
        detail = str(err) if isinstance(err, ValueError) else "nested too deeply"
        yield _whole_input_bad(source, "bad_json", detail, data)
        return
    if not isinstance(items, list):
        yield _whole_input_bad(source, "bad_json", "not a JSON array", data)
        return
    size, cap = max(1, options.batch_records), options.max_record_line_bytes
    for start in range(0, len(items), size):
        lines = _Lines()
        for position, item in enumerate(items[start : start + size], start + 1):
            lines.add(position, json.dumps(item, ensure_ascii=False).encode(), cap)
        yield events_batch(source, lines)


def _whole_input_bad(source: str, reason: str, detail: str, data: bytes) -> RecordBatch:
    row = (0, reason, detail, data[:4096].decode("utf-8", errors="replace"))
    rejected = pl.DataFrame([row], schema=_REJECTED_SCHEMA, orient="row")
    return RecordBatch(
        RecordKind.CONTAINERS,
        empty(CONTAINER_EVENT_SCHEMA),
        quarantine=_quarantine(source, rejected),
        records_read=1,
    )


def _quarantine(source: str, rejected: pl.DataFrame) -> pl.DataFrame:
    return rejected.select(pl.lit(source).alias("source"), *_REJECTED_SCHEMA).cast(
        QUARANTINE_SCHEMA  # type: ignore[arg-type]
    )


def events_batch(source: str, lines: _Lines) -> RecordBatch:
    """The batch of `lines`: decoded, mapped, checked."""
    frame = pl.DataFrame(
        {"source_line": lines.numbers, "raw": lines.texts},
        schema={"source_line": pl.Int64(), "raw": pl.String()},
    )
    decoded, undecodable = _decode(frame)
    records, rejected, cleared = map_events(decoded)
    rejected = pl.concat(
        [pl.DataFrame(lines.rejected, schema=_REJECTED_SCHEMA, orient="row"), undecodable, rejected]
    ).sort("source_line")
    return RecordBatch(
        RecordKind.CONTAINERS,
        conform(records.with_columns(pl.lit(source).alias("source")), CONTAINER_EVENT_SCHEMA),
        quarantine=_quarantine(source, rejected),
        records_read=lines.read,
        skipped=Counter({"blank_line": lines.blank}),
        cleared=cleared,
    )


def _decode(lines: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`lines` with their decoded `event`, and the rejected rows of those that do not decode:
    the whole piece at once, else each half, down to single lines."""
    try:
        return lines.with_columns(pl.col("raw").str.json_decode(EVENT_DTYPE).alias("event")), (
            pl.DataFrame(schema=_REJECTED_SCHEMA)
        )
    except pl.exceptions.PolarsError:
        pass
    if lines.height == 1:
        number, text = lines.row(0)
        reason, detail = _why_undecodable(text)
        row = pl.DataFrame([(number, reason, detail, text)], schema=_REJECTED_SCHEMA, orient="row")
        return lines.with_columns(pl.lit(None, EVENT_DTYPE).alias("event")).clear(), row
    if lines.height <= _ONE_BY_ONE:
        pieces = [_decode(lines.slice(i, 1)) for i in range(lines.height)]
    else:
        half = lines.height // 2
        pieces = [_decode(lines.slice(0, half)), _decode(lines.slice(half))]
    return pl.concat(p[0] for p in pieces), pl.concat(p[1] for p in pieces)


def _why_undecodable(text: str) -> tuple[str, str]:
    """The quarantine reason and detail of one line polars cannot decode as an event."""
    try:
        value = json.loads(text)
    except ValueError as err:
        return "bad_json", str(err)
    except RecursionError:  # `[[[[...` nested past the interpreter's stack
        return "bad_json", "nested too deeply"
    if not isinstance(value, dict):
        return "bad_json", f"a JSON {type(value).__name__}, not an object"
    try:
        pl.Series([text]).str.json_decode(EVENT_DTYPE)
    except pl.exceptions.PolarsError as err:
        found = _WRONG_KIND.search(str(err))
        if found:
            value_text, expected = found.groups()
            return (
                "bad_structure",
                f"a value of the wrong JSON kind: {value_text} (read as {expected})",
            )
        return "bad_structure", str(err).splitlines()[0][:200]
    return "bad_json", "not decodable"  # pragma: no cover - polars decodes it alone
