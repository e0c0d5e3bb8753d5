"""Radar-AIS association: which AIS vessel, if any, each radar track is.

Each contact of a track is compared with every AIS vessel's position at the contact's time: the
vessel's fix before it carried forward, along the line to her next fix when that comes within
`max_interpolation_minutes`, else at her reported SOG and COG, for `max_dead_reckoning_minutes`
at most. A vessel matches the contact when that position is within the gate: the larger of
`match_km` (Skylight's 1.5 km detection-to-AIS distance) and `match_sigmas` times the contact's
position error. A track is associated with the vessel that matches the most of its contacts when
she matches at least `min_match_share` of them, or, for a vessel whose AIS stopped while the
track went on (the AIS-silent dark target), of its contacts up to her last position.

Speed: AIS states are computed once on a one-minute grid (the fix before each grid time carried
to it), hashed to (minute, cell) with cells wider than the largest gate, and copied to the eight
neighbouring cells; a contact then looks up its own minute and cell in one hash join and carries
the few states found by the seconds between the grid time and its own. The cost grows with the
contacts and the AIS fixes, not with their product.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl

from balise.geo.sphere import haversine_km
from balise.maritime.radar_params import RadarParams
from balise.maritime.radar_tracking import M_PER_DEG, MPS_PER_KNOT
from balise.model.arrays import FloatArray, IntArray
from balise.model.coastal import ASSOCIATION_SCHEMA

GRID_SECONDS: Final = 60.0
"""Step of the grid of AIS states (s): a contact is at most 30 s from a grid time."""
_US: Final = 1_000_000


def _ragged(counts: IntArray) -> tuple[IntArray, IntArray]:
    """For counts (n0, n1, ...): the owner of each of their sum of items and its rank within."""
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(int(counts.sum())) - starts[owner]


def _ais_states(fixes: pl.DataFrame, params: RadarParams) -> pl.DataFrame:
    """Each vessel's position and velocity (m/s east, north) at the grid times that her fixes
    cover (`fixes` sorted by mmsi and time): grid index `g`, mmsi, lat, lon, ve, vn."""
    mmsi = fixes["mmsi"].to_numpy()
    t = fixes["timestamp"].dt.epoch("us").to_numpy() / _US
    lat, lon = fixes["lat"].to_numpy(), fixes["lon"].to_numpy()
    same = np.r_[mmsi[1:] == mmsi[:-1], False]
    t_next = np.r_[t[1:], np.inf]
    gap = np.where(same, t_next - t, np.inf)
    joined = gap <= params.max_interpolation_minutes * 60
    reach = np.minimum(np.where(joined, gap, np.inf), params.max_dead_reckoning_minutes * 60)
    reach = np.where(same, np.minimum(reach, gap), reach)
    first_g = np.ceil(t / GRID_SECONDS).astype(np.int64)
    last_g = np.ceil((t + reach) / GRID_SECONDS).astype(np.int64)
    fix, rank = _ragged(np.maximum(last_g - first_g, 0))
    g = first_g[fix] + rank
    course = np.radians(fixes["cog_deg"].fill_null(0.0).to_numpy())
    speed = fixes["sog_knots"].fill_null(0.0).to_numpy() * MPS_PER_KNOT
    scale = M_PER_DEG * np.cos(np.radians(lat))
    nxt = np.minimum(np.arange(len(t)) + 1, len(t) - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ve = np.where(joined, (lon[nxt] - lon) * scale / gap, speed * np.sin(course))
        vn = np.where(joined, (lat[nxt] - lat) * M_PER_DEG / gap, speed * np.cos(course))
    dt = g * GRID_SECONDS - t[fix]
    return pl.DataFrame(
        {
            "g": g,
            "mmsi": mmsi[fix],
            "lat": lat[fix] + vn[fix] * dt / M_PER_DEG,
            "lon": lon[fix] + ve[fix] * dt / scale[fix],
            "ve": ve[fix],
            "vn": vn[fix],
        }
    )


def _cells(lat: FloatArray, lon: FloatArray, cell_deg: tuple[float, float]) -> tuple[IntArray, IntArray]:
    """The (row, column) of the hash cell of each position."""
    return (
        np.floor(lat / cell_deg[0]).astype(np.int64),
        np.floor(lon / cell_deg[1]).astype(np.int64),
    )


def _candidates(
    contacts: pl.DataFrame, states: pl.DataFrame, cell_deg: tuple[float, float]
) -> pl.DataFrame:
    """(contact row, mmsi, state) pairs of each contact and the AIS states of its minute in its
    own or a neighbouring cell."""
    row, col = _cells(states["lat"].to_numpy(), states["lon"].to_numpy(), cell_deg)
    spread = [
        states.with_columns(pl.Series("cy", row + dy), pl.Series("cx", col + dx))
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
    ]
    c_row, c_col = _cells(contacts["lat"].to_numpy(), contacts["lon"].to_numpy(), cell_deg)
    keyed = contacts.with_columns(pl.Series("cy", c_row), pl.Series("cx", c_col))
    return keyed.join(
        pl.concat(spread).rename({"lat": "ais_lat", "lon": "ais_lon"}), on=["g", "cy", "cx"]
    )


def _matches(tracks: pl.DataFrame, positions: pl.DataFrame, params: RadarParams) -> pl.DataFrame:
    """One row per (contact, vessel) within the gate: track_id, time, mmsi, distance_m."""
    t = tracks["time"].dt.epoch("us").to_numpy() / _US
    margin = params.max_dead_reckoning_minutes * 60
    gate_km = np.maximum(
        params.match_km,
        params.match_sigmas * tracks["position_error_m"].fill_null(0.0).to_numpy() / 1000,
    )
    fixes = _nearby_fixes(tracks, positions, float(gate_km.max()), t.min() - margin, t.max())
    if fixes.is_empty():
        return pl.DataFrame(schema={"track_id": pl.String, "time": tracks["time"].dtype,
                                    "mmsi": pl.Int32, "distance_m": pl.Float64})  # fmt: skip
    states = _ais_states(fixes, params)
    g = np.rint(t / GRID_SECONDS).astype(np.int64)
    contacts = tracks.select("track_id", "time", "lat", "lon").with_columns(
        pl.Series("g", g), pl.Series("dt", t - g * GRID_SECONDS), pl.Series("gate_km", gate_km)
    )
    reach_km = float(gate_km.max()) + params.max_speed_knots * MPS_PER_KNOT * GRID_SECONDS / 2e3
    top = float(np.abs(tracks["lat"].to_numpy()).max())
    cell_deg = (reach_km / (M_PER_DEG / 1e3), reach_km / (M_PER_DEG / 1e3 * np.cos(np.radians(min(top, 85.0)))))
    pairs = _candidates(contacts, states, cell_deg)
    cos_lat = np.cos(np.radians(pairs["ais_lat"].to_numpy()))
    dt = pairs["dt"].to_numpy()
    ais_lat = pairs["ais_lat"].to_numpy() + pairs["vn"].to_numpy() * dt / M_PER_DEG
    ais_lon = pairs["ais_lon"].to_numpy() + pairs["ve"].to_numpy() * dt / (M_PER_DEG * cos_lat)
    km = haversine_km(pairs["lat"].to_numpy(), pairs["lon"].to_numpy(), ais_lat, ais_lon)
    return (
        pairs.select("track_id", "time", pl.col("mmsi").cast(pl.Int32))
        .with_columns(pl.Series("distance_m", km * 1000))
        .filter(pl.Series(km <= pairs["gate_km"].to_numpy()))
        .unique(["track_id", "time", "mmsi"])
    )


def _nearby_fixes(
    tracks: pl.DataFrame, positions: pl.DataFrame, gate_km: float, t0: float, t1: float
) -> pl.DataFrame:
    """The AIS fixes of `positions` in the time span and box of the contacts (with margins),
    sorted by mmsi and time."""
    pad = gate_km / 100 + 0.5
    lat, lon = tracks["lat"], tracks["lon"]
    when = pl.col("timestamp").dt.epoch("us") / _US
    box = pl.col("lat").is_between(lat.min() - pad, lat.max() + pad) & pl.col("lon").is_between(  # type: ignore[operator]
        lon.min() - pad, lon.max() + pad  # type: ignore[operator]
    )
    return (
        positions.select("mmsi", "timestamp", "lat", "lon", "sog_knots", "cog_deg")
        .drop_nulls(["mmsi", "timestamp", "lat", "lon"])
        .filter(when.is_between(t0, t1) & box)
        .sort("mmsi", "timestamp")
    )


def associate(
    tracks: pl.DataFrame, positions: pl.DataFrame, params: RadarParams | None = None
) -> pl.DataFrame:
    """The AIS vessel of each radar track that has one (`ASSOCIATION_SCHEMA`, sorted by track).

    `tracks` has the `RADAR_TRACK_SCHEMA` columns (`build_tracks`), `positions` the AIS
    `POSITION_SCHEMA` columns (mmsi, timestamp, lat, lon, sog_knots, cog_deg are read). `start`
    and `end` are the first and last contacts the vessel matched; `contacts` counts the track's
    contacts between them."""
    params = params or RadarParams()
    tracks = tracks.drop_nulls(["track_id", "time", "lat", "lon"])
    if tracks.is_empty() or positions.is_empty():
        return pl.DataFrame(schema=ASSOCIATION_SCHEMA)
    matches = _matches(tracks, positions, params)
    last_fix = positions.group_by(pl.col("mmsi").cast(pl.Int32)).agg(
        pl.col("timestamp").max().alias("last_ais")
    )
    return _chosen(tracks, matches, last_fix, params)


def _chosen(
    tracks: pl.DataFrame, matches: pl.DataFrame, last_fix: pl.DataFrame, params: RadarParams
) -> pl.DataFrame:
    """The best vessel of each track among those that match enough of its contacts."""
    reach = pl.duration(seconds=params.max_dead_reckoning_minutes * 60)
    per_pair = (
        matches.group_by("track_id", "mmsi")
        .agg(
            pl.len().alias("matched"),
            pl.col("time").min().alias("start"),
            pl.col("time").max().alias("end"),
            pl.col("distance_m").median().alias("median_distance_m"),
        )
        .join(last_fix, on="mmsi", how="left")
    )
    times = tracks.select("track_id", "time")
    counted = (
        per_pair.join(times, on="track_id")
        .group_by("track_id", "mmsi")
        .agg(
            pl.col("matched", "start", "end", "median_distance_m", "last_ais").first(),
            pl.len().alias("track_contacts"),
            (pl.col("time") <= pl.col("last_ais") + reach).sum().alias("while_heard"),
            pl.col("time").is_between(pl.col("start"), pl.col("end")).sum().alias("contacts"),
        )
    )
    share = pl.col("matched") / pl.col("track_contacts")
    heard_share = pl.col("matched") / pl.col("while_heard")
    enough = (pl.col("matched") >= params.min_matched_contacts) & (
        (share >= params.min_match_share) | (heard_share >= params.min_match_share)
    )
    best = (
        counted.filter(enough)
        .sort("track_id", "matched", "mmsi", descending=[False, True, False])
        .unique("track_id", keep="first", maintain_order=True)
    )
    return best.select([pl.col(c).cast(t) for c, t in ASSOCIATION_SCHEMA.items()]).sort("track_id")
