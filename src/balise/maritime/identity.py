"""Identity detectors: shared MMSIs, position jumps and identity changes, as EVENT_SCHEMA frames.

What: `detect_shared_mmsi` and `detect_position_jumps` read the output of
`balise.maritime.segment.segment`; `detect_identity_changes` reads identity reports
(IDENTITY_SCHEMA). Each returns one row per event with a stable id.

Why: a hull hiding behind another vessel's MMSI, a transponder reporting false positions and a
vessel renamed or reflagged between voyages are the identity signals analysts ask for first
(maritime-anchors §6, point 5).

Scores are provisional weights, to be calibrated on labelled cases: shared_mmsi 0.6,
position_jump 0.5, identity_change 0.4.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Final

import numpy as np
import polars as pl

from balise.geo.sphere import distance_nm
from balise.model.events import EVENT_SCHEMA, empty_events, event_id_expr, to_json
from balise.model.mid import flag_frame, mid_expr
from balise.model.schema import conform

SHARED_MMSI_SCORE: Final = 0.6
POSITION_JUMP_SCORE: Final = 0.5
IDENTITY_CHANGE_SCORE: Final = 0.4
"""Provisional weights of each event type in a vessel's risk score."""
REFLAG_CONFIDENCE: Final = 0.8
"""An IMO number under a new MMSI is strong evidence (the IMO is checked by its check digit)."""
MIN_SECONDS: Final = 1.0
"""Floor of the time between two points when computing a speed: AIS times are in whole seconds."""


@dataclass(frozen=True)
class IdentityParams:
    """Thresholds of the identity detectors."""

    max_speed_knots: float = 25.0
    """Speed above which a move is impossible for the hull (GFW segmenter `max_knots` = 25)."""
    min_alternations: int = 3
    """Switches between two overlapping segments (A, B, A, B) needed for a shared MMSI; two
    switches (A, B, A) are a single excursion, reported as a position jump. Project choice."""
    min_jump_nm: float = 10.0
    """Smallest jump reported: GNSS error is metres, but satellite AIS timestamps can be minutes
    off, which at 10-20 kn moves a position by a few nm. Project choice."""
    max_excursion_hours: float = 12.0
    """Longest run of positions away from the track that still counts as one excursion and
    return rather than two vessels. Project choice."""
    identity_fields: tuple[str, ...] = ("name", "call_sign", "imo", "ship_type")
    """Identity columns whose change is reported (IDENTITY_SCHEMA)."""


def _params_json(params: IdentityParams) -> str:
    """The thresholds in force, as the events' `params` text."""
    return to_json(asdict(params))


def _finish(rows: list[dict[str, Any]], kind: str, keys: tuple[str, ...]) -> pl.DataFrame:
    """Event rows (dicts with EVENT_SCHEMA columns plus `_key`) as an EVENT_SCHEMA frame."""
    if not rows:
        return empty_events()
    columns = {k: v for k, v in EVENT_SCHEMA.items() if k not in ("id", "type", "status")}
    schema = {**columns, "_key": pl.String()}
    frame = pl.DataFrame([{k: row.get(k) for k in schema} for row in rows], schema=schema)
    frame = frame.with_columns(
        id=event_id_expr(kind, *keys), type=pl.lit(kind), status=pl.lit("active")
    )
    return conform(frame, EVENT_SCHEMA).sort(["mmsi", "start", "id"])


def _runs(segmented: pl.DataFrame) -> pl.DataFrame:
    """Runs of consecutive positioned points of one segment, per MMSI in time order.

    Columns: mmsi, segment_id, noise, n, start, end, first/last lat/lon, the number of runs of
    the segment and the segment's size, with the neighbouring runs' segment and points.
    """
    points = segmented.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    points = points.sort(["mmsi", "timestamp", "lat", "lon"]).with_columns(
        run=(pl.col("segment_id") != pl.col("segment_id").shift(1).over("mmsi"))
        .fill_null(True)
        .cum_sum()
    )
    runs = (
        points.group_by("run", maintain_order=True)
        .agg(
            pl.col("mmsi").first(),
            pl.col("segment_id").first(),
            pl.col("noise").first(),
            n=pl.len(),
            start=pl.col("timestamp").first(),
            end=pl.col("timestamp").last(),
            first_lat=pl.col("lat").first(),
            first_lon=pl.col("lon").first(),
            last_lat=pl.col("lat").last(),
            last_lon=pl.col("lon").last(),
        )
        .with_columns(
            seg_runs=pl.len().over("segment_id"),
            seg_size=pl.col("n").sum().over("segment_id"),
            seg_first_run=pl.col("run").min().over("segment_id"),
            seg_last_run=pl.col("run").max().over("segment_id"),
        )
    )
    neighbours = [
        pl.col(c).shift(s).over("mmsi").alias(f"{p}_{c}")
        for s, p in ((1, "prev"), (-1, "next"))
        for c in ("segment_id", "end", "start", "last_lat", "last_lon", "first_lat", "first_lon")
    ]
    return runs.with_columns(
        *neighbours,
        prev_seg_size=pl.col("seg_size").shift(1).over("mmsi"),
        prev_is_last=(pl.col("seg_last_run") == pl.col("run")).shift(1).over("mmsi"),
    )


def _speed(
    distance: np.ndarray[Any, Any], start: pl.Series, end: pl.Series
) -> np.ndarray[Any, Any]:
    """Implied speed in knots for `distance` nm between times `start` and `end`."""
    seconds = (end - start).dt.total_microseconds().to_numpy() / 1e6
    return np.asarray(distance / (np.maximum(seconds, MIN_SECONDS) / 3600.0))


def detect_position_jumps(
    segmented: pl.DataFrame, params: IdentityParams = IdentityParams()
) -> pl.DataFrame:
    """`position_jump` events: excursions away from a track and back, and one-way jumps.

    An excursion is a segment whose positions are contiguous in time, between two points of one
    larger segment, lasting at most `max_excursion_hours`, reached at more than `max_speed_knots`
    and at least `min_jump_nm` away. A one-way jump is a segment starting right after another
    ends, reached the same way. A long silence with a plausible implied speed is not a jump.
    Confidence: 1 - max_speed / implied speed (0 at the limit, near 1 for teleports).
    """
    runs = _runs(segmented).drop_nulls("prev_segment_id")
    jump = distance_nm(
        runs["prev_last_lat"].to_numpy(),
        runs["prev_last_lon"].to_numpy(),
        runs["first_lat"].to_numpy(),
        runs["first_lon"].to_numpy(),
    )
    runs = runs.with_columns(
        jump_nm=pl.Series(jump),
        speed=pl.Series(_speed(jump, runs["prev_end"], runs["start"])),
        hours=(pl.col("end") - pl.col("start")).dt.total_seconds() / 3600.0,
    )
    excursion = (
        (pl.col("seg_runs") == 1)
        & (pl.col("prev_segment_id") == pl.col("next_segment_id"))
        & (pl.col("prev_seg_size") >= pl.col("seg_size"))
        & (pl.col("hours") <= params.max_excursion_hours)
    )
    one_way = (pl.col("run") == pl.col("seg_first_run")) & pl.col("prev_is_last")
    found = runs.filter(
        (excursion | one_way)
        & (pl.col("jump_nm") >= params.min_jump_nm)
        & (pl.col("speed") > params.max_speed_knots)
    ).with_columns(kind=pl.when(excursion).then(pl.lit("excursion")).otherwise(pl.lit("jump")))
    rows = [
        {
            "start": r["start"],
            "end": r["end"],
            "lat": r["first_lat"],
            "lon": r["first_lon"],
            "mmsi": r["mmsi"],
            "confidence": max(0.0, min(1.0, 1 - params.max_speed_knots / r["speed"])),
            "score": POSITION_JUMP_SCORE,
            "params": _params_json(params),
            "evidence": to_json(
                {
                    "kind": r["kind"],
                    "segment_id": r["segment_id"],
                    "track_segment_id": r["prev_segment_id"],
                    "jumped_to": {"lat": r["first_lat"], "lon": r["first_lon"]},
                    "jumped_from": {"lat": r["prev_last_lat"], "lon": r["prev_last_lon"]},
                    "jump_distance_nm": round(r["jump_nm"], 3),
                    "implied_speed_knots": round(r["speed"], 1),
                    "positions": r["n"],
                    "noise": r["noise"],
                }
            ),
            "_key": r["segment_id"],
        }
        for r in found.iter_rows(named=True)
    ]
    return _finish(rows, "position_jump", ("mmsi", "start", "_key"))


def _switches(segmented: pl.DataFrame) -> pl.DataFrame:
    """Interleaving switches: consecutive non-noise points of one MMSI in two different segments
    whose time spans overlap (the earlier segment goes on later, or the later began earlier)."""
    points = (
        segmented.filter(
            ~pl.col("noise") & pl.col("lat").is_not_null() & pl.col("lon").is_not_null()
        )
        .sort(["mmsi", "timestamp", "lat", "lon"])
        .with_columns(
            seg_start=pl.col("timestamp").min().over("segment_id"),
            seg_end=pl.col("timestamp").max().over("segment_id"),
        )
    )
    prev = {c: pl.col(c).shift(1).over("mmsi") for c in ("segment_id", "timestamp", "lat", "lon")}
    switches = points.with_columns(
        prev_segment=prev["segment_id"],
        prev_time=prev["timestamp"],
        prev_lat=prev["lat"],
        prev_lon=prev["lon"],
        prev_seg_end=pl.col("seg_end").shift(1).over("mmsi"),
    ).filter(
        (pl.col("prev_segment") != pl.col("segment_id"))
        & (
            (pl.col("prev_seg_end") > pl.col("timestamp"))
            | (pl.col("seg_start") < pl.col("prev_time"))
        )
    )
    gap = distance_nm(
        switches["prev_lat"].to_numpy(),
        switches["prev_lon"].to_numpy(),
        switches["lat"].to_numpy(),
        switches["lon"].to_numpy(),
    )
    return switches.with_columns(
        distance_nm=pl.Series(gap),
        pair=pl.concat_list(
            pl.min_horizontal("prev_segment", "segment_id"),
            pl.max_horizontal("prev_segment", "segment_id"),
        ),
    )


def detect_shared_mmsi(
    segmented: pl.DataFrame, params: IdentityParams = IdentityParams()
) -> pl.DataFrame:
    """`shared_mmsi` events: one per MMSI and period where non-noise segments interleave.

    Two segments interleave when the MMSI's positions switch between them at least
    `min_alternations` times while both are active: two hulls (or a hull and a spoofer) answering
    to one MMSI. Overlapping periods of several pairs are merged into one event. Confidence:
    1 - 0.5 ** (switches / min_alternations), i.e. 0.5 at the threshold.
    """
    switches = _switches(segmented)
    pairs = (
        switches.group_by("mmsi", "pair")
        .agg(
            switches=pl.len(),
            start=pl.col("prev_time").min(),
            end=pl.col("timestamp").max(),
            max_nm=pl.col("distance_nm").max(),
            lat=pl.col("lat").first(),
            lon=pl.col("lon").first(),
        )
        .filter(pl.col("switches") >= params.min_alternations)
        .sort("mmsi", "start")
        .with_columns(
            period=(pl.col("start") > pl.col("end").cum_max().shift(1).over("mmsi"))
            .fill_null(True)
            .cum_sum()
        )
    )
    periods = pairs.group_by("mmsi", "period", maintain_order=True).agg(
        pl.col("start").min(),
        pl.col("end").max(),
        pl.col("switches").sum(),
        pl.col("max_nm").max(),
        pl.col("lat").first(),
        pl.col("lon").first(),
        segments=pl.col("pair").list.explode(keep_nulls=False, empty_as_null=False).unique().sort(),
    )
    rows = []
    for r in periods.iter_rows(named=True):
        inside = segmented.filter(
            pl.col("segment_id").is_in(r["segments"])
            & pl.col("timestamp").is_between(r["start"], r["end"])
        )
        counts = dict(inside.group_by("segment_id").len().sort("segment_id").iter_rows())
        rows.append(
            {
                "start": r["start"],
                "end": r["end"],
                "lat": r["lat"],
                "lon": r["lon"],
                "mmsi": r["mmsi"],
                "confidence": 1 - 0.5 ** (r["switches"] / params.min_alternations),
                "score": SHARED_MMSI_SCORE,
                "params": _params_json(params),
                "evidence": to_json(
                    {
                        "segment_ids": r["segments"],
                        "switches": r["switches"],
                        "max_distance_nm": round(r["max_nm"], 3),
                        "positions_per_segment": counts,
                    }
                ),
                "_key": ",".join(r["segments"]),
            }
        )
    return _finish(rows, "shared_mmsi", ("mmsi", "start", "_key"))


def _normalised(column: str) -> pl.Expr:
    """`column` as comparable text: strings trimmed of spaces and "@" padding, upper case and
    inner spaces collapsed; empty text is null. Numbers are written as text."""
    text = pl.col(column).cast(pl.String)
    text = (
        text.str.replace_all("@", " ")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
        .str.to_uppercase()
    )
    return pl.when(text == "").then(None).otherwise(text)


def _field_changes(identities: pl.DataFrame, fields: tuple[str, ...]) -> pl.DataFrame:
    """One row per field change of one MMSI: field, old, new, when the old value was last seen
    and when the new one was first seen. Null values (fields a report does not carry) are
    skipped, so type 24 part A and part B reports do not flip each other's fields."""
    parts = []
    for name in fields:
        values = (
            identities.select("mmsi", "timestamp", value=_normalised(name))
            .drop_nulls("value")
            .sort("mmsi", "timestamp")
            .with_columns(
                old=pl.col("value").shift(1).over("mmsi"),
                old_seen=pl.col("timestamp").shift(1).over("mmsi"),
                field=pl.lit(name),
            )
            .filter(pl.col("old").is_not_null() & (pl.col("old") != pl.col("value")))
        )
        parts.append(
            values.select("mmsi", "field", "old", new="value", start="old_seen", end="timestamp")
        )
    return pl.concat(parts)


def _reflags(identities: pl.DataFrame) -> pl.DataFrame:
    """One row per IMO number seen under a new MMSI: old and new MMSI, their flags, and when."""
    flags = flag_frame().select("mid", "flag")
    seen = (
        identities.drop_nulls("imo")
        .group_by("imo", "mmsi")
        .agg(first=pl.col("timestamp").min(), last=pl.col("timestamp").max())
        .sort("imo", "first", "mmsi")
        .with_columns(
            old_mmsi=pl.col("mmsi").shift(1).over("imo"),
            old_last=pl.col("last").shift(1).over("imo"),
        )
        .drop_nulls("old_mmsi")
        .with_columns(new_mid=mid_expr("mmsi"), old_mid=mid_expr("old_mmsi"))
    )
    return (
        seen.join(flags.rename({"mid": "new_mid", "flag": "new_flag"}), on="new_mid", how="left")
        .join(flags.rename({"mid": "old_mid", "flag": "old_flag"}), on="old_mid", how="left")
        .sort("imo", "first", "mmsi")
    )


def detect_identity_changes(
    identities: pl.DataFrame, params: IdentityParams = IdentityParams()
) -> pl.DataFrame:
    """`identity_change` events from identity reports (IDENTITY_SCHEMA).

    One event per MMSI and report where any of `identity_fields` differs from its previous
    non-null value (start: old value last seen; end: new value first seen), and one per IMO
    number that appears under a new MMSI (a reflag or a stolen identity; `other_mmsi` is the old
    MMSI). Confidence: 0.2 + 0.2 per field changed (max 1); 0.8 for an IMO under a new MMSI.
    """
    changes = _field_changes(identities, params.identity_fields)
    grouped = changes.group_by("mmsi", "end", maintain_order=True).agg(
        pl.col("start").min(), pl.struct("field", "old", "new").alias("changes")
    )
    rows: list[dict[str, Any]] = [
        {
            "start": r["start"],
            "end": r["end"],
            "mmsi": r["mmsi"],
            "confidence": min(1.0, 0.2 + 0.2 * len(r["changes"])),
            "score": IDENTITY_CHANGE_SCORE,
            "params": _params_json(params),
            "evidence": to_json({"kind": "fields", "changes": r["changes"]}),
            "_key": ",".join(c["field"] for c in r["changes"]),
        }
        for r in grouped.sort("mmsi", "end").iter_rows(named=True)
    ]
    rows += [
        {
            "start": min(r["old_last"], r["first"]),
            "end": r["first"],
            "mmsi": r["mmsi"],
            "other_mmsi": r["old_mmsi"],
            "confidence": REFLAG_CONFIDENCE,
            "score": IDENTITY_CHANGE_SCORE,
            "params": _params_json(params),
            "evidence": to_json(
                {
                    "kind": "imo_new_mmsi",
                    "imo": r["imo"],
                    "changes": [{"field": "mmsi", "old": r["old_mmsi"], "new": r["mmsi"]}],
                    "old_mmsi": r["old_mmsi"],
                    "new_mmsi": r["mmsi"],
                    "old_flag": r["old_flag"],
                    "new_flag": r["new_flag"],
                    "old_mmsi_still_reporting": r["old_last"] > r["first"],
                }
            ),
            "_key": f"imo:{r['imo']}",
        }
        for r in _reflags(identities).iter_rows(named=True)
    ]
    return _finish(rows, "identity_change", ("mmsi", "end", "_key"))
