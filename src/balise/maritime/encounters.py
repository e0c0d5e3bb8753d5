"""Encounters: two vessels on AIS side by side at sea, long enough to pass cargo between them.

The method follows GlobalFishingWatch/pipe-encounters: each track is resampled onto a 10-minute
grid by linear interpolation, never across a silence of more than 1 h; at each grid time, vessels
are paired with the others in their spatial cell and its 8 neighbours (never all pairs); runs of
consecutive grid times with a pair within `max_distance_m` are encounters, dropped near an
anchorage, merged when the same pair meets again soon after, then filtered on duration and median
speed. Unlike GFW, tracks are not split per UTC day, so encounters straddling midnight are found
(GFW's documented blind spot), and cells wrap at the antimeridian.

Three presets (`PRESETS`) reproduce the published rules of GFW, Skylight and Starboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import polars as pl
from polars.dataframe.group_by import GroupBy

from balise.geo.sphere import KM_PER_NM
from balise.maritime.kernel import (
    TRACK,
    US_PER_HOUR,
    AnchorageDistance,
    build_events,
    haversine_km_expr,
    iso,
    params_json,
    rounded,
    sorted_tracks,
)
from balise.maritime.neighbours import close_points
from balise.model.arrays import BoolArray, FloatArray, IntArray
from balise.model.events import empty_events, to_json
from balise.model.schema import UTC_TIME

CONFIDENCE_ANCHORAGES_KNOWN: Final = 0.7
"""An encounter checked to be away from every port anchorage."""
CONFIDENCE_ANCHORAGES_UNKNOWN: Final = 0.5
"""An encounter that may be two ships waiting at the same anchorage."""


@dataclass(frozen=True)
class EncounterParams:
    """Thresholds of the encounter detector; defaults are GFW's (see `PRESETS`)."""

    max_distance_m: float = 500.0
    """Largest distance between the two vessels at every grid time of the encounter (m)."""
    min_duration_hours: float = 2.0
    """Shortest encounter kept, first to last grid time in range (h)."""
    duration_strict: bool = False
    """When true the duration must exceed `min_duration_hours` ("more than 30 min")."""
    max_median_speed_knots: float | None = 2.0
    """Both vessels' median implied speeds must be below this (kn); `None`: no speed filter."""
    min_anchorage_km: float = 10.0
    """Encounters whose mean position is closer than this to an anchorage are dropped (km)."""
    merge_gap_hours: float = 4.0
    """Encounters of the same pair less than this apart are merged into one (h); 0: never."""
    resample_minutes: float = 10.0
    """Grid step of the resampled tracks: pipe-encounters `RESAMPLE_INCREMENT_MINUTES`."""
    max_interpolation_gap_hours: float = 1.0
    """No interpolation between positions further apart than this: `MAX_GAP_HOURS` (h)."""


PRESETS: Final[dict[str, EncounterParams]] = {
    # GlobalFishingWatch/pipe-encounters and pipe-events encounter-events.sql.j2; GFW technical
    # docs files/encounters.md: 500 m, >= 2 h, median speed < 2 kn, >= 10 km from an anchorage,
    # same pair merged when < 4 h apart.
    "gfw": EncounterParams(),
    # Skylight "Standard Rendezvous" (skylight.helpjuice.com "Event icons"): within 250 m for more
    # than 30 min; no published speed, anchorage or merge rule.
    "skylight": EncounterParams(
        max_distance_m=250.0,
        min_duration_hours=0.5,
        duration_strict=True,
        max_median_speed_knots=None,
        min_anchorage_km=0.0,
        merge_gap_hours=0.0,
    ),
    # Starboard (help.starboard.nz "How are vessel encounters identified"): < 200 m for >= 30 min
    # (its other rule, < 50 m for >= 10 min, is a second run with other params); its 10 km
    # from-shore exclusion needs the distance to shore, not applied here.
    "starboard": EncounterParams(
        max_distance_m=200.0,
        min_duration_hours=0.5,
        max_median_speed_knots=None,
        min_anchorage_km=0.0,
        merge_gap_hours=0.0,
    ),
}
"""Published encounter rules by name."""


CODE: Final = "_code"
"""An integer number per track (dense, in track order): joins, sorts and groups on it are far
cheaper than on the track's text."""


def _legs(
    positions: pl.DataFrame, max_gap_us: int, step_us: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Pairs of consecutive positions of a track (times in µs since the epoch) no further apart
    than `max_gap_us` holding a multiple of `step_us`, with the implied speed over the leg (kn),
    and the tracks' names (`CODE`, `TRACK`).

    Only legs holding a grid time matter to the grid (a few percent of them at a 10-minute step
    and a report every few seconds), so they are picked on arrays before any column is computed,
    and the columns are gathered from arrays: the track's text is named once per track, not per
    leg (gathering text costs more than all the numbers).
    """
    tracks = sorted_tracks(positions)
    code = tracks[TRACK].rle_id().to_numpy()
    t = _epoch_us(tracks["timestamp"])
    dt = t[1:] - t[:-1]
    holds = (-(-t[:-1] // step_us)) * step_us <= t[1:]
    keep = np.flatnonzero((code[1:] == code[:-1]) & (dt > 0) & (dt <= max_gap_us) & holds)
    lat, lon = tracks["lat"].to_numpy(), tracks["lon"].to_numpy()
    legs = pl.DataFrame(
        {
            CODE: code[keep], "mmsi": tracks["mmsi"].to_numpy()[keep], "t": t[keep],
            "lat": lat[keep], "lon": lon[keep],
            "t1": t[keep + 1], "lat1": lat[keep + 1], "lon1": lon[keep + 1],
        },
        schema_overrides={CODE: pl.UInt32, "mmsi": tracks["mmsi"].dtype},
    )  # fmt: skip
    distance_nm = (
        haversine_km_expr(pl.col("lat"), pl.col("lon"), pl.col("lat1"), pl.col("lon1")) / KM_PER_NM
    )
    hours = (pl.col("t1") - pl.col("t")).cast(pl.Float64) / US_PER_HOUR
    firsts = np.flatnonzero(np.diff(code, prepend=code[:1] + 1)) if len(code) else code
    names = pl.DataFrame({CODE: code[firsts], TRACK: tracks[TRACK].gather(firsts)},
                         schema_overrides={CODE: pl.UInt32})  # fmt: skip
    return legs.with_columns((distance_nm / hours).alias("speed_knots")), names


def _epoch_us(timestamp: pl.Series) -> IntArray:
    """Microseconds since the epoch: the physical integers themselves when stored in µs."""
    if isinstance(timestamp.dtype, pl.Datetime) and timestamp.dtype.time_unit == "us":
        return np.asarray(timestamp.to_physical().to_numpy(), np.int64)
    return np.asarray(timestamp.dt.epoch("us").to_numpy(), np.int64)


def _wrap_lon(lon: FloatArray) -> FloatArray:
    """Longitudes brought into [-180, 180)."""
    return np.asarray((lon + 180.0) % 360.0 - 180.0, dtype=np.float64)


def resample(positions: pl.DataFrame, step_minutes: float, max_gap_hours: float) -> pl.DataFrame:
    """Tracks on a grid of `step_minutes` (`TRACK`, `CODE`, mmsi, µs times `t` multiple of the
    step, lat, lon, speed_knots).

    Grid times between two positions at most `max_gap_hours` apart are linearly interpolated;
    longitude is interpolated the short way round (across the antimeridian when shorter).
    """
    grid, names = _grid(positions, step_minutes, max_gap_hours)
    return grid.select(names[TRACK].gather(grid[CODE]), pl.all())


def _grid(
    positions: pl.DataFrame, step_minutes: float, max_gap_hours: float
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`resample` without the tracks' text, and the tracks' names (`CODE`, `TRACK`; the code is
    the row number of the name)."""
    step = int(step_minutes * 60_000_000)
    legs, names = _legs(positions, int(max_gap_hours * US_PER_HOUR), step)
    t0, t1 = legs["t"].to_numpy(), legs["t1"].to_numpy()
    first = -(-t0 // step)
    counts = np.clip(t1 // step - first + 1, 0, None)
    leg = np.repeat(np.arange(legs.height), counts)
    offset = np.arange(leg.size) - np.repeat(np.cumsum(counts) - counts, counts)
    t = (first[leg] + offset) * step
    # a grid time at a position ends one leg and starts the next: keep the first (rows are in
    # track and time order, so such twins are neighbours)
    code = legs[CODE].to_numpy()[leg]
    once = np.ones(leg.size, dtype=bool)
    once[1:] = (code[1:] != code[:-1]) | (t[1:] != t[:-1])
    leg, t = leg[once], t[once]
    fraction = (t - t0[leg]) / (t1 - t0)[leg]
    lat0, lon0 = legs["lat"].to_numpy()[leg], legs["lon"].to_numpy()[leg]
    dlat = legs["lat1"].to_numpy()[leg] - lat0
    dlon = _wrap_lon(legs["lon1"].to_numpy()[leg] - lon0)
    grid = pl.DataFrame(
        {
            CODE: code[once],
            "mmsi": legs["mmsi"].to_numpy()[leg],
            "t": t,
            "lat": lat0 + fraction * dlat,
            "lon": _wrap_lon(lon0 + fraction * dlon),
            "speed_knots": legs["speed_knots"].to_numpy()[leg],
        },
        schema_overrides={CODE: pl.UInt32, "mmsi": legs["mmsi"].dtype, "t": pl.Int64,
                          "lat": pl.Float64, "lon": pl.Float64},
    )  # fmt: skip
    return grid, names


def close_pairs(
    grid: pl.DataFrame, max_distance_m: float, owned: BoolArray | None = None
) -> pl.DataFrame:
    """Pairs of points of `grid` at the same time within `max_distance_m`, with mmsi < other
    (`CODE`, mmsi, t, lat, lon, speed_knots, the same of the other point, distance_m).

    Neighbour search by cells at least `CELL_KM` and twice the distance limit wide: see
    `balise.maritime.neighbours`. With `owned`, only the pairs whose first point is owned (see
    `neighbour_tiles`: a grid cut into tiles finds each pair once, in its first point's tile).
    """
    return _pair_frame(grid, *close_points(grid, max_distance_m, owned))


def _pair_frame(
    grid: pl.DataFrame, one: IntArray, other: IntArray, distance_m: FloatArray
) -> pl.DataFrame:
    """The pairs of points `one`, `other` (row numbers in `grid`) as `close_pairs` gives them."""
    points = grid.select(CODE, "mmsi", "t", "lat", "lon", "speed_knots")
    second = points.select(CODE, "mmsi", "lat", "lon", "speed_knots")[other]
    return points[one].hstack(
        [*second.rename(lambda c: f"other_{c}"), pl.Series("distance_m", distance_m)]
    )


PAIR: Final = (CODE, f"other_{CODE}")
"""The columns identifying a pair of tracks."""


def _runs(pairs: pl.DataFrame, step_us: int) -> pl.DataFrame:
    """`pairs` sorted by pair and time with `run`: a number (over all pairs) that is the same
    over consecutive grid times of a pair."""
    one, other, t = (pairs[c].to_numpy() for c in (*PAIR, "t"))
    order, run = _run_order(one, other, t, step_us)
    return pairs[order].with_columns(pl.Series("run", run, dtype=pl.Int64))


def _run_order(
    one: npt.NDArray[Any], other: npt.NDArray[Any], t: IntArray, step_us: int
) -> tuple[IntArray, IntArray]:
    """The order that sorts pairs of tracks (`one`, `other`) by pair and time `t`, and the `run`
    of each pair in that order (see `_runs`)."""
    order = _pair_time_order(one.astype(np.int64), other.astype(np.int64), t, step_us)
    one, other, t = one[order], other[order], t[order]
    new = np.ones(len(t), dtype=bool)
    new[1:] = (one[1:] != one[:-1]) | (other[1:] != other[:-1]) | (t[1:] - t[:-1] != step_us)
    return order, np.cumsum(new)


def _pair_time_order(one: IntArray, other: IntArray, t: IntArray, step_us: int) -> IntArray:
    """The order that sorts by `one`, `other` (non-negative track numbers), then time `t`.

    Speed: when the times are grid times (multiples of `step_us` apart) and the three fit in
    one integer, a stable sort of that integer, about twice as fast as sorting on three keys;
    otherwise the three-key sort."""
    if len(t) == 0:
        return np.zeros(0, dtype=np.int64)
    since = t - t.min()
    tracks = int(max(one.max(), other.max())) + 1
    steps = int(since.max()) // step_us + 1
    negative = min(int(one.min()), int(other.min())) < 0
    if negative or (since % step_us).any() or tracks * tracks * steps >= 2**62:
        return np.asarray(np.lexsort((t, other, one)), dtype=np.int64)
    key = (one * tracks + other) * steps + since // step_us
    return _stable_order(key)


def _stable_order(key: IntArray) -> IntArray:
    """The order of a stable sort of `key`: that of the faster unstable sort when the keys are
    all different (a pair of tracks has one point per grid time), checked on the sorted keys."""
    order = np.argsort(key)
    ranked = key[order]
    if (ranked[1:] == ranked[:-1]).any():
        order = np.argsort(key, kind="stable")
    return np.asarray(order, dtype=np.int64)


def _spanning_long_enough(
    one: npt.NDArray[Any], other: npt.NDArray[Any], t: IntArray, min_hours: float
) -> BoolArray:
    """Which points (sorted by pair and time, as `_run_order` orders them) belong to pairs whose
    grid times span `min_hours` or more: every encounter of a pair lies within that span, so the
    other pairs can give none, and their runs need no anchorage look-up."""
    if len(t) == 0:
        return np.zeros(0, dtype=bool)
    first = np.flatnonzero(np.r_[True, (one[1:] != one[:-1]) | (other[1:] != other[:-1])])
    last = np.r_[first[1:], len(t)] - 1
    span_hours = (t[last] - t[first]).astype(np.float64) / US_PER_HOUR
    return np.repeat(span_hours >= min_hours, last - first + 1)


def _encounter_points(grid: pl.DataFrame, params: EncounterParams) -> pl.DataFrame:
    """The close pairs of points of `grid` (as `close_pairs` gives them) with their `run`, sorted
    by pair and time, of the pairs spanning `min_duration_hours` or more.

    All is done on point numbers; the columns are gathered once, for the points kept."""
    step_us = int(params.resample_minutes * 60_000_000)
    one, other, distance_m = close_points(grid, params.max_distance_m)
    code, t = grid[CODE].to_numpy(), grid["t"].to_numpy()
    order, run = _run_order(code[one], code[other], t[one], step_us)
    one, other, distance_m = one[order], other[order], distance_m[order]
    kept = np.flatnonzero(
        _spanning_long_enough(code[one], code[other], t[one], params.min_duration_hours)
    )
    points = _pair_frame(grid, one[kept], other[kept], distance_m[kept])
    return points.with_columns(pl.Series("run", run[kept], dtype=pl.Int64))


def encounters_of_pairs(
    pairs: pl.DataFrame,
    names: pl.DataFrame,
    params: EncounterParams | None = None,
    anchorage: AnchorageDistance | None = None,
) -> pl.DataFrame:
    """`encounter` events, as `detect_encounters` finds them, of close pairs of points found
    elsewhere (`close_pairs` frames of every grid time of the pairs of tracks in `pairs`, e.g.
    gathered tile by tile). `names` maps `CODE` to `TRACK` for the evidence."""
    params = params or EncounterParams()
    step_us = int(params.resample_minutes * 60_000_000)
    one, other, t = (pairs[c].to_numpy() for c in (*PAIR, "t"))
    order, run = _run_order(one, other, t, step_us)
    kept = np.flatnonzero(
        _spanning_long_enough(one[order], other[order], t[order], params.min_duration_hours)
    )
    points = pairs[order[kept]].with_columns(pl.Series("run", run[kept], dtype=pl.Int64))
    return _encounter_events(points, names, params, anchorage)


def _near_anchorage(
    points: pl.DataFrame, params: EncounterParams, anchorage: AnchorageDistance | None
) -> pl.DataFrame:
    """The `run`s whose mean position is closer than `min_anchorage_km` to an anchorage (none when
    `anchorage` is unknown or the limit is 0)."""
    if anchorage is None or params.min_anchorage_km <= 0 or points.is_empty():
        return points.select("run").clear()
    runs = _located(points.group_by("run"))
    km = anchorage(runs["lat"].to_numpy(), runs["lon"].to_numpy())
    return runs.filter(pl.Series(km < params.min_anchorage_km)).select("run")


def _located(groups: GroupBy) -> pl.DataFrame:
    """Mean position of the points of each group: both vessels, circular mean of longitude (so
    right across the antimeridian)."""
    one, other = pl.col("lon").radians(), pl.col("other_lon").radians()
    return groups.agg(
        ((pl.col("lat") + pl.col("other_lat")) / 2).mean().alias("lat"),
        pl.arctan2(one.sin().sum() + other.sin().sum(), one.cos().sum() + other.cos().sum())
        .degrees()
        .alias("lon"),
    )


def _merged(points: pl.DataFrame, merge_gap_us: int) -> pl.DataFrame:
    """`points` with `event`: runs of a pair less than `merge_gap_us` apart share a number."""
    bounds = points.group_by(*PAIR, "run").agg(
        pl.col("t").min().alias("first"), pl.col("t").max().alias("last")
    )
    gap = pl.col("first") - pl.col("last").shift(1).over(PAIR)
    events = (
        bounds.sort(*PAIR, "first")
        .with_columns((gap >= merge_gap_us).fill_null(True).cum_sum().over(PAIR).alias("event"))
        .select("run", "event")
    )
    return points.join(events, on="run", maintain_order="left")


def _summaries(points: pl.DataFrame, params: EncounterParams) -> pl.DataFrame:
    """One row per merged encounter, with its evidence columns, after duration and speed filters."""
    grouped = points.group_by(*PAIR, "event")
    located = _located(grouped)
    stats = grouped.agg(
        pl.col("mmsi").first(),
        pl.col("other_mmsi").first(),
        pl.col("t").min().alias("first"),
        pl.col("t").max().alias("last"),
        pl.col("distance_m").median().alias("median_distance_m"),
        pl.col("distance_m").min().alias("min_distance_m"),
        pl.col("speed_knots").median().alias("median_speed_knots"),
        pl.col("other_speed_knots").median().alias("other_median_speed_knots"),
        pl.len().alias("points"),
        pl.col("run").n_unique().alias("runs"),
    ).join(located, on=[*PAIR, "event"])
    duration = (pl.col("last") - pl.col("first")).cast(pl.Float64) / US_PER_HOUR
    found = stats.with_columns(duration.alias("duration_h"))
    long_enough = (
        pl.col("duration_h") > params.min_duration_hours
        if params.duration_strict
        else pl.col("duration_h") >= params.min_duration_hours
    )
    found = found.filter(long_enough)
    if params.max_median_speed_knots is not None:
        fastest = pl.max_horizontal("median_speed_knots", "other_median_speed_knots")
        found = found.filter(fastest < params.max_median_speed_knots)
    as_time = {
        c: pl.from_epoch(c, time_unit="us").dt.replace_time_zone("UTC").cast(UTC_TIME)
        for c in ("first", "last")
    }
    return found.with_columns(**as_time)


def _named(found: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    """`found` with the text of both tracks (`TRACK`, `other_TRACK`) for the evidence, from
    `names` (`CODE`, `TRACK`)."""
    names = names.select(CODE, TRACK).unique(CODE)
    other = names.rename({CODE: f"other_{CODE}", TRACK: f"other_{TRACK}"})
    return found.join(names, on=CODE, how="left").join(other, on=f"other_{CODE}", how="left")


def _evidence(row: dict[str, Any]) -> str:
    """What was observed of one encounter, as JSON text."""
    return to_json(
        {
            "track": row[TRACK],
            "other_track": row[f"other_{TRACK}"],
            "duration_h": rounded(row["duration_h"]),
            "median_distance_m": rounded(row["median_distance_m"], 1),
            "min_distance_m": rounded(row["min_distance_m"], 1),
            "median_speed_knots": rounded(row["median_speed_knots"]),
            "other_median_speed_knots": rounded(row["other_median_speed_knots"]),
            "points": row["points"],
            "runs": row["runs"],
            "first": iso(row["first"]),
            "last": iso(row["last"]),
        }
    )


def detect_encounters(
    positions: pl.DataFrame,
    params: EncounterParams | None = None,
    anchorage: AnchorageDistance | None = None,
) -> pl.DataFrame:
    """`encounter` events (`EVENT_SCHEMA`) of cleaned positions, one per pair and meeting.

    `positions` has the `POSITION_SCHEMA` columns, optionally `segment_id` (tracks are segments
    when present, else MMSIs). `anchorage` gives the distance to the nearest anchorage in km;
    without it (`None`) no encounter is dropped for being in a port's waiting area. Each event has
    `mmsi` < `other_mmsi`, runs from the first to the last grid time in range, and sits at the
    mean position of both vessels over it.
    """
    params = params or EncounterParams()
    grid, names = _grid(positions, params.resample_minutes, params.max_interpolation_gap_hours)
    return _encounter_events(_encounter_points(grid, params), names, params, anchorage)


def _encounter_events(
    points: pl.DataFrame,
    names: pl.DataFrame,
    params: EncounterParams,
    anchorage: AnchorageDistance | None,
) -> pl.DataFrame:
    """The events of the close `points` of pairs with their `run` (as `_encounter_points` gives
    them): runs near an anchorage dropped, runs merged, filtered, summarised."""
    if points.is_empty():
        return empty_events()
    points = points.join(_near_anchorage(points, params, anchorage), on="run", how="anti")
    merged = _merged(points, int(params.merge_gap_hours * US_PER_HOUR))
    found = _named(_summaries(merged, params), names)
    evidence = [_evidence(row) for row in found.iter_rows(named=True)]
    certain = (
        CONFIDENCE_ANCHORAGES_KNOWN if anchorage is not None else CONFIDENCE_ANCHORAGES_UNKNOWN
    )
    rows = found.select(
        pl.col("first").alias("start"),
        pl.col("last").alias("end"),
        "lat",
        "lon",
        "mmsi",
        "other_mmsi",
        pl.lit(certain).alias("confidence"),
        pl.lit(params_json(params)).alias("params"),
    )
    return build_events("encounter", rows, ("mmsi", "other_mmsi", "start"), evidence=evidence)
