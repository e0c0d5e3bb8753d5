"""Radar-AIS association: which AIS vessel, if any, each radar track is.

Each contact of a track is compared with every AIS vessel's position at the contact's time: the
vessel's fix before it carried forward, along the line to her next fix when that comes within
`max_interpolation_minutes`, else at her reported SOG and COG, for `max_dead_reckoning_minutes`
at most. A vessel matches the contact when that position is within the gate: the larger of
`match_km` (Skylight's 1.5 km detection-to-AIS distance) and `match_sigmas` times the contact's
position error, and when their speeds differ by `match_speed_knots` at most (a go-fast running
past a drifting ship, or leaving her side, is not her). A track is associated with the vessel
that matches the most of its contacts when she matches at least `min_match_share` of them, or,
for a vessel whose AIS stopped while the track went on (the AIS-silent dark target), of its
contacts up to her last position.

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
from balise.model.schema import UTC_TIME

GRID_SECONDS: Final = 60.0
"""Step of the grid of AIS states (s): a contact is at most 30 s from a grid time."""
_US: Final = 1_000_000
MATCH_SCHEMA: Final[dict[str, pl.DataType]] = {
    "track_id": pl.String(),
    "time": UTC_TIME,
    "mmsi": pl.Int32(),
    "distance_m": pl.Float64(),
}
"""A radar contact (track and time) within the gate of an AIS vessel, and their distance (m)."""


def _ragged(counts: IntArray) -> tuple[IntArray, IntArray]:
    """For counts (n0, n1, ...): the owner of each of their sum of items and its rank within."""
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(int(counts.sum())) - starts[owner]


def _ais_states(fixes: pl.DataFrame, params: RadarParams) -> pl.DataFrame:
    """Each vessel's position and velocity (m/s east, north) at the grid times that her fixes
    cover (`fixes` sorted by mmsi and time): grid index `g`, mmsi, lat, lon, ve, vn, and the
    speed she reported (`sog_knots`: the speed between two fixes seconds apart is noise)."""
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
    sog_knots = fixes["sog_knots"].fill_null(np.nan).to_numpy()
    speed = np.nan_to_num(sog_knots) * MPS_PER_KNOT
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
            "sog_knots": sog_knots[fix],
        }
    )


def _cells(
    lat: FloatArray, lon: FloatArray, cell_deg: tuple[float, float]
) -> tuple[IntArray, IntArray]:
    """The (row, column) of the hash cell of each position."""
    return (
        np.floor(lat / cell_deg[0]).astype(np.int64),
        np.floor(lon / cell_deg[1]).astype(np.int64),
    )


def _candidates(
    contacts: pl.DataFrame, states: pl.DataFrame, cell_deg: tuple[float, float]
) -> pl.DataFrame:
    """(contact row, mmsi, state) pairs of each contact and the AIS states of its minute in its
    own or a neighbouring cell: the contacts are copied to the 9 cells around theirs (they are
    fewer than the states of a day of AIS) and joined on one integer key."""
    row, col = _cells(states["lat"].to_numpy(), states["lon"].to_numpy(), cell_deg)
    c_row, c_col = _cells(contacts["lat"].to_numpy(), contacts["lon"].to_numpy(), cell_deg)
    low_row, low_col = min(row.min(), c_row.min()) - 1, min(col.min(), c_col.min()) - 1
    rows = max(row.max(), c_row.max()) - low_row + 2
    cols = max(col.max(), c_col.max()) - low_col + 2
    g0 = min(int(states["g"].min()), int(contacts["g"].min()))  # type: ignore[arg-type]

    def key(g: IntArray, r: IntArray, c: IntArray) -> IntArray:
        return np.asarray(((g - g0) * rows + (r - low_row)) * cols + (c - low_col), np.int64)

    keyed_states = states.select(
        pl.Series("key", key(states["g"].to_numpy(), row, col)),
        "mmsi", pl.col("lat").alias("ais_lat"), pl.col("lon").alias("ais_lon"), "ve", "vn",
        "sog_knots",
    )  # fmt: skip
    g = contacts["g"].to_numpy()
    spread = np.concatenate(
        [key(g, c_row + dy, c_col + dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    )
    keyed = pl.DataFrame({"key": spread, "row": np.tile(contacts["row"].to_numpy(), 9)})
    return keyed.join(keyed_states, on="key")


def match_contacts(
    tracks: pl.DataFrame, positions: pl.DataFrame, params: RadarParams | None = None
) -> pl.DataFrame:
    """One row per (contact, AIS vessel) within the gate: track_id, time, mmsi, distance_m (m,
    from the vessel's position carried to the contact's time). `tracks` and `positions` as for
    `associate`."""
    params = params or RadarParams()
    tracks = tracks.drop_nulls(["track_id", "time", "lat", "lon"])
    if tracks.is_empty() or positions.is_empty():
        return _no_matches()
    row, mmsi, km = _matched_rows(tracks, positions, params)
    return pl.DataFrame(
        {
            "track_id": tracks["track_id"].gather(row),
            "time": tracks["time"].gather(row),
            "mmsi": mmsi,
            "distance_m": km * 1000,
        },
        schema=MATCH_SCHEMA,
    )


def _matched_rows(
    tracks: pl.DataFrame, positions: pl.DataFrame, params: RadarParams
) -> tuple[IntArray, IntArray, FloatArray]:
    """The (contact row of `tracks`, mmsi, distance in km) of each contact and AIS vessel within
    the gate, sorted by row and mmsi (`tracks` without nulls, neither frame empty)."""
    none = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64))
    t = tracks["time"].dt.epoch("us").to_numpy() / _US
    margin = params.max_dead_reckoning_minutes * 60
    gate_km = np.maximum(
        params.match_km,
        params.match_sigmas * tracks["position_error_m"].fill_null(0.0).to_numpy() / 1000,
    )
    fixes = _nearby_fixes(tracks, positions, float(gate_km.max()), t.min() - margin, t.max())
    if fixes.is_empty():
        return none
    states = _ais_states(fixes, params)
    g = np.rint(t / GRID_SECONDS).astype(np.int64)
    lat_all, lon_all = tracks["lat"].to_numpy(), tracks["lon"].to_numpy()
    contacts = pl.DataFrame(
        {"row": np.arange(tracks.height), "g": g, "lat": lat_all, "lon": lon_all}
    )
    reach_km = float(gate_km.max()) + params.max_speed_knots * MPS_PER_KNOT * GRID_SECONDS / 2e3
    top = float(np.abs(lat_all).max())
    cell_deg = (
        reach_km / (M_PER_DEG / 1e3),
        reach_km / (M_PER_DEG / 1e3 * np.cos(np.radians(min(top, 85.0)))),
    )
    pairs = _candidates(contacts, states, cell_deg)
    row = pairs["row"].to_numpy()
    dt = (t - g * GRID_SECONDS)[row]
    state_lat = pairs["ais_lat"].to_numpy()
    ais_lat = state_lat + pairs["vn"].to_numpy() * dt / M_PER_DEG
    cos_lat = np.cos(np.radians(state_lat))
    ais_lon = pairs["ais_lon"].to_numpy() + pairs["ve"].to_numpy() * dt / (M_PER_DEG * cos_lat)
    km = haversine_km(lat_all[row], lon_all[row], ais_lat, ais_lon)
    ais_knots = pairs["sog_knots"].to_numpy()
    radar_knots = tracks["speed_knots"].fill_null(np.nan).to_numpy()[row]
    with np.errstate(invalid="ignore"):  # NaN: a speed unknown, which agrees
        too_fast = np.abs(radar_knots - ais_knots) > params.match_speed_knots
    inside = (km <= gate_km[row]) & ~too_fast
    # a vessel has one state per grid time, and a contact meets each state once: no duplicates
    row, mmsi, km = row[inside], pairs["mmsi"].to_numpy()[inside], km[inside]
    order = np.lexsort((mmsi, row))
    return row[order], np.asarray(mmsi[order], np.int64), km[order]


def _no_matches() -> pl.DataFrame:
    """No matches, with the columns of `match_contacts`."""
    return pl.DataFrame(schema=MATCH_SCHEMA)


def _nearby_fixes(
    tracks: pl.DataFrame, positions: pl.DataFrame, gate_km: float, t0: float, t1: float
) -> pl.DataFrame:
    """The AIS fixes of `positions` in the time span and box of the contacts (with margins),
    sorted by mmsi and time."""
    pad = gate_km / 100 + 0.5
    lat, lon = tracks["lat"].to_numpy(), tracks["lon"].to_numpy()
    when = pl.col("timestamp").dt.epoch("us") / _US
    box = pl.col("lat").is_between(float(lat.min()) - pad, float(lat.max()) + pad) & pl.col(
        "lon"
    ).is_between(float(lon.min()) - pad, float(lon.max()) + pad)
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
    row, mmsi, km = _matched_rows(tracks, positions, params)
    last_fix = positions.group_by(pl.col("mmsi").cast(pl.Int32)).agg(
        pl.col("timestamp").max().alias("last_ais")
    )
    # tracks are numbered in the order of their ids, so that grouping and sorting work on integers
    code = tracks["track_id"].rank("dense").cast(pl.Int64).to_numpy() - 1
    names = tracks["track_id"].unique().sort()
    matches = pl.DataFrame(
        {
            "code": code[row],
            "mmsi": pl.Series(mmsi, dtype=pl.Int32),
            "time": tracks["time"].gather(row),
            "distance_m": km * 1000,
        }
    )
    return _chosen(tracks, code, names, matches, last_fix, params)


def _with_counts(
    tracks: pl.DataFrame, code: IntArray, pairs: pl.DataFrame, reach_s: float
) -> pl.DataFrame:
    """`pairs` (code, mmsi, start, end, last_ais) with the track's `track_contacts`, its
    `contacts` in [start, end] and those `while_heard` (up to `reach_s` after `last_ais`); `code`
    is the track number of each contact of `tracks`.

    Counted by binary search in the track's contact times (whole seconds), keyed by track number:
    joining each pair to every contact of its track would cost pairs x contacts."""
    seconds = tracks.select(pl.col("time").dt.epoch("s")).to_series().to_numpy()
    t0 = int(seconds.min())
    span = int(seconds.max()) - t0 + 3 + int(reach_s)
    keys = np.sort(code * span + (seconds - t0))
    coded = pairs
    base = coded["code"].to_numpy() * span

    def at_most(expr: pl.Expr) -> IntArray:
        offset = np.clip(coded.select(expr.dt.epoch("s") - t0).to_series().fill_null(span - 1)
                         .to_numpy(), -1, span - 1)  # fmt: skip
        return np.asarray(np.searchsorted(keys, base + offset, side="right"), np.int64)

    first = np.searchsorted(keys, base, side="left")
    start_s = coded.select(pl.col("start").dt.epoch("s") - t0).to_series().to_numpy()
    before_start = np.searchsorted(keys, base + start_s, side="left")
    heard = at_most(pl.col("last_ais") + pl.duration(seconds=reach_s))
    return coded.with_columns(
        pl.Series("track_contacts", at_most(pl.lit(None, pl.Datetime("us", "UTC"))) - first),
        pl.Series("contacts", at_most(pl.col("end")) - before_start),
        pl.Series("while_heard", heard - first),
    )


def _chosen(
    tracks: pl.DataFrame,
    code: IntArray,
    names: pl.Series,
    matches: pl.DataFrame,
    last_fix: pl.DataFrame,
    params: RadarParams,
) -> pl.DataFrame:
    """The best vessel of each track among those that match enough of its contacts (`matches`:
    code, mmsi, time, distance_m; `names` the track id of each code)."""
    per_pair = (
        matches.group_by("code", "mmsi")
        .agg(
            pl.len().alias("matched"),
            pl.col("time").min().alias("start"),
            pl.col("time").max().alias("end"),
            pl.col("distance_m").median().alias("median_distance_m"),
        )
        .join(last_fix, on="mmsi", how="left")
    )
    counted = _with_counts(tracks, code, per_pair, params.max_dead_reckoning_minutes * 60)
    share = pl.col("matched") / pl.col("track_contacts")
    heard_share = pl.col("matched") / pl.col("while_heard")
    enough = (pl.col("matched") >= params.min_matched_contacts) & (
        (share >= params.min_match_share) | (heard_share >= params.min_match_share)
    )
    best = (
        counted.filter(enough)
        .sort("code", "matched", "mmsi", descending=[False, True, False])
        .unique("code", keep="first", maintain_order=True)
    )
    best = best.with_columns(names.gather(best["code"]).alias("track_id"))
    return best.select([pl.col(c).cast(t) for c, t in ASSOCIATION_SCHEMA.items()]).sort("track_id")
