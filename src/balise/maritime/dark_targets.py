"""Dark targets: what coastal radar follows while no AIS says what it is.

A radar track's contacts are compared with every AIS vessel (`match_contacts`): a contact is
explained when some vessel's position carried to its time is within the gate. The unexplained
contacts of a track, split where they are more than `max_gap_minutes` apart, make runs; a run of
at least `min_contacts` contacts over `min_duration_minutes` is a dark target. Comparing with every
vessel and not only the track's associated one keeps a tracker's swap between two fishing boats
with AIS from looking dark; keeping the runs, not the whole track, keeps the small boat that came
alongside a ship with AIS for a while.

A run that starts after the last contact the track's associated vessel matched, while that vessel
sent no AIS position for `silent_minutes` or more, is that vessel gone silent under the radar's
eyes: the event is linked to her (`mmsi`, `related`). Otherwise the event has no MMSI.

Score (0-1), so that a fast night run towards a beach ranks above a slow boat near its harbour:
0.2 + 0.3 × speed + 0.2 × landfall + 0.15 × night + 0.1 × persistence + 0.1 × foreign origin +
0.1 × AIS silenced + 0.05 × watched zone, capped at 1, where persistence = duration / 2 h capped
at 1 (a target followed for hours is no passing echo nor a reception gap), speed = (median
speed - `slow_knots`) / (`fast_knots` - `slow_knots`) in [0, 1] and landfall is 1 when the
course reaches land within `landing_hours`, falling linearly to 0 at four times that (0 without
landfall within `coast_search_nm`). Speed carries the most weight: a go-fast's 25-40 kn is what
no fishing or pleasure craft without AIS does near the coast; the landfall term alone cannot
rank a boat heading for a beach above one heading home to its harbour at 5 kn, which is why it is
weighted by the time to reach the coast and speed counts apart.
This is Balise's own scoring; no published source ranks radar-only targets. Runs scoring below
`min_score` are not reported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import polars as pl

from balise.geo.sphere import KM_PER_NM, bearing_deg, destination_point, distance_nm
from balise.geo.sun import CIVIL_TWILIGHT_DEG, solar_elevation_deg
from balise.maritime.kernel import build_events, haversine_km_expr, iso, params_json, rounded
from balise.maritime.radar_association import match_contacts
from balise.maritime.radar_params import RadarParams
from balise.model.arrays import BoolArray, FloatArray
from balise.model.events import SUBJECT, empty_events, to_json

Geo = Callable[[FloatArray, FloatArray], FloatArray]
"""(lat, lon) in degrees → a distance, element-wise (distance to shore, nm)."""
Zone = Callable[[FloatArray, FloatArray], BoolArray]
"""(lat, lon) in degrees → whether each position is in the area (land, a watched zone)."""
Country = Callable[[FloatArray, FloatArray], Sequence[str | None]]
"""(lat, lon) in degrees → the country (ISO 3166 alpha-3) of the coast at each position."""

CONFIDENCE_UNKNOWN: Final = 0.6
"""A radar track no AIS explains: a craft without AIS, or one whose AIS was not received."""
CONFIDENCE_SILENCED: Final = 0.75
"""A vessel tracked with her AIS, then followed by radar after her AIS stopped."""
SCORE_BASE: Final = 0.2
SCORE_SPEED: Final = 0.3
SCORE_LANDFALL: Final = 0.2
SCORE_NIGHT: Final = 0.15
SCORE_FOREIGN: Final = 0.1
SCORE_SILENCED: Final = 0.1
SCORE_WATCHED: Final = 0.05
SCORE_PERSISTENCE: Final = 0.1
PERSISTENCE_MINUTES: Final = 120.0
_STEP_NM: Final = 0.25
"""Step of the searches along a course and around a position (nm): half a land-mask cell."""
_RING_BEARINGS: Final = 36
"""Bearings of the search for the nearest coast (every 10°)."""
_COURSE_MINUTES: Final = 10.0
"""The course at the end of a run is measured over its last this many minutes."""


@dataclass(frozen=True)
class RadarGeography:
    """What the dark-target detector asks of geography: land (`on_land`, e.g.
    `balise.geo.landmask.LandMask().on_land`), optionally the distance to shore, the country of a
    coast (with the `home` countries whose coast is not foreign) and watched zones by name."""

    on_land: Zone
    shore_nm: Geo | None = None
    coast_country: Country | None = None
    home: frozenset[str] = frozenset()
    zones: Sequence[tuple[str, Zone]] = field(default_factory=tuple)


def _runs(tracks: pl.DataFrame, explained: pl.DataFrame, params: RadarParams) -> pl.DataFrame:
    """The unexplained contacts of `tracks`, numbered by run (`run`) within each track."""
    gap = pl.duration(seconds=params.max_gap_minutes * 60)
    return (
        tracks.join(explained, on=["track_id", "time"], how="anti")
        .sort("track_id", "time")
        .with_columns(
            (pl.col("time").diff().over("track_id") > gap).fill_null(False).cum_sum()
            .over("track_id").alias("run")
        )
    )  # fmt: skip


def _run_summaries(runs: pl.DataFrame, params: RadarParams) -> pl.DataFrame:
    """One row per run long enough: span, contacts, speed, first and last positions, the
    position `_COURSE_MINUTES` before the end, last reported course."""
    tail = pl.col("time") >= pl.col("time").max() - pl.duration(seconds=_COURSE_MINUTES * 60)
    away_km = haversine_km_expr(
        pl.col("lat").first(), pl.col("lon").first(), pl.col("lat"), pl.col("lon")
    ).max()
    summaries = runs.group_by("track_id", "run").agg(
        (away_km / KM_PER_NM).alias("extent_nm"),
        pl.col("time").min().alias("start"),
        pl.col("time").max().alias("end"),
        pl.len().alias("contacts"),
        pl.col("sensor_id").first(),
        pl.col("speed_knots").median().alias("median_speed_knots"),
        pl.col("lat").first().alias("first_lat"),
        pl.col("lon").first().alias("first_lon"),
        pl.col("course_deg").first().alias("first_course_deg"),
        pl.col("lat").last(),
        pl.col("lon").last(),
        pl.col("lat").filter(tail).first().alias("tail_lat"),
        pl.col("lon").filter(tail).first().alias("tail_lon"),
        pl.col("course_deg").last().alias("last_course_deg"),
    )
    minutes = (pl.col("end") - pl.col("start")).dt.total_seconds() / 60
    return summaries.with_columns(minutes.alias("duration_minutes")).filter(
        (pl.col("contacts") >= params.min_contacts)
        & (pl.col("duration_minutes") >= params.min_duration_minutes)
        & (pl.col("extent_nm") >= params.min_extent_nm)
    )


def _silenced(
    found: pl.DataFrame, associations: pl.DataFrame, positions: pl.DataFrame, params: RadarParams
) -> pl.DataFrame:
    """`found` with `mmsi`: the track's associated vessel when the run starts after her last
    match and she sent no AIS position from then to `silent_minutes` into the run."""
    linked = found.join(
        associations.select("track_id", "mmsi", pl.col("end").alias("heard_until")),
        on="track_id",
        how="left",
    )
    candidates = linked.filter(pl.col("start") >= pl.col("heard_until")).select(
        "track_id", "run", "mmsi", "heard_until", "start", "end"
    )
    silent_for = pl.duration(seconds=params.silent_minutes * 60)
    heard = candidates.join(
        positions.select(pl.col("mmsi").cast(pl.Int32), "timestamp"), on="mmsi", how="inner"
    ).filter(
        (pl.col("timestamp") > pl.col("heard_until"))
        & (pl.col("timestamp") <= pl.col("heard_until") + silent_for)
    )
    long_enough = pl.col("end") - pl.col("heard_until") >= silent_for
    silent = candidates.filter(long_enough).join(heard, on=["track_id", "run"], how="anti")
    return found.join(
        silent.select("track_id", "run", "mmsi", "heard_until"), on=["track_id", "run"], how="left"
    )


def _search(
    on_land: Zone, lat: FloatArray, lon: FloatArray, bearing: FloatArray, reach_nm: float
) -> FloatArray:
    """Distance (nm) along `bearing` from each position to the first land within `reach_nm`
    (NaN: none; NaN bearings give NaN)."""
    steps = np.arange(_STEP_NM, reach_nm + _STEP_NM / 2, _STEP_NM)
    if not len(lat) or not len(steps):
        return np.full(len(lat), np.nan)
    grid_lat, grid_lon = destination_point(
        lat[:, None], lon[:, None], np.nan_to_num(bearing)[:, None], steps[None, :]
    )
    land = np.asarray(on_land(grid_lat, grid_lon), np.bool_) & np.isfinite(bearing)[:, None]
    hit = land.any(axis=1)
    return np.where(hit, steps[np.argmax(land, axis=1)], np.nan)


def _nearest_coast(
    on_land: Zone, lat: FloatArray, lon: FloatArray, reach_nm: float
) -> tuple[FloatArray, FloatArray]:
    """Distance (nm) and bearing (degrees) of the nearest land within `reach_nm` of each
    position, searched on `_RING_BEARINGS` bearings (NaN: none)."""
    bearings = np.linspace(0.0, 360.0, _RING_BEARINGS, endpoint=False)
    n = len(lat)
    found = _search(
        on_land, np.repeat(lat, len(bearings)), np.repeat(lon, len(bearings)),
        np.tile(bearings, n), reach_nm,
    ).reshape(n, len(bearings))  # fmt: skip
    best = np.argmin(np.where(np.isnan(found), np.inf, found), axis=1) if n else np.zeros(0, int)
    distance = found[np.arange(n), best] if n else np.zeros(0)
    return distance, np.where(np.isnan(distance), np.nan, bearings[best])


def _course(found: pl.DataFrame) -> FloatArray:
    """Course at the end of each run (degrees): from the position `_COURSE_MINUTES` before the
    end to the last when they are 0.1 nm apart or more, else the last course reported."""
    ends = [found[c].to_numpy() for c in ("tail_lat", "tail_lon", "lat", "lon")]
    moved = distance_nm(*ends) >= 0.1
    reported = found["last_course_deg"].fill_null(np.nan).to_numpy()
    return np.where(moved, bearing_deg(*ends), reported)


def _placed(found: pl.DataFrame, geography: RadarGeography, params: RadarParams) -> pl.DataFrame:
    """`found` with the geography of each run: landfall along its course, nearest coast, sun,
    the coast it came from and the zones it crossed (`zones`, filled by `_zones_crossed`)."""
    lat, lon = found["lat"].to_numpy(), found["lon"].to_numpy()
    course = _course(found)
    landfall = _search(geography.on_land, lat, lon, course, params.coast_search_nm)
    coast_nm, coast_bearing = _nearest_coast(geography.on_land, lat, lon, params.coast_search_nm)
    shore = geography.shore_nm(lat, lon) if geography.shore_nm is not None else coast_nm
    speed = np.maximum(found["median_speed_knots"].fill_null(0.0).to_numpy(), 0.1)
    end_s = found["end"].dt.epoch("us").to_numpy() / 1e6
    back = (found["first_course_deg"].fill_null(np.nan).to_numpy() + 180.0) % 360.0
    first = (found["first_lat"].to_numpy(), found["first_lon"].to_numpy())
    origin_nm = _search(geography.on_land, *first, back, params.origin_search_nm)
    return found.with_columns(
        pl.Series("course_deg", course, nan_to_null=True),
        pl.Series("landfall_nm", landfall, nan_to_null=True),
        pl.Series("minutes_to_landfall", landfall / speed * 60, nan_to_null=True),
        pl.Series("shore_nm", shore, pl.Float64, nan_to_null=True),
        pl.Series("coast_bearing_deg", coast_bearing, nan_to_null=True),
        pl.Series("sun_elevation_deg", solar_elevation_deg(lat, lon, end_s)),
        pl.Series("origin_nm", origin_nm, nan_to_null=True),
        pl.Series("origin_country", _origin(geography, first, back, origin_nm), pl.String),
    )


def _origin(
    geography: RadarGeography,
    first: tuple[FloatArray, FloatArray],
    back: FloatArray,
    origin_nm: FloatArray,
) -> list[str | None]:
    """The country of the coast found behind each run (None: no coast, or no country lookup)."""
    if geography.coast_country is None:
        return [None] * len(back)
    lat, lon = destination_point(*first, np.nan_to_num(back), np.nan_to_num(origin_nm))
    named = list(geography.coast_country(lat, lon))
    return [name if np.isfinite(d) else None for name, d in zip(named, origin_nm, strict=True)]


def _zones_crossed(
    found: pl.DataFrame, runs: pl.DataFrame, zones: Sequence[tuple[str, Zone]]
) -> pl.DataFrame:
    """`found` with `zones`: the names of the zones any contact of the run lies in."""
    if not zones:
        return found.with_columns(pl.lit([], dtype=pl.List(pl.String)).alias("zones"))
    kept = runs.join(found.select("track_id", "run"), on=["track_id", "run"])
    lat, lon = kept["lat"].to_numpy(), kept["lon"].to_numpy()
    inside = kept.select("track_id", "run").with_columns(
        pl.Series(name, np.asarray(contains(lat, lon), np.bool_)) for name, contains in zones
    )
    names = [name for name, _ in zones]
    crossed = inside.group_by("track_id", "run").agg(pl.col(names).any()).select(
        "track_id", "run",
        pl.concat_list([pl.when(pl.col(n)).then(pl.lit(n)) for n in names])
        .list.drop_nulls().alias("zones"),
    )  # fmt: skip
    return found.join(crossed, on=["track_id", "run"], how="left")


def _scored(found: pl.DataFrame, geography: RadarGeography, params: RadarParams) -> pl.DataFrame:
    """`found` with the flags and terms of the score (module docstring), confidence, score."""
    span = max(params.fast_knots - params.slow_knots, 1e-9)
    speed = ((pl.col("median_speed_knots") - params.slow_knots) / span).clip(0.0, 1.0)
    landing = params.landing_hours * 60
    landfall = (1 - (pl.col("minutes_to_landfall") - landing) / (3 * landing)).clip(0.0, 1.0)
    foreign = pl.col("origin_country").is_not_null() & ~pl.col("origin_country").is_in(
        sorted(geography.home)
    )
    flagged = found.with_columns(
        speed.fill_null(0.0).alias("speed_term"),
        landfall.fill_null(0.0).alias("landfall_term"),
        (pl.col("sun_elevation_deg") < CIVIL_TWILIGHT_DEG).alias("night"),
        foreign.alias("foreign_origin"),
        pl.col("mmsi").is_not_null().alias("silenced"),
        (pl.col("zones").list.len() > 0).fill_null(False).alias("watched"),
    )
    score = (
        pl.lit(SCORE_BASE)
        + SCORE_SPEED * pl.col("speed_term")
        + SCORE_LANDFALL * pl.col("landfall_term")
        + SCORE_PERSISTENCE * (pl.col("duration_minutes") / PERSISTENCE_MINUTES).clip(0.0, 1.0)
        + pl.when("night").then(SCORE_NIGHT).otherwise(0.0)
        + pl.when("foreign_origin").then(SCORE_FOREIGN).otherwise(0.0)
        + pl.when("silenced").then(SCORE_SILENCED).otherwise(0.0)
        + pl.when("watched").then(SCORE_WATCHED).otherwise(0.0)
    )
    confidence = pl.when("silenced").then(CONFIDENCE_SILENCED).otherwise(CONFIDENCE_UNKNOWN)
    return flagged.with_columns(
        score.clip(upper_bound=1.0).round(3).alias("score"), confidence.alias("confidence")
    )


def _evidence(row: dict[str, Any]) -> str:
    """What was observed of one dark target, as JSON text."""
    return to_json(
        {
            "track_id": row["track_id"],
            "sensor_id": row["sensor_id"],
            "contacts": row["contacts"],
            "duration_minutes": rounded(row["duration_minutes"], 1),
            "extent_nm": rounded(row["extent_nm"], 2),
            "median_speed_knots": rounded(row["median_speed_knots"], 1),
            "course_deg": rounded(row["course_deg"], 0),
            "shore_nm": rounded(row["shore_nm"], 2),
            "coast_bearing_deg": rounded(row["coast_bearing_deg"], 0),
            "landfall_nm": rounded(row["landfall_nm"], 2),
            "minutes_to_landfall": rounded(row["minutes_to_landfall"], 1),
            "night": row["night"],
            "sun_elevation_deg": rounded(row["sun_elevation_deg"], 1),
            "origin_nm": rounded(row["origin_nm"], 1),
            "origin_country": row["origin_country"],
            "foreign_origin": row["foreign_origin"],
            "zones": list(row["zones"] or []),
            "ais_silenced": row["silenced"],
            "last_ais": iso(row["heard_until"]),
            "first": iso(row["start"]),
            "last": iso(row["end"]),
        }
    )


def _events(found: pl.DataFrame, params: RadarParams) -> pl.DataFrame:
    """The `dark_target` event frame of the scored runs."""
    if found.is_empty():
        return empty_events()
    evidence = [_evidence(row) for row in found.iter_rows(named=True)]
    subject = pl.struct(pl.lit("radar_track").alias("kind"), pl.col("track_id").alias("id"))
    vessel = pl.struct(pl.lit("vessel").alias("kind"), pl.col("mmsi").cast(pl.String).alias("id"))
    related = (
        pl.when(pl.col("mmsi").is_not_null())
        .then(pl.concat_list([vessel]))
        .otherwise(pl.lit([], dtype=pl.List(SUBJECT)))
    )
    rows = found.select(
        pl.coalesce("heard_until", "start").alias("start"), "end", "lat", "lon", "mmsi",
        pl.lit(None, dtype=pl.Int32).alias("other_mmsi"), "confidence", "score",
        pl.lit(params_json(params)).alias("params"), subject.alias("subject"),
        related.alias("related"), "track_id",
    )  # fmt: skip
    return build_events("dark_target", rows, ("track_id", "start"), evidence=evidence)


def dark_targets(
    tracks: pl.DataFrame,
    associations: pl.DataFrame,
    positions: pl.DataFrame,
    geography: RadarGeography,
    params: RadarParams | None = None,
) -> pl.DataFrame:
    """`dark_target` events (`EVENT_SCHEMA`): runs of radar contacts no AIS vessel explains.

    `tracks` (`RADAR_TRACK_SCHEMA`, from `build_tracks`), `associations` (`ASSOCIATION_SCHEMA`,
    from `associate`) and the AIS `positions` they were made from. Subject: the radar track;
    position: the run's last contact; start: the run's first contact, or the vessel's last
    matched contact for a vessel gone silent (then `mmsi` and `related` name her). The id depends
    on (track_id, start)."""
    params = params or RadarParams()
    tracks = tracks.drop_nulls(["track_id", "time", "lat", "lon"])
    if tracks.is_empty():
        return empty_events()
    explained = match_contacts(tracks, positions, params).select("track_id", "time").unique()
    runs = _runs(tracks, explained, params)
    found = _run_summaries(runs, params)
    if found.is_empty():
        return empty_events()
    found = _silenced(found, associations, positions, params)
    found = _placed(found, geography, params)
    found = _zones_crossed(found, runs, geography.zones)
    scored = _scored(found, geography, params)
    return _events(scored.filter(pl.col("score") >= params.min_score), params)
