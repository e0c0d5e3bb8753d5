"""Decode armoured AIS payloads (ITU-R M.1371-5) a whole batch at a time, with NumPy.

An AIS payload is the sixth field of a !AIVDM/!AIVDO sentence: a bit string armoured six bits per
character (ASCII 48-87 and 96-119), the last character padded with 0-5 fill bits. Decoding one
message at a time in Python (pyais) costs microseconds per message, which dominates the ingestion
of national or satellite archives of hundreds of millions of reports. Here every payload of a batch
becomes part of one buffer of 6-bit values, the payloads of one message type are laid out as a
(character x message) array, and each field is extracted for all of them with shifts and masks.

Decoded values equal pyais' (the reference decoder of the tests):

- lat/lon in degrees rounded to 6 decimals; transmitted in 1/10000 minute by types 1, 2, 3, 18
  and 19, in 1/10 minute by type 27 (long-range broadcast);
- speed over ground in knots, course over ground in degrees: 1/10 knot and 1/10 degree, whole
  knots and whole degrees for type 27;
- "not available" values are kept as transmitted (lat 91, lon 181, SOG 102.3, COG 360, heading
  511); type 27's own (SOG 63, COG 511) become 102.3 and 360 so cleaning sees one set of sentinels;
- text is 6-bit ASCII cut at the first '@' (the padding character), stripped of spaces, empty as
  null (pyais only strips trailing '@');
- ship types and every other code are raw values (pyais folds unknown ship types into its enum).

A payload that cannot be decoded is a row of `errors` and has message type 0; its reason is one of
`empty_payload`, `invalid_payload_char` (outside the armour alphabet), `payload_too_short` (fewer
bits than the fields read need) or `unknown_part_number` (type 24 part 2 or 3, which pyais refuses
too). Message types not decoded here are not errors: they only get their type in `msg_type`, for
the caller to count or to hand to pyais.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from balise.io import nmea_kernel
from balise.model.arrays import BoolArray, FloatArray, IntArray, UInt8Array

Column = IntArray | FloatArray | pl.Series

POSITION_COLUMNS: dict[str, pl.DataType] = {
    "row": pl.UInt32(),
    "mmsi": pl.Int32(),
    "msg_type": pl.Int8(),
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "sog_knots": pl.Float64(),
    "cog_deg": pl.Float64(),
    "heading_deg": pl.Int16(),
    "nav_status": pl.Int8(),
}
IDENTITY_COLUMNS: dict[str, pl.DataType] = {
    "row": pl.UInt32(),
    "mmsi": pl.Int32(),
    "msg_type": pl.Int8(),
    "part": pl.Int8(),
    "imo": pl.Int32(),
    "name": pl.String(),
    "call_sign": pl.String(),
    "ship_type": pl.Int16(),
    "length_m": pl.Float64(),
    "width_m": pl.Float64(),
    "draught_m": pl.Float64(),
    "destination": pl.String(),
    "eta_month": pl.Int8(),
    "eta_day": pl.Int8(),
    "eta_hour": pl.Int8(),
    "eta_minute": pl.Int8(),
}
ERROR_COLUMNS: dict[str, pl.DataType] = {
    "row": pl.UInt32(),
    "reason": pl.String(),
    "detail": pl.String(),
}
TEXT_COLUMNS = ("name", "call_sign", "destination")

MIN_BITS = {
    "class A position": 137,
    "class B position": 133,
    "class B extended": 301,
    "long-range position": 94,
    "static and voyage": 422,
    "static data": 40,
    "static data part A": 160,
    "static data part B": 162,
}
"""Bits up to the end of the last field read, by layout. Real messages are often shorter than the
standard's length (type 24 part A sent as 160 bits instead of 168) yet complete for what is read."""

SOG_NOT_AVAILABLE_KNOTS = 102.3
COG_NOT_AVAILABLE_DEG = 360.0
LONG_RANGE_SOG_NOT_AVAILABLE = 63
LONG_RANGE_COG_NOT_AVAILABLE = 511
AUXILIARY_CRAFT_MMSI = (980_000_000, 989_999_999)
"""98XXXYYYY: a craft of a mothership, whose type 24 part B carries the mothership's MMSI in place
of the dimensions."""

_PADDING_CHARS = 80
_SIXBIT_ASCII: UInt8Array = np.array([v + 64 if v < 32 else v for v in range(64)], dtype=np.uint8)
_BYTE_SHOWN = np.array(
    [f"{chr(b)!r}" if 32 <= b < 127 else f"byte 0x{b:02x}" for b in range(256)], dtype=object
)


@dataclass(frozen=True)
class DecodedPayloads:
    """What `decode_payloads` found: one message type per payload and the decoded frames.

    `msg_type` is 0 for the payloads listed in `errors`; `row` in the frames indexes the input.
    """

    msg_type: npt.NDArray[np.int8]
    positions: pl.DataFrame
    identities: pl.DataFrame
    errors: pl.DataFrame


@dataclass
class _Armour:
    """The 6-bit values of every payload of a batch, back to back, where each payload is, and
    the payloads found undecodable so far (their message type set to -1)."""

    values: UInt8Array
    starts: IntArray
    bits: IntArray
    msg_type: IntArray
    errors: list[pl.DataFrame] = field(default_factory=list)

    def of_type(self, msg_type: int) -> IntArray:
        return np.flatnonzero(self.msg_type == msg_type)

    def reject(self, rows: IntArray, reason: str, detail: pl.Series | str) -> None:
        if rows.size:
            self.msg_type[rows] = -1
            error = pl.DataFrame({"row": rows, "reason": reason, "detail": detail})
            self.errors.append(error.cast(ERROR_COLUMNS))  # type: ignore[arg-type]

    def complete(self, rows: IntArray, layout: str) -> tuple[IntArray, UInt8Array]:
        """The rows long enough for `layout`, and their values as (character x message)."""
        needed = MIN_BITS[layout]
        long_enough = self.bits[rows] >= needed
        short = rows[~long_enough]
        if short.size:
            explained = f"type {{}} ({layout}) needs {needed} bits, has {{}}"
            detail = pl.select(pl.format(explained, self.msg_type[short], self.bits[short]))
            self.reject(short, "payload_too_short", detail.to_series())
        rows = rows[long_enough]
        width = needed // 6 + 1
        windows = np.lib.stride_tricks.sliding_window_view(self.values, width)
        return rows, np.ascontiguousarray(windows[self.starts[rows]].T)


def _fill(payloads: pl.Series, fill_bits: npt.ArrayLike) -> IntArray:
    fill: IntArray = np.clip(np.asarray(fill_bits).astype(np.int64, copy=False), 0, 5)
    if fill.shape != (payloads.len(),):
        raise ValueError(f"{fill.shape} fill bits for {payloads.len()} payloads")
    return fill


def _chars(payloads: pl.Series) -> tuple[UInt8Array, IntArray]:
    """The payloads' characters back to back (nulls as empty) and where each starts and ends."""
    array: Any = (
        payloads.cast(pl.String).fill_null("").to_arrow(compat_level=pl.CompatLevel.oldest())
    )
    buffers = array.buffers()
    offsets: IntArray = np.frombuffer(buffers[1], dtype=np.int64)[array.offset :][: len(array) + 1]
    data = buffers[2] if buffers[2] is not None else b""
    chars: UInt8Array = np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]]
    return chars, offsets - offsets[0]


def _read_armour(payloads: pl.Series, fill_bits: npt.ArrayLike) -> _Armour:
    fill = _fill(payloads, fill_bits)
    chars, offsets = _chars(payloads)
    values, invalid = _sixbit_values(chars)
    starts, lengths = offsets[:-1], np.diff(offsets)
    msg_type = values[np.minimum(starts, chars.size)].astype(np.int64)
    armour = _Armour(values, starts, 6 * lengths - fill, msg_type)
    armour.reject(np.flatnonzero(lengths == 0), "empty_payload", "no characters")
    if invalid.any():
        _reject_invalid_chars(armour, chars, invalid, offsets)
    return armour


def _sixbit_values(chars: UInt8Array) -> tuple[UInt8Array, BoolArray]:
    """The 6-bit value of each armour character (padded with zeros), and which are invalid.

    Arithmetic on the whole buffer rather than a 256-entry table: it is several times faster.
    Invalid characters get 0 so that no value spills over six bits when characters are combined.
    """
    values = np.zeros(chars.size + _PADDING_CHARS, dtype=np.uint8)
    low = values[: chars.size]
    np.subtract(chars, np.uint8(48), out=low)
    invalid = (low > 71) | ((low - np.uint8(40)) < 8)
    low -= (low > 39).view(np.uint8) * np.uint8(8)
    low[invalid] = 0
    return values, invalid


def _reject_invalid_chars(
    armour: _Armour, chars: UInt8Array, invalid: BoolArray, offsets: IntArray
) -> None:
    where = np.flatnonzero(invalid)
    rows, first = np.unique(np.searchsorted(offsets, where, side="right") - 1, return_index=True)
    at = where[first]
    shown = pl.Series(_BYTE_SHOWN[chars[at]], dtype=pl.String)
    detail = pl.select(pl.format("{} at offset {}", shown, at - offsets[rows])).to_series()
    armour.reject(rows, "invalid_payload_char", detail)


def _unsigned(values: UInt8Array, offset: int, width: int) -> IntArray:
    first, last = offset // 6, (offset + width - 1) // 6
    value: IntArray = values[first].astype(np.int64)
    for char in values[first + 1 : last + 1]:
        value <<= 6
        value |= char
    value >>= 6 * (last + 1) - offset - width
    value &= (1 << width) - 1
    return value


def _signed(values: UInt8Array, offset: int, width: int) -> IntArray:
    value = _unsigned(values, offset, width)
    return value - ((value >> (width - 1)) << width)


def _degrees(raw: IntArray, units_per_minute: int) -> FloatArray:
    """Degrees rounded to 6 decimals, computed as pyais does so that values are bit-identical.

    With k = 10**5 / units_per_minute: round(raw / (60 * units_per_minute), 6) is
    floor((k * raw + 3) / 6) / 1e6, as k * raw / 6 is never halfway between two integers.
    """
    return ((10**5 // units_per_minute) * raw + 3) // 6 / 1e6


def _text(values: UInt8Array, offset: int, n_chars: int) -> pl.Series:
    first, skip = divmod(offset, 6)
    pairs = values[first : first + n_chars].astype(np.uint16) << 6
    pairs |= values[first + 1 : first + n_chars + 1]
    sixbit = ((pairs >> (6 - skip)) & 63).astype(np.uint8)
    ascii_codes = _SIXBIT_ASCII[sixbit]
    ascii_codes[np.logical_or.accumulate(sixbit == 0, axis=0)] = 0
    fixed = np.ascontiguousarray(ascii_codes.T).view(f"S{n_chars}").ravel()
    return pl.Series(fixed, dtype=pl.Binary).cast(pl.String).str.strip_chars(" ")


def _dimensions(values: UInt8Array, bow_offset: int) -> dict[str, Column]:
    bow, stern = _unsigned(values, bow_offset, 9), _unsigned(values, bow_offset + 9, 9)
    port = _unsigned(values, bow_offset + 18, 6)
    starboard = _unsigned(values, bow_offset + 24, 6)
    return {"length_m": bow + stern, "width_m": port + starboard}


def _frame(
    rows: IntArray, columns: dict[str, Column], schema: dict[str, pl.DataType]
) -> pl.DataFrame:
    present = pl.DataFrame({"row": rows, **columns})
    return present.select(
        (pl.col(name) if name in present.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in schema.items()
    )


def _concat(frames: list[pl.DataFrame], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    frames = [f for f in frames if f.height]
    if not frames:
        return pl.DataFrame(schema=schema)
    if len(frames) == 1:
        return frames[0]
    return pl.concat(frames).sort("row")


def _class_a_positions(values: UInt8Array) -> dict[str, Column]:
    return {
        "mmsi": _unsigned(values, 8, 30),
        "msg_type": _unsigned(values, 0, 6),
        "lat": _degrees(_signed(values, 89, 27), 10_000),
        "lon": _degrees(_signed(values, 61, 28), 10_000),
        "sog_knots": _unsigned(values, 50, 10) / 10.0,
        "cog_deg": _unsigned(values, 116, 12) / 10.0,
        "heading_deg": _unsigned(values, 128, 9),
        "nav_status": _unsigned(values, 38, 4),
    }


def _class_b_positions(values: UInt8Array) -> dict[str, Column]:
    """Types 18 and 19, which share the layout of their first 133 bits."""
    return {
        "mmsi": _unsigned(values, 8, 30),
        "msg_type": _unsigned(values, 0, 6),
        "lat": _degrees(_signed(values, 85, 27), 10_000),
        "lon": _degrees(_signed(values, 57, 28), 10_000),
        "sog_knots": _unsigned(values, 46, 10) / 10.0,
        "cog_deg": _unsigned(values, 112, 12) / 10.0,
        "heading_deg": _unsigned(values, 124, 9),
    }


def _long_range_positions(values: UInt8Array) -> dict[str, Column]:
    sog = _unsigned(values, 79, 6)
    cog = _unsigned(values, 85, 9)
    return {
        "mmsi": _unsigned(values, 8, 30),
        "msg_type": _unsigned(values, 0, 6),
        "lat": _degrees(_signed(values, 62, 17), 10),
        "lon": _degrees(_signed(values, 44, 18), 10),
        "sog_knots": np.where(sog == LONG_RANGE_SOG_NOT_AVAILABLE, SOG_NOT_AVAILABLE_KNOTS, sog),
        "cog_deg": np.where(cog == LONG_RANGE_COG_NOT_AVAILABLE, COG_NOT_AVAILABLE_DEG, cog),
        "nav_status": _unsigned(values, 40, 4),
    }


def _static_and_voyage(values: UInt8Array) -> dict[str, Column]:
    """Type 5."""
    return {
        "mmsi": _unsigned(values, 8, 30),
        "msg_type": _unsigned(values, 0, 6),
        "imo": _unsigned(values, 40, 30),
        "call_sign": _text(values, 70, 7),
        "name": _text(values, 112, 20),
        "ship_type": _unsigned(values, 232, 8),
        **_dimensions(values, 240),
        "eta_month": _unsigned(values, 274, 4),
        "eta_day": _unsigned(values, 278, 5),
        "eta_hour": _unsigned(values, 283, 5),
        "eta_minute": _unsigned(values, 288, 6),
        "draught_m": _unsigned(values, 294, 8) / 10.0,
        "destination": _text(values, 302, 20),
    }


def _class_b_static(values: UInt8Array) -> dict[str, Column]:
    """Type 19's identity half."""
    return {
        "mmsi": _unsigned(values, 8, 30),
        "msg_type": _unsigned(values, 0, 6),
        "name": _text(values, 143, 20),
        "ship_type": _unsigned(values, 263, 8),
        **_dimensions(values, 271),
    }


def _static_part_a(values: UInt8Array) -> dict[str, Column]:
    return {
        "mmsi": _unsigned(values, 8, 30),
        "msg_type": _unsigned(values, 0, 6),
        "part": _unsigned(values, 38, 2),
        "name": _text(values, 40, 20),
    }


def _static_part_b(values: UInt8Array) -> dict[str, Column]:
    mmsi = _unsigned(values, 8, 30)
    low, high = AUXILIARY_CRAFT_MMSI
    mothership = (mmsi >= low) & (mmsi <= high)
    dimensions = {
        name: np.where(mothership, np.nan, size) for name, size in _dimensions(values, 132).items()
    }
    return {
        "mmsi": mmsi,
        "msg_type": _unsigned(values, 0, 6),
        "part": _unsigned(values, 38, 2),
        "ship_type": _unsigned(values, 40, 8),
        "call_sign": _text(values, 90, 7),
        **{name: pl.Series(size).fill_nan(None) for name, size in dimensions.items()},
    }


def _positions(armour: _Armour) -> pl.DataFrame:
    class_a = np.flatnonzero((armour.msg_type >= 1) & (armour.msg_type <= 3))
    groups = [
        (class_a, "class A position", _class_a_positions),
        (armour.of_type(18), "class B position", _class_b_positions),
        (armour.of_type(19), "class B extended", _class_b_positions),
        (armour.of_type(27), "long-range position", _long_range_positions),
    ]
    frames = []
    for candidates, layout, decode in groups:
        rows, values = armour.complete(candidates, layout)
        if rows.size:
            frames.append(_frame(rows, decode(values), POSITION_COLUMNS))
    return _concat(frames, POSITION_COLUMNS)


def _identities(armour: _Armour) -> pl.DataFrame:
    type_24, values = armour.complete(armour.of_type(24), "static data")
    part = _unsigned(values, 38, 2)
    armour.reject(
        type_24[part > 1],
        "unknown_part_number",
        pl.select(pl.format("type 24 part {}", part[part > 1])).to_series(),
    )
    groups = [
        (armour.of_type(5), "static and voyage", _static_and_voyage),
        (armour.of_type(19), "class B extended", _class_b_static),
        (type_24[part == 0], "static data part A", _static_part_a),
        (type_24[part == 1], "static data part B", _static_part_b),
    ]
    frames = []
    for candidates, layout, decode in groups:
        rows, values = armour.complete(candidates, layout)
        if rows.size:
            frames.append(_frame(rows, decode(values), IDENTITY_COLUMNS))
    empty_as_null = [pl.col(c).replace("", None) for c in TEXT_COLUMNS]
    return _concat(frames, IDENTITY_COLUMNS).with_columns(empty_as_null)


def decode_payloads(payloads: pl.Series, fill_bits: npt.ArrayLike) -> DecodedPayloads:
    """Decode armoured AIS payloads (fragments already joined) given their fill bits (0-5).

    Positions come from types 1, 2, 3, 18, 19 and 27, identities from types 5, 19 and 24; a type 19
    gives one row of each. Raises only when `fill_bits` does not have one value per payload.

    The compiled kernel (`nmea_kernel`), when built, decodes the well-formed position reports of
    types 1, 2, 3, 18 and 27 and the type 5 messages (nearly all of a stream) in one pass; NumPy
    decodes the others.
    """
    fill = _fill(payloads, fill_bits)
    chars, offsets = _chars(payloads)
    fast = nmea_kernel.positions(chars, offsets, fill)
    voyage = nmea_kernel.static_voyage(chars, offsets, fill)
    static = _kernel_static_data(chars, offsets, fill)
    if fast is None or voyage is None or fast.rows.size + voyage.rows.size == 0:
        return _decode(payloads, fill)
    rest = np.ones(payloads.len(), dtype=bool)
    rest[fast.rows] = False
    rest[voyage.rows] = False
    if static is not None:
        rest[static.rows] = False
    others = np.flatnonzero(rest)
    decoded = _decode_others(payloads, others, fill)
    msg_type = np.zeros(payloads.len(), dtype=np.int8)
    msg_type[fast.rows] = fast.msg_type
    msg_type[voyage.rows] = 5
    if static is not None:
        msg_type[static.rows] = 24
    msg_type[others] = decoded.msg_type
    kernel_identities = _frame(
        voyage.rows.astype(np.int64),
        {
            "msg_type": np.full(voyage.rows.size, 5),
            **voyage.columns,
            **{name: nmea_kernel.strings(name, text) for name, text in voyage.texts.items()},
        },
        IDENTITY_COLUMNS,
    ).with_columns(pl.col(c).replace("", None) for c in TEXT_COLUMNS)
    kernel_positions = pl.DataFrame(
        {
            "row": fast.rows,
            "mmsi": fast.mmsi,
            "msg_type": fast.msg_type,
            "lat": fast.lat,
            "lon": fast.lon,
            "sog_knots": fast.sog,
            "cog_deg": fast.cog,
            "heading_deg": _absent_as_null(fast.heading),
            "nav_status": _absent_as_null(fast.nav_status),
        }
    )
    identities = [kernel_identities, _rows_of(decoded.identities, others)]
    if static is not None:
        identities.extend(_static_data_frames(static))
    return DecodedPayloads(
        msg_type,
        _concat([kernel_positions, _rows_of(decoded.positions, others)], POSITION_COLUMNS),
        _concat(identities, IDENTITY_COLUMNS),
        _rows_of(decoded.errors, others),
    )


_EMPTY: list[DecodedPayloads] = []


def _decode_others(payloads: pl.Series, others: IntArray, fill: IntArray) -> DecodedPayloads:
    """The payloads `others` decoded by NumPy (none, nearly always: then with no work)."""
    if others.size:
        return _decode(payloads.gather(others), fill[others])
    if not _EMPTY:
        _EMPTY.append(_decode(payloads.clear(), fill[:0]))
    return _EMPTY[0]


_MAX_KERNEL_CHARS = 128
"""Longer payloads are left to NumPy by the kernel's type 5 and 24 decoders."""


def _kernel_static_data(
    chars: UInt8Array, offsets: IntArray, fill: IntArray
) -> nmea_kernel.DecodedStaticData | None:
    """Type 24 messages decoded by the kernel, unless a longer one among the payloads would come
    out of NumPy (identities stay in the order NumPy gives them: types 5, 19, 24 A, 24 B)."""
    long = offsets[:-1][np.diff(offsets) > _MAX_KERNEL_CHARS]
    if (chars[long] == ord("H")).any():
        return None
    return nmea_kernel.static_data(chars, offsets, fill)


def _static_data_frames(static: nmea_kernel.DecodedStaticData) -> list[pl.DataFrame]:
    """The kernel's type 24 rows as NumPy gives them: the parts A, then the parts B."""
    rows = static.rows.astype(np.int64)
    a, b = static.part == 0, static.part == 1
    part_a = {"name": nmea_kernel.strings("name", static.name).filter(pl.Series(a))}
    part_b = {
        "ship_type": static.ship_type[b],
        "call_sign": nmea_kernel.strings("call_sign", static.call_sign).filter(pl.Series(b)),
        "length_m": pl.Series(static.length_m[b]).fill_nan(None),
        "width_m": pl.Series(static.width_m[b]).fill_nan(None),
    }
    frames = []
    for part, columns in ((a, part_a), (b, part_b)):
        common = {"mmsi": static.mmsi[part], "part": static.part[part]}
        frame = _frame(rows[part], {**common, "msg_type": np.full(int(part.sum()), 24), **columns},
                       IDENTITY_COLUMNS)  # fmt: skip
        frames.append(frame.with_columns(pl.col(c).replace("", None) for c in TEXT_COLUMNS))
    return frames


def _absent_as_null(values: npt.NDArray[np.int8] | npt.NDArray[np.int16]) -> pl.Series:
    """Negative values as nulls, in Polars alone (`pyarrow.array` of a NumPy array imports pandas,
    a second of start-up for a process that never needed it)."""
    series = pl.Series(values)
    return pl.select(pl.when(series >= 0).then(series)).to_series()


def _rows_of(frame: pl.DataFrame, rows: IntArray) -> pl.DataFrame:
    """`frame` with its `row` column mapped through `rows` (the rows of a subset decoded apart)."""
    if frame.is_empty():
        return frame
    mapped = pl.Series("row", rows[frame["row"].to_numpy()], dtype=pl.UInt32)
    return frame.with_columns(mapped)


def _decode(payloads: pl.Series, fill_bits: IntArray) -> DecodedPayloads:
    armour = _read_armour(payloads, fill_bits)
    positions = _positions(armour)
    identities = _identities(armour)
    msg_type = np.clip(armour.msg_type, 0, None).astype(np.int8)
    return DecodedPayloads(msg_type, positions, identities, _concat(armour.errors, ERROR_COLUMNS))
