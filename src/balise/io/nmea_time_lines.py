"""Lines that give a receive time to the lines after them: `$PGHP` sentences and tag lines.

Found in bulk over a chunk (see `nmea_bytes`); their times are carried forward by
`nmea_time.carried_micros`. Bad ones (checksum, unreadable time) become quarantine rows, so a
`$PGHP` sentence is never counted as a bad AIS sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from balise.io.nmea_bytes import STAR, Chunk, hex_byte, payloads, xor
from balise.io.nmea_time import BLOCKED, UNREADABLE, TimeLines, pghp_micros
from balise.model.arrays import BoolArray, IntArray, UInt8Array


@dataclass(frozen=True)
class FoundTimeLines:
    """The time lines of a chunk: their times, which lines they are, how many were good (by kind:
    `time_sentence`, `tag_line`) and the bad ones as quarantine rows."""

    lines: TimeLines
    is_time_line: BoolArray
    counts: dict[str, int]
    rejected: pl.DataFrame


def no_time_lines(lines: int) -> FoundTimeLines:
    """What `find_time_lines` finds in a chunk of `lines` lines without any time line."""
    nothing = np.zeros(0, dtype=np.int64)
    return FoundTimeLines(
        TimeLines(nothing, nothing, nothing, nothing),
        np.zeros(lines, dtype=bool),
        {},
        rejected_rows([], [], []),
    )


def find_time_lines(
    codes: UInt8Array,
    chunk: Chunk,
    tag_end: IntArray,
    tag_micros: IntArray,
    candidates: BoolArray,
) -> FoundTimeLines:
    """`$PGHP,1` time sentences and tag blocks alone on their line (`tag_end`: where each line's
    tag block ends, -1 for none; `tag_micros`: its `c:` time), with their times and the bad ones
    (checksum, unreadable time) as quarantine rows. Checksums are the NMEA XOR, as for AIS
    sentences; `$PGHP` lines of other message types are not time lines. Only `candidates` (the
    lines that hold no AIS sentence) are looked at."""
    starts, ends = chunk.starts, chunk.ends
    lines = np.flatnonzero(candidates)
    pghp = lines[_starts_with(codes, starts[lines], ends[lines], b"$PGHP,1,")]
    tags = lines[(tag_end[lines] >= 0) & (tag_end[lines] == ends[lines] - 1)]
    if pghp.size == 0 and tags.size == 0:
        return no_time_lines(len(chunk))
    star = ends[pghp] - 3
    pghp_sum_ok = (codes[np.maximum(star, 0)] == STAR) & (
        xor(codes, starts[pghp] + 1, np.maximum(star, starts[pghp] + 1))
        == hex_byte(codes, star + 1)
    )
    pghp_micros_ = pghp_micros(payloads(codes, starts[pghp], ends[pghp])).fill_null(-1)
    pghp_time = np.where(pghp_sum_ok, pghp_micros_.to_numpy(), BLOCKED)
    pghp_bad_time = pghp_sum_ok & (pghp_time < 0)
    pghp_time[pghp_bad_time] = BLOCKED

    tag_star = np.maximum(tag_end[tags] - 3, 0)
    tag_sum_ok = (codes[tag_star] == STAR) & (
        xor(codes, starts[tags] + 1, np.maximum(tag_star, starts[tags] + 1))
        == hex_byte(codes, tag_star + 1)
    )
    tag_bad_time = tag_sum_ok & (tag_micros[tags] == UNREADABLE)
    tag_time = np.where(tag_sum_ok & ~tag_bad_time, tag_micros[tags], BLOCKED)

    is_time_line = np.zeros(len(chunk), dtype=bool)
    is_time_line[pghp] = True
    is_time_line[tags] = True
    rejected = rejected_rows(
        [pghp[~pghp_sum_ok], pghp[pghp_bad_time], tags[~tag_sum_ok], tags[tag_bad_time]],
        ["bad_checksum", "bad_time", "bad_tag_checksum", "bad_time"],
        [
            "$PGHP time sentence: checksum missing or wrong",
            "$PGHP time sentence: no valid date and time in fields 2-8",
            "tag block line: checksum missing or wrong",
            "tag block line: c: is not a number of 1 to 13 digits",
        ],
        chunk,
    )
    found = TimeLines(
        chunk.line_numbers(pghp), pghp_time, chunk.line_numbers(tags), tag_time.astype(np.int64)
    )
    counts = {
        "time_sentence": int((pghp_sum_ok & ~pghp_bad_time).sum()),
        "tag_line": int((tag_sum_ok & ~tag_bad_time).sum()),
    }
    return FoundTimeLines(found, is_time_line, counts, rejected)


def _starts_with(codes: UInt8Array, starts: IntArray, ends: IntArray, prefix: bytes) -> BoolArray:
    """Which of the lines [starts, ends) begin with `prefix`."""
    match: BoolArray = ends - starts >= len(prefix)
    for offset, byte in enumerate(prefix):
        match &= codes[starts + offset] == byte
    return match


def rejected_rows(
    indices: list[IntArray], reasons: list[str], details: list[str], chunk: Chunk | None = None
) -> pl.DataFrame:
    """Quarantine rows (`source_line`, `reason`, `detail`) for lines at these chunk indices."""
    frames = [
        pl.DataFrame(
            {
                "source_line": found if chunk is None else chunk.line_numbers(found),
                "reason": [reason] * found.size,
                "detail": [detail] * found.size,
            },
            schema={"source_line": pl.Int64, "reason": pl.String, "detail": pl.String},
        )
        for found, reason, detail in zip(indices, reasons, details, strict=True)
    ]
    empty = pl.DataFrame(schema={"source_line": pl.Int64, "reason": pl.String, "detail": pl.String})
    return pl.concat([empty, *frames])
