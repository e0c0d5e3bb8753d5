"""Receive times of NMEA lines: text times, `$PGHP` time sentences, times carried to later lines.

Three facts shape this module:

- **Plausible window.** A time outside `time_window()` (from 1980-01-01 to 2200-01-01, and never
  more than a day after the ingest's own clock; the CSV reader uses the same window) is no AIS
  receive time (AIS began in the 1990s; a receiver without a GPS fix writes 1970 or 2000-01-01
  style clocks; a time in the future has not been received yet): the message is quarantined
  `bad_time` rather than stored at a wrong time.
- **Gatehouse `$PGHP` sentences.** Danish Maritime Authority raw archives, and other archives
  written by Gatehouse base stations and servers, put a proprietary sentence before each AIS
  sentence: `$PGHP,1,<year>,<month>,<day>,<hour>,<minute>,<second>,<millisecond>,<country MID>,
  <region>,<base station MMSI>,...*hh` (UTC). Layout taken from the Danish Maritime Authority's
  AisLib, `dk.dma.ais.proprietary.GatehouseFactory` (fields 2-8 are the UTC date and time down to
  milliseconds, 9 the country's MID, 10 the region, 11 the base station MMSI; message type 1 is
  the "source tag"; the checksum is the NMEA one), and from its tests, e.g.
  `$PGHP,1,2014,4,10,13,30,29,165,219,,2190067,1,28*22` before a `!BSVDM` pair. Only the time
  fields are read; the trailing fields are not checked, so variants with fewer or more of them
  are read alike.
- **Times on a line of their own** (a `$PGHP` sentence, or a tag block alone on its line such as
  `\\c:1641024020*hh\\`) apply to the sentences that follow, until the next such line of the same
  kind. When both kinds precede a sentence, the nearer line's time is used; a sentence's own tag
  block or leading/trailing time always wins over both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

import numpy as np
import polars as pl

from balise.model.arrays import IntArray
from balise.model.schema import UTC_TIME

TIME_WINDOW: Final = (datetime(1980, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC))
"""The outer bounds of a plausible receive time (see `time_window`, which also ends a day after the
ingest's clock); a module constant, not a setting, because readers take no settings beyond
`ReadOptions`."""

MS_EPOCH_FLOOR: Final = 100_000_000_000
"""An epoch number this large is milliseconds: as seconds it would be in the year 5138, far past
`TIME_WINDOW`; as milliseconds (1973-03-03 on) it is well defined. Smaller numbers are seconds."""

_EPOCH = r"^\d{9,13}(?:\.\d+)?$"
_ISO = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$"
_SEPARATORS = " \t,;|"
_ISO_FORMAT = "%Y-%m-%dT%H:%M:%S%.f%:z"
_PGHP_TIME = (
    r"^\$PGHP,1,(\d{4}),(\d{1,2}),(\d{1,2}),(\d{1,2}),(\d{1,2}),(\d{1,2}),(\d{1,3})(?:[,*]|$)"
)
_PGHP_PARTS = ("year", "month", "day", "hour", "minute", "second", "ms")


FUTURE_SLACK: Final = timedelta(days=1)
"""A receive time more than this after the ingest's own clock has not been received yet: a
receiver clock gone wrong or a forged tag. A day covers clocks set to another zone."""


def time_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    """[first, last) plausible receive time: `TIME_WINDOW`, ending at the latest one day after
    `now` (the ingest's clock; the wall clock when None)."""
    first, last = TIME_WINDOW
    return first, min(last, (now or datetime.now(UTC)) + FUTURE_SLACK)


def outside_window(column: str = "timestamp") -> pl.Expr:
    """True where `column` (a UTC time) is set and outside `time_window()`."""
    first, last = time_window()
    return (pl.col(column) < first) | (pl.col(column) >= last)


def window_text() -> str:
    """The window as it is said in quarantine details."""
    first, last = time_window()
    return f"{first:%Y-%m-%d} to {last:%Y-%m-%d %H:%M} UTC"


def epoch_micros(value: IntArray) -> IntArray:
    """Microseconds since 1970 from epoch numbers in seconds or, from `MS_EPOCH_FLOOR` on, ms."""
    micros: IntArray = np.where(value >= MS_EPOCH_FLOOR, value * 1_000, value * 1_000_000)
    return micros


def text_times(texts: list[str]) -> pl.Series:
    """Leading or trailing timestamps: unix seconds (milliseconds when 13 digits) or ISO 8601 with
    `T` or a space, an optional fraction (`.` or `,`) and an optional offset (UTC when none);
    separators (space, tab, comma, semicolon, bar) around the time are ignored. Null where
    unreadable. ISO texts are first rewritten to one form so that one explicit format parses a
    column mixing forms (an inferred format would follow the first row only)."""
    text = pl.col("text")
    iso = (
        text.str.replace(" ", "T")
        .str.replace(r"(:\d{2}),(\d)", "$1.$2")
        .str.replace(r"Z$", "+00:00")
        .str.replace(r"([+-]\d{2})(\d{2})$", "$1:$2")
        .str.replace(r"([+-]\d{2})$", "$1:00")
    )
    iso = pl.when(iso.str.contains(r"[+-]\d{2}:\d{2}$")).then(iso).otherwise(iso + "+00:00")
    iso_time = iso.str.to_datetime(_ISO_FORMAT, time_zone="UTC", strict=False, time_unit="us")
    seconds = text.cast(pl.Float64, strict=False)
    seconds = pl.when(seconds >= MS_EPOCH_FLOOR).then(seconds / 1000).otherwise(seconds)
    epoch_time = (seconds * 1_000_000).round().cast(pl.Int64).cast(UTC_TIME)
    parsed = (
        pl.when(text.str.contains(_EPOCH))
        .then(epoch_time)
        .when(text.str.contains(_ISO))
        .then(iso_time)
    )
    cleaned = pl.Series(texts, dtype=pl.String).str.strip_chars(_SEPARATORS)
    return pl.DataFrame({"text": cleaned}).select(parsed.alias("timestamp")).to_series()


def pghp_micros(texts: pl.Series) -> pl.Series:
    """Microseconds since 1970 (UTC) of `$PGHP,1,...` sentences; null where the date and time
    fields do not make a real time (missing fields, month 13, letters)."""
    parts = texts.str.extract_groups(_PGHP_TIME).struct.rename_fields(list(_PGHP_PARTS))
    frame = parts.struct.unnest()
    stamp = pl.concat_str(
        pl.col("year"), *(pl.col(name).str.zfill(2) for name in _PGHP_PARTS[1:6])
    ).str.to_datetime("%Y%m%d%H%M%S", strict=False, time_unit="us")
    ms = pl.col("ms").cast(pl.Int64, strict=False)
    micros = stamp.dt.epoch("us") + ms * 1_000
    return frame.select(micros.alias("micros")).to_series()


UNREADABLE: Final = -2
"""A `c:` field that is no number of 1 to 13 digits: the sentence is quarantined `bad_time`."""
NO_TIME: Final = -1
"""A time line that gives no time (a tag line without `c:`)."""
BLOCKED: Final = -3
"""A bad time line (checksum, unreadable time): no earlier time reaches past it."""


@dataclass(frozen=True)
class LineTime:
    """The latest time given on a line of its own: microseconds (-1: none) and source line."""

    micros: int = -1
    line: int = -1


@dataclass(frozen=True)
class TimeContext:
    """What a chunk hands to the next: the latest `$PGHP` time and the latest tag-line time."""

    pghp: LineTime = LineTime()
    tag: LineTime = LineTime()

    @property
    def empty(self) -> bool:
        return self.pghp.line < 0 and self.tag.line < 0


@dataclass(frozen=True)
class TimeLines:
    """Lines of one chunk that give a time to the lines after them, sorted by source line.

    `micros` is `NO_TIME` where the line gives no time (a tag line without `c:`) and `BLOCKED`
    for a bad line; either ends the reach of the line of its kind before it."""

    pghp_lines: IntArray
    pghp_micros: IntArray
    tag_lines: IntArray
    tag_micros: IntArray

    def is_empty(self) -> bool:
        return self.pghp_lines.size == 0 and self.tag_lines.size == 0


def carried_micros(
    lines: IntArray, given: TimeLines, context: TimeContext
) -> tuple[IntArray, TimeContext]:
    """For each source line of `lines`, the time carried from the nearest earlier time line
    (`NO_TIME` where none), and the context left at the end of the chunk.

    The nearer of the last `$PGHP` sentence and the last tag line decides; a tag line that gives
    no time lets the `$PGHP` time before it through, a bad line of either kind (`BLOCKED`) lets
    nothing through: the sentences it was meant for are not given an older time."""
    pghp, pghp_at = _last_before(lines, given.pghp_lines, given.pghp_micros, context.pghp)
    tag, tag_at = _last_before(lines, given.tag_lines, given.tag_micros, context.tag)
    tag_nearer = tag_at > pghp_at
    micros: IntArray = np.where(tag_nearer & (tag != NO_TIME), tag, pghp)
    micros = np.where(micros >= 0, micros, NO_TIME)
    after = TimeContext(
        _last(given.pghp_lines, given.pghp_micros, context.pghp),
        _last(given.tag_lines, given.tag_micros, context.tag),
    )
    return micros, after


def _last_before(
    lines: IntArray, at: IntArray, micros: IntArray, carried: LineTime
) -> tuple[IntArray, IntArray]:
    index = np.searchsorted(at, lines, side="right") - 1
    found = index >= 0
    safe = np.maximum(index, 0)
    if at.size == 0:
        return np.full(lines.size, carried.micros), np.full(lines.size, carried.line)
    return (
        np.where(found, micros[safe], carried.micros),
        np.where(found, at[safe], carried.line),
    )


def _last(at: IntArray, micros: IntArray, carried: LineTime) -> LineTime:
    if at.size == 0:
        return carried
    return LineTime(int(micros[-1]), int(at[-1]))
