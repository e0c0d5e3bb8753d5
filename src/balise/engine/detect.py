"""The local detection run: stored positions and identities through the pure detectors, into events.

Order, as Global Fishing Watch's pipelines do it (GlobalFishingWatch/pipe-segment, then the event
pipelines pipe-gaps, pipe-loitering, pipe-encounters, pipe-anchorages): segment each MMSI's stream
into tracks (dropping noise points, separating hulls that share an MMSI), then run the behaviour
detectors on the tracks with the geography they need (distance to shore, to the nearest anchorage)
injected. The detectors and their filters live in `balise.maritime`; this module only orders them.
The run covers everything stored and hands the complete event set of the types it ran to the
store, which inserts, revises or retracts (so a re-run after late data revises events in place).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from balise import __version__
from balise.geo.gazetteer import load_high_risk_ports, nearest_locode
from balise.geo.zones import Zone, load_zones
from balise.maritime.coastal import CoastalDropParams, detect_coastal_drops, lane_density
from balise.maritime.coastal import Zone as PositionFlags
from balise.maritime.destination import detect_destination_mismatches
from balise.maritime.draught import with_draught_change
from balise.maritime.encounter_filters import filter_encounters
from balise.maritime.encounters import PRESETS, detect_encounters
from balise.maritime.gaps import detect_gaps
from balise.maritime.identity import detect_identity_changes
from balise.maritime.identity_params import outside_periods
from balise.maritime.loitering import detect_loitering, not_fishing
from balise.maritime.params import DetectorParams
from balise.maritime.port_visits import LocodeLookup, detect_port_visits
from balise.maritime.segment import segment
from balise.maritime.spoofing import detect_spoofing
from balise.maritime.zones import detect_zone_entries
from balise.model.arrays import BoolArray, FloatArray
from balise.model.event_types import detected_types
from balise.model.events import as_events, empty_events
from balise.store.base import EventChanges, Store

Geo = Callable[[FloatArray, FloatArray], FloatArray]
DETECTOR_THREADS = 2
"""Detectors run side by side on this many threads: they spend most of their time in Polars and
NumPy, which release Python's interpreter lock, so two use both cores of a small machine."""
COASTAL_TYPES: Final = ("dark_target", "clearance_missing", "clearance_mismatch")
"""Maritime types found from radar contacts and clearance declarations besides AIS, after the AIS
detectors, by `balise.engine.coastal`."""
POSITION_COLUMNS: Final = (
    "mmsi", "timestamp", "lat", "lon", "sog_knots", "cog_deg", "heading_deg", "nav_status",
    "msg_type",
)  # fmt: skip
"""The position columns the detectors read: a run fetches these only from the store (the
text columns naming each position's source cost more to fetch than all the others)."""
DETECTED_TYPES = tuple(t for t in detected_types("maritime") if t not in COASTAL_TYPES)
"""The types the AIS detectors find (`run_detectors`)."""
"""The types a run detects (and so revises and retracts): the registry's detected sea types."""


@dataclass(frozen=True)
class Geography:
    """What detectors need to know of the world: distance to shore (nm), to an anchorage (km),
    the zones watched. A detector whose geography is missing does not run (tests inject what
    they need; `default_geography` gives the real one)."""

    shore_nm: Geo | None = None
    anchorage_km: Geo | None = None
    zones: tuple[Zone, ...] = ()
    anchorages: pl.DataFrame | None = None
    """Anchorage points (lat, lon, label, sublabel, iso3) for port visits."""
    locode: LocodeLookup | None = None
    """UN/LOCODE of the port nearest to positions (None beyond reach)."""
    high_risk_ports: tuple[str, ...] = ()

    def watched(self, lat: FloatArray, lon: FloatArray) -> BoolArray:
        """Which positions are inside a zone of kind "watch"."""
        inside = np.zeros(np.shape(lat), dtype=bool)
        for zone in self.zones:
            if zone.kind == "watch":
                inside |= zone.contains(lat, lon)
        return inside


@dataclass
class DetectReport:
    """What a detection run read and changed; `mode` is "full", "incremental" or "up to date"."""

    positions: int
    seconds: float
    changes: EventChanges
    by_type: dict[str, int] = field(default_factory=dict)
    mode: str = "full"
    vessels: int = 0
    mmsis: tuple[int, ...] = ()
    """The vessels an incremental run covered (those the change log named)."""


@dataclass(frozen=True)
class Earlier:
    """What a run on a time window of some vessels needs of their data before it (the
    destination detector follows a vessel from port to port since it was first seen): their
    `visits` (stored `port_visit` events) ending before their window's start (`since`, per
    vessel), and when each was `first_seen`. Port visits the run finds ending before `since`
    are left out for those vessels: they are cut by the window's start, the stored ones are
    whole."""

    since: dict[int, datetime]
    visits: pl.DataFrame
    first_seen: dict[int, datetime]


def run_detectors(
    positions: pl.DataFrame,
    identities: pl.DataFrame,
    preset: str,
    geo: Geography,
    *,
    window: pl.DataFrame | None = None,
    params: DetectorParams | None = None,
) -> pl.DataFrame:
    """Every event of `DETECTED_TYPES` in `positions` and `identities` (pure: no I/O), with the
    thresholds of `params` (the defaults when None) and the encounter `preset`.

    Two-vessel events are searched in `window` (every vessel's positions over a time span) when
    given, in `positions` otherwise."""
    params = params or DetectorParams()
    # one contiguous frame: every detector reads it, and a frame of a thousand chunks (stored
    # batches, tied rows put in order) costs each of them more than this copy does
    tracks = segment(positions, params.segment).rechunk()
    others = None if window is None else segment(window, params.segment).filter(~pl.col("noise"))
    return run_on_tracks(tracks, identities, preset, geo, params, others=others)


def run_on_tracks(
    tracks: pl.DataFrame,
    identities: pl.DataFrame,
    preset: str,
    geo: Geography,
    params: DetectorParams,
    *,
    others: pl.DataFrame | None = None,
    earlier: Earlier | None = None,
) -> pl.DataFrame:
    """`run_detectors` on segmented `tracks` (and `others`, the segmented positions of every
    vessel two-vessel events are searched in, without noise: the clean `tracks` when None);
    `earlier` when `tracks` hold only a time window of some vessels."""
    clean = clean_tracks(tracks)
    others = clean if others is None else others
    types = identities.select("mmsi", "ship_type")
    lanes = partial(lane_density, others, params.coastal_drop, vessel_types=types)
    with ThreadPoolExecutor(DETECTOR_THREADS, thread_name_prefix="detect") as pool:
        encounters = pool.submit(_encounters, others, geo, preset, params)
        frames = vessel_detectors(pool, tracks, clean, identities, geo, params, lanes,
                                  earlier=earlier)  # fmt: skip
        frames.insert(2, encounters.result())
    return pl.concat([as_events(f) for f in frames])


def clean_tracks(tracks: pl.DataFrame) -> pl.DataFrame:
    """The segmented `tracks` without their noise points."""
    return tracks.filter(~pl.col("noise")) if tracks["noise"].any() else tracks


def vessel_detectors(
    pool: Executor,
    tracks: pl.DataFrame,
    clean: pl.DataFrame,
    identities: pl.DataFrame,
    geo: Geography,
    params: DetectorParams,
    lanes: Callable[[], PositionFlags] | None,
    identity_changes: bool = True,
    earlier: Earlier | None = None,
) -> list[pl.DataFrame]:
    """The events of the detectors that look at one vessel at a time (every one but the
    encounters), on `pool`: run on any set of whole vessels (their segmented `tracks`, the
    `clean` ones, their `identities`), they find what they find on all vessels at once. The
    coastal drops' shipping `lanes` are measured on every vessel (given, not computed here);
    without them the coastal drops are left to the caller. An IMO number that moves to another
    MMSI is an identity change of two vessels: without `identity_changes` those are left to the
    caller too (on every vessel's identities). `earlier`: see `run_on_tracks`."""
    identity = params.identity
    # the longest first, so that no long one is left to finish alone on one thread; but the
    # spoofing second: the identity changes wait for it, on this thread, while the pool works
    calls = pool.submit(_port_calls, clean, identities, geo, params, earlier)
    spoofing = pool.submit(detect_spoofing, tracks, identity)
    coastal = (
        pool.submit(coastal_drops, clean, lanes, identities, geo, params.coastal_drop)
        if lanes is not None
        else pool.submit(empty_events)
    )
    loitering = pool.submit(_loitering, clean, geo, params)
    zones = pool.submit(detect_zone_entries, clean, geo.zones, identities, params.zone)
    gaps = pool.submit(_gaps, clean, identities, geo, params)
    # two hulls on one MMSI jump and swap identities all the time: the shared_mmsi event
    # says it once, the jumps and identity changes it explains are not repeated
    shared = spoofing.result().filter(pl.col("type") == "shared_mmsi")
    changes = (
        detect_identity_changes(identities, identity, shared)
        if identity_changes
        else empty_events()
    )
    visits, mismatches = calls.result()
    return [
        gaps.result(),
        loitering.result(),
        spoofing.result(),
        changes,
        coastal.result(),
        # two hulls on one MMSI make a port call at every switch between them
        outside_periods(visits, shared),
        outside_periods(mismatches, shared),
        zones.result(),
    ]


def _gaps(
    clean: pl.DataFrame, identities: pl.DataFrame, geo: Geography, params: DetectorParams
) -> pl.DataFrame:
    """AIS gaps per MMSI (the segmenter opens a new track after 24 h of silence: the longest
    gaps would be lost between tracks), with the draught before and after."""
    found = detect_gaps(clean.drop("segment_id"), params.gap, shore=geo.shore_nm)
    return with_draught_change(found, identities)


def _loitering(clean: pl.DataFrame, geo: Geography, params: DetectorParams) -> pl.DataFrame:
    """Loitering, but not fishing."""
    found = detect_loitering(clean, params.loitering, shore=geo.shore_nm)
    return not_fishing(found, clean, params.loitering_filter)


def _encounters(
    others: pl.DataFrame, geo: Geography, preset: str, params: DetectorParams
) -> pl.DataFrame:
    """Encounters, but not at the quay nor of neighbours in a waiting anchorage."""
    found = detect_encounters(others, PRESETS[preset], anchorage=geo.anchorage_km)
    return filter_encounters(found, others, geo.shore_nm, geo.anchorage_km, params.encounter_filter)


def _port_calls(
    clean: pl.DataFrame,
    identities: pl.DataFrame,
    geo: Geography,
    params: DetectorParams,
    earlier: Earlier | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Port visits, and the destination mismatches read from them (and from the visits before
    the window, with `earlier`)."""
    if geo.anchorages is None:
        return empty_events(), empty_events()
    visits = detect_port_visits(clean, geo.anchorages, params.port_visit, locode=geo.locode)
    voyages, first_seen = visits, None
    if earlier is not None:
        start = pl.col("mmsi").replace_strict(earlier.since, default=None,
                                              return_dtype=pl.Datetime("us", "UTC"))  # fmt: skip
        cut = (pl.col("end") < start).fill_null(False)
        voyages = pl.concat([as_events(earlier.visits), as_events(visits.filter(~cut))])
        first_seen = earlier.first_seen
    mismatches = detect_destination_mismatches(
        identities, voyages, clean, geo.high_risk_ports, params.destination,
        first_seen=first_seen,
    )  # fmt: skip
    return visits, mismatches


def coastal_drops(
    clean: pl.DataFrame,
    lanes: Callable[[], PositionFlags],
    identities: pl.DataFrame,
    geo: Geography,
    params: CoastalDropParams,
) -> pl.DataFrame:
    """Coastal drops, with the shipping `lanes` measured on every vessel's positions."""
    if geo.shore_nm is None or geo.anchorage_km is None:
        return empty_events()
    types = identities.select("mmsi", "ship_type")
    return detect_coastal_drops(
        clean,
        params,
        shore=geo.shore_nm,
        anchorage=geo.anchorage_km,
        vessel_types=types,
        lane=lanes(),
        watched=geo.watched,
    )


def _gazetteer_points() -> pl.DataFrame:
    """The gazetteer's ports as anchorage points: GFW's anchorages and the World Port Index miss
    terminals and marinas (Caucedo's container terminal lies 4.6 km from the nearest listed point,
    Le Marin 23 km); a port visit still needs a stop or a gap there, not a ship passing by."""
    from balise.geo.gazetteer import Gazetteer

    ports = Gazetteer.packaged().ports
    return ports.select(
        "lat",
        "lon",
        pl.col("name").str.to_uppercase().alias("label"),
        pl.lit(None, pl.String).alias("sublabel"),
        pl.lit(None, pl.String).alias("iso3"),
    )


def default_geography(
    cache_dir: Path | None = None, zones: tuple[Zone, ...] | None = None
) -> Geography:
    """Distance to shore from the GLOBE land mask; to anchorages from GFW's named anchorages and
    the World Port Index ports (the named anchorages alone miss some ports, e.g. Le Havre);
    `zones` (the default zones when None).

    The distance-to-shore grid takes about a minute to build; with `cache_dir` it is built once
    and read back in a second or two."""
    from balise.geo.ports import AnchorageIndex, load_anchorages, load_ports
    from balise.geo.shore import ShoreDistance

    columns = ["lat", "lon", "label", "sublabel", "iso3"]
    points = pl.concat(
        [load_anchorages().select(columns), load_ports().select(columns), _gazetteer_points()]
    )
    index = AnchorageIndex(points)
    if zones is None:
        zones = tuple(load_zones().zones)
    return Geography(
        shore_nm=ShoreDistance(cache_dir),
        anchorage_km=index.distance_km,
        zones=zones,
        anchorages=points,
        locode=nearest_locode,
        high_risk_ports=tuple(load_high_risk_ports()["locode"].to_list()),
    )


def fingerprint(preset: str, params: DetectorParams | None = None) -> str:
    """What the stored events depend on besides the data (version, preset, thresholds): a run
    with another fingerprint re-detects everything."""
    settings = hashlib.sha256(repr(params or DetectorParams()).encode()).hexdigest()[:16]
    return f"{__version__}|{preset}|{','.join(DETECTED_TYPES)}|{settings}"


def detect(
    store: Store,
    preset: str,
    geo: Geography,
    *,
    full: bool = False,
    params: DetectorParams | None = None,
) -> DetectReport:
    """Run every detector and save the events: on everything stored the first time (or with
    `full`, or when the settings changed), afterwards only on the vessels the stored data
    changed for since the last run (late and out-of-order data included), on a time window
    around their new data (`balise.engine.incremental`)."""
    started = time.perf_counter()
    seq, stamp = store.last_change(), fingerprint(preset, params)
    last = store.last_detect_run()
    if full or last is None or last[1] != stamp:
        positions = store.positions_of(None, columns=POSITION_COLUMNS)
        identities = store.identity_history_all()
        events = run_detectors(positions, identities, preset, geo, params=params)
        changes = store.save_events(events, list(DETECTED_TYPES))
        mode, vessels, read = "full", positions["mmsi"].n_unique(), positions.height
        covered: tuple[int, ...] = ()
    else:
        changed = store.changes_since(last[0])
        if changed.is_empty():
            store.record_detect_run(seq, stamp, "up to date", 0)
            return DetectReport(0, time.perf_counter() - started, EventChanges(0, 0, 0, 0), {},
                                "up to date", 0)  # fmt: skip
        from balise.engine.incremental import incremental_run  # it runs `run_on_tracks`

        read, events, scope = incremental_run(store, changed, preset, geo, params)
        changes = store.save_events(events, list(DETECTED_TYPES), scope)
        mode, vessels, covered = "incremental", len(scope.mmsis), scope.mmsis
    store.record_detect_run(seq, stamp, mode, read)
    counts = dict(events.group_by("type").len().sort("type").iter_rows())
    elapsed = time.perf_counter() - started
    return DetectReport(read, elapsed, changes, counts, mode, vessels, covered)
