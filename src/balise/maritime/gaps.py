"""AIS gaps: a track falls silent for hours, and the few silences that look deliberate.

A naive gap is any pair of consecutive positions of one track at least `min_gap_hours` apart
(GlobalFishingWatch/pipe-gaps, `min_gap_length: 6`). Most such gaps are reception artefacts, so a
gap is only marked `likely_intentional` under the rule of Welch et al. 2022 (Sci. Adv. 8(44)
eabq2109, code GlobalFishingWatch/AIS-disabling-high-seas `ais_disabling/config.py`): it lasts at
least 12 h, starts more than 50 nm from shore, and the vessel was reporting densely before it. The
reception model of that paper (satellite positions per day in the cell) is not reproduced here.

Geography is injected (`ShoreDistance`) so this module stays pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import numpy as np
import polars as pl

from balise.geo.sphere import KM_PER_NM
from balise.maritime.kernel import (
    TRACK,
    US_PER_HOUR,
    ShoreDistance,
    build_events,
    haversine_km_expr,
    hours_between,
    iso,
    params_json,
    rounded,
    sorted_tracks,
)
from balise.model.arrays import IntArray
from balise.model.events import empty_events, to_json
from balise.model.schema import UTC_TIME

CONFIDENCE_INTENTIONAL: Final = 0.8
"""A gap meeting every condition of the disabling rule, shore distance included."""
CONFIDENCE_INTENTIONAL_NO_SHORE: Final = 0.6
"""A gap meeting the rule's duration and density conditions, distance to shore unknown."""
CONFIDENCE_NAIVE: Final = 0.3
"""Any other gap: most are coverage artefacts (> 99 % of terrestrial reception is < 50 nm)."""


@dataclass(frozen=True)
class GapParams:
    """Thresholds of the gap detector; defaults are GFW's and Welch et al. 2022's."""

    min_gap_hours: float = 6.0
    """Shortest silence reported: GlobalFishingWatch/pipe-gaps `min_gap_length: 6` (h); also
    Skylight's "Potential Dark Activity" (6 h without an AIS update)."""
    intentional_min_hours: float = 12.0
    """Welch et al. 2022 `gap_hours >= 12`: satellite revisits peak at 12 h, so shorter gaps are
    mostly coverage holes."""
    intentional_min_shore_nm: float = 50.0
    """Welch et al. 2022 `off_distance_from_shore_m > 1852 * 50`: > 99 % of terrestrial
    receptions are within 50 nm of shore, where a silence is usually a coverage artefact."""
    dense_before_hours: float = 12.0
    """Window before the gap in which positions are counted: pipe-gaps `n_hours_before: 12`."""
    dense_before_min_positions: int = 14
    """Welch et al. 2022 `positions_12_hours_before_sat >= 14`: the vessel was well received just
    before going dark (counted here over all receivers, not satellite only)."""


class _Tracks:
    """`sorted_tracks` output as arrays: where each track's rows begin and end, and the times."""

    def __init__(self, tracks: pl.DataFrame) -> None:
        self.frame = tracks
        self.code = tracks[TRACK].rle_id().to_numpy()  # one run per track: they come sorted
        self.micros = tracks["timestamp"].to_physical().to_numpy()
        self.starts = np.flatnonzero(np.diff(self.code, prepend=-1))
        self.ends = np.append(self.starts[1:], len(self.code))

    def positions_before(self, rows: IntArray, hours: float) -> IntArray:
        """Per row of `rows`, the positions of its track timed within `hours` up to it (both
        ends included, as a rolling count over the track would give)."""
        period = timedelta(hours=hours) // timedelta(microseconds=1)
        counts = np.zeros(len(rows), np.int64)
        for k, row in enumerate(rows.tolist()):
            lo, hi = self.starts[self.code[row]], self.ends[self.code[row]]
            times = self.micros[lo:hi]
            now = self.micros[row]
            counts[k] = np.searchsorted(times, now, "right") - np.searchsorted(
                times, now - period, "left"
            )
        return counts

    def rows(self, rows: IntArray, counts: IntArray) -> pl.DataFrame:
        """The off rows `rows` with their `positions_before`."""
        return self.frame[rows].with_columns(pl.Series("positions_before", counts, pl.Int64))


def _closed_gaps(tracks: _Tracks, params: GapParams) -> pl.DataFrame:
    """Consecutive positions of a track at least `min_gap_hours` apart: off and on positions."""
    same = tracks.code[1:] == tracks.code[:-1]
    hours = (tracks.micros[1:] - tracks.micros[:-1]).astype(np.float64) / US_PER_HOUR
    off = np.flatnonzero(same & (hours >= params.min_gap_hours))
    on = tracks.frame[off + 1].select(
        pl.col(c).alias(f"on_{c}") for c in ("timestamp", "lat", "lon")
    )
    counts = tracks.positions_before(off, params.dense_before_hours)
    return pl.concat([tracks.rows(off, counts), on], how="horizontal").with_columns(
        pl.lit(False).alias("open")
    )


def _open_gaps(tracks: _Tracks, params: GapParams, now: datetime) -> pl.DataFrame:
    """The last position of each track older than `min_gap_hours` at `now`: a gap not yet closed,
    whose end is `now` and whose on position is unknown."""
    now_utc = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    now_us = (now_utc - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    last = tracks.ends - 1
    hours = (now_us - tracks.micros[last]).astype(np.float64) / US_PER_HOUR
    off = last[hours >= params.min_gap_hours]
    counts = tracks.positions_before(off, params.dense_before_hours)
    end = pl.lit(now_utc).cast(UTC_TIME)
    return tracks.rows(off, counts).with_columns(
        end.alias("on_timestamp"),
        pl.lit(None, dtype=pl.Float64).alias("on_lat"),
        pl.lit(None, dtype=pl.Float64).alias("on_lon"),
        pl.lit(True).alias("open"),
    )


def _measured(gaps: pl.DataFrame, params: GapParams, shore: ShoreDistance | None) -> pl.DataFrame:
    """`gaps` with duration, distance, implied speed, shore distance and the intentional flag."""
    off_shore = (
        pl.Series("off_shore_nm", shore(gaps["lat"].to_numpy(), gaps["lon"].to_numpy()), pl.Float64)
        if shore is not None and not gaps.is_empty()
        else pl.Series("off_shore_nm", [None] * gaps.height, pl.Float64)
    )
    duration = hours_between(pl.col("timestamp"), pl.col("on_timestamp"))
    distance = haversine_km_expr(pl.col("lat"), pl.col("lon"), pl.col("on_lat"), pl.col("on_lon"))
    measured = gaps.with_columns(
        off_shore,
        duration.alias("duration_h"),
        (distance / KM_PER_NM).alias("distance_nm"),
    ).with_columns((pl.col("distance_nm") / pl.col("duration_h")).alias("implied_speed_knots"))
    offshore = (
        pl.col("off_shore_nm") > params.intentional_min_shore_nm
        if shore is not None
        else pl.lit(True)
    )
    intentional = (
        (pl.col("duration_h") >= params.intentional_min_hours)
        & (pl.col("positions_before") >= params.dense_before_min_positions)
        & offshore.fill_null(False)
    )
    certain = CONFIDENCE_INTENTIONAL if shore is not None else CONFIDENCE_INTENTIONAL_NO_SHORE
    return measured.with_columns(intentional.alias("likely_intentional")).with_columns(
        pl.when("likely_intentional").then(certain).otherwise(CONFIDENCE_NAIVE).alias("confidence")
    )


def _gap_evidence(row: dict[str, Any]) -> str:
    """What was observed of one gap, as JSON text."""
    return to_json(
        {
            "track": row[TRACK],
            "duration_h": rounded(row["duration_h"]),
            "distance_nm": rounded(row["distance_nm"]),
            "implied_speed_knots": rounded(row["implied_speed_knots"]),
            "positions_before": row["positions_before"],
            "likely_intentional": row["likely_intentional"],
            "open": row["open"],
            "off": {
                "timestamp": iso(row["timestamp"]),
                "lat": row["lat"],
                "lon": row["lon"],
                "shore_nm": rounded(row["off_shore_nm"]),
            },
            "on": None
            if row["open"]
            else {
                "timestamp": iso(row["on_timestamp"]),
                "lat": row["on_lat"],
                "lon": row["on_lon"],
            },
        }
    )


def detect_gaps(
    positions: pl.DataFrame,
    params: GapParams | None = None,
    shore: ShoreDistance | None = None,
    now: datetime | None = None,
) -> pl.DataFrame:
    """`ais_gap` events (`EVENT_SCHEMA`) of cleaned positions, one per silence of a track.

    `positions` has the `POSITION_SCHEMA` columns, optionally `segment_id` (tracks are segments
    when present, else MMSIs). `shore` gives the distance to shore (nm) of the position where the
    vessel went dark; without it the offshore condition of the intentional rule is not checked.
    With `now`, a track silent for `min_gap_hours` at `now` gives an open gap ending at `now`
    (evidence `open: true`). The id depends on (mmsi, start) only, so late data that closes or
    shortens the gap revises the same event. The event's position is where the track went dark.
    """
    params = params or GapParams()
    tracks = sorted_tracks(positions)
    if tracks.is_empty():
        return empty_events()
    arrays = _Tracks(tracks)
    parts = [_closed_gaps(arrays, params)]
    if now is not None:
        parts.append(_open_gaps(arrays, params, now))
    gaps = _measured(pl.concat(parts, how="diagonal_relaxed"), params, shore)
    evidence = [_gap_evidence(row) for row in gaps.iter_rows(named=True)]
    rows = gaps.select(
        pl.col("timestamp").alias("start"),
        pl.col("on_timestamp").alias("end"),
        "lat",
        "lon",
        "mmsi",
        pl.lit(None, dtype=pl.Int32).alias("other_mmsi"),
        "confidence",
        pl.lit(params_json(params)).alias("params"),
    )
    return build_events("ais_gap", rows, ("mmsi", "start"), evidence=evidence)
