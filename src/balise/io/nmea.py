"""The NMEA 0183 AIS reader: lines in, batches of cleaned positions and identities out.

Lenient by default, as pyais is: a bad checksum, an undecodable payload, an orphan fragment or a
record without time goes to quarantine with its reason and original text, and every good message
around it is kept. Sentences are parsed and decoded in bulk (see `nmea_sentences`, `ais_payload`);
only multi-sentence messages, a small share of a real stream, are reassembled one by one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import polars as pl

from balise.io import nmea_kernel
from balise.io.ais_payload import decode_payloads
from balise.io.nmea_fragments import multi_messages
from balise.io.nmea_lines import (
    MAX_LINES_PER_RECORD,
    Lines,
    cut_after_lines,
    joined_lines,
    rest_of_line,
)
from balise.io.nmea_reassembly import Fragment, Reassembler
from balise.io.nmea_sentences import (
    Chunk,
    PreparedChunk,
    SplitChunk,
    joined_prepared,
    prepare_chunk,
    split_prepared,
)
from balise.io.nmea_time import TimeContext, outside_window, window_text
from balise.maritime.clean import clean_identities, clean_positions
from balise.model.batch import ReadBatch, ReadOptions
from balise.model.schema import (
    IDENTITY_SCHEMA,
    POSITION_SCHEMA,
    QUARANTINE_SCHEMA,
    UTC_TIME,
    conform,
)
from balise.model.ship_types import ship_type_expr

SOURCE_FORMAT = "nmea"
BYTES_PER_RECORD = 64
"""Typical length of a position sentence with its tag block, to size batches in bytes."""
_ETA_ROLLOVER_DAYS = 183
"""An ETA (month, day; no year) more than half a year before the report is for next year."""


def looks_like_nmea(head: bytes) -> bool:
    """True when the first bytes hold an AIS sentence (`!xxVDM` / `!xxVDO`)."""
    text = head.decode("latin-1")
    return any(f"VD{kind}," in text and "!" in text for kind in "MO")


WORKERS = 2
"""Threads that prepare, decode and clean blocks of a stream side by side (NumPy and Polars
release the interpreter lock while they work); the blocks are still split in stream order. Each
block is prepared in `WORKERS` parts at once."""
AHEAD = 2
"""Blocks being prepared ahead of the one being split (their bytes are held in memory)."""


def read_nmea(stream: BinaryIO, source: str, options: ReadOptions) -> Iterator[ReadBatch]:
    """Read an NMEA stream in batches of about `options.batch_records` sentences, then a closing
    batch with the fragments left incomplete at the end. A batch is a block of whole lines of
    `BYTES_PER_RECORD` bytes per record, so batches are the same on every run over the same input
    (an interrupted ingest resumes on them). The time of a `$PGHP` sentence or tag line is carried
    from one batch to the next.

    Hostile input costs no more than a batch: a line longer than `options.max_line_bytes` is
    quarantined (`line_too_long`) with only its first bytes kept, blank lines are counted without
    being looked at, and a block holding more lines than `MAX_LINES_PER_RECORD` times the batch
    size (tiny junk lines) is cut there and the rest read with the next block.

    Blocks are worked on by `WORKERS` threads, a few blocks ahead of the one given: finding the
    sentences of a block (`prepare_chunk`) and decoding and cleaning its messages run side by
    side; only what carries from one block to the next (times of time lines, fragments waiting
    for the rest of their message) is done in stream order, on the reader's own thread. The
    stream itself is read on that thread only."""
    reassembler = Reassembler()
    context = TimeContext()
    blocks = _blocks(stream, options)
    pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="nmea")
    prepared: deque[tuple[bytes, list[Future[tuple[Lines, PreparedChunk]]]]] = deque()
    finished: deque[Future[ReadBatch]] = deque()

    def prepare_ahead() -> None:
        while len(prepared) < AHEAD and (block := next(blocks, None)) is not None:
            data, first_line = block
            parts = [
                pool.submit(_prepare, data, begin, end, part_line, options.max_line_bytes)
                for begin, end, part_line in _parts(data, first_line, WORKERS)
            ]
            prepared.append((data, parts))

    try:
        prepare_ahead()
        while prepared:
            data, parts = prepared.popleft()
            lines, ready = _joined(data, [part.result() for part in parts])
            split = split_prepared(ready, context)
            context = split.context
            assembled = _assemble(split, reassembler)
            finished.append(pool.submit(_finish, split, assembled, source, options, lines))
            # the next blocks queued behind this one's decoding, not before it: the first batch
            # comes out one block's preparing earlier, and the store starts on it sooner
            prepare_ahead()
            if len(finished) > 1:
                yield finished.popleft().result()
        while finished:
            yield finished.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    yield closing_batch(reassembler, source)


def _blocks(stream: BinaryIO, options: ReadOptions) -> Iterator[tuple[bytes, int]]:
    """The blocks of whole lines of a stream, each with the file line number of its first line."""
    first_line = 1
    carry = b""
    max_lines = MAX_LINES_PER_RECORD * options.batch_records
    while data := _next_block(stream, carry, options.batch_records * BYTES_PER_RECORD, max_lines):
        if not data.endswith(b"\n"):
            data += rest_of_line(stream, options.max_line_bytes)
        data, carry, newlines = cut_after_lines(data, max_lines)
        yield data, first_line
        first_line += newlines + (not data.endswith(b"\n"))


def _parts(data: bytes, first_line: int, parts: int) -> Iterator[tuple[int, int, int]]:
    """`data` cut at line ends into about `parts` ranges `[begin, end)` of similar size, each
    with the file line number of its first line: the parts of a block are prepared side by side,
    in place (the last part's lines are not counted here)."""
    begin = 0
    for part in range(1, parts):
        cut = data.find(b"\n", max(begin, len(data) * part // parts)) + 1
        if cut <= begin:
            break
        yield begin, cut, first_line
        first_line += nmea_kernel.newlines(data, begin, cut)  # the range ends with its newline
        begin = cut
    if begin < len(data):
        yield begin, len(data), first_line


def _joined(data: bytes, parts: list[tuple[Lines, PreparedChunk]]) -> tuple[Lines, PreparedChunk]:
    lines = joined_lines([part_lines for part_lines, _ in parts], data)
    return lines, joined_prepared([ready for _, ready in parts], lines.chunk)


def _prepare(
    data: bytes, begin: int, end: int, first_line: int, max_line_bytes: int
) -> tuple[Lines, PreparedChunk]:
    """The lines of `data[begin:end]`, found in place, and their sentences."""
    lines = Lines.of(data, first_line, max_line_bytes, begin, end)
    return lines, prepare_chunk(lines.chunk, (begin, end))


def _next_block(stream: BinaryIO, carry: bytes, size: int, max_lines: int) -> bytes:
    """The bytes left over from the last block, with `size` more unless they hold a block."""
    return carry if carry.count(b"\n") >= max_lines else carry + stream.read(size)


def closing_batch(reassembler: Reassembler, source: str) -> ReadBatch:
    """The last batch of a stream: the fragments still waiting, as orphans."""
    closing = ReadBatch()
    closing.quarantine = conform(_orphans(reassembler.close()), QUARANTINE_SCHEMA).with_columns(
        pl.lit(source).alias("source")
    )
    return closing


@dataclass(frozen=True)
class _Assembled:
    """The multi-sentence messages a split chunk completed and the fragments it left as orphans
    (its single-sentence messages are taken later, off the stream-order thread)."""

    multi: pl.DataFrame
    orphans: pl.DataFrame


def batch_of(
    split: SplitChunk,
    reassembler: Reassembler,
    source: str,
    options: ReadOptions,
    lines: Lines | None = None,
) -> ReadBatch:
    """Decode, time, clean and sort out the sentences of one split chunk; `lines`, when the chunk
    was read from a block of lines, brings the blank and over-long lines set aside before."""
    return _finish(split, _assemble(split, reassembler), source, options, lines)


def _assemble(split: SplitChunk, reassembler: Reassembler) -> _Assembled:
    """The part of `batch_of` done in stream order: reassembly of multi-sentence messages."""
    good = pl.col("problem").is_null()
    fragments = split.sentences.filter(good & (pl.col("count") > 1))
    multi = multi_messages(fragments, split.chunk, reassembler)
    return _Assembled(multi, _orphans(reassembler.take_orphans()))


def _finish(
    split: SplitChunk,
    assembled: _Assembled,
    source: str,
    options: ReadOptions,
    lines: Lines | None,
) -> ReadBatch:
    """The part of `batch_of` that needs nothing from other chunks: time, decode, clean."""
    blank = split.blank + (lines.empty if lines else 0)
    read = lines.count if lines else len(split.chunk)
    batch = ReadBatch(records_read=read - blank)
    batch.skipped.update({"blank_line": blank, "not_ais_sentence": split.other, **split.time_lines})
    batch.skipped = +batch.skipped
    sentences = split.sentences
    rejected = [
        *([lines.too_long] if lines else []),
        pl.DataFrame(
            {"source_line": split.chunk.line_numbers(split.malformed)},
            schema={"source_line": pl.Int64},
        ).with_columns(pl.lit("malformed_sentence").alias("reason")),
        sentences.filter(pl.col("problem").is_not_null()).select(
            "source_line", pl.col("problem").alias("reason")
        ),
        split.rejected_time_lines,
    ]
    messages = pl.concat([_single_messages(sentences), assembled.multi])
    messages, untimed = _with_time(messages, options)
    rejected.append(untimed)
    rejected.append(assembled.orphans)
    _decode_into(batch, messages, source, rejected)
    batch.quarantine = _quarantine(rejected, split.chunk, source)
    return batch


def _quarantine(rejected: list[pl.DataFrame], chunk: Chunk, source: str) -> pl.DataFrame:
    """Rejected rows with their original text, taken from the chunk unless already given."""
    rejected = [part for part in rejected if not part.is_empty()] or rejected[:1]
    frame = conform(
        pl.concat(rejected, how="diagonal_relaxed").with_columns(pl.lit(source).alias("source")),
        QUARANTINE_SCHEMA,
    )
    missing = frame["raw"].is_null()
    if missing.any():
        lines = chunk.indices_of(frame.filter(missing)["source_line"].to_numpy())
        raw = frame["raw"].scatter(missing.arg_true(), chunk.text(lines))
        frame = frame.with_columns(raw)
    return frame.sort("source_line").unique(
        subset=["source_line", "reason"], keep="first", maintain_order=True
    )


def _single_messages(sentences: pl.DataFrame) -> pl.DataFrame:
    """The good single-sentence messages, only their columns copied (the payloads are most of
    a chunk's bytes)."""
    single = pl.col("problem").is_null() & (pl.col("count") == 1)
    return (
        sentences.lazy()
        .select(
            "source_line",
            pl.lit(None, dtype=pl.String).alias("raw"),
            "payload",
            "fill",
            "timestamp",
            single.alias("single"),
        )
        .filter("single")
        .drop("single")
        .collect()
    )


def _orphans(fragments: list[Fragment]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source_line": [f.source_line for f in fragments],
            "reason": ["orphan_fragment"] * len(fragments),
            "detail": [f"fragment {f.number} of {f.count}, sequence {f.seq!r}" for f in fragments],
            "raw": [f.line for f in fragments],
        },
        schema={
            "source_line": pl.Int64,
            "reason": pl.String,
            "detail": pl.String,
            "raw": pl.String,
        },
    )


def _with_time(messages: pl.DataFrame, options: ReadOptions) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Messages with a plausible time, and the others as quarantine rows (`no_time`, or
    `bad_time` outside `nmea_time.TIME_WINDOW`)."""
    if options.assume_time is not None:
        assumed = pl.lit(options.assume_time).cast(UTC_TIME)
        messages = messages.with_columns(pl.col("timestamp").fill_null(assumed))
    implausible = outside_window().fill_null(False)
    untimed = messages.filter(pl.col("timestamp").is_null() | implausible).select(
        "source_line",
        pl.when(implausible).then(pl.lit("bad_time")).otherwise(pl.lit("no_time")).alias("reason"),
        pl.when(implausible)
        .then(pl.format("time {} outside {}", pl.col("timestamp"), pl.lit(window_text())))
        .otherwise(pl.lit("no tag block, $PGHP or leading timestamp; give --assume-time"))
        .alias("detail"),
        "raw",
    )
    if untimed.is_empty():  # nearly always: no copy of the messages
        return messages, untimed
    return messages.filter(pl.col("timestamp").is_not_null() & ~implausible), untimed


def _decode_into(
    batch: ReadBatch, messages: pl.DataFrame, source: str, quarantine: list[pl.DataFrame]
) -> None:
    decoded = decode_payloads(messages["payload"], messages["fill"].to_numpy())
    context = messages.select(
        pl.int_range(0, messages.height, dtype=pl.UInt32).alias("row"),
        "timestamp",
        "source_line",
        "raw",
    )
    failed = decoded.errors.join(context, on="row").select("source_line", "reason", "detail", "raw")
    quarantine.append(failed)
    decodable = np.ones(messages.height, dtype=bool)
    decodable[decoded.errors["row"].to_numpy()] = False
    types, counts = np.unique(decoded.msg_type[decodable], return_counts=True)
    batch.messages_by_type.update(dict(zip(types.tolist(), counts.tolist(), strict=True)))
    raw_by_line = context.select("source_line", "raw")
    positions = _positions(decoded.positions, context, source)
    identities = _identities(decoded.identities, context, source)
    _clean_into(batch, positions, identities, raw_by_line, quarantine)


def _positions(decoded: pl.DataFrame, context: pl.DataFrame, source: str) -> pl.DataFrame:
    frame = _with_context(decoded, context).with_columns(
        pl.lit(source).alias("source"), pl.lit(SOURCE_FORMAT).alias("source_format")
    )
    return conform(frame, POSITION_SCHEMA)


def _with_context(decoded: pl.DataFrame, context: pl.DataFrame) -> pl.DataFrame:
    """The decoded rows with the time and source line of the message each came from (`row`)."""
    taken = context.select(pl.col("timestamp", "source_line").gather(decoded["row"]))
    return decoded.hstack(taken)


def _identities(decoded: pl.DataFrame, context: pl.DataFrame, source: str) -> pl.DataFrame:
    frame = _with_context(decoded, context).with_columns(
        pl.lit(source).alias("source"),
        pl.lit(SOURCE_FORMAT).alias("source_format"),
        ship_type_expr("ship_type").alias("ship_type_text"),
        _eta().alias("eta"),
    )
    return conform(frame, IDENTITY_SCHEMA)


def _eta() -> pl.Expr:
    """The ETA as a UTC time: month and day must be given; hour 24 or minute 60 mean 00."""
    hour = pl.when(pl.col("eta_hour") < 24).then(pl.col("eta_hour")).otherwise(0)
    minute = pl.when(pl.col("eta_minute") < 60).then(pl.col("eta_minute")).otherwise(0)
    year = pl.col("timestamp").dt.year()

    def at(year_expr: pl.Expr) -> pl.Expr:
        text = pl.format(
            "{}-{}-{} {}:{}", year_expr, pl.col("eta_month"), pl.col("eta_day"), hour, minute
        )
        return text.str.to_datetime(
            "%Y-%m-%d %H:%M", strict=False, time_unit="us"
        ).dt.replace_time_zone("UTC")

    this_year = at(year)
    stale = this_year < pl.col("timestamp") - pl.duration(days=_ETA_ROLLOVER_DAYS)
    return pl.when(stale).then(at(year + 1)).otherwise(this_year)


def _clean_into(
    batch: ReadBatch,
    positions: pl.DataFrame,
    identities: pl.DataFrame,
    raw_by_line: pl.DataFrame,
    quarantine: list[pl.DataFrame],
) -> None:
    cleaned_positions = clean_positions(positions)
    cleaned_identities = clean_identities(identities)
    for cleaned in (cleaned_positions, cleaned_identities):
        batch.cleared.update(cleaned.cleared)
        quarantine.append(cleaned.rejected.join(raw_by_line, on="source_line", how="left"))
    batch.positions = cleaned_positions.kept
    batch.identities = cleaned_identities.kept
    batch.duplicates = cleaned_positions.duplicates
    batch.no_position = cleaned_positions.no_position
