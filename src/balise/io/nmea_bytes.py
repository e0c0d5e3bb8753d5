"""Byte-level tools for reading NMEA lines in bulk: chunks of lines, checksums, fields, texts.

A chunk of input is one byte array; these functions read the same offset of every line at once
with NumPy (no Python loop over lines), which is what keeps the NMEA reader fast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from balise.io import nmea_kernel
from balise.model.arrays import BoolArray, IntArray, UInt8Array

PAD = 32
"""Zero bytes after a chunk, so that reads at a small offset past any line stay in the array."""
BANG, COMMA, BACKSLASH, STAR, NEWLINE, CR = (ord(c) for c in "!,\\*\n\r")
_MAY_START_BLANK = np.zeros(256, dtype=bool)
_MAY_START_BLANK[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_MAY_START_BLANK[0x80:] = True
"""First bytes of a line that may be white space for `str.strip`: ASCII white space (with the
separators 0x1C-0x1F) and the lead bytes of UTF-8 sequences (U+0085, U+2000...)."""

_HEX = np.full(256, -1, dtype=np.int16)
for _value, _char in enumerate("0123456789ABCDEF"):
    _HEX[ord(_char)] = _HEX[ord(_char.lower())] = _value


@dataclass(frozen=True)
class Chunk:
    """A chunk of lines as bytes, with where each line starts and ends (without `\\r\\n`).

    Lines are numbered from `first_line` on, unless `numbers` gives each line's source line (lines
    taken out of a JSON record share its number); `times` optionally gives each line a receive
    time used when the line carries none itself (the record's time)."""

    data: bytes
    starts: IntArray
    ends: IntArray
    first_line: int
    numbers: IntArray | None = None
    times: pl.Series | None = None

    @classmethod
    def of(cls, data: bytes, first_line: int, begin: int = 0, end: int | None = None) -> Chunk:
        """The lines of `data[begin:end]` (all of it by default), their offsets into `data`
        (found by the compiled kernel when it is built, else by NumPy: the same)."""
        end = len(data) if end is None else end
        found = nmea_kernel.lines(data, begin, end)
        if found is not None:
            return cls(data, found[0], found[1], first_line)
        codes = np.frombuffer(data, dtype=np.uint8, count=end - begin, offset=begin)
        ends = np.flatnonzero(codes == NEWLINE)
        if codes.size and codes[-1] != NEWLINE:
            ends = np.append(ends, codes.size)
        starts = np.concatenate(([0], ends[:-1] + 1))[: ends.size].astype(np.int64)
        has_cr = (ends > starts) & (codes[np.maximum(ends - 1, 0)] == CR)
        return cls(data, starts + begin, (ends - has_cr).astype(np.int64) + begin, first_line)

    def narrowed(self, begin: int, end: int) -> Chunk:
        """The same lines over a copy of `data[begin:end]`, the bytes they were found in (the
        NumPy path's passes go over the whole of `data`)."""
        if begin == 0 and end == len(self.data):
            return self
        return Chunk(self.data[begin:end], self.starts - begin, self.ends - begin,
                     self.first_line, self.numbers, self.times)  # fmt: skip

    @classmethod
    def of_lines(cls, lines: list[str], numbers: IntArray, times: pl.Series) -> Chunk:
        """Lines (without newlines) given with their source line numbers and receive times."""
        plain = cls.of("".join(f"{line}\n" for line in lines).encode("utf-8", "replace"), 1)
        first = int(numbers[0]) if numbers.size else 1
        return cls(plain.data, plain.starts, plain.ends, first, numbers, times)

    def __len__(self) -> int:
        return len(self.starts)

    def line_numbers(self, indices: IntArray) -> IntArray:
        """Source line numbers of the lines at these 0-based indices."""
        if self.numbers is None:
            return indices + self.first_line
        return self.numbers[indices]

    def indices_of(self, numbers: IntArray) -> IntArray:
        """0-based index of the (first) line of each source line number."""
        if self.numbers is None:
            return numbers - self.first_line
        found: IntArray = np.searchsorted(self.numbers, numbers, side="left")
        return found

    def text(self, lines: npt.ArrayLike) -> list[str]:
        """The text of the lines at these 0-based indices (for quarantine, multipart)."""
        return [
            self.data[self.starts[i] : self.ends[i]].decode("utf-8", errors="replace")
            for i in np.asarray(lines, dtype=np.int64).tolist()
        ]


def padded(data: bytes) -> UInt8Array:
    codes = np.zeros(len(data) + PAD, dtype=np.uint8)
    codes[: len(data)] = np.frombuffer(data, dtype=np.uint8)
    return codes


def ranked(positions: IntArray, starts: IntArray, keep_after: IntArray, ranks: int) -> IntArray:
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


def hex_byte(codes: UInt8Array, at: IntArray) -> npt.NDArray[np.int16]:
    high, low = _HEX[codes[at]], _HEX[codes[at + 1]]
    return np.where((high >= 0) & (low >= 0), high * 16 + low, -1).astype(np.int16)


def xor(codes: UInt8Array, begin: IntArray, end: IntArray) -> npt.NDArray[np.int16]:
    """XOR of the bytes in [begin, end) for each pair; pairs must be ordered and not overlap."""
    if begin.size == 0:
        return np.zeros(0, dtype=np.int16)
    bounds = np.stack([begin, np.maximum(end, begin + 1)], axis=1).ravel()
    sums = np.bitwise_xor.reduceat(codes, bounds)[::2].astype(np.int16)
    return np.where(end > begin, sums, 0).astype(np.int16)


def xor_where(
    codes: UInt8Array, where: BoolArray, begin: IntArray, end: IntArray
) -> npt.NDArray[np.int16]:
    sums = np.zeros(begin.size, dtype=np.int16)
    sums[where] = xor(codes, begin[where], end[where])
    return sums


def digit(codes: UInt8Array, at: IntArray) -> IntArray:
    value = codes[at].astype(np.int64) - ord("0")
    return np.where((value >= 0) & (value <= 9), value, -1)


def payloads(codes: UInt8Array, begin: IntArray, end: IntArray) -> pl.Series:
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
    return nmea_kernel.strings("payload", array)


def blank_lines(codes: UInt8Array, chunk: Chunk, candidates: BoolArray) -> BoolArray:
    """Which of the `candidates` lines hold nothing but white space (as `str.strip` sees it). A
    line starting with a visible ASCII character is not blank, which settles nearly all at once;
    the few others (starting with white space or a non-ASCII byte) are looked at one by one."""
    starts, ends = chunk.starts, chunk.ends
    empty = ends <= starts
    unsure = np.flatnonzero(candidates & ~empty & _MAY_START_BLANK[codes[starts]])
    blank: BoolArray = candidates & empty
    blank[unsure] = [not text.strip() for text in chunk.text(unsure)]
    return blank
