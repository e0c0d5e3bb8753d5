"""Reading one input defensively: decompression damage, size caps and reader failures.

Anyone can transmit AIS and anyone can hand Balise a file, so one input must never cost more than
its share nor stop the inputs after it. A damaged compressed input (bad CRC, truncated) keeps
every record read before the damage and ends there with a `corrupt_input` quarantine row; an
input that decompresses past `ingest.max_input_bytes` is read up to the cap and ends with an
`input_too_large` row; a reader that breaks on an input nobody foresaw ends that input with a
`reader_error` row. Quarantined text is cut to `ingest.max_quarantine_text_bytes`.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO

import polars as pl

from balise.model.batch import ReadBatch
from balise.model.schema import QUARANTINE_SCHEMA, conform

UTF8_BOM = b"\xef\xbb\xbf"
DAMAGE_ERRORS = (EOFError, OSError, zlib.error, zipfile.BadZipFile)
"""What `gzip` and `zipfile` raise on a damaged stream: truncation (EOFError), bad CRC or header
(gzip.BadGzipFile is an OSError; zipfile.BadZipFile), corrupt deflate data (zlib.error)."""
_TRUNCATED_MARK = "…"
PIECE_BYTES = 16 * 1024
"""Bytes asked of the decompressor at a time: gzip checks its CRC at the end of the call that
reaches the end of the data and drops that call's bytes when the check fails, so small pieces
keep all but the last 16 KiB before a damage."""


@dataclass
class Problem:
    """Why reading an input ended early: a quarantine reason and its detail."""

    reason: str
    detail: str


class GuardedStream(io.RawIOBase):
    """The decompressed bytes of one input, ending cleanly at damage or after `limit` bytes.

    The reader above sees an ordinary end of input; `problem` says afterwards why it ended
    early (None when the input was read whole)."""

    def __init__(self, inner: BinaryIO, limit: int) -> None:
        super().__init__()
        self._inner = inner
        self._limit = limit
        self.bytes_read = 0
        self.problem: Problem | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.problem is not None:
            return 0
        room = self._limit - self.bytes_read
        if room <= 0:
            self._check_beyond_limit()
            return 0
        view = memoryview(buffer).cast("B")[: min(room, PIECE_BYTES)]
        try:
            data = self._inner.read(len(view))
        except DAMAGE_ERRORS as err:
            self.problem = Problem(
                "corrupt_input", f"damaged after {self.bytes_read:,} bytes: {_describe(err)}"
            )
            return 0
        view[: len(data)] = data
        self.bytes_read += len(data)
        return len(data)

    def _check_beyond_limit(self) -> None:
        try:
            more = self._inner.read(1)
        except DAMAGE_ERRORS:
            more = b"?"
        if more:
            self.problem = Problem(
                "input_too_large",
                f"reading stopped after {self._limit:,} decompressed bytes "
                "(ingest.max_input_bytes); the rest of the input was not read",
            )


def _describe(err: BaseException) -> str:
    text = str(err) or "no detail"
    return f"{type(err).__name__}: {text}"


def guarded(stream: BinaryIO, limit: int) -> tuple[io.BufferedReader[GuardedStream], GuardedStream]:
    """`stream` behind a `GuardedStream`, buffered for peeking, a leading UTF-8 BOM skipped."""
    guard = GuardedStream(stream, limit)
    buffered = io.BufferedReader(guard, 1 << 20)
    if buffered.peek(len(UTF8_BOM))[: len(UTF8_BOM)] == UTF8_BOM:
        buffered.read(len(UTF8_BOM))
    return buffered, guard


def problem_batch(problem: Problem, source: str) -> ReadBatch:
    """A batch holding only the quarantine row that says why reading ended early."""
    return ReadBatch(quarantine=problem_rows(problem, source))


def problem_rows(problem: Problem, source: str) -> pl.DataFrame:
    """One quarantine row (line 0: the input as a whole) for `problem`."""
    row = pl.DataFrame(
        {
            "source": [source],
            "source_line": [0],
            "reason": [problem.reason],
            "detail": [problem.detail],
            "raw": [""],
        }
    )
    return conform(row, QUARANTINE_SCHEMA)


def reader_error(err: BaseException, source: str, max_text_bytes: int) -> pl.DataFrame:
    """The quarantine row of a reader that broke on this input, with the exception text."""
    detail = _describe(err).encode()[:max_text_bytes].decode("utf-8", errors="ignore")
    return problem_rows(Problem("reader_error", detail), source)


def cap_texts(quarantine: pl.DataFrame, max_bytes: int) -> pl.DataFrame:
    """Quarantine rows whose original text (`raw`) is cut to `max_bytes` bytes of UTF-8, marked
    with a trailing ellipsis; the few long ones are cut one by one, the others left as they are."""
    if quarantine.is_empty():
        return quarantine
    long = quarantine["raw"].str.len_bytes() > max_bytes
    if not long.any():
        return quarantine
    where = long.arg_true()
    cut = [
        text.encode()[:max_bytes].decode("utf-8", errors="ignore") + _TRUNCATED_MARK
        for text in quarantine["raw"].gather(where).to_list()
    ]
    return quarantine.with_columns(quarantine["raw"].scatter(where, cut))
