"""What every behaviour detector is built from: tracks in order, measures, and the event frame.

The detectors (gaps, loitering, encounters, port visits, coastal drops, zone entries,
destination, identity and spoofing) read positions the same way and emit the same record, so
that is written once here rather than borrowed from one detector by the others:

- tracks: `sorted_tracks` puts located positions in track and time order under the `TRACK` key
  (the segment, else the MMSI), and `positions_of` picks a few vessels out of millions of rows;
- measures: `haversine_km_expr` (great-circle distance as a Polars expression, the same formula
  as `balise.geo.sphere.haversine_km` on NumPy arrays) and `hours_between`;
- evidence values: `rounded`, `iso`;
- the event record (`docs/architecture.md`): `build_events` turns a detector's rows into an
  `EVENT_SCHEMA` frame with stable ids, and `params_json` writes the thresholds in force as the
  events' `params` text (the key-sorted compact JSON of `balise.model.events.to_json`).

Geography reaches detectors as functions (`ShoreDistance`, `AnchorageDistance`) so they stay
pure: the engine injects the real ones, tests small ones.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import asdict
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import polars as pl

from balise.geo.sphere import EARTH_RADIUS_KM
from balise.maritime.segment import SEGMENT_CODE, in_vessel_order
from balise.model.arrays import FloatArray, IntArray
from balise.model.events import EVENT_SCHEMA, as_events, empty_events, event_id_expr, to_json
from balise.model.schema import conform
from balise.model.scoring import iso as iso  # the rules import them here
from balise.model.scoring import rounded as rounded

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

ShoreDistance = Callable[[FloatArray, FloatArray], FloatArray]
"""(lat, lon) in degrees → distance to the nearest shore in nautical miles, element-wise.

Detectors take it as an optional argument; `None` means the distance to shore is unknown, and
then no event is filtered on it (the evidence carries a null distance instead)."""
AnchorageDistance = Callable[[FloatArray, FloatArray], FloatArray]
"""(lat, lon) in degrees → distance to the nearest port anchorage in km, element-wise.

`None` where a detector takes one means the anchorages are unknown: no event is dropped for
being near one."""

US_PER_HOUR: Final = 3_600_000_000
"""Microseconds in an hour: timestamps are `Datetime("us", "UTC")`."""
TRACK: Final = "_track"
"""The column holding the track key while detecting (segment id, else the MMSI as text)."""

EVENT_ORDER: Final = ("start", "mmsi", "other_mmsi", "id")
"""The order of a detector's events by default: by time, then vessels, then id (nulls last)."""
VESSEL_ORDER: Final = ("mmsi", "start", "id")
"""The order of the identity and spoofing events: by vessel, then time, then id."""

_MAX_PIECES: Final = 256
"""Beyond this many moved and unmoved stretches, `_moved` gathers the whole frame at once."""
_SHARED_SORTS: Final = 2
"""Frames whose `sorted_tracks` are kept while they live (see `sorted_tracks`)."""


class _SharedSort:
    """The `sorted_tracks` of one live frame, computed or being computed (`answer`), dropped
    as soon as the frame is gone."""

    def __init__(self, positions: pl.DataFrame) -> None:
        self.frame = weakref.ref(positions, self._forget)
        self.shape = _shape(positions)
        self.answer: Future[pl.DataFrame] | None = Future()

    def _forget(self, _: object) -> None:
        self.answer = None  # an attribute set: no lock needed, even from the collector

    def of(self, positions: pl.DataFrame) -> Future[pl.DataFrame] | None:
        """The answer when it is that of `positions` as they are now."""
        if self.frame() is positions and self.shape == _shape(positions):
            return self.answer
        return None


_shared_sorts: list[_SharedSort] = []
_shared_lock = threading.Lock()


def _shape(positions: pl.DataFrame) -> tuple[int, tuple[str, ...]]:
    return positions.height, tuple(positions.columns)


def sorted_tracks(positions: pl.DataFrame) -> pl.DataFrame:
    """`TRACK`, mmsi, timestamp, lat, lon of the located rows, sorted by track then time.

    Computed once per frame while it lives: the engine's detectors (loitering, encounters) ask
    for the tracks of the same frame side by side, and the second waits for the first's answer
    rather than ordering millions of rows again (the answer is dropped with the frame; a frame
    changed in place, rows or columns, is ordered afresh). See `_sorted_tracks` for the rest."""
    with _shared_lock:
        _shared_sorts[:] = [s for s in _shared_sorts if s.answer is not None]
        answer = next((a for s in _shared_sorts if (a := s.of(positions)) is not None), None)
        if answer is not None:
            mine = False
        else:
            shared = _SharedSort(positions)
            answer, mine = shared.answer, True
            assert answer is not None
            answer.set_running_or_notify_cancel()
            _shared_sorts.append(shared)
            del _shared_sorts[:-_SHARED_SORTS]
    if mine:
        try:
            answer.set_result(_sorted_tracks(positions))
        except BaseException as error:
            answer.set_exception(error)
            shared.answer = None
    return answer.result()


def _sorted_tracks(positions: pl.DataFrame) -> pl.DataFrame:
    """`sorted_tracks`, computed (without sharing).

    The track is `segment_id` when the column exists (and is set), else the MMSI. Ties on time are
    broken by position so that the result does not depend on the input's row order.

    Speed: rows that come in `segment`'s order (by mmsi, time, lat, lon) are already in time
    order within each track, so only the tracks need ordering: by the rank of their text among
    the few distinct tracks, with a stable sort on that integer, or none at all when the ranks
    already follow the rows (every MMSI one segment, as in most archives). The result is the
    same as sorting by the four keys, for a fraction of the cost on millions of rows.
    """
    segmented = "segment_id" in positions.columns
    if not segmented or SEGMENT_CODE in positions.columns:
        fast = _in_track_order(positions, SEGMENT_CODE if segmented else "mmsi")
        if fast is not None:
            return fast
    mmsi = pl.col("mmsi").cast(pl.String)
    key = pl.coalesce(pl.col("segment_id").cast(pl.String), mmsi) if segmented else mmsi
    return (
        positions.select(key.alias(TRACK), "mmsi", "timestamp", "lat", "lon")
        .drop_nulls(["mmsi", "timestamp", "lat", "lon"])
        .sort(TRACK, "timestamp", "lat", "lon")
    )


def _in_track_order(positions: pl.DataFrame, code: str) -> pl.DataFrame | None:
    """`sorted_tracks` of `positions` when their rows come in vessel order (None otherwise):
    `code` is the integer column naming the track (`SEGMENT_CODE`, or "mmsi" for tracks per
    MMSI). Each track's text is made once and ordered among the few distinct ones."""
    named = code == SEGMENT_CODE
    extra = [code, "segment_id"] if named else []
    located = positions.select("mmsi", "timestamp", "lat", "lon", *extra).drop_nulls(
        ["mmsi", "timestamp", "lat", "lon"]
    )
    if located.is_empty() or (named and located["segment_id"].null_count()):
        return None
    ordered = in_vessel_order(
        located["mmsi"].to_numpy(),
        located["timestamp"].to_physical().to_numpy(),
        located["lat"].cast(pl.Float64).to_numpy(),
        located["lon"].cast(pl.Float64).to_numpy(),
    )
    if not ordered:
        return None
    codes = located[code].to_numpy().astype(np.int64)
    firsts = np.flatnonzero(np.diff(codes, prepend=codes[0] - 1))  # where a run of a track begins
    run = np.repeat(np.arange(len(firsts)), np.diff(firsts, append=len(codes)))
    if named:
        texts = located["segment_id"].gather(firsts)
        track = located["segment_id"]
    else:
        texts = located["mmsi"].gather(firsts).cast(pl.String)
        track = texts.gather(run)
    runs = pl.DataFrame({"code": codes[firsts], "text": texts})
    distinct = runs.unique("code").sort("code")
    if named and runs.unique().height != distinct.height:
        return None  # a code naming two segments: frames of two `segment` calls put together
    rank = np.empty(distinct.height, np.int64)
    rank[np.argsort(distinct["text"].to_numpy(), kind="stable")] = np.arange(distinct.height)
    row_rank = rank[np.searchsorted(distinct["code"].to_numpy(), codes[firsts])][run]
    tracks = located.select(track.alias(TRACK), "mmsi", "timestamp", "lat", "lon")
    if not (row_rank[1:] >= row_rank[:-1]).all():
        tracks = _moved(tracks, np.argsort(row_rank, kind="stable"))
    # as a sort would, say that the tracks are in order: window functions over them rely on it
    return tracks.with_columns(pl.col(TRACK).set_sorted())


def _moved(frame: pl.DataFrame, order: IntArray) -> pl.DataFrame:
    """`frame[order]`, keeping as slices (no copy) the stretches `order` leaves in place: two
    hulls on one MMSI move only that MMSI's rows, not the ten million others."""
    still = order == np.arange(len(order))
    edges = np.flatnonzero(np.diff(still)) + 1
    bounds = [0, *edges.tolist(), len(order)]
    if len(bounds) > _MAX_PIECES:
        return frame[order]
    pieces = [
        frame.slice(lo, hi - lo) if still[lo] else frame[order[lo:hi]]
        for lo, hi in pairwise(bounds)
    ]
    return pl.concat(pieces, rechunk=False)


def positions_of(positions: pl.DataFrame, mmsi: pl.Series) -> pl.DataFrame:
    """The positions of the vessels `mmsi` (a few, out of millions of rows)."""
    return positions.filter(pl.col("mmsi").is_in(mmsi.drop_nulls().unique().implode()))


def haversine_km_expr(lat1: pl.Expr, lon1: pl.Expr, lat2: pl.Expr, lon2: pl.Expr) -> pl.Expr:
    """Great-circle distance in km between points in degrees, as a Polars expression (right
    across the antimeridian too: the haversine only uses sin² of half the longitude difference,
    which a 360° turn leaves alone). Mean earth radius as `balise.geo.sphere`."""
    phi1, phi2 = lat1.radians(), lat2.radians()
    return haversine_km_of_radians(phi1, phi1.cos(), lon1, phi2, phi2.cos(), lon2)


def haversine_km_of_radians(
    phi1: pl.Expr, cos_phi1: pl.Expr, lon1: pl.Expr, phi2: pl.Expr, cos_phi2: pl.Expr, lon2: pl.Expr
) -> pl.Expr:
    """`haversine_km_expr` from the latitudes in radians (`phi`) and their cosines, computed
    elsewhere (once per point rather than once per pair of points): the same operations on the
    same values, so the same distances to the last bit. Longitudes in degrees."""
    half_dlat = (phi2 - phi1) / 2
    half_dlon = (lon2 - lon1).radians() / 2
    a = half_dlat.sin().pow(2) + cos_phi1 * cos_phi2 * half_dlon.sin().pow(2)
    return 2 * EARTH_RADIUS_KM * a.sqrt().clip(upper_bound=1.0).arcsin()


def hours_between(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """Hours from `start` to `end` (datetimes), as a float."""
    return (end - start).dt.total_microseconds().cast(pl.Float64) / US_PER_HOUR


def params_json(params: DataclassInstance) -> str:
    """The thresholds in force (a parameter dataclass), as the events' `params` text."""
    return to_json(asdict(params))


def build_events(
    kind: str,
    rows: pl.DataFrame | Sequence[Mapping[str, Any]],
    id_keys: tuple[str, ...],
    *,
    evidence: Sequence[str] | None = None,
    order: tuple[str, ...] = EVENT_ORDER,
) -> pl.DataFrame:
    """The `EVENT_SCHEMA` frame of `kind` events from a detector's `rows`.

    `rows` (a frame, or dicts) hold the event columns the detector sets (start, end, lat, lon,
    mmsi, other_mmsi, confidence, score, params, evidence: those missing are null) and the
    columns `id_keys` the id is made from (`event_id_expr`: the same keys give the same id, so a
    re-run revises an event instead of duplicating it); `evidence`, when given, is one JSON text
    per row. Every event is "active"; a vessel event's `subject` and `related` are filled from
    `mmsi` and `other_mmsi` unless the rows set them; the frame is sorted by `order` (nulls last)
    so that it does not depend on the order the detector found the events in.
    """
    frame = rows if isinstance(rows, pl.DataFrame) else _rows_frame(rows, id_keys)
    if frame.is_empty():
        return empty_events()
    if evidence is not None:
        frame = frame.with_columns(pl.Series("evidence", evidence, dtype=pl.String))
    frame = frame.with_columns(
        event_id_expr(kind, *id_keys).alias("id"),
        pl.lit(kind).alias("type"),
        pl.lit("active").alias("status"),
    )
    return as_events(conform(frame, EVENT_SCHEMA)).sort(*order, nulls_last=True)


def _rows_frame(rows: Sequence[Mapping[str, Any]], id_keys: tuple[str, ...]) -> pl.DataFrame:
    """Event rows given as dicts, as a frame of their event columns (and text id keys)."""
    columns = {k: v for k, v in EVENT_SCHEMA.items() if k not in ("id", "type", "status")}
    schema = columns | {k: pl.String() for k in id_keys if k not in EVENT_SCHEMA}
    return pl.DataFrame([{k: row.get(k) for k in schema} for row in rows], schema=schema)
