"""Cleaning of decoded AIS records, in the order the field's pipelines use (GFW, DMA users).

"Not available" sentinels of ITU-R M.1371 become nulls (lat 91, lon 181, SOG 102.3 kn, COG 360,
heading 511); records with an invalid MMSI or an impossible position are rejected with a reason;
exact duplicates on (mmsi, timestamp, lat, lon) are removed, since national archives repeat up to
70 % of their rows (one copy per receiving station).

Each cleaning is a lazy plan (`CleanPlan`): a reader can collect it together with its own queries
in one `pl.collect_all`, so the rows are marked in one pass and filtered once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import polars as pl

from balise.model.imo import imo_valid_expr

MMSI_MIN = 100_000_000
"""Smallest nine-digit MMSI: shorter numbers are coast stations or corrupt (ITU-R M.585)."""
MMSI_MAX = 999_999_998
"""999999999 is a placeholder transmitted by unconfigured transponders."""
SOG_NOT_AVAILABLE_KNOTS = 102.3
COG_NOT_AVAILABLE_DEG = 360.0
LAT_NOT_AVAILABLE = 91.0
LON_NOT_AVAILABLE = 181.0
POSITION_KEY = ("mmsi", "timestamp", "lat", "lon")

REJECT_COLUMNS = ("source_line", "reason", "detail")
ENGINE: Final = "in-memory"
"""The polars engine that runs the cleaning queries: the batches are in memory, and the streaming
engine of polars 2.1 panics formatting the detail of rows that a filter left in a few chunks."""

_REASON, _LOCATED, _FIRST = "_reason", "_located", "_first"
"""Marks added while cleaning, dropped from the results."""
_IN_RANGE = {
    "sog_knots": ((0, 102.2), "sog_unavailable"),
    "cog_deg": ((0, 359.95), "cog_unavailable"),
    "heading_deg": ((0, 359), "heading_unavailable"),
}
"""Values outside these bounds are "not available" sentinels or garbage: null, counted by label."""
_TEXTS = ("name", "call_sign", "destination", "ship_type_text")
_POSITIVE = ("length_m", "width_m", "draught_m", "ship_type")
MAX_PLAUSIBLE = {
    "length_m": (1022.0, "implausible_length"),
    "width_m": (126.0, "implausible_width"),
    "draught_m": (30.0, "implausible_draught"),
}
"""Dimensions no AIS report can carry: ITU-R M.1371 type 5/19/24 give bow and stern 9 bits each
(at most 511 + 511 m), port and starboard 6 bits each (63 + 63 m) and draught 1/10 m in 8 bits
(25.5 m). The CSV archives carry any number, 1e30 included; above these bounds the value cannot
have come from a transponder and is cleared to null and counted under its label. Physically,
the largest ship ever built (Seawise Giant) was 458 m x 68.9 m x 24.6 m: tighter bounds (500 m,
80 m) would also clear values AIS can encode, which the writer/reader round-trip tests keep."""


@dataclass
class Cleaned:
    """Kept rows, rejected rows (`source_line`, `reason`, `detail`) and what was turned to null."""

    kept: pl.DataFrame
    rejected: pl.DataFrame
    cleared: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    no_position: int = 0


@dataclass(frozen=True)
class CleanPlan:
    """A cleaning not yet run: the kept rows, the rejected ones, and a one-row frame of tallies.

    The tallies hold `duplicates`, `no_position` and one count per label of `cleared`.
    """

    kept: pl.LazyFrame
    rejected: pl.LazyFrame
    tallies: pl.LazyFrame

    @property
    def queries(self) -> list[pl.LazyFrame]:
        return [self.kept, self.rejected, self.tallies]

    @staticmethod
    def result(frames: Sequence[pl.DataFrame]) -> Cleaned:
        """The `Cleaned` of the collected `queries`."""
        kept, rejected, tallies = frames
        counts = tallies.row(0, named=True)
        duplicates, no_position = counts.pop("duplicates"), counts.pop("no_position")
        cleared = Counter({label: n for label, n in counts.items() if n})
        return Cleaned(kept, rejected, cleared, duplicates, no_position)

    def collect(self) -> Cleaned:
        return self.result(pl.collect_all(self.queries, engine=ENGINE))


def _reject_reason(checks: list[tuple[pl.Expr, str]]) -> pl.Expr:
    reason = pl.lit(None, dtype=pl.String)
    for failed, name in reversed(checks):
        reason = pl.when(failed).then(pl.lit(name)).otherwise(reason)
    return reason


def _mmsi_invalid() -> pl.Expr:
    mmsi = pl.col("mmsi")
    return mmsi.is_null() | ~mmsi.is_between(MMSI_MIN, MMSI_MAX)


def identity_reject_reason() -> pl.Expr:
    """Why an identity report is rejected (null: kept): `no_time`, then `invalid_mmsi`."""
    return _reject_reason(
        [(pl.col("timestamp").is_null(), "no_time"), (_mmsi_invalid(), "invalid_mmsi")]
    )


def _position_reject_reason() -> pl.Expr:
    lat, lon = pl.col("lat"), pl.col("lon")
    return _reject_reason(
        [
            (pl.col("timestamp").is_null(), "no_time"),
            (_mmsi_invalid(), "invalid_mmsi"),
            (~lat.is_between(-90, 90) | ~lon.is_between(-180, 180), "impossible_position"),
            ((lat == 0) & (lon == 0), "null_island"),
        ]
    )


def _rejected(marked: pl.LazyFrame, detail: pl.Expr) -> pl.LazyFrame:
    return marked.filter(pl.col(_REASON).is_not_null()).select(
        "source_line", pl.col(_REASON).alias("reason"), detail.alias("detail")
    )


def _first_distinct(keys: pl.Series) -> pl.Series:
    """True for the first row of each distinct key (false for null keys), as `is_first_distinct`.

    Rows are sorted by a hash of their key: a row whose hash no other row shares is the first of
    its key, and only rows that share a hash (the duplicates, and collisions) are compared exactly.
    This costs about a third of a hashed group-by, which keeps an index list per distinct key.
    """
    valid = keys.is_not_null().to_numpy()
    present = np.flatnonzero(valid)
    hashes = keys.filter(valid).hash().to_numpy()
    order = np.argsort(hashes)
    same = hashes[order[1:]] == hashes[order[:-1]]
    shared = np.zeros(len(present), np.bool_)
    shared[order[1:][same]] = True
    shared[order[:-1][same]] = True
    first = np.zeros(len(keys), np.bool_)
    first[present[~shared]] = True
    if same.any():
        subset = present[shared]
        first[subset] = keys.gather(subset).is_first_distinct().to_numpy()
    return pl.Series(keys.name, first)


def position_plan(raw: pl.LazyFrame) -> CleanPlan:
    """The cleaning of a frame of `POSITION_SCHEMA` decoded straight from the source.

    Rows without a position (null, lat 91 or lon 181) are only counted; the others are rejected
    with a reason or kept, their out-of-range SOG, COG and heading nulled, exact duplicates of an
    earlier kept row dropped.
    """
    columns = raw.collect_schema().names()
    lat, lon = pl.col("lat"), pl.col("lon")
    unavailable = (lat == LAT_NOT_AVAILABLE) | (lon == LON_NOT_AVAILABLE)
    located = ~unavailable & lat.is_not_null() & lon.is_not_null()
    kept = pl.col(_LOCATED) & pl.col(_REASON).is_null()
    # a rejected row becomes a null key, so only kept rows can be each other's duplicates
    key = pl.when(kept).then(pl.struct(POSITION_KEY))
    first = kept & key.map_batches(_first_distinct, return_dtype=pl.Boolean)
    marked = raw.with_columns(
        located.alias(_LOCATED), pl.when(located).then(_position_reject_reason()).alias(_REASON)
    ).with_columns(first.alias(_FIRST))
    nulled = (
        pl.when(pl.col(c).is_between(*bounds)).then(c).alias(c)
        for c, (bounds, _) in _IN_RANGE.items()
    )
    cleared = (
        (kept & pl.col(c).is_not_null() & ~pl.col(c).is_between(*bounds)).sum().alias(label)
        for c, (bounds, label) in _IN_RANGE.items()
    )
    return CleanPlan(
        kept=marked.filter(_FIRST).select(columns).with_columns(nulled),
        rejected=_rejected(marked, pl.format("mmsi={} lat={} lon={}", "mmsi", "lat", "lon")),
        tallies=marked.select(
            *cleared,
            (kept & ~pl.col(_FIRST)).sum().alias("duplicates"),
            (~pl.col(_LOCATED)).sum().alias("no_position"),
        ),
    )


def _blank_to_null(column: str) -> pl.Expr:
    text = pl.col(column).str.replace_all("@", "").str.strip_chars()
    return pl.when(text.str.len_chars() > 0).then(text).alias(column)


def _by_distinct(values: pl.Series, clean: Callable[[str], pl.Expr]) -> pl.Series:
    """`clean(column)` of `values`, computed once per distinct value and gathered back.

    A vessel repeats its name, call sign and destination on every report (DMA on every row), so a
    batch holds a few thousand distinct texts for hundreds of thousands of rows.
    """
    distinct = values.unique().drop_nulls()
    cleaned = distinct.to_frame().select(clean(values.name)).to_series()
    return cleaned.gather(values.cast(pl.Enum(distinct)).to_physical())


def _positive(column: str) -> pl.Expr:
    """The value when above zero and, for a dimension, not above `MAX_PLAUSIBLE`; else null."""
    value = pl.col(column)
    kept = value > 0
    if column in MAX_PLAUSIBLE:
        kept &= value <= MAX_PLAUSIBLE[column][0]
    return pl.when(kept).then(value).alias(column)


def _implausible_counts() -> list[pl.Expr]:
    return [
        (pl.col(column) > bound).sum().alias(label)
        for column, (bound, label) in MAX_PLAUSIBLE.items()
    ]


def identity_plan(raw: pl.DataFrame) -> CleanPlan:
    """The cleaning of a frame of `IDENTITY_SCHEMA`: blank texts, zero or implausible dimensions
    and bad IMOs become null; reports without a time or a valid MMSI are rejected."""
    texts = (_by_distinct(raw[c], _blank_to_null) for c in _TEXTS)
    marked = raw.lazy().with_columns(*texts, identity_reject_reason().alias(_REASON))
    kept = marked.filter(pl.col(_REASON).is_null()).drop(_REASON)
    imo = pl.col("imo")
    valid_imo = imo_valid_expr("imo")
    return CleanPlan(
        kept=kept.with_columns(
            *(_positive(c) for c in _POSITIVE), pl.when(valid_imo).then(imo).alias("imo")
        ),
        rejected=_rejected(marked, pl.format("mmsi={}", "mmsi")),
        tallies=kept.select(
            (imo.is_not_null() & (imo != 0) & ~valid_imo).sum().alias("invalid_imo"),
            *_implausible_counts(),
            duplicates=pl.lit(0),
            no_position=pl.lit(0),
        ),
    )


def clean_positions(raw: pl.DataFrame) -> Cleaned:
    """Clean a frame of `POSITION_SCHEMA` decoded straight from the source."""
    return position_plan(raw.lazy()).collect()


def clean_identities(raw: pl.DataFrame) -> Cleaned:
    """Clean a frame of `IDENTITY_SCHEMA`: blank texts, zero dimensions and bad IMOs become null."""
    return identity_plan(raw).collect()
