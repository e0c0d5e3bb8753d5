"""Vectorised splitting of NMEA 0183 AIS sentence lines (`!AIVDM` / `!AIVDO`, any talker).

A line may carry, around the sentence itself:
- an NMEA 4.0 tag block, `\\s:station,c:1641024020*hh\\`, whose `c:` field is the receive time in
  unix seconds (milliseconds in some feeds);
- a leading timestamp written by the receiver or archive: unix seconds (`1641024020.25 !AIVDM...`)
  or ISO 8601 (`2022-01-01T08:00:20Z !AIVDM...`, `2022-01-01 08:00:20,!AIVDM...`);
- a trailing unix time after the checksum (`...*5C,1641024020`), as some archives append.

A line may also give a time to the sentences after it: a Gatehouse `$PGHP` sentence or a tag block
alone on its line (see `nmea_time`, `nmea_time_lines`); that time is used when a sentence has none
of its own, and is carried from one chunk to the next (`SplitChunk.context`).

A whole chunk is handled as one byte array (`nmea_bytes`): line, `!`, comma and backslash positions
come from NumPy searches, every field is read at its offset for all lines at once, and the
checksums (XOR of the bytes between `!` and `*`) come from one cumulative XOR. Python touches only
the rare lines that carry a text timestamp, and the raw text of lines that are set aside.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from balise.io import nmea_kernel
from balise.io.nmea_bytes import (
    BACKSLASH,
    BANG,
    COMMA,
    STAR,
    Chunk,
    blank_lines,
    digit,
    hex_byte,
    padded,
    payloads,
    ranked,
    xor,
    xor_where,
)
from balise.io.nmea_time import (
    UNREADABLE,
    TimeContext,
    TimeLines,
    carried_micros,
    epoch_micros,
    text_times,
)
from balise.io.nmea_time_lines import (
    FoundTimeLines,
    find_time_lines,
    no_time_lines,
    rejected_rows,
)
from balise.model.arrays import BoolArray, IntArray, UInt8Array
from balise.model.schema import UTC_TIME

__all__ = [
    "Chunk",
    "PreparedChunk",
    "SplitChunk",
    "joined_prepared",
    "prepare_chunk",
    "split_chunk",
    "split_prepared",
]

_FIELDS = 6
"""Commas of a sentence: talker+type, count, number, sequence id, channel, payload, fill*cs."""
_MAX_DIGITS = 13
"""Digits of a `c:` time in milliseconds; a longer number is unreadable (`bad_time`)."""

_PROBLEMS = {0: None, 1: "bad_checksum", 2: "bad_tag_checksum", 3: "bad_fragment", 4: "bad_time"}
_PROBLEM_NAMES = pl.Series([_PROBLEMS[code] for code in range(len(_PROBLEMS))], dtype=pl.String)


def _problems(codes: npt.NDArray[np.int8]) -> pl.Series:
    """The problem of each sentence (None or a quarantine reason) from its code (`_PROBLEMS`)."""
    return _PROBLEM_NAMES.gather(codes.astype(np.uint32))


@dataclass(frozen=True)
class _Layout:
    """Offsets of the parts of every line of a chunk (-1 where a part is absent)."""

    bang: IntArray
    commas: IntArray
    tag_end: IntArray

    @property
    def fill_at(self) -> IntArray:
        return self.commas[:, 5] + 1


def _layout(codes: UInt8Array, chunk: Chunk) -> _Layout:
    starts, ends = chunk.starts, chunk.ends
    before_start = starts - 1
    tag_end = _tag_ends(codes, starts, ends)
    has_tag = tag_end >= 0
    sentence_start = np.where(has_tag, tag_end + 1, starts)
    bang = np.where((codes[sentence_start] == BANG) & (sentence_start < ends), sentence_start, -1)
    if (bang < 0).any():
        after = np.maximum(tag_end, before_start)
        found = ranked(np.flatnonzero(codes == BANG), starts, after, 1)[:, 0]
        bang = np.where((bang < 0) & (found < ends), found, bang)
    commas, regular = _regular_commas(codes, bang, ends)
    if not regular.all():
        after = np.where(~regular & (bang >= 0), bang, np.iinfo(np.int64).max)
        searched = ranked(np.flatnonzero(codes == COMMA), starts, after, _FIELDS)
        commas = np.where(regular[:, None], commas, searched)
    return _Layout(bang, commas, tag_end)


def _tag_ends(codes: UInt8Array, starts: IntArray, ends: IntArray) -> IntArray:
    """Where each line's tag block ends (its second backslash, the first being the line's first
    byte), -1 for a line without one. A backslash belongs to the last line starting at or before
    it."""
    backslashes = np.flatnonzero(codes == BACKSLASH)
    tag_end = np.full(starts.size, -1, dtype=np.int64)
    opens = np.flatnonzero((codes[starts] == BACKSLASH) & (ends > starts))
    if opens.size == 0:
        return tag_end
    second = np.searchsorted(backslashes, starts[opens]) + 1
    found = second < backslashes.size
    opens, second = opens[found], second[found]
    closing = backslashes[second]
    next_start = np.append(starts[1:], np.iinfo(np.int64).max)[opens]
    inside = closing < next_start
    tag_end[opens[inside]] = closing[inside]
    return tag_end


def _regular_commas(
    codes: UInt8Array, bang: IntArray, ends: IntArray
) -> tuple[IntArray, BoolArray]:
    """Comma offsets of sentences laid out as nearly all are: `!AIVDM,c,n,[s],[ch],payload,f*hh`
    ending the line. Other lines (a trailing time, a two-digit field) are searched instead."""
    at = np.maximum(bang, 0)
    comma = np.lib.stride_tricks.sliding_window_view(codes, 15)[at] == COMMA
    seq_at = np.where(comma[:, 11], 11, 12)
    channel_at = seq_at + np.where(comma[:, 11], ~comma[:, 12], ~comma[:, 13]) + 1
    payload_comma = ends - 5
    commas = np.stack(
        [at + 6, at + 8, at + 10, at + seq_at, at + channel_at, payload_comma], axis=1
    )
    regular = (
        (bang >= 0)
        & comma[:, 6] & comma[:, 8] & comma[:, 10]
        & (comma[:, 11] | comma[:, 12])
        & np.where(comma[:, 11], comma[:, 12] | comma[:, 13], comma[:, 13] | comma[:, 14])
        & (codes[payload_comma] == COMMA)
        & (payload_comma > at + channel_at)
        & (codes[np.maximum(ends - 3, 0)] == STAR)
    )  # fmt: skip
    return commas, regular


def _is_header(codes: UInt8Array, bang: IntArray) -> BoolArray:
    """`!` followed by two upper-case letters, `VD`, then `M` or `O` (any talker)."""
    at = np.maximum(bang, 0)
    head = np.lib.stride_tricks.sliding_window_view(codes, 6)[at]
    letters = (head[:, 1:3] - np.uint8(ord("A")) <= ord("Z") - ord("A")).all(axis=1)
    kind = (head[:, 5] == ord("M")) | (head[:, 5] == ord("O"))
    vd = (head[:, 3] == ord("V")) & (head[:, 4] == ord("D"))
    header: BoolArray = (bang >= 0) & letters & vd & kind
    return header


def _tag_times(codes: UInt8Array, starts: IntArray, tag_end: IntArray) -> IntArray:
    """Microseconds since the epoch from each tag block's `c:` field: -1 when there is none,
    `UNREADABLE` when it has no digits or more than 13 (never cut to fit). Seconds, or
    milliseconds from `MS_EPOCH_FLOOR` on (see `nmea_time`); an implausible value is left to the
    time-window check."""
    micros = np.full(len(starts), -1, dtype=np.int64)
    colons = np.flatnonzero(codes == ord(":"))
    before = codes[colons - 2]
    colons = colons[(codes[colons - 1] == ord("c")) & ((before == BACKSLASH) | (before == COMMA))]
    if colons.size == 0:
        return micros
    line = np.searchsorted(starts, colons, side="right") - 1
    inside = colons < tag_end[line]
    line, first = line[inside], colons[inside]
    if line.size == 0:  # "c:" only outside tag blocks (in a payload or a mangled line)
        return micros
    leading = np.concatenate(([True], line[1:] != line[:-1]))
    line, first = line[leading], first[leading]
    window = np.lib.stride_tricks.sliding_window_view(codes, _MAX_DIGITS + 1)[first + 1]
    digits = window - np.uint8(ord("0"))  # a byte below "0" wraps past 9
    is_digit = digits <= 9
    all_read = is_digit[:, :_MAX_DIGITS].all(axis=1)
    count = np.where(all_read, _MAX_DIGITS, np.argmin(is_digit[:, :_MAX_DIGITS], axis=1))
    too_long = all_read & is_digit[:, _MAX_DIGITS]
    value = np.zeros(line.size, dtype=np.int64)
    for column in range(int(count.max(initial=0))):
        value = np.where(count > column, value * 10 + digits[:, column], value)
    micros[line] = np.where((count == 0) | too_long, UNREADABLE, epoch_micros(value))
    return micros


@dataclass(frozen=True)
class SplitChunk:
    """A chunk's lines sorted out: sentence fields, and the line indices of everything else.

    `sentences` has one row per AIS sentence line: `source_line`, `count`, `number`, `fill`,
    `timestamp` (UTC or null), `problem` (`bad_checksum`, `bad_tag_checksum`, `bad_fragment`,
    `bad_time` or null), `payload`, `index` (the line's 0-based index in the chunk) and
    `fragment_key` (sequence id and channel as one number, see `_fragment_keys`).
    `time_lines` counts the good `$PGHP` time sentences and tag-block-only lines, and
    `rejected_time_lines` holds the bad ones (`source_line`, `reason`, `detail`); `context` is
    the time they leave for the next chunk.
    """

    chunk: Chunk
    sentences: pl.DataFrame
    malformed: IntArray
    blank: int
    other: int
    time_lines: dict[str, int] = field(default_factory=dict)
    rejected_time_lines: pl.DataFrame = field(default_factory=lambda: rejected_rows([], [], []))
    context: TimeContext = field(default_factory=TimeContext)


@dataclass(frozen=True)
class PreparedChunk:
    """What `prepare_chunk` finds in a chunk without the time carried from earlier chunks: the
    sentences with their own times only, and the time lines that give time to later lines."""

    chunk: Chunk
    sentences: pl.DataFrame
    malformed: IntArray
    blank: int
    other: int
    found: FoundTimeLines


def split_chunk(chunk: Chunk, context: TimeContext | None = None) -> SplitChunk:
    """Find every AIS sentence of `chunk` and read its fields, checksum and receive time.

    `context` is what the previous chunk of the stream left (`SplitChunk.context`): the time of
    a `$PGHP` sentence or tag line that still applies to the first lines of this one."""
    return split_prepared(prepare_chunk(chunk), context)


def prepare_chunk(chunk: Chunk, span: tuple[int, int] | None = None) -> PreparedChunk:
    """The part of `split_chunk` that needs nothing from earlier chunks (nearly all the work):
    chunks of one stream are prepared in any order, on any thread, then split in order.

    The compiled kernel (`nmea_kernel`) reads the chunk when it is built and every line is a
    plain AIS sentence; otherwise NumPy does, with the same result, on the bytes `span` of the
    chunk's data that its lines were found in (all of them by default)."""
    if len(chunk) and (scanned := nmea_kernel.scan(chunk.data, chunk.starts, chunk.ends)):
        return _kernel_prepared(chunk, scanned)
    if span is not None:
        chunk = chunk.narrowed(*span)
    codes = padded(chunk.data)
    layout = _layout(codes, chunk)
    commas, bang = layout.commas, layout.bang
    header = _is_header(codes, bang)
    fill_at = layout.fill_at
    complete = (
        header
        & (commas[:, 0] == bang + 6)
        & (commas >= 0).all(axis=1)
        & (fill_at + 4 <= chunk.ends)
        & (codes[np.maximum(fill_at + 1, 0)] == STAR)
        & (digit(codes, np.maximum(fill_at, 0)) >= 0)
    )
    malformed = np.flatnonzero(header & ~complete)
    blank = blank_lines(codes, chunk, ~header)
    tag_micros = _tag_times(codes, chunk.starts, layout.tag_end)
    found = find_time_lines(codes, chunk, layout.tag_end, tag_micros, ~header & ~blank)
    other = int((~header & ~blank & ~found.is_time_line).sum())
    rows = np.flatnonzero(complete)
    sentences = _sentences(codes, chunk, layout, rows, tag_micros[rows])
    return PreparedChunk(chunk, sentences, malformed, int(blank.sum()), other, found)


def _kernel_prepared(chunk: Chunk, scanned: nmea_kernel.ScannedLines) -> PreparedChunk:
    """The prepared chunk of lines that are all AIS sentences, from the kernel's columns."""
    rows = np.arange(len(chunk), dtype=np.int64)
    payload = pa.LargeStringArray.from_buffers(
        len(chunk), pa.py_buffer(scanned.payload_offsets), pa.py_buffer(scanned.payload_bytes)
    )
    sentences = pl.DataFrame(
        {
            "index": rows,
            "source_line": chunk.line_numbers(rows),
            "count": scanned.count,
            "number": scanned.number,
            "fill": scanned.fill,
            "timestamp": _as_time(scanned.micros),
            "problem": _problems(scanned.problem),
            "payload": nmea_kernel.strings("payload", payload),
            "fragment_key": scanned.fragment_key,
        }
    )
    empty = np.zeros(0, dtype=np.int64)
    return PreparedChunk(chunk, sentences, empty, 0, 0, no_time_lines(len(chunk)))


def joined_prepared(parts: list[PreparedChunk], chunk: Chunk) -> PreparedChunk:
    """One prepared chunk of the consecutive prepared chunks `parts`, whose lines, back to back,
    are those of `chunk`."""
    if len(parts) == 1:
        return replace(parts[0], chunk=chunk)
    shifts = np.cumsum([0] + [len(part.chunk) for part in parts[:-1]]).tolist()
    founds = [part.found for part in parts]
    times = [found.lines for found in founds]
    counts: Counter[str] = Counter()
    for found in founds:
        counts.update(found.counts)
    found = FoundTimeLines(
        TimeLines(
            np.concatenate([t.pghp_lines for t in times]),
            np.concatenate([t.pghp_micros for t in times]),
            np.concatenate([t.tag_lines for t in times]),
            np.concatenate([t.tag_micros for t in times]),
        ),
        np.concatenate([found.is_time_line for found in founds]),
        dict(counts),
        pl.concat([found.rejected for found in founds]),
    )
    sentences = pl.concat(
        [
            part.sentences.with_columns(pl.col("index") + shift)
            for part, shift in zip(parts, shifts, strict=True)
        ]
    )
    return PreparedChunk(
        chunk,
        sentences,
        np.concatenate([p.malformed + shift for p, shift in zip(parts, shifts, strict=True)]),
        sum(part.blank for part in parts),
        sum(part.other for part in parts),
        found,
    )


def split_prepared(prepared: PreparedChunk, context: TimeContext | None = None) -> SplitChunk:
    """A prepared chunk with the times carried to its sentences from `context` and its own
    time lines (see `split_chunk`)."""
    chunk, sentences, found = prepared.chunk, prepared.sentences, prepared.found
    rows = sentences["index"].to_numpy()
    carried, after = _carried(chunk, rows, found.lines, context or TimeContext())
    if carried.null_count() < carried.len():
        sentences = sentences.with_columns(sentences["timestamp"].fill_null(carried))
    return SplitChunk(
        chunk,
        sentences,
        prepared.malformed,
        prepared.blank,
        prepared.other,
        found.counts,
        found.rejected,
        after,
    )


def _carried(
    chunk: Chunk, rows: IntArray, given: TimeLines, context: TimeContext
) -> tuple[pl.Series, TimeContext]:
    """Times carried to the sentence rows: the chunk's own per-line times when it has them, else
    those of the `$PGHP` sentences and tag lines before them (this chunk's or earlier ones)."""
    if chunk.times is not None:
        return chunk.times.gather(rows).cast(UTC_TIME), context
    if given.is_empty() and context.empty:
        return pl.Series([None] * rows.size, dtype=UTC_TIME), context
    micros, after = carried_micros(chunk.line_numbers(rows), given, context)
    return _as_time(micros), after


def _as_time(micros: IntArray) -> pl.Series:
    series = pl.Series(micros, dtype=pl.Int64)
    return pl.select(pl.when(series >= 0).then(series)).to_series().cast(UTC_TIME)


def _sentences(
    codes: UInt8Array,
    chunk: Chunk,
    layout: _Layout,
    rows: IntArray,
    own_tag_micros: IntArray,
) -> pl.DataFrame:
    commas, bang, tag_end = layout.commas[rows], layout.bang[rows], layout.tag_end[rows]
    starts, fill_at = chunk.starts[rows], layout.fill_at[rows]
    count, number = digit(codes, commas[:, 0] + 1), digit(codes, commas[:, 1] + 1)
    fragment_ok = (
        (commas[:, 1] == commas[:, 0] + 2) & (commas[:, 2] == commas[:, 1] + 2)
        & (count >= 1) & (number >= 1) & (number <= count)
    )  # fmt: skip
    has_tag = tag_end >= 0
    tag_star = np.maximum(tag_end - 3, 0)
    tag_ok = ~has_tag | (
        (codes[tag_star] == STAR)
        & (xor_where(codes, has_tag, starts + 1, tag_star) == hex_byte(codes, tag_star + 1))
    )
    checksum_ok = xor(codes, bang + 1, fill_at + 1) == hex_byte(codes, fill_at + 2)
    tag_time = _as_time(own_tag_micros)
    text_time, unreadable = _prefix_and_suffix_times(chunk, rows, bang, tag_end, fill_at)
    unreadable |= own_tag_micros == UNREADABLE
    problem = np.select([~checksum_ok, ~tag_ok, ~fragment_ok, unreadable], [1, 2, 3, 4], 0)
    return pl.DataFrame(
        {
            "index": rows,
            "source_line": chunk.line_numbers(rows),
            "count": count.astype(np.int8),
            "number": number.astype(np.int8),
            "fill": (codes[fill_at].astype(np.int16) - ord("0")).astype(np.int8),
            "timestamp": tag_time.fill_null(text_time),
            "problem": pl.Series(problem).replace_strict(_PROBLEMS, return_dtype=pl.String),
            "payload": payloads(codes, commas[:, 4] + 1, commas[:, 5]),
            "fragment_key": _fragment_keys(codes, chunk, rows, commas, count > 1),
        }
    )


def _fragment_keys(
    codes: UInt8Array, chunk: Chunk, rows: IntArray, commas: IntArray, multi: BoolArray
) -> IntArray:
    """Sequence id and channel of each sentence of a multi-sentence message (`multi`) as one
    number (`seq byte << 8 | channel byte`, 0 for an empty field), or -1 when either is longer
    than a byte or the line is not all ASCII: such fragments are reassembled one by one from
    their text (see `nmea_fragments`). 0 for single sentences."""
    seq_len = commas[:, 3] - commas[:, 2] - 1
    channel_len = commas[:, 4] - commas[:, 3] - 1
    seq = np.where(seq_len == 1, codes[commas[:, 2] + 1], 0).astype(np.int64)
    channel = np.where(channel_len == 1, codes[commas[:, 3] + 1], 0).astype(np.int64)
    simple = (seq_len <= 1) & (channel_len <= 1)
    if int(codes.max(initial=0)) >= 0x80:
        at = np.flatnonzero(multi)
        simple[at] &= ~_has_non_ascii(codes, chunk.starts[rows[at]], chunk.ends[rows[at]])
    keys: IntArray = np.where(simple, seq << 8 | channel, -1)
    keys[~multi] = 0
    return keys


def _has_non_ascii(codes: UInt8Array, starts: IntArray, ends: IntArray) -> BoolArray:
    """Which of the lines [starts, ends) hold a byte outside ASCII."""
    lengths = np.maximum(ends - starts, 0)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(starts.size, dtype=bool)
    line = np.repeat(np.arange(starts.size), lengths)
    offsets = np.cumsum(lengths) - lengths
    at = np.repeat(starts - offsets, lengths) + np.arange(total)
    found = np.zeros(starts.size, dtype=bool)
    found[line[codes[at] >= 0x80]] = True
    return found


def _texts(data: bytes, begin: IntArray, end: IntArray) -> list[str]:
    return [
        data[b:e].decode("utf-8", errors="replace")
        for b, e in zip(begin.tolist(), end.tolist(), strict=True)
    ]


def _prefix_and_suffix_times(
    chunk: Chunk, rows: IntArray, bang: IntArray, tag_end: IntArray, fill_at: IntArray
) -> tuple[pl.Series, BoolArray]:
    """Times written before the sentence, else after its checksum; where a prefix is unreadable.

    Only the lines that have such text are looked at, one by one: most streams have none.
    """
    times = pl.Series("timestamp", [None] * len(rows), dtype=UTC_TIME)
    unreadable = np.zeros(len(rows), dtype=bool)
    suffix_begin, line_end = fill_at + 4, chunk.ends[rows]
    with_suffix = np.flatnonzero(line_end > suffix_begin)
    if with_suffix.size:
        texts = _texts(chunk.data, suffix_begin[with_suffix], line_end[with_suffix])
        times = times.scatter(with_suffix, text_times([t.rsplit(",", 1)[-1] for t in texts]))
    prefix_begin = np.where(tag_end >= 0, tag_end + 1, chunk.starts[rows])
    with_prefix = np.flatnonzero(bang > prefix_begin)
    if with_prefix.size:
        texts = _texts(chunk.data, prefix_begin[with_prefix], bang[with_prefix])
        parsed = text_times(texts)
        times = times.scatter(with_prefix, parsed.fill_null(times.gather(with_prefix)))
        blank = pl.Series(texts, dtype=pl.String).str.strip_chars(" \t,;|").str.len_chars() == 0
        unreadable[with_prefix] = (parsed.is_null() & ~blank).to_numpy()
    return times, unreadable
