"""Coastal surveillance over a workspace, after the AIS detectors: radar contacts into tracks,
tracks paired with AIS vessels, `dark_target` events for what no AIS explains; clearance
declarations against arrivals, `clearance_missing` and `clearance_mismatch` events.

Both stages recompute their events whole at each run (the radar picture of an island is small
beside the AIS, and an arrival's clearance depends on declarations that may come after it):
events found again are kept, changed ones revised, vanished ones retracted. A stage without its
input (no radar contact, no declaration stored) stores nothing and retracts nothing: a workspace
that has no clearance data is not told every yacht came undeclared.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import polars as pl

from balise.engine.detect import Geography
from balise.geo.coast_country import coast_country
from balise.geo.landmask import LandMask
from balise.geo.territorial_sea import inside
from balise.maritime.clearance import clearance_events
from balise.maritime.dark_targets import RadarGeography, dark_targets
from balise.maritime.params import DetectorParams
from balise.maritime.radar_association import associate
from balise.maritime.radar_params import RadarParams
from balise.maritime.radar_tracking import build_tracks
from balise.model.events import empty_events
from balise.store.base import EventChanges, Store

RADAR_TYPES: Final = ("dark_target",)
CLEARANCE_TYPES: Final = ("clearance_missing", "clearance_mismatch")
STOP_TYPES: Final = ("loitering", "encounter", "coastal_drop")
FRENCH_OVERSEAS: Final = ("MQ", "GP", "MF", "BL", "GF")
"""Countries (UN/LOCODE prefixes) of the ports where a clearance is due on arrival from abroad."""
AIS_PAD: Final = timedelta(hours=1)
"""AIS read around the radar contacts' time span: a vessel's fix before the first contact is
what dead reckoning starts from."""
AREA_PAD_DEG: Final = 0.5
"""AIS read around the radar contacts' bounding box (about 30 nm)."""


@dataclass(frozen=True)
class CoastalReport:
    """What a coastal run found: radar contacts, tracks and their AIS pairs, and the changes
    to the stored events of each stage (None when its input is missing)."""

    contacts: int
    tracks: int
    associations: int
    radar: EventChanges | None
    declarations: int
    clearance: EventChanges | None


RadarRun = tuple[int, int, int, EventChanges | None]
ClearanceRun = tuple[int, EventChanges | None]


def _span(values: pl.Series) -> tuple[float, float]:
    low, high = values.min(), values.max()
    assert isinstance(low, float)
    assert isinstance(high, float)
    return low, high


def _radar(store: Store, geo: Geography, params: DetectorParams) -> RadarRun:
    contacts = store.radar_contacts()
    if contacts.is_empty():
        return 0, 0, 0, None
    tracks = build_tracks(contacts, params.radar)
    first, last = contacts["time"].min(), contacts["time"].max()
    assert isinstance(first, datetime)
    assert isinstance(last, datetime)
    positions = store.positions_of(None, first - AIS_PAD, last + AIS_PAD)
    south, north = _span(contacts["lat"])
    west, east = _span(contacts["lon"])
    box = pl.col("lat").is_between(south - AREA_PAD_DEG, north + AREA_PAD_DEG) & pl.col(
        "lon"
    ).is_between(west - AREA_PAD_DEG, east + AREA_PAD_DEG)
    positions = positions.filter(box)
    associations = associate(tracks, positions, params.radar)
    events = dark_targets(tracks, associations, positions, radar_geography(geo, params.radar),
                          params.radar)  # fmt: skip
    store.save_table("radar_associations", associations)
    changes = store.save_events(events, list(RADAR_TYPES))
    return contacts.height, tracks["track_id"].n_unique(), associations.height, changes


def radar_geography(geo: Geography, params: RadarParams) -> RadarGeography:
    """What the dark-target rules know of the world: land (the GLOBE mask), distance to shore,
    the country of the nearest coast and the watched zones of `geo`."""
    return RadarGeography(
        on_land=LandMask().on_land,
        shore_nm=geo.shore_nm,
        coast_country=coast_country(),
        home=frozenset(params.home_countries),
        zones=tuple((zone.name, zone.contains) for zone in geo.zones),
    )


def _clearances(store: Store, geo: Geography, params: DetectorParams) -> ClearanceRun:
    declarations = store.clearances()
    if declarations.is_empty():
        return 0, None
    visits = store.events("port_visit")
    locode = visits["evidence"].str.json_path_match("$.locode").fill_null("")
    arriving = visits.filter(locode.str.slice(0, 2).is_in(FRENCH_OVERSEAS))["mmsi"].unique()
    positions = store.positions_of([int(m) for m in arriving.drop_nulls().to_list()])
    identities = store.identity_history_all([int(m) for m in arriving.drop_nulls().to_list()])
    stops = pl.concat([store.events(kind) for kind in STOP_TYPES]) if arriving.len() else (
        empty_events()
    )  # fmt: skip
    jurisdiction = functools.partial(inside, zones=tuple(geo.zones))
    events = clearance_events(visits, declarations, identities, positions, stops, jurisdiction,
                              params.clearance)  # fmt: skip
    return declarations.height, store.save_events(events, list(CLEARANCE_TYPES))


def run_coastal(store: Store, geo: Geography, params: DetectorParams) -> CoastalReport:
    """Both stages over everything stored."""
    contacts, tracks, pairs, radar = _radar(store, geo, params)
    declarations, clearance = _clearances(store, geo, params)
    return CoastalReport(contacts, tracks, pairs, radar, declarations, clearance)
