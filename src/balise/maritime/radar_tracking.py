"""Radar tracking: contacts without a track id become tracks, per sensor.

Each sensor's contacts are taken scan by scan (`RadarParams.scan_seconds`). Every live track of
the sensor is predicted to each contact's time with a constant-velocity Kalman filter; a contact
can join a track when its squared Mahalanobis distance to the prediction is within the chi-square
gate; tracks and contacts are paired by global nearest neighbour (mutual best pairs first, then
the next best, until none is left in the gate); a contact left over starts a tentative track.
A tentative track is confirmed at its M-th contact and dropped (as clutter) when N revisits
of its sensor pass from its first contact without it; any track ends after a gap. Only confirmed
tracks are returned.

The filter works in metres on a local plane around the sensor's contacts (equirectangular: a
coastal radar sees 50 nm at most, where the plane is exact to a few metres). The model and the
noise are isotropic, so the covariance of the x axis and of the y axis are equal and independent:
one 2 x 2 matrix (position, velocity) per track serves both, which keeps the filter a handful of
array operations per scan. A contact is compared only with the live tracks of its own sensor
(candidate pairs, not a tracks x contacts matrix), so a scan costs what its sensors see, not the
product of every sensor's tracks and contacts. Why not Stone Soup, and the choices:
docs/decisions/0011-radar-tracking.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from balise.maritime.radar_params import RadarParams
from balise.model.arrays import FloatArray, IntArray
from balise.model.coastal import RADAR_TRACK_SCHEMA

M_PER_DEG: Final = 111_195.0
"""Metres per degree of latitude on the mean earth sphere (and of longitude at the equator)."""
MPS_PER_KNOT: Final = 1852.0 / 3600.0
_OUT: Final = ("time", "lat", "lon", "speed_knots", "course_deg", "sensor_id", "position_error_m")


_FLOATS: Final = ("x", "y", "vx", "vy", "pxx", "pxv", "pvv", "first_s", "last_s")
_INTS: Final = ("sensor", "hits")
_DENSE_CELLS: Final = 2048
"""Up to this many tracks x contacts a scan is paired on the whole cost matrix, which is then
faster than the candidate pairs (both give the same pairs)."""


class _Tracks:
    """Every track started, as arrays (one entry per track, room for one per contact): its
    sensor, the filter state and covariance (`pxx`, `pxv`, `pvv`: the per-axis 2 x 2
    covariance), its first contact and last update, contacts (`hits`) and whether it is
    confirmed."""

    def __init__(self, capacity: int) -> None:
        self.count = 0
        for name in _FLOATS:
            setattr(self, name, np.zeros(capacity))
        for name in _INTS:
            setattr(self, name, np.zeros(capacity, np.int64))
        self.confirmed = np.zeros(capacity, np.bool_)

    sensor: IntArray
    x: FloatArray
    y: FloatArray
    vx: FloatArray
    vy: FloatArray
    pxx: FloatArray
    pxv: FloatArray
    pvv: FloatArray
    first_s: FloatArray
    last_s: FloatArray
    hits: IntArray

    def start(self, c: _Contacts, rows: IntArray, confirm_at: int) -> IntArray:
        """New tentative tracks at contacts `rows`, moving at the speed and course they report;
        their numbers."""
        new = np.arange(self.count, self.count + rows.size)
        self.count += rows.size
        for name, value in (
            ("sensor", c.sensor), ("x", c.x), ("y", c.y), ("vx", c.vx), ("vy", c.vy),
            ("pxx", c.var_m2), ("pvv", c.velocity_var), ("first_s", c.t_s),
            ("last_s", c.t_s),
        ):  # fmt: skip
            getattr(self, name)[new] = value[rows]
        self.hits[new] = 1
        self.confirmed[new] = confirm_at <= 1
        return new


@dataclass(frozen=True)
class _Contacts:
    """Contacts in time order: sensor code, seconds, metres east and north of their sensor's
    median contact, the velocity they report (m/s), position and velocity variances."""

    sensor: IntArray
    t_s: FloatArray
    x: FloatArray
    y: FloatArray
    vx: FloatArray
    vy: FloatArray
    var_m2: FloatArray
    velocity_var: FloatArray


def _prepared(frame: pl.DataFrame, params: RadarParams) -> _Contacts:
    """`frame` (sorted by time, `sensor` a code per sensor) as arrays, in metres on the plane
    of each sensor."""
    centre = pl.col("lat", "lon").median().over("sensor")
    ref = frame.select(centre.name.prefix("ref_"))
    lat, lon = frame["lat"].to_numpy(), frame["lon"].to_numpy()
    lat0, lon0 = ref["ref_lat"].to_numpy(), ref["ref_lon"].to_numpy()
    course = np.radians(frame["course_deg"].fill_null(np.nan).to_numpy())
    speed = frame["speed_knots"].fill_null(np.nan).to_numpy() * MPS_PER_KNOT
    known = np.isfinite(course) & np.isfinite(speed)
    error = frame["position_error_m"].fill_null(0.0).to_numpy()
    sigma_knots = np.where(known, params.initial_speed_sigma_knots, params.max_speed_knots / 2)
    return _Contacts(
        sensor=frame["sensor"].to_numpy().astype(np.int64),
        t_s=frame["time"].dt.epoch("us").to_numpy() / 1e6,
        x=((lon - lon0 + 180.0) % 360.0 - 180.0) * M_PER_DEG * np.cos(np.radians(lat0)),
        y=(lat - lat0) * M_PER_DEG,
        vx=np.where(known, speed * np.sin(course), 0.0),
        vy=np.where(known, speed * np.cos(course), 0.0),
        var_m2=np.maximum(error, params.min_position_error_m) ** 2,
        velocity_var=(sigma_knots * MPS_PER_KNOT) ** 2,
    )


def _heads(sorted_keys: IntArray) -> npt.NDArray[np.bool_]:
    """Whether each item of `sorted_keys` is the first of its run."""
    head = np.empty(sorted_keys.size, np.bool_)
    head[:1] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=head[1:])
    return head


def _pairs(row: IntArray, col: IntArray, cost: FloatArray, rows: int) -> tuple[IntArray, IntArray]:
    """Global-nearest-neighbour pairs (track rows, contact columns) among the candidate pairs
    (`row`, `col`) within the gate, of cost `cost`, `rows` tracks: mutual best pairs are taken
    (ties to the lower row or column, as `argmin` of a cost matrix would), their rows and columns
    closed, and again."""
    taken_rows: list[IntArray] = []
    taken_cols: list[IntArray] = []
    best_of_row = np.full(rows, -1, np.int64)
    while row.size:
        by_col = np.lexsort((row, cost, col))
        head = _heads(col[by_col])
        col_best_row, cols = row[by_col][head], col[by_col][head]
        by_row = np.lexsort((col, cost, row))
        head = _heads(row[by_row])
        best_of_row[row[by_row][head]] = col[by_row][head]
        mutual = best_of_row[col_best_row] == cols
        best_of_row[:] = -1
        if not mutual.any():
            break
        new_rows, new_cols = col_best_row[mutual], cols[mutual]
        taken_rows.append(new_rows)
        taken_cols.append(new_cols)
        closed_row = np.zeros(rows, np.bool_)
        closed_row[new_rows] = True
        closed_col = np.zeros(int(col.max()) + 1, np.bool_)
        closed_col[new_cols] = True
        open_ = ~(closed_row[row] | closed_col[col])
        row, col, cost = row[open_], col[open_], cost[open_]
    if not taken_rows:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(taken_rows), np.concatenate(taken_cols)


def _predicted_var(tracks: _Tracks, which: IntArray, dt: FloatArray, q: float) -> FloatArray:
    """Position variance per axis of tracks `which` predicted `dt` seconds ahead (m²)."""
    pxx, pxv, pvv = tracks.pxx[which], tracks.pxv[which], tracks.pvv[which]
    return np.asarray(pxx + 2 * dt * pxv + dt * dt * pvv + q * dt**3 / 3, np.float64)


def _gated(
    tracks: _Tracks, live: IntArray, c: _Contacts, rows: IntArray, p: RadarParams
) -> tuple[IntArray, IntArray, FloatArray]:
    """The (live track, contact column) pairs of the same sensor whose squared Mahalanobis
    distance (of the contact of `rows` to the track's prediction) is within the gate, and that
    distance. Only tracks of a contact's own sensor are compared with it."""
    sensor = tracks.sensor[live]
    by_sensor = np.argsort(sensor, kind="stable")
    ordered = sensor[by_sensor]
    contact_sensor = c.sensor[rows]
    low = np.searchsorted(ordered, contact_sensor, side="left")
    counts = np.searchsorted(ordered, contact_sensor, side="right") - low
    col = np.repeat(np.arange(rows.size), counts)
    rank = np.arange(col.size) - (np.cumsum(counts) - counts)[col]
    row = by_sensor[low[col] + rank]
    which, at = live[row], rows[col]
    dt = c.t_s[at] - tracks.last_s[which]
    dx = c.x[at] - (tracks.x[which] + tracks.vx[which] * dt)
    dy = c.y[at] - (tracks.y[which] + tracks.vy[which] * dt)
    variance = _predicted_var(tracks, which, dt, p.process_noise) + c.var_m2[at]
    d2 = (dx * dx + dy * dy) / variance
    inside = d2 <= p.gate_chi2
    return row[inside], col[inside], d2[inside]


def _dense_pairs(cost: FloatArray) -> tuple[IntArray, IntArray]:
    """`_pairs` of a whole cost matrix (for a small scan) with `inf`
    outside the gate: mutual best pairs are taken, their rows and columns closed, and again."""
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    column = np.arange(cost.shape[1])
    while True:
        best_row = np.argmin(cost, axis=0)
        best_col = np.argmin(cost, axis=1)
        mutual = (best_col[best_row] == column) & np.isfinite(cost[best_row, column])
        if not mutual.any():
            break
        rows.append(best_row[mutual])
        cols.append(column[mutual])
        cost[best_row[mutual], :] = np.inf
        cost[:, column[mutual]] = np.inf
    if not rows:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(rows), np.concatenate(cols)


def _gated_cost(
    tracks: _Tracks, live: IntArray, c: _Contacts, rows: IntArray, p: RadarParams
) -> FloatArray:
    """Squared Mahalanobis distance of each contact of `rows` (columns) to each live track's
    prediction (rows); `inf` outside the gate or for a track of another sensor."""
    which = live[:, None]
    dt = c.t_s[rows][None, :] - tracks.last_s[which]
    dx = c.x[rows][None, :] - (tracks.x[which] + tracks.vx[which] * dt)
    dy = c.y[rows][None, :] - (tracks.y[which] + tracks.vy[which] * dt)
    variance = _predicted_var(tracks, which, dt, p.process_noise) + c.var_m2[rows][None, :]
    d2 = (dx * dx + dy * dy) / variance
    inside = (d2 <= p.gate_chi2) & (tracks.sensor[which] == c.sensor[rows][None, :])
    return np.where(inside, d2, np.inf)


def _update(tracks: _Tracks, which: IntArray, c: _Contacts, rows: IntArray, q: float) -> None:
    """Predict tracks `which` to contacts `rows` and update them with those positions (the
    Kalman update of each axis, which share their gains)."""
    dt = c.t_s[rows] - tracks.last_s[which]
    pxx = _predicted_var(tracks, which, dt, q)
    pxv = tracks.pxv[which] + dt * tracks.pvv[which] + q * dt * dt / 2
    pvv = tracks.pvv[which] + q * dt
    innovation_var = pxx + c.var_m2[rows]
    gain_x, gain_v = pxx / innovation_var, pxv / innovation_var
    residual_x = c.x[rows] - (tracks.x[which] + tracks.vx[which] * dt)
    residual_y = c.y[rows] - (tracks.y[which] + tracks.vy[which] * dt)
    tracks.x[which] = c.x[rows] - (1 - gain_x) * residual_x
    tracks.y[which] = c.y[rows] - (1 - gain_x) * residual_y
    tracks.vx[which] += gain_v * residual_x
    tracks.vy[which] += gain_v * residual_y
    tracks.pxx[which] = (1 - gain_x) * pxx
    tracks.pxv[which] = (1 - gain_x) * pxv
    tracks.pvv[which] = pvv - gain_v * pxv
    tracks.last_s[which] = c.t_s[rows]
    tracks.hits[which] += 1


def _batches(c: _Contacts, scan_seconds: float) -> IntArray:
    """Boundaries (first row of each batch, then the end) of the time batches of contacts."""
    batch = np.floor((c.t_s - c.t_s[0]) / max(scan_seconds, 1e-6)).astype(np.int64)
    return np.flatnonzero(np.diff(batch, prepend=-1, append=batch[-1] + 1))


def _track_all(c: _Contacts, params: RadarParams) -> tuple[IntArray, IntArray]:
    """The track of each contact (-1: none, or a track never confirmed) and the contact that
    started each track."""
    tracks = _Tracks(len(c.t_s))
    owner = np.full(len(c.t_s), -1, np.int64)
    live = np.empty(0, np.int64)
    confirm_window_s = params.confirm_scans * params.revisit_seconds
    bounds = _batches(c, params.scan_seconds)
    for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        rows = np.arange(start, end)
        free = np.ones(rows.size, np.bool_)
        if live.size:
            if live.size * rows.size <= _DENSE_CELLS:
                t_rows, t_cols = _dense_pairs(_gated_cost(tracks, live, c, rows, params))
            else:
                t_rows, t_cols = _pairs(*_gated(tracks, live, c, rows, params), live.size)
            taken, taken_rows = live[t_rows], rows[t_cols]
            _update(tracks, taken, c, taken_rows, params.process_noise)
            owner[taken_rows] = taken
            free[t_cols] = False
            tracks.confirmed[taken] |= tracks.hits[taken] >= params.confirm_contacts
        new_rows = rows[free]
        owner[new_rows] = tracks.start(c, new_rows, params.confirm_contacts)
        live = np.concatenate([live, owner[new_rows]])
        now = c.t_s[end - 1]
        recent = now - tracks.last_s[live] <= params.max_gap_minutes * 60
        young = now - tracks.first_s[live] <= confirm_window_s
        live = live[recent & (tracks.confirmed[live] | young)]
    first = _first_rows(owner, tracks.count)
    kept = owner >= 0
    owner[kept] = np.where(tracks.confirmed[owner[kept]], owner[kept], -1)
    return owner, first


def _first_rows(owner: IntArray, count: int) -> IntArray:
    """The first contact of each of `count` tracks (tracks are numbered as they start)."""
    first = np.full(count, len(owner), np.int64)
    np.minimum.at(first, owner[owner >= 0], np.flatnonzero(owner >= 0))
    return first


def _track_ids(frame: pl.DataFrame, owner: IntArray, first: IntArray) -> pl.Series:
    """`<sensor>-<UTC time of the first contact>-<n>` for each contact (null when it has no
    confirmed track), n counting the tracks of the sensor started at that second: the same
    contacts give the same ids, and later data leaves them alone."""
    starts = frame.select(
        pl.col("sensor_id").gather(first),
        pl.col("time").gather(first).dt.strftime("%Y%m%dT%H%M%SZ").alias("at"),
    ).with_columns(pl.int_range(pl.len()).over("sensor_id", "at").alias("n"))
    names = starts.select(pl.concat_str("sensor_id", "at", "n", separator="-")).to_series()
    kept = owner >= 0
    ids = pl.Series("track_id", [None] * len(owner), dtype=pl.String)
    if kept.any():
        ids = ids.scatter(np.flatnonzero(kept), names.gather(owner[kept]))
    return ids


def build_tracks(contacts: pl.DataFrame, params: RadarParams | None = None) -> pl.DataFrame:
    """Radar tracks (`RADAR_TRACK_SCHEMA`, sorted by track and time) of `contacts`
    (`RADAR_CONTACT_SCHEMA`; `track_id` optional).

    Contacts that carry a `track_id` (the sensor's own tracker) keep it; the others are tracked
    per sensor and kept when their track is confirmed (the rest is clutter, or a craft seen too
    seldom to follow). Contacts without time, position or sensor are left out."""
    params = params or RadarParams()
    if "track_id" not in contacts.columns:
        contacts = contacts.with_columns(pl.lit(None, pl.String).alias("track_id"))
    located = contacts.drop_nulls(["time", "lat", "lon", "sensor_id"])
    own = located.filter(pl.col("track_id").is_not_null()).select(*_OUT, "track_id")
    loose = located.filter(pl.col("track_id").is_null()).select(_OUT)
    frames = [own]
    if loose.height:
        loose = loose.sort("time", "sensor_id", "lat", "lon").with_columns(
            pl.col("sensor_id").rank("dense").alias("sensor")
        )
        owner, first = _track_all(_prepared(loose, params), params)
        built = loose.select(_OUT).with_columns(_track_ids(loose, owner, first))
        frames.append(built.filter(pl.col("track_id").is_not_null()))
    tracks = pl.concat(frames, how="vertical_relaxed")
    return tracks.select([pl.col(c).cast(t) for c, t in RADAR_TRACK_SCHEMA.items()]).sort(
        "track_id", "time"
    )
