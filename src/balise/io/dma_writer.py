"""Write AIS traffic as a Danish Maritime Authority "aisdk" CSV, the inverse of the DMA reader.

The traffic simulator's frames (`balise.model.broadcast`) become one row per position report, in
time order, carrying the static columns of the vessel's latest static report at or before that
time, as the DMA dailies repeat what is known of a vessel on each of its rows (an as-of join by
MMSI; a class B vessel's name, type, call sign and dimensions all come from its latest type 24).

The layout is the 26-column one of the recent dailies (the 2018 header plus the antenna offsets
A, B, C, D); the words are DMA's: `dd/mm/YYYY HH:MM:SS` UTC times, "Class A"/"Class B",
navigational status as text ("Unknown value" when undefined, and always for class B), ship type
as one word ("Undefined" when not given) with the dangerous-goods category in "Cargo type",
"Unknown" for a missing IMO, an empty field for any other missing value. DMA does not quote
fields, so a comma in a text becomes '?'.

Values are the ones the NMEA writer transmits (`broadcast_positions`, `broadcast_statics`): the
same rounding to the message's units and the same clamps, so a CSV and an NMEA stream written
from the same frames read back the same.
"""

from __future__ import annotations

from typing import BinaryIO

import polars as pl

from balise.io.nmea_writer import (
    COG_NOT_AVAILABLE,
    HEADING_NOT_AVAILABLE,
    POSITION_TYPES,
    SOG_NOT_AVAILABLE,
    broadcast_positions,
    broadcast_statics,
)

DMA_COLUMNS = (
    "# Timestamp", "Type of mobile", "MMSI", "Latitude", "Longitude", "Navigational status",
    "ROT", "SOG", "COG", "Heading", "IMO", "Callsign", "Name", "Ship type", "Cargo type", "Width",
    "Length", "Type of position fixing device", "Draught", "Destination", "ETA",
    "Data source type", "A", "B", "C", "D",
)  # fmt: skip
TIME_FORMAT = "%d/%m/%Y %H:%M:%S"

NAV_STATUS_WORDS = (
    "Under way using engine", "At anchor", "Not under command", "Restricted maneuverability",
    "Constrained by her draught", "Moored", "Aground", "Engaged in fishing", "Under way sailing",
    "Reserved for future amendment [HSC]", "Reserved for future amendment [WIG]",
    "Power-driven vessel towing astern", "Power-driven vessel pushing ahead or towing alongside",
    "Reserved for future use", "AIS-SART", "Unknown value",
)  # fmt: skip
"""Navigational status 0-15 as the DMA archive words it."""

_SHIP_KINDS = {2: "WIG", 4: "HSC", 6: "Passenger", 7: "Cargo", 8: "Tanker", 9: "Other"}
_SPECIAL_SHIPS = {
    30: "Fishing", 31: "Towing", 32: "Towing long/wide", 33: "Dredging", 34: "Diving",
    35: "Military", 36: "Sailing", 37: "Pleasure", 50: "Pilot", 51: "SAR", 52: "Tug",
    53: "Port tender", 54: "Anti-pollution", 55: "Law enforcement", 56: "Spare 1", 57: "Spare 2",
    58: "Medical", 59: "Not party to conflict",
}  # fmt: skip
SHIP_TYPE_WORDS: dict[int, str] = {
    code: _SPECIAL_SHIPS.get(code, _SHIP_KINDS.get(code // 10, "Reserved"))
    for code in range(1, 100)
} | {0: "Undefined"}
"""Ship and cargo type 0-99 as the one word of DMA's "Ship type" (other codes: "Undefined")."""
CARGO_WORDS = {
    1: "Category X", 2: "Category Y", 3: "Category Z", 4: "Category OS",
    **dict.fromkeys(range(5, 9), "Reserved for future use"), 9: "No additional information",
}  # fmt: skip
"""The second digit of a ship type of kind 2, 4, 6, 7, 8 or 9: the IMO hazard or pollutant
category carried, as DMA's "Cargo type" (0, "all ships of this type", is left empty)."""
_CARGO_KINDS = tuple(_SHIP_KINDS)
_STATIC_COLUMNS = (
    "mmsi", "timestamp", "static_type", "imo", "name", "call_sign", "destination", "ship_type",
    "to_bow_m", "to_stern_m", "to_port_m", "to_starboard_m", "draught_tenth_m", "eta",
)  # fmt: skip


def _check(positions: pl.DataFrame) -> None:
    """Refuse rows without an MMSI or time, or of a type that is not a position report."""
    problems = [
        (~pl.col("mmsi").is_between(0, 999_999_999), "mmsi must be 0-999999999"),
        (pl.col("timestamp").is_null(), "timestamp must be given"),
        (~pl.col("msg_type").is_in(POSITION_TYPES), f"msg_type must be one of {POSITION_TYPES}"),
    ]
    for problem, message in problems:
        rows = positions.select(pl.arg_where(problem.fill_null(True))).to_series()
        if rows.len():
            raise ValueError(f"{message}: row {rows[0]}")


def _fixed(units: pl.Expr, decimals: int) -> pl.Expr:
    """An integer count of 10^-decimals as a decimal number with exactly `decimals` decimals."""
    scale = 10**decimals
    sign = pl.when(units < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    whole, fraction = units.abs() // scale, (units.abs() % scale).cast(pl.String)
    return pl.concat_str(sign, whole.cast(pl.String), pl.lit("."), fraction.str.zfill(decimals))


def _degrees(column: str) -> pl.Expr:
    """1/10000 minute as degrees with 6 decimals, rounded as decoders do (nearest microdegree);
    the not-available 91 and 181 come out as DMA writes them."""
    return _fixed((10 * pl.col(column) + 3) // 6, 6)


def _unless(column: str, not_available: int, shown: pl.Expr) -> pl.Expr:
    """`shown`, or an empty field where the column holds its not-available value."""
    return pl.when(pl.col(column) != not_available).then(shown).otherwise(pl.lit(""))


def _positive(column: str) -> pl.Expr:
    """The integer as text, empty where it is 0 (not available) or there is no static report."""
    value = pl.col(column)
    return pl.when(value > 0).then(value.cast(pl.String)).otherwise(pl.lit(""))


def _shown(column: str) -> pl.Expr:
    """Text as a decoder shows it (up to the first '@' padding, without edge spaces), commas
    made '?' since DMA does not quote fields; empty when not given."""
    text = pl.col(column).str.extract(r"^([^@]*)", 1).str.strip_chars(" ")
    return text.str.replace_all(",", "?", literal=True).fill_null("")


def _ship_type() -> pl.Expr:
    """DMA's word for the ship type code; "Undefined" when not given or not in 0-99."""
    words = pl.col("ship_type").replace_strict(
        SHIP_TYPE_WORDS, default=None, return_dtype=pl.String
    )
    return words.fill_null("Undefined")


def _cargo_type() -> pl.Expr:
    """DMA's "Cargo type" from the second digit of the ship types that carry a category."""
    code = pl.col("ship_type")
    word = (code % 10).replace_strict(CARGO_WORDS, default="", return_dtype=pl.String)
    return pl.when((code // 10).is_in(_CARGO_KINDS)).then(word).otherwise(pl.lit(""))


def _sum_of(first: str, second: str) -> pl.Expr:
    """Length (bow + stern) or width (port + starboard) in metres; empty when not available."""
    total = pl.col(first).fill_null(0) + pl.col(second).fill_null(0)
    return pl.when(total > 0).then(total.cast(pl.String)).otherwise(pl.lit(""))


def _row() -> list[pl.Expr]:
    """The 26 DMA columns of a position report joined to its latest static report."""
    class_b = pl.col("msg_type") == 18
    nav_status = pl.col("nav_status").replace_strict(
        dict(enumerate(NAV_STATUS_WORDS)), return_dtype=pl.String
    )
    columns = [
        pl.col("timestamp").dt.strftime(TIME_FORMAT),
        pl.when(class_b).then(pl.lit("Class B")).otherwise(pl.lit("Class A")),
        pl.col("mmsi").cast(pl.String),
        _degrees("lat_ten_thousandth_min"),
        _degrees("lon_ten_thousandth_min"),
        pl.when(class_b).then(pl.lit(NAV_STATUS_WORDS[15])).otherwise(nav_status),
        pl.lit(""),
        _unless("sog_tenth_knots", SOG_NOT_AVAILABLE, _fixed(pl.col("sog_tenth_knots"), 1)),
        _unless("cog_tenth_deg", COG_NOT_AVAILABLE, _fixed(pl.col("cog_tenth_deg"), 1)),
        _unless("heading_deg", HEADING_NOT_AVAILABLE, pl.col("heading_deg").cast(pl.String)),
        pl.when(pl.col("imo") > 0).then(pl.col("imo").cast(pl.String)).otherwise(pl.lit("Unknown")),
        _shown("call_sign"),
        _shown("name"),
        _ship_type(),
        _cargo_type(),
        _sum_of("to_port_m", "to_starboard_m"),
        _sum_of("to_bow_m", "to_stern_m"),
        pl.when(pl.col("static_type") == 5).then(pl.lit("GPS")).otherwise(pl.lit("Undefined")),
        pl.when(pl.col("draught_tenth_m") > 0)
        .then(_fixed(pl.col("draught_tenth_m"), 1))
        .otherwise(pl.lit("")),
        _shown("destination"),
        pl.col("eta").dt.strftime(TIME_FORMAT).fill_null(""),
        pl.lit("AIS"),
        *(_positive(side) for side in ("to_bow_m", "to_stern_m", "to_port_m", "to_starboard_m")),
    ]
    return [column.alias(name) for column, name in zip(columns, DMA_COLUMNS, strict=True)]


def dma_rows(positions: pl.DataFrame, statics: pl.DataFrame) -> pl.DataFrame:
    """The DMA CSV as a frame of text columns named as the header, one row per position report
    in time order (stable). Raises `ValueError` for a report without MMSI or time."""
    moving = broadcast_positions(positions)
    _check(moving)
    moving = moving.sort("timestamp", maintain_order=True)
    known = (
        broadcast_statics(statics)
        .rename({"msg_type": "static_type"})
        .select(_STATIC_COLUMNS)
        .drop_nulls(["mmsi", "timestamp"])
        .sort("timestamp", maintain_order=True)
    )
    joined = moving.join_asof(known, on="timestamp", by="mmsi", check_sortedness=False)
    return joined.select(_row())


def write_dma_csv(positions: pl.DataFrame, statics: pl.DataFrame, out: BinaryIO) -> int:
    """Write `dma_rows` as a DMA "aisdk" CSV (header line, `\\n` line ends, no quoting); returns
    the number of data rows. The same frames always give the same bytes."""
    rows = dma_rows(positions, statics)
    rows.write_csv(out, quote_style="never")
    return rows.height
