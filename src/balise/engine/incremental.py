"""An incremental detection run, scoped by the change log to the vessels a batch touched and, in
time, to a window around their new data: what a live feed's every batch triggers.

An event the new data can complete or change either was already stored (it reached near the new
data: the window is widened to its start, repeatedly, so it is found whole again) or begins at
most a detector's *look-back* before the new data (`lookbacks`: e.g. a loitering run not yet
reported was shorter than `loitering.min_hours`; a gap begins at the vessel's previous position,
which is always read). The detectors also look at positions before an event to describe it (the
positions counted before a gap, the transit speed before a coastal stop: `context_hours`); those
are read too. So the run reads, per touched vessel, its positions from the window's start less
that context (and the whole history of a vessel whose window the segmenter splits: two hulls on
one MMSI, whose segments and spoofing events depend on everything before), re-decides its events
that end in the window, and leaves the earlier ones as stored. The destination detector, which
follows a vessel from port to port since it was first seen, is given the stored port visits
before the window (`Earlier`).

Every vessel's positions over the two-vessel events' window are read anyway (`others`); a touched
vessel whose own window starts at most the new data's time span after that window's start, with
nothing stored after it (a live feed's every vessel), takes its positions from there, from the
window's start, and is segmented once for both.

The run's events equal those of a full run on the same data (tested on a synthetic world fed in
batches), and its cost no longer grows with the history kept: a live feed's run reads about a day
of positions (the look-back and context of the default thresholds), not everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

import polars as pl

from balise.engine.detect import (
    DETECTED_TYPES,
    POSITION_COLUMNS,
    Earlier,
    Geography,
    run_on_tracks,
)
from balise.geo.zones import Zone
from balise.maritime.encounters import PRESETS
from balise.maritime.params import DetectorParams
from balise.maritime.segment import SEGMENT_CODE, segment
from balise.store.base import EventFilter, RunScope, Store

INCREMENTAL_PAD: Final = timedelta(hours=24)
"""Two-vessel events (encounters) are searched in every vessel's positions up to this long after
the new data (late data arrives in the middle of what is stored)."""
CORE_PAD: Final = timedelta(hours=12)
"""Two-vessel events are re-decided (kept, revised or retracted) up to this long after the new
data; those farther out are left as stored."""
WINDOW_TYPES: Final = ("encounter",)
"""Types found on the positions of a time window of every vessel, not on the touched vessels'."""
TIMELESS_TYPES: Final = ("identity_change", "identity_inconsistency")
"""Types found on every identity report of the touched vessels, not on positions: re-decided
whatever their time (an identity change is reported once it lasted, maybe long after)."""
_WIDENINGS: Final = 20
"""Stored events widen the window at most this many times (each one to an earlier start)."""


def lookbacks(params: DetectorParams, preset: str, zones: Sequence[Zone] = ()) -> dict[str, float]:
    """Per detector, the hours before new data where an event that the new data completes, and
    that was not stored before it, may begin (from the thresholds in force)."""
    encounter = PRESETS[preset]
    dwell = max((r.min_dwell_minutes for z in zones for r in z.rules), default=0.0) / 60
    return {
        # a gap begins at the vessel's previous position, which is read whatever its age
        "ais_gap": params.gap.min_gap_hours,
        # runs of slow hours: shorter than the minimum before, plus the hour it begins in
        "loitering": params.loitering.min_hours + 1.0,
        # shorter than the minimum, or merged with an encounter ending this close before
        "encounter": encounter.min_duration_hours + encounter.merge_gap_hours,
        "port_visit": params.port_visit.min_gap_hours,
        "coastal_drop": params.coastal_drop.max_hours,
        "zone_entry": max(dwell, params.zone.max_gap_hours or 0.0),
    }


def context_hours(params: DetectorParams) -> dict[str, float]:
    """Per detector, the hours of positions before an event it reads to describe or decide it."""
    return {
        "ais_gap": params.gap.dense_before_hours,
        "coastal_drop": params.coastal_drop.transit_window_hours,
        "loitering": params.loitering.max_leg_hours,
        "encounter": PRESETS["gfw"].max_interpolation_gap_hours,
    }


def incremental_run(
    store: Store,
    changed: pl.DataFrame,
    preset: str,
    geo: Geography,
    params: DetectorParams | None,
) -> tuple[int, pl.DataFrame, RunScope]:
    """The events of the vessels in `changed` (the change log since the last run) that end in
    the window around their new data, the scope they cover and how many positions were read
    for them."""
    params = params or DetectorParams()
    mmsis = changed["mmsi"].to_list()
    first, last = changed["first"].min(), changed["last"].max()
    assert isinstance(first, datetime)
    assert isinstance(last, datetime)
    look = timedelta(hours=max(lookbacks(params, preset, geo.zones).values()))
    context = timedelta(hours=max(context_hours(params).values()))
    bounds = store.position_bounds(changed)
    cuts = changed.select("mmsi", (pl.col("first") - look).alias("since")).join(
        bounds.select("mmsi", "previous"), on="mmsi", how="left"
    )
    cuts = cuts.select("mmsi", pl.min_horizontal("since", "previous").alias("since"))
    cuts, window_since = _widened(store, mmsis, cuts, first - look)
    until = last + CORE_PAD
    span = (window_since - context, last + INCREMENTAL_PAD)
    window = store.positions_of(None, *span, columns=POSITION_COLUMNS)
    cuts = _read_from(cuts, bounds, context, span, last - first)
    own = _own_positions(store, window, cuts)
    tracks = segment(own, params.segment)
    whole = _split(tracks, bounds)
    if whole:
        kept = own.filter(~pl.col("mmsi").is_in(whole)).drop("read_from")
        history = store.positions_of(whole, columns=POSITION_COLUMNS)
        tracks = segment(pl.concat([kept, history]), params.segment)
    tracks = tracks.drop("read_from", strict=False).rechunk()
    shared = cuts.filter(pl.col("in_window") & ~pl.col("mmsi").is_in(whole))["mmsi"]
    others = _others(window, tracks, shared, params).filter(~pl.col("noise"))
    since = dict(cuts.select("mmsi", "since").iter_rows())
    earlier = _earlier(store, bounds, {m: t for m, t in since.items() if m not in whole})
    events = run_on_tracks(
        tracks, _identities(store, mmsis), preset, geo, params, others=others, earlier=earlier
    )
    ended = since_of("mmsi", since).fill_null(since_of("other_mmsi", since))
    in_window = pl.col("type").is_in(WINDOW_TYPES)
    recent = pl.col("type").is_in(TIMELESS_TYPES) | (pl.col("end") >= ended)
    near = (pl.col("end") >= window_since) & (pl.col("start") <= until)
    involved = pl.col("mmsi").is_in(mmsis) | pl.col("other_mmsi").is_in(mmsis)
    events = events.filter(involved & pl.when(in_window).then(near).otherwise(recent))
    scope = RunScope(
        tuple(mmsis), WINDOW_TYPES, window_since, until,
        ended_after=tuple(sorted(since.items())), timeless_types=TIMELESS_TYPES,
    )  # fmt: skip
    return tracks.height, events, scope


def since_of(column: str, since: dict[int, datetime]) -> pl.Expr:
    """The window start of the vessel in `column` (null for a vessel not in `since`)."""
    return pl.col(column).replace_strict(since, default=None, return_dtype=pl.Datetime("us", "UTC"))


def _identities(store: Store, mmsis: list[int]) -> pl.DataFrame:
    """The identity reports of the vessels `mmsis` and of the vessels that reported one of
    their IMO numbers (an IMO number moving to another MMSI is an identity change of both)."""
    return store.identity_history_all(mmsis, same_imo=True)


def _widened(
    store: Store, mmsis: list[int], cuts: pl.DataFrame, window_since: datetime
) -> tuple[pl.DataFrame, datetime]:
    """Each vessel's window start (`cuts`: `mmsi`, `since`), and that of the two-vessel events
    (`window_since`), moved back to the start of every stored event of theirs that reaches it
    (and again for those reaching the new start)."""
    vessel_types = [t for t in DETECTED_TYPES if t not in (*WINDOW_TYPES, *TIMELESS_TYPES)]
    for _ in range(_WIDENINGS):
        first = cuts["since"].min()
        earliest = min(first, window_since) if isinstance(first, datetime) else window_since
        stored = store.find_events(
            EventFilter(types=DETECTED_TYPES, since=earliest, mmsis=tuple(mmsis))
        )
        vessel = cuts["mmsi"].dtype
        pairs = pl.concat([
            stored.select("type", "start", "end", pl.col("mmsi").cast(vessel)),
            stored.select("type", "start", "end", pl.col("other_mmsi").cast(vessel).alias("mmsi")),
        ]).filter(pl.col("mmsi").is_in(mmsis))  # fmt: skip
        windowed = pairs.filter(pl.col("type").is_in(WINDOW_TYPES))
        moved = windowed.filter((pl.col("end") >= window_since) & (pl.col("start") < window_since))[
            "start"
        ].min()
        per_vessel = (
            pairs.filter(pl.col("type").is_in(vessel_types))
            .join(cuts, on="mmsi")
            .filter((pl.col("end") >= pl.col("since")) & (pl.col("start") < pl.col("since")))
            .group_by("mmsi")
            .agg(pl.col("start").min().alias("earlier"))
        )
        if per_vessel.is_empty() and not isinstance(moved, datetime):
            break
        if isinstance(moved, datetime):
            window_since = moved
        cuts = cuts.join(per_vessel, on="mmsi", how="left").select(
            "mmsi", pl.min_horizontal("since", "earlier").alias("since")
        )
    return cuts, window_since


def _read_from(
    cuts: pl.DataFrame,
    bounds: pl.DataFrame,
    context: timedelta,
    span: tuple[datetime, datetime],
    slack: timedelta,
) -> pl.DataFrame:
    """`cuts` with `read_from`, where each vessel's positions are read from, and `in_window`:
    whether those are exactly its positions in the window `span`, so that they are read once
    and segmented once for both. A vessel whose window start less the `context` is at most
    `slack` (the new data's time span) after the window's start, and with nothing stored after
    the window, is read from the window's start (a few more positions before what the run
    needs change none of its events); any other from its own start, apart (the encounters'
    window moved back to a long encounter, late data, a vessel silent before its new data)."""
    start, end = span
    wanted = pl.col("since") - context
    near = (wanted >= start) & (wanted <= start + slack)
    inside = near & (pl.col("last_seen") < end).fill_null(True)
    return cuts.join(bounds.select("mmsi", "last_seen"), on="mmsi", how="left").select(
        "mmsi",
        "since",
        pl.when(inside).then(pl.lit(start)).otherwise(wanted).alias("read_from"),
        inside.alias("in_window"),
    )


def _own_positions(store: Store, window: pl.DataFrame, cuts: pl.DataFrame) -> pl.DataFrame:
    """The positions of the vessels of `cuts` from their `read_from`, with that column: taken
    from the `window` for those `in_window`, read for the others."""
    inside = cuts.filter(pl.col("in_window"))
    parts = [window.join(inside.select("mmsi", "read_from"), on="mmsi", maintain_order="left")]
    outside = cuts.filter(~pl.col("in_window"))
    earliest = outside["read_from"].min()
    if isinstance(earliest, datetime):
        read = store.positions_of(outside["mmsi"].to_list(), earliest, columns=POSITION_COLUMNS)
        read = read.join(outside.select("mmsi", "read_from"), on="mmsi", maintain_order="left")
        parts.append(read.filter(pl.col("timestamp") >= pl.col("read_from")))
    return pl.concat(parts).sort("mmsi", maintain_order=True)


def _others(
    window: pl.DataFrame, tracks: pl.DataFrame, shared: pl.Series, params: DetectorParams
) -> pl.DataFrame:
    """`window` segmented, as `segment` makes it: the vessels of `shared` (whose window
    positions are their positions in `tracks`) taken from `tracks`, the others segmented here;
    `segment_code` numbered again over the whole (the segments in vessel order, then in each
    vessel's order)."""
    if shared.is_empty():
        return segment(window, params.segment)
    rest = segment(window.filter(~pl.col("mmsi").is_in(shared.implode())), params.segment)
    mine = tracks.filter(pl.col("mmsi").is_in(shared.implode())).select(rest.columns)
    whole = pl.concat([mine, rest]).sort("mmsi", maintain_order=True)
    code = pl.col(SEGMENT_CODE)
    key = pl.col("mmsi").cast(pl.Int64) * (1 << 32) + code - code.min().over("mmsi")
    return whole.with_columns((key.rank("dense") - 1).cast(pl.Int32).alias(SEGMENT_CODE))


def _split(tracks: pl.DataFrame, bounds: pl.DataFrame) -> list[int]:
    """The vessels whose positions read (`tracks`, segmented, with `read_from`) the segmenter
    split in several segments or noise, and whose history begins before what was read: how it
    splits them depends on what came before, so their whole history is read."""
    split = (
        tracks.group_by("mmsi")
        .agg(
            pl.col("segment_id").n_unique().alias("segments"),
            pl.col("noise").any(),
            pl.col("read_from").first(),
        )
        .filter((pl.col("segments") > 1) | pl.col("noise"))
        .join(bounds.select("mmsi", "first_seen"), on="mmsi")
        .filter(pl.col("first_seen") < pl.col("read_from"))
    )
    return sorted(split["mmsi"].to_list())


def _earlier(store: Store, bounds: pl.DataFrame, since: dict[int, datetime]) -> Earlier:
    """What the destination detector needs of the vessels of `since` before their window."""
    visits = store.find_events(EventFilter(types=("port_visit",), mmsis=tuple(since)))
    visits = visits.filter(pl.col("end") < since_of("mmsi", since))
    first_seen = {
        int(m): t
        for m, t in bounds.select("mmsi", "first_seen").iter_rows()
        if m in since and isinstance(t, datetime)
    }
    return Earlier(since, visits, first_seen)
