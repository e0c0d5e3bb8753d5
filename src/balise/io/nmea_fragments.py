"""Multi-sentence messages of a chunk: reassembled in bulk where their fragments follow each other.

In a real stream nearly every multi-sentence message (type 5, long type 19/24 variants) is sent
as fragments 1, 2, ... on consecutive sentences of the multi-sentence stream; feeding each fragment
to the `Reassembler` one by one in Python costs more than decoding the whole chunk. Such runs of
fragments are found with NumPy and joined with Polars in one pass; only the other fragments (a
message cut by the end of a chunk, interleaved or missing fragments, a sequence id or channel of
more than one character, a line that is not all ASCII) go through the `Reassembler`, and the runs
found in bulk tell it what feeding them would have done to the messages waiting
(`Reassembler.complete_elsewhere`), so messages and orphans are the same as feeding every fragment.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from balise.io import nmea_kernel
from balise.io.nmea_bytes import NEWLINE, Chunk
from balise.io.nmea_reassembly import Fragment, FragmentKey, Message, Reassembler
from balise.model.arrays import BoolArray, IntArray
from balise.model.schema import UTC_TIME

MESSAGE_SCHEMA: dict[str, pl.DataType] = {
    "source_line": pl.Int64(),
    "raw": pl.String(),
    "payload": pl.String(),
    "fill": pl.Int8(),
    "timestamp": UTC_TIME,
}
_MAX_FRAGMENTS = 9
"""The fragment count is one digit."""


def multi_messages(multi: pl.DataFrame, chunk: Chunk, reassembler: Reassembler) -> pl.DataFrame:
    """The messages completed by the multi-sentence rows `multi` of a split chunk (in stream
    order), in the order they complete; `reassembler` keeps the fragments still waiting."""
    count = multi["count"].to_numpy().astype(np.int64)
    number = multi["number"].to_numpy().astype(np.int64)
    key = multi["fragment_key"].to_numpy()
    lines = multi["source_line"].to_numpy()
    starts, in_run = _runs(count, number, key)
    single = np.flatnonzero(~in_run)
    done: list[Message] = []
    completed_at: list[int] = []
    position = 0
    for row, fragment in zip(single.tolist(), _fragments(multi[single], chunk), strict=True):
        _skip_runs(reassembler, starts, position, row, count, key, lines)
        before = len(done)
        done.extend(reassembler.feed(iter([fragment])))
        completed_at.extend([row] * (len(done) - before))
        position = row + 1
    _skip_runs(reassembler, starts, position, len(multi), count, key, lines)
    one_by_one = pl.DataFrame(
        [(m.source_line, m.raw, m.payload, m.fill, m.timestamp) for m in done],
        schema=MESSAGE_SCHEMA,
        orient="row",
    ).with_columns(pl.Series("done_at", completed_at, dtype=pl.Int64))
    in_bulk = _joined(multi, chunk, starts, count)
    return pl.concat([one_by_one, in_bulk]).sort("done_at").drop("done_at")


def _runs(count: IntArray, number: IntArray, key: IntArray) -> tuple[IntArray, BoolArray]:
    """Rows where a whole message starts (fragments 1 to n of one key on consecutive rows), and
    which rows belong to such messages."""
    n = count.size
    first = np.flatnonzero((number == 1) & (key >= 0))
    whole = np.ones(first.size, dtype=bool)
    for offset in range(1, _MAX_FRAGMENTS):
        needed = whole & (count[first] > offset)
        if not needed.any():
            break
        at = first + offset
        fits = at < n
        at = np.minimum(at, n - 1)
        same = (number[at] == offset + 1) & (count[at] == count[first]) & (key[at] == key[first])
        same &= fits
        whole &= ~needed | same
    starts = first[whole]
    in_run = np.zeros(n, dtype=bool)
    sizes = count[starts]
    if starts.size:
        in_run[np.repeat(starts, sizes) + _ranks(sizes)] = True
    return starts, in_run


def _ranks(sizes: IntArray) -> IntArray:
    """0, 1, ..., size - 1 for each size, back to back."""
    total = int(sizes.sum())
    group_start = np.cumsum(sizes) - sizes
    ranks: IntArray = np.arange(total) - np.repeat(group_start, sizes)
    return ranks


def _skip_runs(
    reassembler: Reassembler,
    starts: IntArray,
    begin: int,
    end: int,
    count: IntArray,
    key: IntArray,
    lines: IntArray,
) -> None:
    """Tell `reassembler` about the runs that start in rows [begin, end), while it has messages
    waiting (a run changes nothing when none are)."""
    if not reassembler.pending:
        return
    first, last = np.searchsorted(starts, [begin, end])
    for start in starts[first:last].tolist():
        if not reassembler.pending:
            return
        reassembler.complete_elsewhere(
            _key_of(int(key[start]), int(count[start])), int(lines[start + count[start] - 1])
        )


def _key_of(code: int, count: int) -> FragmentKey:
    seq, channel = code >> 8, code & 0xFF
    return (chr(seq) if seq else "", chr(channel) if channel else "", count)


def _joined(multi: pl.DataFrame, chunk: Chunk, starts: IntArray, count: IntArray) -> pl.DataFrame:
    """The messages of the runs: payloads joined, the first fragment's line and first time, the
    last fragment's fill bits, the lines' texts joined by newlines (all ASCII, see
    `nmea_sentences._fragment_keys`). Built from byte offsets, without grouping."""
    sizes = count[starts]
    rows = np.repeat(starts, sizes) + _ranks(sizes)
    ends = starts + sizes - 1
    index = multi["index"].to_numpy()[rows]
    last_of_group = np.zeros(rows.size, dtype=bool)
    last_of_group[np.cumsum(sizes) - 1] = True
    raw = _texts(chunk.data, chunk.starts[index], chunk.ends[index], ~last_of_group, sizes)
    payload = _concatenated(multi["payload"].gather(rows), sizes)
    return pl.DataFrame(
        {
            "source_line": multi["source_line"].gather(starts),
            "raw": raw,
            "payload": payload,
            "fill": multi["fill"].gather(ends),
            "timestamp": _first_time(multi["timestamp"], starts, sizes),
            "done_at": pl.Series(ends, dtype=pl.Int64),
        }
    )


def _group_offsets(item_offsets: IntArray, sizes: IntArray) -> IntArray:
    """Offsets of groups of `sizes` consecutive items, from the items' offsets."""
    bounds = np.concatenate(([0], np.cumsum(sizes)))
    offsets: IntArray = item_offsets[bounds]
    return offsets


def _string_column(offsets: IntArray, data: bytes | pa.Buffer) -> pl.Series:
    array = pa.LargeStringArray.from_buffers(
        offsets.size - 1, pa.py_buffer(offsets.astype(np.int64)), pa.py_buffer(data)
    )
    return nmea_kernel.strings("", array)


def _texts(
    data: bytes, begin: IntArray, end: IntArray, newline_after: BoolArray, sizes: IntArray
) -> pl.Series:
    """The byte ranges [begin, end), a newline after those marked, joined by groups of `sizes`
    (copied by the compiled kernel when it is built)."""
    lengths = end - begin + newline_after
    item_offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    gathered = nmea_kernel.gather(data, begin, end, newline_after)
    if gathered is None:
        codes = np.frombuffer(data, dtype=np.uint8)
        source = np.repeat(begin - item_offsets[:-1], lengths) + np.arange(int(item_offsets[-1]))
        copied = codes[np.minimum(source, codes.size - 1)]
        copied[item_offsets[1:][newline_after] - 1] = NEWLINE
        gathered = copied.tobytes()
    return _string_column(_group_offsets(item_offsets, sizes), gathered)


def _concatenated(column: pl.Series, sizes: IntArray) -> pl.Series:
    """The strings of `column` joined by groups of `sizes` consecutive ones."""
    array: Any = column.fill_null("").to_arrow(compat_level=pl.CompatLevel.oldest())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    buffers = array.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int64)[array.offset :][: len(array) + 1]
    return _string_column(_group_offsets(offsets, sizes), buffers[2] or b"")


def _first_time(times: pl.Series, starts: IntArray, sizes: IntArray) -> pl.Series:
    """The first time set among each group's rows."""
    micros = times.to_physical().fill_null(0).to_numpy()
    unset_at = times.is_null().to_numpy()
    first, unset = micros[starts], unset_at[starts]
    for offset in range(1, int(sizes.max()) if sizes.size else 0):
        take = unset & (sizes > offset)
        first[take] = micros[starts[take] + offset]
        unset[take] = unset_at[starts[take] + offset]
    series = pl.Series(first, dtype=pl.Int64).cast(UTC_TIME)
    return series.scatter(np.flatnonzero(unset), None) if unset.any() else series


def _fragments(multi: pl.DataFrame, chunk: Chunk) -> Iterator[Fragment]:
    """The fragments of multi-sentence messages, their fields taken from the line's text.

    The text is decoded leniently (a byte that is not UTF-8 becomes U+FFFD), so a fragment with
    such a payload byte reassembles into a message that decoding quarantines with reason
    `invalid_payload_char`; the raw `payload` column is never turned into Python strings, since a
    payload gathered from invalid UTF-8 bytes makes polars panic there."""
    texts = chunk.text(multi["index"].to_numpy())
    rows = multi.select("source_line", "count", "number", "fill", "timestamp").iter_rows()
    for text, (source_line, count, number, fill, timestamp) in zip(texts, rows, strict=True):
        fields = _sentence_of(text).split(",")
        yield Fragment(
            source_line=source_line,
            line=text,
            count=count,
            number=number,
            seq=fields[3],
            channel=fields[4],
            payload=fields[5],
            fill=fill,
            timestamp=timestamp,
        )


def _sentence_of(text: str) -> str:
    """The sentence of a line: from the first `!` after its tag block (which may hold a `!`)."""
    after_tag = text.find("\\", 1) + 1 if text.startswith("\\") else 0
    return text[text.index("!", after_tag) :]
