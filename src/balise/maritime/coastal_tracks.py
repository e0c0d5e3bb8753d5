"""Coastal drops: each track's located rows together and in time order, numbered and named."""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl

from balise.maritime.kernel import TRACK
from balise.maritime.segment import in_vessel_order

CODE: Final = "_code"
"""A number per track (in track order): grouping on it is far cheaper than on the track's text."""
KEY: Final = "_key"
"""The track of each row as its input names it, an integer where it can (`_track_number`)."""
ROW: Final = "_row"
"""The row of each position in the detector's input."""


def located_tracks(positions: pl.DataFrame, excluded: pl.Series | None = None) -> pl.DataFrame:
    """The located rows of the vessels not `excluded`, each track's rows together and in time
    order (ties by position) with `CODE`, `ROW` and `declared_stop`: the position reports
    navigational status 1 "at anchor" or 5 "moored" (ITU-R M.1371).

    Rows sorted by MMSI and time (the engine's) only need the segments of an MMSI that
    interleave in time pulled apart, which a stable sort on the track number alone does; any
    other order is sorted in full. The track's text is left out (`track_names` reads it at one
    row per track): filtering and sorting millions of strings costs more than the rest."""
    status = (
        pl.col("nav_status").is_in([1, 5]).fill_null(False)
        if "nav_status" in positions.columns
        else pl.lit(False)
    )
    located = positions.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias(ROW),
        pl.col("mmsi").cast(pl.Int32),
        "timestamp",
        "lat",
        "lon",
        status.alias("declared_stop"),
        _track_number(positions).alias(KEY),
    )
    # the columns first, then the rows: filtering every column of the input would cost more
    if excluded is not None:
        located = located.filter(~pl.col("mmsi").is_in(excluded))
    located = located.drop_nulls(["mmsi", "timestamp", "lat", "lon"])
    coded = located.with_columns(pl.col(KEY).rle_id().alias(CODE))
    if _in_track_order(coded):
        return coded.drop(KEY)
    coded = located.sort(KEY, maintain_order=True).with_columns(pl.col(KEY).rle_id().alias(CODE))
    if _in_track_order(coded, grouped=True):
        return coded.drop(KEY)
    ordered = located.sort(KEY, "timestamp", "lat", "lon")
    return ordered.with_columns(pl.col(KEY).rle_id().alias(CODE)).drop(KEY)


def _track_name(positions: pl.DataFrame) -> pl.Expr:
    """The track of each row as text: the segment when set, else the MMSI."""
    mmsi = pl.col("mmsi").cast(pl.String)
    if "segment_id" not in positions.columns:
        return mmsi
    segment = pl.col("segment_id").cast(pl.String)
    return pl.coalesce(segment, mmsi) if positions["segment_id"].null_count() else segment


def _track_number(positions: pl.DataFrame) -> pl.Expr:
    """A key with one value per track, an integer when the input has one (`segment_code`, one
    per `segment_id` in a `segment` frame, or the MMSI without segments): comparing integers is
    far cheaper than comparing the track's text on millions of rows."""
    if "segment_id" not in positions.columns:
        return pl.col("mmsi").cast(pl.Int32)
    coded = "segment_code" in positions.columns and not positions["segment_id"].null_count()
    if coded and not positions["segment_code"].null_count():
        return pl.col("segment_code")
    return _track_name(positions)


def _in_track_order(tracks: pl.DataFrame, *, grouped: bool = False) -> bool:
    """Whether each track's rows are together (one `CODE` per track: known when `grouped`) and
    sorted by (timestamp, lat, lon): the engine passes positions sorted by mmsi and time, which
    need no second sort."""
    if tracks.height < 2:
        return True
    code = tracks[CODE].to_numpy()
    if not grouped:
        # a track's rows are together when no two runs of rows have the same key
        firsts = np.flatnonzero(np.diff(code, prepend=-1))
        if code[-1] + 1 != tracks[KEY].gather(firsts).n_unique():
            return False
    micros = tracks["timestamp"].to_physical().to_numpy()
    return in_vessel_order(code, micros, tracks["lat"].to_numpy(), tracks["lon"].to_numpy())


def track_names(positions: pl.DataFrame, tracks: pl.DataFrame) -> pl.Series:
    """`TRACK` of each `CODE` of `tracks` (indexed by `CODE`), read in `positions` at the first
    row of each track."""
    code = tracks[CODE].to_numpy()
    rows = tracks[ROW].gather(np.flatnonzero(np.diff(code, prepend=-1)))
    return positions[rows].select(_track_name(positions).alias(TRACK)).to_series()
