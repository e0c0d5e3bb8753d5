"""The local detection run: stored positions and identities through the pure detectors, into events.

Order, as the anchors do it (maritime-anchors.md §6): segment each MMSI's stream into tracks
(dropping noise points, separating hulls that share an MMSI), then run the behaviour detectors on
the tracks with the geography they need (distance to shore, to the nearest anchorage) injected.
The run covers everything stored and hands the complete event set of the types it ran to the
store, which inserts, revises or retracts (so a re-run after late data revises events in place).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

from balise.maritime.encounters import PRESETS, detect_encounters
from balise.maritime.gaps import GapParams, detect_gaps
from balise.maritime.identity import (
    IdentityParams,
    detect_identity_changes,
    detect_position_jumps,
    detect_shared_mmsi,
)
from balise.maritime.loitering import LoiteringParams, detect_loitering
from balise.maritime.segment import SegmentParams, segment
from balise.model.events import EVENT_SCHEMA
from balise.store.duckdb import DuckDBStore
from balise.store.duckdb_events import EventChanges

Geo = Callable[[npt.NDArray[np.float64], npt.NDArray[np.float64]], npt.NDArray[np.float64]]
FISHING_STATUS = 7
"""Navigational status "engaged in fishing" (ITU-R M.1371)."""
DETECTED_TYPES = (
    "ais_gap", "loitering", "encounter", "shared_mmsi", "position_jump", "identity_change",
)  # fmt: skip


@dataclass(frozen=True)
class Geography:
    """What detectors need to know of the world: distance to shore (nm), to an anchorage (km)."""

    shore_nm: Geo | None = None
    anchorage_km: Geo | None = None


@dataclass
class DetectReport:
    positions: int
    seconds: float
    changes: EventChanges
    by_type: dict[str, int] = field(default_factory=dict)


def run_detectors(
    positions: pl.DataFrame, identities: pl.DataFrame, preset: str, geo: Geography
) -> pl.DataFrame:
    """Every event of `DETECTED_TYPES` in `positions` and `identities` (pure: no I/O)."""
    tracks = segment(positions, SegmentParams())
    clean = tracks.filter(~pl.col("noise"))
    identity = IdentityParams()
    frames = [
        # gaps per MMSI: the segmenter opens a new track after 24 h of silence, the longest gaps
        detect_gaps(clean.drop("segment_id"), GapParams(), shore=geo.shore_nm),
        _not_fishing(detect_loitering(clean, LoiteringParams(), shore=geo.shore_nm), clean),
        detect_encounters(clean, PRESETS[preset], anchorage=geo.anchorage_km),
        detect_shared_mmsi(tracks, identity),
        detect_position_jumps(tracks, identity),
        detect_identity_changes(identities),
    ]
    return pl.concat([f.select(list(EVENT_SCHEMA)).cast(EVENT_SCHEMA) for f in frames])  # type: ignore[arg-type]


def _not_fishing(events: pl.DataFrame, positions: pl.DataFrame) -> pl.DataFrame:
    """`events` but those during which the vessel mostly reported "engaged in fishing": a fishing
    vessel working its ground is slow for hours, and that is fishing, not loitering."""
    if events.is_empty():
        return events
    fishing = positions.select(
        "mmsi", "timestamp", (pl.col("nav_status") == FISHING_STATUS).fill_null(False).alias("f")
    )
    share = (
        events.select("id", "mmsi", "start", "end")
        .join(fishing, on="mmsi")
        .filter(pl.col("timestamp").is_between(pl.col("start"), pl.col("end")))
        .group_by("id")
        .agg(pl.col("f").mean().alias("fishing_share"))
    )
    mostly_fishing = share.filter(pl.col("fishing_share") > 0.5)["id"]
    return events.filter(~pl.col("id").is_in(mostly_fishing.implode()))


def default_geography(cache_dir: Path | None = None) -> Geography:
    """Distance to shore from the GLOBE land mask; to anchorages from GFW's named anchorages and
    the World Port Index ports (the named anchorages alone miss some ports, e.g. Le Havre).

    The distance-to-shore grid takes about a minute to build; with `cache_dir` it is built once
    and read back in a second or two."""
    from balise.geo.ports import AnchorageIndex, load_anchorages, load_ports
    from balise.geo.shore import ShoreDistance

    columns = ["lat", "lon", "label", "sublabel", "iso3"]
    points = pl.concat([load_anchorages().select(columns), load_ports().select(columns)])
    index = AnchorageIndex(points)
    return Geography(shore_nm=ShoreDistance(cache_dir), anchorage_km=index.distance_km)


def detect(store: DuckDBStore, preset: str, geo: Geography) -> DetectReport:
    """Run every detector on everything stored and save the events."""
    started = time.perf_counter()
    positions = pl.concat(list(store.positions()), how="vertical_relaxed")
    identities = store.identity_history_all()
    events = run_detectors(positions, identities, preset, geo)
    changes = store.save_events(events, list(DETECTED_TYPES))
    counts = dict(events.group_by("type").len().sort("type").iter_rows())
    return DetectReport(positions.height, time.perf_counter() - started, changes, counts)
