"""Cleaning of decoded AIS records, in the order the field's pipelines use (GFW, DMA users).

"Not available" sentinels of ITU-R M.1371 become nulls (lat 91, lon 181, SOG 102.3 kn, COG 360,
heading 511); records with an invalid MMSI or an impossible position are rejected with a reason;
exact duplicates on (mmsi, timestamp, lat, lon) are removed, since national archives repeat up to
70 % of their rows (one copy per receiving station).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import polars as pl

from balise.model.imo import imo_valid_expr

MMSI_MIN = 100_000_000
"""Smallest nine-digit MMSI: shorter numbers are coast stations or corrupt (ITU-R M.585)."""
MMSI_MAX = 999_999_998
"""999999999 is a placeholder transmitted by unconfigured transponders."""
SOG_NOT_AVAILABLE_KNOTS = 102.3
COG_NOT_AVAILABLE_DEG = 360.0
HEADING_NOT_AVAILABLE_DEG = 511
LAT_NOT_AVAILABLE = 91.0
LON_NOT_AVAILABLE = 181.0
POSITION_KEY = ("mmsi", "timestamp", "lat", "lon")

REJECT_COLUMNS = ("source_line", "reason", "detail")


@dataclass
class Cleaned:
    """Kept rows, rejected rows (`source_line`, `reason`, `detail`) and what was turned to null."""

    kept: pl.DataFrame
    rejected: pl.DataFrame
    cleared: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    no_position: int = 0


def _reject_reason(checks: list[tuple[pl.Expr, str]]) -> pl.Expr:
    reason = pl.lit(None, dtype=pl.String)
    for failed, name in reversed(checks):
        reason = pl.when(failed).then(pl.lit(name)).otherwise(reason)
    return reason


def _mmsi_invalid() -> pl.Expr:
    mmsi = pl.col("mmsi")
    return mmsi.is_null() | ~mmsi.is_between(MMSI_MIN, MMSI_MAX)


def _split(frame: pl.DataFrame, reason: pl.Expr, detail: pl.Expr) -> tuple[pl.DataFrame, ...]:
    """Rows without a reject reason, and the rejected ones' line, reason and detail."""
    marked = frame.with_columns(reason.alias("_reason"))
    rejected = marked.filter(pl.col("_reason").is_not_null()).select(
        "source_line", pl.col("_reason").alias("reason"), detail.alias("detail")
    )
    kept = marked.filter(pl.col("_reason").is_null()).drop("_reason")
    return kept, rejected


def _count_nulls(before: pl.DataFrame, after: pl.DataFrame, names: dict[str, str]) -> Counter[str]:
    cleared: Counter[str] = Counter()
    for column, label in names.items():
        count = after[column].null_count() - before[column].null_count()
        if count:
            cleared[label] = count
    return cleared


def clean_positions(raw: pl.DataFrame) -> Cleaned:
    """Clean a frame of `POSITION_SCHEMA` decoded straight from the source."""
    unavailable = (pl.col("lat") == LAT_NOT_AVAILABLE) | (pl.col("lon") == LON_NOT_AVAILABLE)
    no_position = raw.filter(unavailable | pl.col("lat").is_null() | pl.col("lon").is_null())
    frame = raw.filter(~unavailable & pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    reason = _reject_reason(
        [
            (pl.col("timestamp").is_null(), "no_time"),
            (_mmsi_invalid(), "invalid_mmsi"),
            (
                ~pl.col("lat").is_between(-90, 90) | ~pl.col("lon").is_between(-180, 180),
                "impossible_position",
            ),
            ((pl.col("lat") == 0) & (pl.col("lon") == 0), "null_island"),
        ]
    )
    detail = pl.format("mmsi={} lat={} lon={}", "mmsi", "lat", "lon")
    kept, rejected = _split(frame, reason, detail)
    nulled = kept.with_columns(
        pl.when(pl.col("sog_knots").is_between(0, 102.2)).then("sog_knots").alias("sog_knots"),
        pl.when(pl.col("cog_deg").is_between(0, 359.95)).then("cog_deg").alias("cog_deg"),
        pl.when(pl.col("heading_deg").is_between(0, 359)).then("heading_deg").alias("heading_deg"),
    )
    cleared = _count_nulls(
        kept,
        nulled,
        {
            "sog_knots": "sog_unavailable",
            "cog_deg": "cog_unavailable",
            "heading_deg": "heading_unavailable",
        },
    )
    unique = nulled.filter(pl.struct(POSITION_KEY).is_first_distinct())
    return Cleaned(
        kept=unique,
        rejected=rejected,
        cleared=cleared,
        duplicates=nulled.height - unique.height,
        no_position=no_position.height,
    )


def _blank_to_null(column: str) -> pl.Expr:
    text = pl.col(column).str.replace_all("@", "").str.strip_chars()
    return pl.when(text.str.len_chars() > 0).then(text).alias(column)


def _positive(column: str) -> pl.Expr:
    return pl.when(pl.col(column) > 0).then(pl.col(column)).alias(column)


def clean_identities(raw: pl.DataFrame) -> Cleaned:
    """Clean a frame of `IDENTITY_SCHEMA`: blank texts, zero dimensions and bad IMOs become null."""
    reason = _reject_reason(
        [(pl.col("timestamp").is_null(), "no_time"), (_mmsi_invalid(), "invalid_mmsi")]
    )
    kept, rejected = _split(raw, reason, pl.format("mmsi={}", "mmsi"))
    nulled = kept.with_columns(
        *(_blank_to_null(c) for c in ("name", "call_sign", "destination", "ship_type_text")),
        *(_positive(c) for c in ("length_m", "width_m", "draught_m", "ship_type")),
        pl.when(imo_valid_expr("imo")).then(pl.col("imo")).alias("imo"),
    )
    invalid_imo = kept.filter(pl.col("imo").is_not_null() & (pl.col("imo") != 0)).height - (
        nulled["imo"].len() - nulled["imo"].null_count()
    )
    cleared: Counter[str] = Counter()
    if invalid_imo:
        cleared["invalid_imo"] = invalid_imo
    return Cleaned(kept=nulled, rejected=rejected, cleared=cleared)
