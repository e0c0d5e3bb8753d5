"""The compiled NMEA kernel (`_nmea_kernel.c`), when it was built, and what it reads.

`pip install .` compiles it (a C compiler is needed); run from a source tree without building it,
the reader logs one warning and reads with NumPy only (`nmea_sentences`), which gives the same
result more slowly. The kernel reads a chunk's lines in one pass, without the interpreter lock, as
long as every line is an AIS sentence laid out as nearly all are (a tag block or none, then the
sentence ending the line); any other chunk is left to the NumPy path, whole.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from balise.model.arrays import BoolArray, FloatArray, IntArray, UInt8Array

_log = logging.getLogger(__name__)


def _load() -> ModuleType | None:
    try:
        from balise.io import _nmea_kernel
    except ImportError:
        return None
    return _nmea_kernel


_KERNEL = _load()
_warned = False
enabled = True
"""Whether the kernel is used when it is built (the tests compare both paths)."""


def available() -> bool:
    """True when the compiled kernel is built and importable."""
    return _KERNEL is not None


def warn_if_missing() -> None:
    """One warning per process when the kernel is not built (the reader is then slower)."""
    global _warned
    if _KERNEL is None and not _warned:
        _warned = True
        _log.warning(
            "the compiled NMEA kernel is not built (pip install -e .): reading NMEA more slowly"
        )


def strings(name: str, array: pa.LargeStringArray) -> pl.Series:
    """A Polars string column of an Arrow string array, by way of an Arrow table: `pl.Series` of
    an Arrow array imports `pyarrow.compute`, 0.2 CPU-s of start-up for every reading process."""
    return pl.DataFrame(pa.table({name: array})).to_series().cast(pl.String)


def newlines(data: bytes, begin: int = 0, end: int | None = None) -> int:
    """The newlines in `data[begin:end]`, counted by the kernel without the interpreter lock when
    it is built and enabled (else by `bytes.count`)."""
    end = len(data) if end is None else end
    if _KERNEL is None or not enabled:
        return data.count(b"\n", begin, end)
    found: int = _KERNEL.newlines(data, begin, end)
    return found


def lines(data: bytes, begin: int, end: int) -> tuple[IntArray, IntArray] | None:
    """Where the lines of `data[begin:end]` start and end (offsets into `data`, as
    `nmea_bytes.Chunk.of` finds them), or None when the kernel is not built or disabled."""
    if _KERNEL is None or not enabled:
        return None
    starts, ends, _ = _KERNEL.lines(data, begin, end)
    return np.frombuffer(starts, dtype=np.int64), np.frombuffer(ends, dtype=np.int64)


@dataclass(frozen=True)
class ScannedLines:
    """The sentence fields of every line of a chunk, as the kernel read them: digits as numbers
    (-1 for a non-digit), `micros` the tag block's `c:` time (-1 none, -2 unreadable), `problem`
    0-4 (none, bad checksum, bad tag checksum, bad fragment, bad time), `fragment_key` as in
    `nmea_sentences`, and the payloads back to back with their offsets."""

    count: npt.NDArray[np.int8]
    number: npt.NDArray[np.int8]
    fill: npt.NDArray[np.int8]
    problem: npt.NDArray[np.int8]
    micros: IntArray
    fragment_key: IntArray
    payload_offsets: IntArray
    payload_bytes: UInt8Array


def scan(data: bytes, starts: IntArray, ends: IntArray) -> ScannedLines | None:
    """The lines [starts, ends) of `data` read by the kernel, or None when it is not built or
    disabled, or when a line is not of the layout it reads (the caller reads them otherwise)."""
    if _KERNEL is None or not enabled:
        warn_if_missing()
        return None
    found = _KERNEL.scan(
        data,
        np.ascontiguousarray(starts, dtype=np.int64),
        np.ascontiguousarray(ends, dtype=np.int64),
    )
    if found is None:
        return None
    count, number, fill, problem, micros, keys, offsets, payload, size = found
    return ScannedLines(
        np.frombuffer(count, dtype=np.int8),
        np.frombuffer(number, dtype=np.int8),
        np.frombuffer(fill, dtype=np.int8),
        np.frombuffer(problem, dtype=np.int8),
        np.frombuffer(micros, dtype=np.int64),
        np.frombuffer(keys, dtype=np.int64),
        np.frombuffer(offsets, dtype=np.int64),
        np.frombuffer(payload, dtype=np.uint8, count=size),
    )


@dataclass(frozen=True)
class DecodedPositions:
    """Position reports decoded by the kernel: `rows` index the payloads given; `heading` and
    `nav_status` are -1 where the message type has none."""

    rows: npt.NDArray[np.uint32]
    mmsi: npt.NDArray[np.int32]
    msg_type: npt.NDArray[np.int8]
    lat: FloatArray
    lon: FloatArray
    sog: FloatArray
    cog: FloatArray
    heading: npt.NDArray[np.int16]
    nav_status: npt.NDArray[np.int8]


def positions(chars: UInt8Array, offsets: IntArray, fill: IntArray) -> DecodedPositions | None:
    """The position reports of types 1, 2, 3, 18 and 27 among the payloads
    `chars[offsets[i]:offsets[i + 1]]` (fill bits `fill`) that have valid armour and enough bits,
    decoded as `ais_payload` does; None when the kernel is not built or disabled."""
    if _KERNEL is None or not enabled:
        return None
    found = _decode(_KERNEL.positions, chars, offsets, fill)
    rows, mmsi, msg_type, lat, lon, sog, cog, heading, nav_status, size = found
    return DecodedPositions(
        np.frombuffer(rows, dtype=np.uint32, count=size),
        np.frombuffer(mmsi, dtype=np.int32, count=size),
        np.frombuffer(msg_type, dtype=np.int8, count=size),
        np.frombuffer(lat, dtype=np.float64, count=size),
        np.frombuffer(lon, dtype=np.float64, count=size),
        np.frombuffer(sog, dtype=np.float64, count=size),
        np.frombuffer(cog, dtype=np.float64, count=size),
        np.frombuffer(heading, dtype=np.int16, count=size),
        np.frombuffer(nav_status, dtype=np.int8, count=size),
    )


@dataclass(frozen=True)
class DecodedStaticVoyage:
    """Type 5 messages decoded by the kernel: `rows` index the payloads given; texts cut at the
    first `@` and stripped of spaces (empty when nothing is left)."""

    rows: npt.NDArray[np.uint32]
    columns: dict[str, npt.NDArray[Any]]
    texts: dict[str, pa.LargeStringArray]


_STATIC_VOYAGE_COLUMNS = (
    ("mmsi", np.int32),
    ("imo", np.int32),
    ("ship_type", np.int16),
    ("length_m", np.float64),
    ("width_m", np.float64),
    ("draught_m", np.float64),
    ("eta_month", np.int8),
    ("eta_day", np.int8),
    ("eta_hour", np.int8),
    ("eta_minute", np.int8),
)


def static_voyage(
    chars: UInt8Array, offsets: IntArray, fill: IntArray
) -> DecodedStaticVoyage | None:
    """The type 5 messages among the payloads (as `positions`) that have valid armour and enough
    bits, decoded as `ais_payload` does; None when the kernel is not built or disabled."""
    if _KERNEL is None or not enabled:
        return None
    found = _decode(_KERNEL.static_voyage, chars, offsets, fill)
    size = found[-1]
    columns = {
        name: np.frombuffer(found[1 + k], dtype=dtype, count=size)
        for k, (name, dtype) in enumerate(_STATIC_VOYAGE_COLUMNS)
    }
    texts = {
        name: _text(found, at, size)
        for name, at in (("call_sign", 11), ("name", 13), ("destination", 15))
    }
    return DecodedStaticVoyage(np.frombuffer(found[0], dtype=np.uint32, count=size), columns, texts)


@dataclass(frozen=True)
class DecodedStaticData:
    """Type 24 messages of part A or B decoded by the kernel: `rows` index the payloads given;
    `ship_type` -1 for part A, `length_m` and `width_m` NaN for part A and for auxiliary craft;
    `name` (part A) and `call_sign` (part B) cut at the first `@` and stripped of spaces."""

    rows: npt.NDArray[np.uint32]
    mmsi: npt.NDArray[np.int32]
    part: npt.NDArray[np.int8]
    ship_type: npt.NDArray[np.int16]
    length_m: FloatArray
    width_m: FloatArray
    name: pa.LargeStringArray
    call_sign: pa.LargeStringArray


def static_data(chars: UInt8Array, offsets: IntArray, fill: IntArray) -> DecodedStaticData | None:
    """The type 24 messages of part A or B among the payloads (as `positions`) that have valid
    armour and enough bits for their part, decoded as `ais_payload` does; None when the kernel
    is not built or disabled."""
    if _KERNEL is None or not enabled:
        return None
    found = _decode(_KERNEL.static_data, chars, offsets, fill)
    size = found[-1]

    return DecodedStaticData(
        np.frombuffer(found[0], dtype=np.uint32, count=size),
        np.frombuffer(found[1], dtype=np.int32, count=size),
        np.frombuffer(found[2], dtype=np.int8, count=size),
        np.frombuffer(found[3], dtype=np.int16, count=size),
        np.frombuffer(found[4], dtype=np.float64, count=size),
        np.frombuffer(found[5], dtype=np.float64, count=size),
        _text(found, 6, size),
        _text(found, 8, size),
    )


def _decode(
    decoder: Callable[..., tuple[Any, ...]], chars: UInt8Array, offsets: IntArray, fill: IntArray
) -> tuple[Any, ...]:
    """`decoder` (a payload decoder of the kernel) over the payloads, as contiguous arrays."""
    return decoder(
        np.ascontiguousarray(chars),
        np.ascontiguousarray(offsets, dtype=np.int64),
        np.ascontiguousarray(fill, dtype=np.int64),
    )


def _text(found: tuple[Any, ...], at: int, size: int) -> pa.LargeStringArray:
    """The text column whose int64 offsets are `found[at]` and whose bytes `found[at + 1]`."""
    offsets = np.frombuffer(found[at], dtype=np.int64, count=size + 1)
    text = pa.py_buffer(found[at + 1])
    return pa.LargeStringArray.from_buffers(size, pa.py_buffer(offsets), text)


def gather(data: bytes, begin: IntArray, end: IntArray, newline_after: BoolArray) -> bytes | None:
    """The byte ranges `data[begin:end]` back to back, a newline after those marked; None when the
    kernel is not built or disabled."""
    if _KERNEL is None or not enabled:
        return None
    gathered: bytes = _KERNEL.gather(
        data,
        np.ascontiguousarray(begin, dtype=np.int64),
        np.ascontiguousarray(end, dtype=np.int64),
        np.ascontiguousarray(newline_after, dtype=np.bool_),
    )
    return gathered
