"""NMEA from a live feed: bytes off a socket cut into lines, and lines decoded batch by batch.

A receiver (AIS-catcher, rtl-ais) or an aggregator (AISHub) sends raw NMEA lines over TCP, UDP
or a serial line, most without a tag block: the receive time of such a line is the time it
arrived, stamped by the thread that read it. A line's own time (tag block `c:`, leading or
trailing timestamp) wins over the arrival time, as the file reader gives it precedence over a
carried time.

`LineFramer` cuts a byte stream into lines (a line longer than `max_line_bytes` is kept short
and marked, never buffered whole); `NmeaStream` decodes the lines of one source in successive
batches through the file reader's own steps (`split_chunk`, `batch_of`), keeping the
multi-sentence reassembly between batches, so a message whose two sentences arrive in two
batches is decoded whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import polars as pl

from balise.io.nmea import batch_of, closing_batch
from balise.io.nmea_bytes import Chunk
from balise.io.nmea_reassembly import Reassembler
from balise.io.nmea_sentences import split_chunk
from balise.model.arrays import IntArray
from balise.model.batch import ReadBatch, ReadOptions
from balise.model.schema import QUARANTINE_SCHEMA, UTC_TIME, conform

__all__ = ["LineFramer", "NmeaStream", "ReceivedLine"]


@dataclass(frozen=True)
class ReceivedLine:
    """One line as received (without its newline), when it arrived (UTC), and whether it was
    longer than the framer keeps (`text` then holds its first bytes only)."""

    text: bytes
    arrived: datetime
    too_long: bool = False


@dataclass
class LineFramer:
    """Cuts the bytes of a stream into lines, keeping what follows the last newline for the next
    call. A line longer than `max_line_bytes` is given once, cut, with `too_long` set; its rest
    is dropped up to the next newline. Blank lines are dropped (a feed's keep-alives)."""

    max_line_bytes: int
    _pending: bytearray = field(default_factory=bytearray)
    _skipping: bool = False

    def feed(self, data: bytes, arrived: datetime) -> list[ReceivedLine]:
        lines: list[ReceivedLine] = []
        start = 0
        while (end := data.find(b"\n", start)) >= 0:
            self._take(data[start:end], arrived, lines, complete=True)
            start = end + 1
        self._take(data[start:], arrived, lines, complete=False)
        return lines

    def flush(self, arrived: datetime) -> list[ReceivedLine]:
        """The unfinished last line, at the end of a stream (a datagram, a closed connection)."""
        lines: list[ReceivedLine] = []
        self._take(b"", arrived, lines, complete=True)
        return lines

    def _take(
        self, part: bytes, arrived: datetime, out: list[ReceivedLine], complete: bool
    ) -> None:
        if self._skipping:
            self._skipping = not complete
            return
        self._pending += part
        if len(self._pending) > self.max_line_bytes:
            out.append(ReceivedLine(bytes(self._pending[: self.max_line_bytes]), arrived, True))
            self._pending.clear()
            self._skipping = not complete
            return
        if complete:
            text = bytes(self._pending).rstrip(b"\r")
            self._pending.clear()
            if text.strip():
                out.append(ReceivedLine(text, arrived))


@dataclass
class NmeaStream:
    """The decoding state of one live source: line numbers (counted from 1 over the session),
    the messages waiting for their next sentence. `batch` decodes the lines received since the
    last call; `close` gives the fragments left waiting as orphans (quarantined)."""

    source: str
    options: ReadOptions
    reassembler: Reassembler = field(default_factory=Reassembler)
    next_line: int = 1

    def batch(self, lines: list[ReceivedLine]) -> ReadBatch:
        numbers = np.arange(self.next_line, self.next_line + len(lines), dtype=np.int64)
        self.next_line += len(lines)
        kept = [i for i, line in enumerate(lines) if not line.too_long]
        chunk = Chunk.of_lines(
            [lines[i].text.decode("utf-8", "replace") for i in kept],
            numbers[kept],
            pl.Series([lines[i].arrived for i in kept], dtype=UTC_TIME),
        )
        batch = batch_of(split_chunk(chunk), self.reassembler, self.source, self.options)
        batch.records_read = len(lines)
        too_long = [i for i, line in enumerate(lines) if line.too_long]
        if too_long:
            batch.quarantine = pl.concat(
                [batch.quarantine, self._too_long(lines, numbers, too_long)]
            )
        return batch

    def close(self) -> ReadBatch:
        return closing_batch(self.reassembler, self.source)

    def _too_long(
        self, lines: list[ReceivedLine], numbers: IntArray, rows: list[int]
    ) -> pl.DataFrame:
        detail = f"longer than {self.options.max_line_bytes} bytes (ingest.max_line_bytes)"
        frame = pl.DataFrame(
            {
                "source_line": [int(numbers[i]) for i in rows],
                "reason": "line_too_long",
                "detail": detail,
                "raw": [lines[i].text.decode("utf-8", "replace") for i in rows],
            },
            schema={"source_line": pl.Int64, "reason": pl.String, "detail": pl.String,
                    "raw": pl.String},
        ).with_columns(pl.lit(self.source).alias("source"))  # fmt: skip
        return conform(frame, QUARANTINE_SCHEMA)
