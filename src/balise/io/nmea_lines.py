"""The lines of an NMEA block, sorted out before parsing: blank lines and over-long lines apart.

Anyone can transmit AIS and anyone can write a log file, so the reader must stay within a batch's
memory whatever it is given: a line of hundreds of megabytes without a newline, millions of blank
lines, millions of one-byte lines. Here a block of bytes (whole lines) becomes a `Chunk` of its
non-blank lines of bounded length, with the file line number of each; the blank lines are only
counted and an over-long line becomes a `line_too_long` quarantine row holding its first bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import polars as pl

from balise.io import nmea_kernel
from balise.io.nmea_bytes import Chunk
from balise.model.arrays import IntArray

MAX_LINES_PER_RECORD = 4
"""A block holds at most this many lines per record of the batch size: a real sentence is over 16
bytes, so only junk (blank or one-byte lines) is cut, and per-line arrays stay batch-sized."""
_NEWLINE = ord("\n")
_SKIP_BYTES = 1 << 16


def rest_of_line(stream: BinaryIO, max_line_bytes: int) -> bytes:
    """The bytes up to the next newline, but never more than `max_line_bytes + 1` of them: the
    rest of a longer line is read and dropped piecewise, and the line ends with a newline."""
    tail = stream.readline(max_line_bytes + 1)
    if tail.endswith(b"\n") or len(tail) <= max_line_bytes:
        return tail
    while (more := stream.readline(_SKIP_BYTES)) and not more.endswith(b"\n"):
        pass
    return tail + b"\n"


def cut_after_lines(data: bytes, max_lines: int) -> tuple[bytes, bytes, int]:
    """`data` cut after its `max_lines`-th line, what follows (empty when it has fewer), and the
    number of newlines in what is kept."""
    newlines = nmea_kernel.newlines(data)
    if newlines <= max_lines:
        return data, b"", newlines
    found = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == _NEWLINE)
    cut = int(found[max_lines - 1]) + 1
    return data[:cut], data[cut:], max_lines


@dataclass(frozen=True)
class Lines:
    """A block's non-blank lines of acceptable length as a `Chunk` whose line `i` is file line
    `numbers[i]`; `empty` blank lines and the `too_long` quarantine rows (no text beyond
    `max_line_bytes` kept); `count` lines in all, the next one being `next_line`."""

    chunk: Chunk
    numbers: IntArray
    empty: int
    too_long: pl.DataFrame
    count: int
    next_line: int

    @classmethod
    def of(
        cls,
        data: bytes,
        first_line: int,
        max_line_bytes: int,
        begin: int = 0,
        end: int | None = None,
    ) -> Lines:
        """The lines of `data[begin:end]` (all of it by default), the first being `first_line`;
        the chunk keeps offsets into the whole of `data` (no copy)."""
        whole = Chunk.of(data, first_line, begin, end)
        lengths = whole.ends - whole.starts
        numbers = np.arange(first_line, first_line + len(whole), dtype=np.int64)
        blank, long = lengths == 0, lengths > max_line_bytes
        keep = ~(blank | long)
        chunk = Chunk(data, whole.starts[keep], whole.ends[keep], first_line, numbers[keep])
        too_long = _too_long(data, whole, np.flatnonzero(long), numbers, max_line_bytes)
        count = len(whole)
        return cls(chunk, numbers[keep], int(blank.sum()), too_long, count, first_line + count)


def _too_long(
    data: bytes, whole: Chunk, long: IntArray, numbers: IntArray, max_line_bytes: int
) -> pl.DataFrame:
    """Quarantine rows of the over-long lines, with their first `max_line_bytes` bytes."""
    starts, ends = whole.starts[long].tolist(), whole.ends[long].tolist()
    return pl.DataFrame(
        {
            "source_line": numbers[long],
            "reason": ["line_too_long"] * long.size,
            "detail": f"longer than {max_line_bytes} bytes (ingest.max_line_bytes)",
            "raw": [
                data[s : min(e, s + max_line_bytes)].decode("utf-8", errors="replace")
                for s, e in zip(starts, ends, strict=True)
            ],
        },
        schema=dict.fromkeys(("reason", "detail", "raw"), pl.String) | {"source_line": pl.Int64},
    )


def joined_lines(parts: list[Lines], data: bytes) -> Lines:
    """One `Lines` of consecutive blocks `parts` whose bytes, back to back, are `data` (or of
    consecutive ranges of `data` itself)."""
    if len(parts) == 1:
        return parts[0]
    if all(part.chunk.data is data for part in parts):  # lines found in place: offsets into data
        shifts = np.zeros(len(parts), dtype=np.int64)
    else:
        shifts = np.cumsum([0] + [len(part.chunk.data) for part in parts[:-1]])
    starts = np.concatenate(
        [p.chunk.starts + shift for p, shift in zip(parts, shifts, strict=True)]
    )
    ends = np.concatenate([p.chunk.ends + shift for p, shift in zip(parts, shifts, strict=True)])
    numbers = np.concatenate([part.numbers for part in parts])
    first_line = parts[0].chunk.first_line
    return Lines(
        Chunk(data, starts, ends, first_line, numbers),
        numbers,
        sum(part.empty for part in parts),
        pl.concat([part.too_long for part in parts]),
        sum(part.count for part in parts),
        parts[-1].next_line,
    )
