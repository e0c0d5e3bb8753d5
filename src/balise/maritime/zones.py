"""Zone entries: a vessel enters a watched zone, or stays in it, as the zone's rules define.

A visit is a run of consecutive positions of one track inside a zone. Each zone's `ZoneRule`s are
tried on each visit: an "entry" rule fires for any visit, a "dwell" rule for a visit that lasts
at least its `min_dwell_minutes` (first to last position inside), and each rule's vessel filters
(ship type, flag, mean speed) must match. A visit that fires at least one rule is one `zone_entry`
event spanning the visit (start = first position inside, end = last), scored by the highest-scoring
rule fired; so a zone with an entry and a dwell rule still gives one event per visit, revised in
place (same id) when late data makes a short visit long.

A vessel already inside at its first position is an entry too (`entered_before_data`), and a visit
still running at its last position is `open`. A silence of more than `max_gap_hours` between two
positions inside splits the visit: the vessel may have left and come back unseen, and the silence
itself is an `ais_gap` event of its own.

The point-in-zone test (`balise.geo.zones.Zone.contains`) only tests positions inside a zone part's
bounding box, so millions of positions cost one vectorised comparison each per zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final

import numpy as np
import polars as pl

from balise.geo.sphere import KM_PER_NM
from balise.geo.zones import Zone, ZoneRule
from balise.maritime.kernel import (
    TRACK,
    build_events,
    haversine_km_expr,
    hours_between,
    iso,
    rounded,
)
from balise.model.arrays import BoolArray, FloatArray, IntArray
from balise.model.events import empty_events, to_json
from balise.model.mid import mid_expr

KIND: Final = "zone_entry"
KEY: Final = "_key"
"""The track of each row as `_track_number` gives it."""
INSIDE: Final = "_inside"
"""Prefix of the columns telling whether each row is inside each zone (`_inside_column`)."""
_USED: Final = ("mmsi", "timestamp", "lat", "lon", "sog_knots", "segment_id", "segment_code")
"""The input columns visits are made of."""
ID_KEYS: Final = ("mmsi", "zone_id", "start")
"""What identifies a visit: the vessel, the zone and the first position inside."""
CONFIDENCE_VISIT: Final = 0.9
"""A visit seen at two or more positions inside the zone."""
CONFIDENCE_SINGLE: Final = 0.5
"""A visit seen at a single position: it may be one bad fix that the cleaning let through."""


@dataclass(frozen=True)
class ZoneParams:
    """Thresholds of the zone detector (the per-zone thresholds are the zones' rules)."""

    max_gap_hours: float | None = 6.0
    """A silence longer than this between two positions inside splits the visit (None: never).
    6 h is the shortest `ais_gap` (GlobalFishingWatch/pipe-gaps `min_gap_length`, Skylight's
    "Potential Dark Activity"): a longer silence is reported as a gap, and what the vessel did
    during it is unknown, so it is not counted as time spent in the zone."""


def _tracks(positions: pl.DataFrame) -> pl.DataFrame:
    """Located positions sorted by track and time, with the neighbouring report of each and the
    speed at each: reported SOG, else the speed implied by the leg from the previous position.

    Tracks are MMSIs, or segments when `segment_id` is present, sorted by `_track_number` (as
    integers where the input allows: three times faster than as text on millions of rows); ties
    on time are broken by position so that the result does not depend on the input's row order.
    """
    segmented = "segment_id" in positions.columns
    # the segment's text alone when no row lacks one: the MMSI's text costs as much again
    key = _track_key(positions) if segmented else pl.col("mmsi").cast(pl.String)
    sog = pl.col("sog_knots") if "sog_knots" in positions.columns else pl.lit(None, pl.Float64)
    number = _track_number(positions).alias(KEY)
    flags = [c for c in positions.columns if c.startswith(INSIDE)]
    located = positions.select(
        "mmsi", "timestamp", "lat", "lon", sog.alias("sog"), key.alias(TRACK), number, *flags
    ).drop_nulls(["mmsi", "timestamp", "lat", "lon"])
    rows = located.sort(KEY, "timestamp", "lat", "lon")
    same = pl.col(KEY) == pl.col(KEY).shift(1)
    before = [
        pl.when(same).then(pl.col(c).shift(1)).alias(f"prev_{c}")
        for c in ("timestamp", "lat", "lon")
    ]
    after = pl.when(pl.col(KEY) == pl.col(KEY).shift(-1)).then(pl.col("timestamp").shift(-1))
    leg_nm = haversine_km_expr(pl.col("prev_lat"), pl.col("prev_lon"), pl.col("lat"), pl.col("lon"))
    leg_h = hours_between(pl.col("prev_timestamp"), pl.col("timestamp"))
    implied = pl.when(leg_h > 0).then(leg_nm / KM_PER_NM / leg_h)
    return rows.with_columns(*before, after.alias("next_timestamp")).with_columns(
        pl.coalesce("sog", implied).alias("speed_knots"), leg_h.alias("silence_h")
    )


def _track_key(positions: pl.DataFrame) -> pl.Expr:
    """The track of each row as `_tracks` names it: the segment when set, else the MMSI."""
    if "segment_id" not in positions.columns:
        return pl.col("mmsi")
    segment = pl.col("segment_id").cast(pl.String)
    if positions["segment_id"].null_count():
        return pl.coalesce(segment, pl.col("mmsi").cast(pl.String))
    return segment


def _track_number(positions: pl.DataFrame) -> pl.Expr:
    """A key with one value per track of `_track_key`, an integer when the input has one: the
    MMSI without segments, `segment_code` (one per `segment_id` in a `segment` frame) with them.
    Integers are far cheaper to sort, compare and look up than the track's text."""
    if "segment_id" not in positions.columns:
        return pl.col("mmsi")
    coded = "segment_code" in positions.columns and not positions["segment_id"].null_count()
    if coded and not positions["segment_code"].null_count():
        return pl.col("segment_code")
    return _track_key(positions)


def _inside_each(lat: pl.Series, lon: pl.Series, zones: Sequence[Zone]) -> list[BoolArray]:
    """Which positions are inside each of `zones` (a null coordinate is in none)."""
    lats, lons = lat.cast(pl.Float64).to_numpy(), lon.cast(pl.Float64).to_numpy()
    if np.any(lons < -180.0) or np.any(lons > 180.0):
        # as `Zone.contains` would, once for all, so that its answer does not hang on the subset
        lons = (lons + 180.0) % 360.0 - 180.0
    return [_contains(zone, lats, lons) for zone in zones]


def _contains(zone: Zone, lats: FloatArray, lons: FloatArray) -> BoolArray:
    """`zone.contains`, asked only of the located positions within the zone's latitudes: one
    comparison leaves out the millions of positions far from it, which are outside its every
    part's bounding box, so the answer is the same."""
    _, south, _, north = zone.geometry.bounds
    rows = np.flatnonzero((lats >= south) & (lats <= north) & ~np.isnan(lons))
    inside = np.zeros(len(lats), np.bool_)
    inside[rows] = zone.contains(lats[rows], lons[rows])
    return inside


def _inside_column(index: int) -> str:
    """The column of `_touching`'s rows telling whether each is inside the zone at `index`."""
    return f"{INSIDE}{index}"


def _inside(tracks: pl.DataFrame, index: int, zone: Zone) -> BoolArray:
    """Which rows of `tracks` are inside `zone` (at `index` of the zones): carried from
    `_touching` when its rows came with the flags, tested here otherwise."""
    column = _inside_column(index)
    if column in tracks.columns:
        return tracks[column].to_numpy()
    return _inside_each(tracks["lat"], tracks["lon"], [zone])[0]


def _inside_any(tracks: pl.DataFrame, zones: Sequence[Zone]) -> BoolArray:
    """Which rows of `tracks` are inside at least one of `zones`."""
    inside = np.zeros(tracks.height, dtype=np.bool_)
    for index, zone in enumerate(zones):
        inside |= _inside(tracks, index, zone)
    return inside


def _touching(positions: pl.DataFrame, zones: Sequence[Zone]) -> pl.DataFrame:
    """The columns visits need of the positions of the tracks with a position inside a zone,
    with whether each is inside each zone (`_inside_column`).

    Visits are found track by track, so the other tracks (most of them) can be left out before
    the costly sort, with the same events; the point-in-zone test, the costliest step, is made
    once per position and zone, and carried.
    """
    key = _track_number(positions)
    each = _inside_each(positions["lat"], positions["lon"], zones)
    inside = np.logical_or.reduce(each) if each else np.zeros(positions.height, np.bool_)
    touched = positions.select(key).filter(pl.Series(inside)).to_series().unique()
    needed = [c for c in positions.columns if c in _USED]
    flags = [pl.Series(_inside_column(i), flag) for i, flag in enumerate(each)]
    return positions.select(needed).with_columns(flags).filter(key.is_in(touched.implode()))


def _around_inside(tracks: pl.DataFrame, zones: Sequence[Zone]) -> pl.DataFrame:
    """The rows of `tracks` inside a zone and the rows just before and after each of them.

    What a visit needs of the rows outside is already in the rows inside (the neighbouring
    reports' times, the speed), save whether the row before is inside, which the row before
    kept here tells; so visits and events are the same as with every row.
    """
    inside = _inside_any(tracks, zones)
    near = inside.copy()
    near[1:] |= inside[:-1]
    near[:-1] |= inside[1:]
    return tracks.filter(pl.Series(near))


def _visit_numbers(
    tracks: pl.DataFrame, inside: BoolArray, params: ZoneParams
) -> tuple[IntArray, BoolArray]:
    """A number per row shared by the rows of one visit (rows outside are ignored), and whether
    each row starts a visit only because a silence split it from the previous one inside."""
    first_of_track = tracks["prev_timestamp"].is_null().to_numpy()
    previous_inside = np.concatenate(([False], inside[:-1])) & ~first_of_track
    split = np.zeros_like(inside)
    if params.max_gap_hours is not None:
        silent = tracks["silence_h"].fill_null(0.0).to_numpy() > params.max_gap_hours
        split = inside & previous_inside & silent
        previous_inside &= ~silent
    return np.cumsum(inside & ~previous_inside), split


def _visits(tracks: pl.DataFrame, inside: BoolArray, params: ZoneParams) -> pl.DataFrame:
    """One row per visit: entry and exit positions, duration, positions and speeds inside."""
    numbers, split = _visit_numbers(tracks, inside, params)
    rows = np.flatnonzero(inside)
    within = tracks[rows].with_columns(
        pl.Series("visit", numbers[rows]),
        pl.Series("split_before", split[rows]),
        pl.Series("split_after", np.concatenate((split[1:], [False]))[rows]),
    )
    visits = within.group_by("visit", maintain_order=True).agg(
        pl.col(TRACK).first(),
        pl.col("mmsi").first(),
        pl.col("timestamp").first().alias("start"),
        pl.col("timestamp").last().alias("end"),
        pl.col("lat").first(),
        pl.col("lon").first(),
        pl.col("lat").last().alias("exit_lat"),
        pl.col("lon").last().alias("exit_lon"),
        pl.col("prev_timestamp").first().alias("before"),
        pl.col("next_timestamp").last().alias("after"),
        pl.col("split_before").first(),
        pl.col("split_after").last(),
        pl.len().alias("positions"),
        pl.col("speed_knots").max().alias("max_speed_knots"),
        pl.col("speed_knots").mean().alias("mean_speed_knots"),
    )
    return visits.with_columns(
        hours_between(pl.col("start"), pl.col("end")).alias("duration_h"),
        pl.col("before").is_null().alias("entered_before_data"),
        pl.col("after").is_null().alias("open"),
    )


def _ship_types(vessel_info: pl.DataFrame | None) -> pl.DataFrame:
    """The last known AIS ship type of each MMSI (identity reports, latest last when timed)."""
    schema = {"mmsi": pl.Int32, "ship_type": pl.Int16}
    if vessel_info is None or "ship_type" not in vessel_info.columns:
        return pl.DataFrame(schema=schema)
    known = vessel_info.drop_nulls(["mmsi", "ship_type"])
    if "timestamp" in known.columns:
        known = known.sort("timestamp", maintain_order=True)
    last = known.group_by("mmsi", maintain_order=True).agg(pl.col("ship_type").last())
    return last.select([pl.col(c).cast(t) for c, t in schema.items()])


def _matches(rule: ZoneRule) -> pl.Expr:
    """Whether `rule` fires for each visit (columns of `_visits` plus `ship_type` and `mid`);
    an unknown ship type, flag or speed matches no filter on it."""
    fired = pl.lit(True)
    if rule.trigger == "dwell":
        fired &= pl.col("duration_h") * 60 >= rule.min_dwell_minutes
    if rule.ship_types:
        ranges = [pl.col("ship_type").is_between(low, high) for low, high in rule.ship_types]
        fired &= pl.any_horizontal(ranges)
    if rule.flags:
        fired &= pl.col("mid").is_in(sorted(rule.flag_mids()))
    if rule.exclude_flags:
        fired &= pl.col("mid").is_not_null() & ~pl.col("mid").is_in(sorted(rule.excluded_mids()))
    if rule.max_speed_knots is not None:
        fired &= pl.col("mean_speed_knots") <= rule.max_speed_knots
    return fired.fill_null(False)


def _rule_flags(visits: pl.DataFrame, zone: Zone, ship_types: pl.DataFrame) -> pl.DataFrame:
    """`visits` with the vessel's ship type and MID, and one boolean column per rule of `zone`."""
    known = visits.join(ship_types, on="mmsi", how="left", maintain_order="left")
    known = known.with_columns(mid_expr("mmsi").alias("mid"))
    return known.with_columns(
        _matches(rule).alias(f"_rule{i}") for i, rule in enumerate(zone.rules)
    )


def _evidence(row: dict[str, Any], zone: Zone, fired: list[int], best: int) -> str:
    """What was observed of one visit, as JSON text."""
    return to_json(
        {
            "zone": {"id": zone.id, "name": zone.name, "kind": zone.kind},
            "rule": zone.rules[best].as_dict(),
            "rules_fired": fired,
            "track": row[TRACK],
            "entry": {"timestamp": iso(row["start"]), "lat": row["lat"], "lon": row["lon"]},
            "exit": {"timestamp": iso(row["end"]), "lat": row["exit_lat"], "lon": row["exit_lon"]},
            "before": iso(row["before"]),
            "after": iso(row["after"]),
            "duration_h": rounded(row["duration_h"]),
            "positions": row["positions"],
            "max_speed_knots": rounded(row["max_speed_knots"]),
            "mean_speed_knots": rounded(row["mean_speed_knots"]),
            "ship_type": row["ship_type"],
            "entered_before_data": row["entered_before_data"],
            "open": row["open"],
            "split_before": row["split_before"],
            "split_after": row["split_after"],
        }
    )


def _zone_events(
    tracks: pl.DataFrame, index: int, zone: Zone, ship_types: pl.DataFrame, params: ZoneParams
) -> pl.DataFrame | None:
    """The event rows (with `zone_id`, `score`, `evidence`) of the visits to `zone` (at `index`
    of the zones) that fire."""
    inside = _inside(tracks, index, zone)
    if not inside.any():
        return None
    visits = _rule_flags(_visits(tracks, inside, params), zone, ship_types)
    keep, scores, evidence = [], [], []
    for row in visits.iter_rows(named=True):
        fired = [i for i in range(len(zone.rules)) if row[f"_rule{i}"]]
        keep.append(bool(fired))
        if fired:
            best = max(fired, key=lambda i: (zone.rules[i].score, -i))
            scores.append(zone.rules[best].score)
            evidence.append(_evidence(row, zone, fired, best))
    found = visits.filter(pl.Series(keep, dtype=pl.Boolean))
    if found.is_empty():
        return None
    rule_params = {**asdict(params), "zone_id": zone.id, "rules": [r.as_dict() for r in zone.rules]}
    return found.select(
        "start", "end", "lat", "lon", "mmsi",
        pl.lit(None, dtype=pl.Int32).alias("other_mmsi"),
        pl.when(pl.col("positions") > 1).then(CONFIDENCE_VISIT).otherwise(CONFIDENCE_SINGLE)
        .alias("confidence"),
        pl.lit(to_json(rule_params)).alias("params"),
        pl.lit(zone.id).alias("zone_id"),
        pl.Series("score", scores, dtype=pl.Float64),
        pl.Series("evidence", evidence, dtype=pl.String),
    )  # fmt: skip


def detect_zone_entries(
    positions: pl.DataFrame,
    zones: Sequence[Zone],
    vessel_info: pl.DataFrame | None = None,
    params: ZoneParams | None = None,
) -> pl.DataFrame:
    """`zone_entry` events (`EVENT_SCHEMA`): one per visit of a track to a zone that fires a rule.

    `positions` has the `POSITION_SCHEMA` columns (`sog_knots` optional), optionally
    `segment_id` (tracks are segments when present, else MMSIs); any row order. `vessel_info`
    gives `mmsi` and `ship_type` (identity reports, `timestamp` optional: the latest known type
    is used) for the rules that filter on ship type; without it those rules never fire. The
    event's position is the entry position, its score the best fired rule's, its id stable over
    (type, mmsi, zone id, visit start).
    """
    params = params or ZoneParams()
    if not zones:
        return empty_events()
    tracks = _around_inside(_tracks(_touching(positions, zones)), zones)
    if tracks.is_empty():
        return empty_events()
    ship_types = _ship_types(vessel_info)
    parts = [_zone_events(tracks, i, zone, ship_types, params) for i, zone in enumerate(zones)]
    found = [p for p in parts if p is not None]
    if not found:
        return empty_events()
    rows = pl.concat(found)
    return build_events(KIND, rows, ID_KEYS)
