"""Vectorised splitting of NMEA 0183 AIS sentence lines (`!AIVDM` / `!AIVDO`, any talker).

A line may carry, around the sentence itself:
- an NMEA 4.0 tag block, `\\s:station,c:1641024020*hh\\`, whose `c:` field is the receive time in
  unix seconds (milliseconds in some feeds);
- a leading timestamp written by the receiver or archive: unix seconds (`1641024020.25 !AIVDM...`)
  or ISO 8601 (`2022-01-01T08:00:20Z !AIVDM...`, `2022-01-01 08:00:20,!AIVDM...`);
- a trailing unix time after the checksum (`...*5C,1641024020`), as some archives append.

A whole chunk is handled as one byte array: line, `!`, comma and backslash positions come from
NumPy searches, every field is read at its offset for all lines at once, and the checksums (XOR of
the bytes between `!` and `*`) come from one cumulative XOR. Python touches only the rare lines
that carry a text timestamp, and the raw text of lines that are set aside.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from balise.model.arrays import BoolArray, IntArray, UInt8Array
from balise.model.schema import UTC_TIME

_EPOCH = r"^\d{9,13}(?:\.\d+)?$"
_ISO = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?$"
_MS_EPOCH_FLOOR = 100_000_000_000
"""A `c:` value this large is milliseconds: seconds would be in the year 5138."""
_FIELDS = 6
"""Commas of a sentence: talker+type, count, number, sequence id, channel, payload, fill*cs."""
_PAD = 32
_MAX_DIGITS = 13
_BANG, _COMMA, _BACKSLASH, _STAR, _NEWLINE, _CR = (ord(c) for c in "!,\\*\n\r")

_PROBLEMS = {0: None, 1: "bad_checksum", 2: "bad_tag_checksum", 3: "bad_fragment", 4: "bad_time"}

_HEX = np.full(256, -1, dtype=np.int16)
for _value, _char in enumerate("0123456789ABCDEF"):
    _HEX[ord(_char)] = _HEX[ord(_char.lower())] = _value


@dataclass(frozen=True)
class Chunk:
    """A chunk of lines as bytes, with where each line starts and ends (without `\\r\\n`)."""

    data: bytes
    starts: IntArray
    ends: IntArray
    first_line: int

    @classmethod
    def of(cls, data: bytes, first_line: int) -> Chunk:
        codes = np.frombuffer(data, dtype=np.uint8)
        ends = np.flatnonzero(codes == _NEWLINE)
        if data and not data.endswith(b"\n"):
            ends = np.append(ends, len(data))
        starts = np.concatenate(([0], ends[:-1] + 1))[: ends.size].astype(np.int64)
        has_cr = (ends > starts) & (codes[np.maximum(ends - 1, 0)] == _CR)
        return cls(data, starts, (ends - has_cr).astype(np.int64), first_line)

    def __len__(self) -> int:
        return len(self.starts)

    def text(self, lines: npt.ArrayLike) -> list[str]:
        """The text of the lines at these 0-based indices (for quarantine, multipart)."""
        return [
            self.data[self.starts[i] : self.ends[i]].decode("utf-8", errors="replace")
            for i in np.asarray(lines, dtype=np.int64).tolist()
        ]


def _padded(data: bytes) -> UInt8Array:
    codes = np.zeros(len(data) + _PAD, dtype=np.uint8)
    codes[: len(data)] = np.frombuffer(data, dtype=np.uint8)
    return codes


def _ranked(positions: IntArray, starts: IntArray, keep_after: IntArray, ranks: int) -> IntArray:
    """Per line, the first `ranks` positions after `keep_after[line]` (-1 where missing)."""
    line = np.searchsorted(starts, positions, side="right") - 1
    kept = positions > keep_after[line]
    positions, line = positions[kept], line[kept]
    table = np.full((len(starts), ranks), -1, dtype=np.int64)
    if positions.size == 0:
        return table
    group_start = np.flatnonzero(np.concatenate(([True], line[1:] != line[:-1])))
    sizes = np.diff(np.append(group_start, positions.size))
    rank = np.arange(positions.size) - np.repeat(group_start, sizes)
    wanted = rank < ranks
    table[line[wanted], rank[wanted]] = positions[wanted]
    return table


def _hex_byte(codes: UInt8Array, at: IntArray) -> npt.NDArray[np.int16]:
    high, low = _HEX[codes[at]], _HEX[codes[at + 1]]
    return np.where((high >= 0) & (low >= 0), high * 16 + low, -1).astype(np.int16)


def _xor(codes: UInt8Array, begin: IntArray, end: IntArray) -> npt.NDArray[np.int16]:
    """XOR of the bytes in [begin, end) for each pair; pairs must be ordered and not overlap."""
    if begin.size == 0:
        return np.zeros(0, dtype=np.int16)
    bounds = np.stack([begin, np.maximum(end, begin + 1)], axis=1).ravel()
    sums = np.bitwise_xor.reduceat(codes, bounds)[::2].astype(np.int16)
    return np.where(end > begin, sums, 0).astype(np.int16)


def _xor_where(
    codes: UInt8Array, where: BoolArray, begin: IntArray, end: IntArray
) -> npt.NDArray[np.int16]:
    sums = np.zeros(begin.size, dtype=np.int16)
    sums[where] = _xor(codes, begin[where], end[where])
    return sums


def _digit(codes: UInt8Array, at: IntArray) -> IntArray:
    value = codes[at].astype(np.int64) - ord("0")
    return np.where((value >= 0) & (value <= 9), value, -1)


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
    backslashes = _ranked(np.flatnonzero(codes == _BACKSLASH), starts, before_start, 2)
    has_tag = (backslashes[:, 0] == starts) & (backslashes[:, 1] > starts) & (ends > starts)
    tag_end = np.where(has_tag, backslashes[:, 1], -1)
    sentence_start = np.where(has_tag, tag_end + 1, starts)
    bang = np.where((codes[sentence_start] == _BANG) & (sentence_start < ends), sentence_start, -1)
    if (bang < 0).any():
        after = np.maximum(tag_end, before_start)
        found = _ranked(np.flatnonzero(codes == _BANG), starts, after, 1)[:, 0]
        bang = np.where((bang < 0) & (found < ends), found, bang)
    commas, regular = _regular_commas(codes, bang, ends)
    if not regular.all():
        after = np.where(~regular & (bang >= 0), bang, np.iinfo(np.int64).max)
        searched = _ranked(np.flatnonzero(codes == _COMMA), starts, after, _FIELDS)
        commas = np.where(regular[:, None], commas, searched)
    return _Layout(bang, commas, tag_end)


def _regular_commas(
    codes: UInt8Array, bang: IntArray, ends: IntArray
) -> tuple[IntArray, BoolArray]:
    """Comma offsets of sentences laid out as nearly all are: `!AIVDM,c,n,[s],[ch],payload,f*hh`
    ending the line. Other lines (a trailing time, a two-digit field) are searched instead."""
    at = np.maximum(bang, 0)
    seq_comma = np.where(codes[at + 11] == _COMMA, at + 11, at + 12)
    channel_comma = np.where(codes[seq_comma + 1] == _COMMA, seq_comma + 1, seq_comma + 2)
    payload_comma = ends - 5
    commas = np.stack([at + 6, at + 8, at + 10, seq_comma, channel_comma, payload_comma], axis=1)
    regular = (
        (bang >= 0)
        & (codes[commas] == _COMMA).all(axis=1)
        & (payload_comma > channel_comma)
        & (codes[np.maximum(ends - 3, 0)] == _STAR)
    )
    return commas, regular


def _is_header(codes: UInt8Array, bang: IntArray) -> BoolArray:
    """`!` followed by two upper-case letters, `VD`, then `M` or `O` (any talker)."""
    at = np.maximum(bang, 0)
    letters = [(codes[at + k] >= ord("A")) & (codes[at + k] <= ord("Z")) for k in (1, 2)]
    vd = (codes[at + 3] == ord("V")) & (codes[at + 4] == ord("D"))
    kind = (codes[at + 5] == ord("M")) | (codes[at + 5] == ord("O"))
    header: BoolArray = (bang >= 0) & letters[0] & letters[1] & vd & kind
    return header


def _tag_times(codes: UInt8Array, starts: IntArray, tag_end: IntArray) -> IntArray:
    """Microseconds since the epoch from each tag block's `c:` field (-1 when none)."""
    micros = np.full(len(starts), -1, dtype=np.int64)
    colons = np.flatnonzero(codes == ord(":"))
    before = codes[colons - 2]
    colons = colons[(codes[colons - 1] == ord("c")) & ((before == _BACKSLASH) | (before == _COMMA))]
    if colons.size == 0:
        return micros
    line = np.searchsorted(starts, colons, side="right") - 1
    inside = colons < tag_end[line]
    line, first = line[inside], colons[inside]
    if line.size == 0:  # "c:" only outside tag blocks (in a payload or a mangled line)
        return micros
    leading = np.concatenate(([True], line[1:] != line[:-1]))
    line, first = line[leading], first[leading]
    value = np.zeros(line.size, dtype=np.int64)
    count = np.zeros(line.size, dtype=np.int64)
    reading = np.ones(line.size, dtype=bool)
    for offset in range(1, _MAX_DIGITS + 1):
        digit = codes[first + offset].astype(np.int64) - 48
        reading &= (digit >= 0) & (digit <= 9)
        value = np.where(reading, value * 10 + digit, value)
        count += reading
    scaled = np.where(value >= _MS_EPOCH_FLOOR, value * 1_000, value * 1_000_000)
    micros[line] = np.where(count >= 9, scaled, -1)
    return micros


def _text_times(texts: list[str]) -> pl.Series:
    """Leading or trailing timestamps: unix seconds or ISO 8601 (UTC when no offset)."""
    cleaned = pl.Series(texts, dtype=pl.String).str.strip_chars(" \t,;|")
    iso = cleaned.str.replace(" ", "T").str.replace(r"Z$", "+00:00")
    with_offset = iso.str.contains(r"[+-]\d{2}:?\d{2}$")
    frame = pl.DataFrame({"text": cleaned, "iso": iso, "offset": with_offset})
    seconds = pl.col("text").cast(pl.Float64, strict=False)
    seconds = pl.when(seconds >= _MS_EPOCH_FLOOR).then(seconds / 1000).otherwise(seconds)
    aware = pl.col("iso").str.to_datetime(time_zone="UTC", strict=False, time_unit="us")
    naive = pl.col("iso").str.to_datetime(strict=False, time_unit="us")
    iso_time = pl.when(pl.col("offset")).then(aware).otherwise(naive.dt.replace_time_zone("UTC"))
    epoch_time = (seconds * 1_000_000).round().cast(pl.Int64).cast(UTC_TIME)
    parsed = (
        pl.when(pl.col("text").str.contains(_EPOCH))
        .then(epoch_time)
        .when(pl.col("text").str.contains(_ISO))
        .then(iso_time)
    )
    return frame.select(parsed.alias("timestamp")).to_series()


def _payloads(codes: UInt8Array, begin: IntArray, end: IntArray) -> pl.Series:
    """The byte ranges [begin, end) as one Polars string column, gathered without Python loops."""
    lengths = np.maximum(end - begin, 0)
    width = max(int(lengths.max()) if lengths.size else 0, 1)
    if begin.size and int(begin.max()) + width > codes.size:
        codes = np.concatenate([codes, np.zeros(width, dtype=np.uint8)])
    rows = np.lib.stride_tricks.sliding_window_view(codes, width)[begin]
    gathered = rows[np.arange(rows.shape[1]) < lengths[:, None]]
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    array = pa.LargeStringArray.from_buffers(
        len(lengths), pa.py_buffer(offsets), pa.py_buffer(gathered.tobytes())
    )
    return pl.Series("payload", array).cast(pl.String)


@dataclass(frozen=True)
class SplitChunk:
    """A chunk's lines sorted out: sentence fields, and the line indices of everything else.

    `sentences` has one row per AIS sentence line: `source_line`, `count`, `number`, `fill`,
    `timestamp` (UTC or null), `problem` (`bad_checksum`, `bad_tag_checksum`, `bad_fragment`,
    `bad_time` or null), `payload`, and `index` (the line's 0-based index in the chunk).
    """

    chunk: Chunk
    sentences: pl.DataFrame
    malformed: IntArray
    blank: int
    other: int


def split_chunk(chunk: Chunk) -> SplitChunk:
    """Find every AIS sentence of `chunk` and read its fields, checksum and receive time."""
    codes = _padded(chunk.data)
    layout = _layout(codes, chunk)
    commas, bang = layout.commas, layout.bang
    header = _is_header(codes, bang)
    fill_at = layout.fill_at
    complete = (
        header
        & (commas[:, 0] == bang + 6)
        & (commas >= 0).all(axis=1)
        & (fill_at + 4 <= chunk.ends)
        & (codes[np.maximum(fill_at + 1, 0)] == _STAR)
        & (_digit(codes, np.maximum(fill_at, 0)) >= 0)
    )
    malformed = np.flatnonzero(header & ~complete)
    rest = chunk.text(np.flatnonzero(~header))
    blank = sum(1 for text in rest if not text.strip())
    other = len(rest) - blank
    rows = np.flatnonzero(complete)
    return SplitChunk(chunk, _sentences(codes, chunk, layout, rows), malformed, blank, other)


def _sentences(codes: UInt8Array, chunk: Chunk, layout: _Layout, rows: IntArray) -> pl.DataFrame:
    commas, bang, tag_end = layout.commas[rows], layout.bang[rows], layout.tag_end[rows]
    starts, fill_at = chunk.starts[rows], layout.fill_at[rows]
    count, number = _digit(codes, commas[:, 0] + 1), _digit(codes, commas[:, 1] + 1)
    fragment_ok = (
        (commas[:, 1] == commas[:, 0] + 2) & (commas[:, 2] == commas[:, 1] + 2)
        & (count >= 1) & (number >= 1) & (number <= count)
    )  # fmt: skip
    has_tag = tag_end >= 0
    tag_star = np.maximum(tag_end - 3, 0)
    tag_ok = ~has_tag | (
        (codes[tag_star] == _STAR)
        & (_xor_where(codes, has_tag, starts + 1, tag_star) == _hex_byte(codes, tag_star + 1))
    )
    checksum_ok = _xor(codes, bang + 1, fill_at + 1) == _hex_byte(codes, fill_at + 2)
    micros = pl.Series(_tag_times(codes, chunk.starts, layout.tag_end)[rows])
    tag_time = pl.select(pl.when(micros >= 0).then(micros)).to_series().cast(UTC_TIME)
    text_time, unreadable = _prefix_and_suffix_times(chunk, rows, bang, tag_end, fill_at)
    problem = np.select([~checksum_ok, ~tag_ok, ~fragment_ok, unreadable], [1, 2, 3, 4], 0)
    return pl.DataFrame(
        {
            "index": rows,
            "source_line": rows + chunk.first_line,
            "count": count.astype(np.int8),
            "number": number.astype(np.int8),
            "fill": (codes[fill_at].astype(np.int16) - ord("0")).astype(np.int8),
            "timestamp": tag_time.fill_null(text_time),
            "problem": pl.Series(problem).replace_strict(_PROBLEMS, return_dtype=pl.String),
            "payload": _payloads(codes, commas[:, 4] + 1, commas[:, 5]),
        }
    )


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
        times = times.scatter(with_suffix, _text_times([t.rsplit(",", 1)[-1] for t in texts]))
    prefix_begin = np.where(tag_end >= 0, tag_end + 1, chunk.starts[rows])
    with_prefix = np.flatnonzero(bang > prefix_begin)
    if with_prefix.size:
        texts = _texts(chunk.data, prefix_begin[with_prefix], bang[with_prefix])
        parsed = _text_times(texts)
        times = times.scatter(with_prefix, parsed.fill_null(times.gather(with_prefix)))
        blank = pl.Series(texts, dtype=pl.String).str.strip_chars(" \t,;|").str.len_chars() == 0
        unreadable[with_prefix] = (parsed.is_null() & ~blank).to_numpy()
    return times, unreadable
