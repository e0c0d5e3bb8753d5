"""Reader of DCSA Track & Trace events (JSON): what carriers, terminals and smart containers
publish about boxes, vessels' port calls and shipments' documents.

Two inputs are read: JSON lines (one event object per line, the fast form, `dcsa_jsonl`) and a
JSON array of events (what a Track & Trace API answers, `dcsa_json`: read whole, an event's
`source_line` is its position in the array, from 1). Events of DCSA 3.0 and of the flat 2.x
shape may be mixed; which keys are read and how each stored column is made is the table of
`balise.io.dcsa_shape`; the checks are those of `balise.io.dcsa_mapping`.

Lenient like the other record readers: a line that is not JSON (`bad_json`), not an object
(`bad_json`), or fails a check (`missing_field`, `unknown_code`, `bad_time`,
`bad_container_number`) is quarantined with its text, and the reader goes on; blank lines are
counted (`skipped: blank_line`), a line longer than `ingest.max_record_line_bytes` is
quarantined `line_too_long`. A batch holds `ingest.batch_records` events, the same on every run.

An event with 3.0's `isRetracted: true` is a retraction: it withdraws the event of its `eventID`
(stored with `retracted` true, it replaces the stored version); only its `eventID` is required,
the other checks do not quarantine it.

Not read: `eventRouting`, addresses, IoT device details and the reefer measurements other than
the supply and return air temperatures and the set point.

Speed: a block of plain lines (valid UTF-8 without carriage returns, NUL bytes or a byte order
mark: nearly every block) is split by the compiled kernel into a text column whose texts stay
in the block (by polars' multi-threaded CSV reader when the kernel is not built), any other
block in Python, with the same lines either way (the blank-line and object tests are
skipped for a batch whose lines all begin with `{`); a batch is decoded by the compiled kernel
(`balise.io.dcsa_kernel`: the lines of the plain kind, nearly all, on two threads) and the
lines it leaves in one call of DuckDB's JSON reader (`from_json` into the shape's types, on an
in-memory connection of the reader's own), which gives the same events, then mapped
column-wise with polars, on a thread of its own while the batch before is stored; lines
holding malformed JSON are split in halves until the bad lines stand alone, so the good lines
keep the fast path. A JSON array is parsed with the cyclic garbage collector
paused (its millions of objects would set it off again and again).
"""

from __future__ import annotations

import gc
import io
import json
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO, Final

import duckdb
import numpy as np
import polars as pl

from balise.errors import InputRejected
from balise.io import dcsa_kernel
from balise.io.dcsa_mapping import map_events
from balise.io.dcsa_shape import EVENT_DTYPE, EVENT_STRUCTURE
from balise.io.nmea_lines import rest_of_line
from balise.model.batch import ReadOptions
from balise.model.cargo import CONTAINER_EVENT_SCHEMA
from balise.model.record_batch import RecordBatch, RecordKind
from balise.model.schema import QUARANTINE_SCHEMA, conform, empty

DCSA_JSONL: Final = "dcsa_jsonl"
"""Format name of JSON lines of events."""
DCSA_JSON: Final = "dcsa_json"
"""Format name of a JSON array of events."""
_BLOCK_BYTES: Final = 16 << 20
"""Bytes read at a time (whole lines: the block is completed to the next line end)."""
_ONE_BY_ONE: Final = 16
"""Below this many lines a failing piece is decoded line by line rather than halved again."""
_CSV_SEPARATOR: Final = b"\x01"
"""A byte that is not in a plain block: the separator of the one-column CSV its lines are."""
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


_LINES_SCHEMA: Final = {"source_line": pl.Int64(), "raw": pl.String(), "blank": pl.Boolean()}


def _line_frames(stream: BinaryIO, max_line_bytes: int) -> Iterator[pl.DataFrame]:
    """The lines of `stream` (`source_line` from 1, `raw` without the line end, `blank`), a
    block of whole lines at a time, split column-wise; a line longer than `max_line_bytes`
    comes with its first `max_line_bytes + 1` bytes only."""
    first = 1
    while data := stream.read(_BLOCK_BYTES):
        if not data.endswith(b"\n"):
            data += rest_of_line(stream, max_line_bytes)
        raw = _split_plain(data)
        if raw is None:
            text = data.decode("utf-8", errors="replace")
            texts = text.split("\n")
            if texts[-1] == "":  # the block's last line end (not copying the block to drop it)
                texts.pop()
            raw = pl.Series("raw", texts, dtype=pl.String())
            if "\r" in text:
                raw = raw.str.strip_chars_end("\r")
        frame = pl.DataFrame(
            {
                "source_line": pl.int_range(first, first + raw.len(), eager=True),
                "raw": raw,
                "blank": _matching(raw, r"^[ \t\r\x0b\x0c]*$", False),  # as bytes.strip()
            },
            schema=_LINES_SCHEMA,
        )
        first += frame.height
        yield frame


def _matching(texts: pl.Series, pattern: str, braced: bool) -> pl.Series:
    """`texts.str.contains(pattern)`, a pattern that is `braced` (True or False) for every text
    beginning with `{`: not run at all when every text does (a batch of events, the usual
    case)."""
    if texts.len() and texts.str.starts_with("{").all():
        return pl.repeat(braced, texts.len(), eager=True).alias(texts.name)
    return texts.str.contains(pattern)


_UNPLAIN: Final = (b"\r", b"\x00", _CSV_SEPARATOR)


def _split_plain(data: bytes) -> pl.Series | None:
    """The lines of a block of plain text (valid UTF-8 without a byte order mark, carriage
    returns, NUL or `_CSV_SEPARATOR` bytes), as `str.split` splits them: by the compiled
    kernel when it is built (its texts left in the block), else by polars' multi-threaded CSV
    reader; None for any other block (split in Python)."""
    if data.startswith(b"\xef\xbb\xbf") or any(b in data for b in _UNPLAIN):
        return None
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
    split = dcsa_kernel.split(data)
    if split is not None:
        return split
    try:
        frame = pl.read_csv(
            io.BytesIO(data), has_header=False, separator=_CSV_SEPARATOR.decode(),
            quote_char=None, comment_prefix=None, new_columns=["raw"],
            schema={"raw": pl.String()}, encoding="utf8",
        )  # fmt: skip
    except pl.exceptions.PolarsError:  # pragma: no cover - the checks above leave plain text
        return None
    raw = frame.to_series().fill_null("")
    # every byte is in a line or is the newline after one (polars keeps every line, blank ones
    # too): checked on the lines' lengths, which costs less than counting the newlines
    if raw.str.len_bytes().sum() + raw.len() - (not data.endswith(b"\n")) != len(data):
        return None  # pragma: no cover
    return raw


def read_event_lines(stream: BinaryIO, source: str, options: ReadOptions) -> Iterator[RecordBatch]:
    """Batches of the events of a JSON lines `stream` (see the module's docstring): each of
    `options.batch_records` non-blank lines, with the blank lines among them."""
    yield from _ahead(source, _batch_lines(stream, options), options.max_record_line_bytes)


def _batch_lines(stream: BinaryIO, options: ReadOptions) -> Iterator[pl.DataFrame]:
    """The lines (`_LINES_SCHEMA`) of each batch of a JSON lines `stream`."""
    size = max(1, options.batch_records)
    pending = pl.DataFrame(schema=_LINES_SCHEMA)
    for frame in _line_frames(stream, options.max_record_line_bytes):
        lines = pl.concat([pending, frame])
        seen = (~lines["blank"]).cum_sum()
        batch = pl.Series(np.where(lines["blank"], seen // size, (seen - 1) // size))
        complete = int(seen[-1]) // size if lines.height else 0
        for index in range(complete):
            yield lines.filter(batch == index)
        pending = lines.filter(batch >= complete)
    if pending.height:
        yield pending


def _ahead(source: str, batches: Iterator[pl.DataFrame], cap: int) -> Iterator[RecordBatch]:
    """The `events_batch` of each of `batches`, each one made on a thread of its own while the
    caller stores the one before (DuckDB and polars work outside the interpreter's lock, so
    decoding a batch and storing the previous one share the CPUs); in order, one ahead."""
    decoder = _Decoder()
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dcsa") as pool:
            ready: Future[RecordBatch] | None = None
            for lines in batches:
                following = pool.submit(events_batch, source, lines, cap, decoder)
                if ready is not None:
                    yield ready.result()
                ready = following
            if ready is not None:
                yield ready.result()
    finally:
        decoder.close()


def read_event_array(stream: BinaryIO, source: str, options: ReadOptions) -> Iterator[RecordBatch]:
    """Batches of the events of a JSON array `stream`, read whole (see the module's docstring);
    an input that is not a JSON array is one `bad_json` quarantine row (line 0)."""
    data = stream.read()
    try:
        items = _loads_untracked(data)
    except (ValueError, RecursionError) as err:
        detail = str(err) if isinstance(err, ValueError) else "nested too deeply"
        yield _whole_input_bad(source, "bad_json", detail, data)
        return
    if not isinstance(items, list):
        yield _whole_input_bad(source, "bad_json", "not a JSON array", data)
        return
    yield from _ahead(source, _array_lines(items, options), options.max_record_line_bytes)


def _loads_untracked(data: bytes) -> object:
    """`json.loads(data)` with the cyclic garbage collector paused: the millions of objects of a
    large array (which hold no cycles) would otherwise set it off again and again, each time
    walking over all those made so far (four times the decoding's own CPU time)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return json.loads(data)
    finally:
        if collecting:
            gc.enable()


_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, check_circular=False)
"""`json.dumps(item, ensure_ascii=False)` without making an encoder for each item (and without
looking for cycles, which `json.loads` does not make)."""


def _array_lines(items: list[object], options: ReadOptions) -> Iterator[pl.DataFrame]:
    """The events of each batch of a JSON array as lines (`_LINES_SCHEMA`), one event a line."""
    size = max(1, options.batch_records)
    for start in range(0, len(items), size):
        texts = [_ENCODER.encode(item) for item in items[start : start + size]]
        numbers = range(start + 1, start + len(texts) + 1)
        yield pl.DataFrame(
            {"source_line": numbers, "raw": texts, "blank": [False] * len(texts)},
            schema=_LINES_SCHEMA,
        )


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


def events_batch(
    source: str, lines: pl.DataFrame, max_line_bytes: int, decoder: _Decoder
) -> RecordBatch:
    """The batch of `lines` (`_LINES_SCHEMA`): decoded, mapped, checked."""
    data = _kept(lines, ~pl.col("blank"))
    long = data["raw"].str.len_bytes() > max_line_bytes
    detail = f"longer than {max_line_bytes} bytes (ingest.max_record_line_bytes)"
    too_long = data.filter(long).select(
        "source_line",
        pl.lit("line_too_long").alias("reason"),
        pl.lit(detail).alias("detail"),
        "raw",
    )
    decoded, undecodable, trimmed = _decode(
        _kept(data, ~long).select("source_line", "raw"), decoder
    )
    records, rejected, cleared = map_events(decoded, trimmed)
    rejected = pl.concat([too_long, undecodable, rejected]).sort("source_line")
    return RecordBatch(
        RecordKind.CONTAINERS,
        conform(records.with_columns(pl.lit(source).alias("source")), CONTAINER_EVENT_SCHEMA),
        quarantine=_quarantine(source, rejected),
        records_read=data.height,
        skipped=Counter({"blank_line": lines.height - data.height}),
        cleared=cleared,
    )


def _kept(frame: pl.DataFrame, keep: pl.Expr | pl.Series) -> pl.DataFrame:
    """The rows of `frame` that `keep`, not copying them when that is all of them (the usual
    case: a batch of lines is a quarter of a gigabyte of text)."""
    mask = frame.select(keep).to_series() if isinstance(keep, pl.Expr) else keep
    return frame if mask.all() else frame.filter(mask)


class _Decoder:
    """Decodes events with DuckDB's JSON reader on a private in-memory connection."""

    def __init__(self) -> None:
        self._con = duckdb.connect(config={"preserve_insertion_order": True})

    def close(self) -> None:
        self._con.close()

    def decode(self, lines: pl.DataFrame) -> pl.DataFrame:
        """`lines` (`source_line`, `raw`: JSON objects) with their `event`; raises
        `duckdb.Error` when one of them is malformed JSON."""
        # Arrow string views: polars' own layout, handed over without copying the text
        text = lines.select("raw").to_arrow(compat_level=pl.CompatLevel.newest())
        self._con.register("batch_lines", text)
        try:  # only the decoded events come back (in the order of the lines): not the text
            table = self._con.sql(
                "SELECT from_json(raw, ?) AS event FROM batch_lines", params=[EVENT_STRUCTURE]
            ).to_arrow_table()
        finally:
            self._con.unregister("batch_lines")
        events = pl.from_arrow(table)
        assert isinstance(events, pl.DataFrame)
        if events.height != lines.height:  # pragma: no cover - DuckDB keeps every row
            raise duckdb.InternalException("decoded events do not match their lines")
        event = events.to_series().alias("event")
        if event.dtype != EVENT_DTYPE:  # a cast of the same type still copies every value
            event = event.cast(EVENT_DTYPE)
        return lines.select("source_line", "raw").with_columns(event)


def _decode(lines: pl.DataFrame, decoder: _Decoder) -> tuple[pl.DataFrame, pl.DataFrame, bool]:
    """`lines` with their decoded `event`, the rejected rows of those that are not JSON
    objects (the whole batch at once, else each half, down to single lines), and whether every
    text of the events is known to be trimmed (`dcsa_kernel.Decoded`)."""
    objects = _matching(lines["raw"], r"^\s*\{", True)  # as str.strip_chars_start()
    others = lines.filter(~objects)
    rejected = [_rejected(number, text) for number, text in others.iter_rows()]
    decoded, bad, trimmed = _compiled_first(_kept(lines, objects), decoder)
    rows = pl.DataFrame(rejected, schema=_REJECTED_SCHEMA, orient="row")
    return decoded, pl.concat([rows, bad]), trimmed


def _compiled_first(
    lines: pl.DataFrame, decoder: _Decoder
) -> tuple[pl.DataFrame, pl.DataFrame, bool]:
    """`_bisected(lines)`, the lines the compiled kernel decodes (nearly all) decoded by it
    (the same events), the others by DuckDB; and whether the texts are known to be trimmed
    (when the kernel decoded them all)."""
    found = dcsa_kernel.decode(lines["raw"])
    if found is None:
        return (*_bisected(lines, decoder), False)
    columns = lines.select("source_line", "raw")
    if found.mask.all():
        decoded = columns.with_columns(found.events.alias("event"))
        return decoded, pl.DataFrame(schema=_REJECTED_SCHEMA), found.trimmed
    compiled = pl.Series(found.mask)
    fast = columns.filter(compiled).with_columns(found.events.alias("event"))
    slow, bad = _bisected(lines.filter(~compiled), decoder)
    return pl.concat([fast, slow]).sort("source_line"), bad, False


def _bisected(lines: pl.DataFrame, decoder: _Decoder) -> tuple[pl.DataFrame, pl.DataFrame]:
    try:
        return decoder.decode(lines), pl.DataFrame(schema=_REJECTED_SCHEMA)
    except (duckdb.Error, UnicodeDecodeError):  # DuckDB's message may cut a character in two
        pass
    if lines.height == 1:
        number, text = lines.row(0)
        row = pl.DataFrame([_rejected(number, text)], schema=_REJECTED_SCHEMA, orient="row")
        return lines.with_columns(pl.lit(None, EVENT_DTYPE).alias("event")).clear(), row
    if lines.height <= _ONE_BY_ONE:
        parts = [_bisected(lines.slice(i, 1), decoder) for i in range(lines.height)]
    else:
        half = lines.height // 2
        parts = [_bisected(lines.slice(0, half), decoder), _bisected(lines.slice(half), decoder)]
    return pl.concat(p[0] for p in parts), pl.concat(p[1] for p in parts)


def _rejected(number: int, text: str) -> tuple[int, str, str, str]:
    return (number, *_why_undecodable(text), text)


def _why_undecodable(text: str) -> tuple[str, str]:
    """The quarantine reason and detail of a line that is not a JSON object."""
    try:
        value = json.loads(text)
    except ValueError as err:
        return "bad_json", str(err)
    except RecursionError:  # `[[[[...` nested past the interpreter's stack
        return "bad_json", "nested too deeply"
    if not isinstance(value, dict):
        return "bad_json", f"a JSON {type(value).__name__}, not an object"
    return "bad_json", "not decodable"  # DuckDB refused what Python reads: kept out, said so
