"""Cargo detection over a workspace: the stored Track & Trace events, manifests, releases, gate
transactions and smart-container telemetry, with the vessels' AIS port visits and positions,
through the pure rules of `balise.cargo` into container events (`shell_game`, `release_fraud`,
`container_clone`, `door_opened`, `box_off_vessel`, `reefer_anomaly`, `unexpected_stop`).

Each run recomputes every cargo event from the whole record, as the insider stage does: the
rules look at whole trips, and a box's record is small beside the AIS. Events found again are
kept, changed ones revised, vanished ones retracted. A workspace without container records
runs nothing.

Live (`balise listen telemetry`), `run_cargo_live` runs the same rules over the boxes a batch
of telemetry is about only, retracts only their events (`RunScope.containers`) and refreshes
the alerts, so a reading that completes an event raises its alert as the batch is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import polars as pl

from balise.alerts.rules import AlertRules
from balise.alerts.store import AlertStore
from balise.cargo.detect import CargoInputs, detect_cargo
from balise.cargo.journey import port_visits_of_events
from balise.cargo.params import CargoParams
from balise.cargo.vessel_track import VesselPositions
from balise.engine.detect import Geography
from balise.model.event_types import detected_types
from balise.store.base import EventChanges, EventFilter, RunScope, Store

CARGO_TYPES: Final = detected_types("cargo")
"""The event types this stage writes (and retracts)."""
TRACK_PAD: Final = timedelta(hours=6)
"""AIS read around the telemetry of a box: a vessel's track a little before and after."""


@dataclass(frozen=True)
class CargoReport:
    """What a cargo run read and changed."""

    container_events: int
    telemetry: int
    releases: int
    changes: EventChanges


def gather(store: Store, containers: frozenset[str] | None = None) -> CargoInputs:
    """The cargo rules' inputs from the store (of `containers` only when given: the store
    reads those boxes' rows, not whole tables); the vessels' positions are read on demand, over
    the span of the stored telemetry. Manifests are not read: no rule looks at them yet.
    Retracted Track & Trace events are not read."""
    boxes = sorted(containers) if containers is not None else None
    telemetry = store.telemetry(containers=boxes)
    visits = store.find_events(EventFilter(types=("port_visit",)))
    return CargoInputs(
        container_events=store.container_events(containers=boxes),
        releases=store.releases(boxes),
        gate=store.gate_transactions(boxes),
        telemetry=telemetry,
        port_visits=port_visits_of_events(visits) if not visits.is_empty() else None,
        vessel_positions=_positions_reader(store, telemetry),
    )


TRACK_COLUMNS: Final = ("mmsi", "timestamp", "lat", "lon")
"""The position columns the box-off-vessel rule reads (`balise.cargo.vessel_track`)."""


def _positions_reader(store: Store, telemetry: pl.DataFrame) -> VesselPositions | None:
    """One vessel's AIS positions over the telemetry's span (padded), read when a rule asks for
    them, once per vessel (the rule asks for each leg of each box the ship carried); None without
    telemetry."""
    if telemetry.is_empty():
        return None
    first, last = telemetry["time"].min(), telemetry["time"].max()
    assert isinstance(first, datetime)
    assert isinstance(last, datetime)
    read: dict[int, pl.DataFrame] = {}

    def positions(mmsi: int) -> pl.DataFrame:
        if mmsi not in read:
            since, until = first - TRACK_PAD, last + TRACK_PAD
            read[mmsi] = store.positions_of([mmsi], since, until, columns=TRACK_COLUMNS)
        return read[mmsi]

    return positions


def run_cargo(store: Store, params: CargoParams, geo: Geography) -> CargoReport | None:
    """Detect cargo events over the whole record and store them; None when the workspace holds
    no container events, telemetry, releases or gate transactions."""
    found = gather(store)
    frames = (found.container_events, found.telemetry, found.releases, found.gate)
    if all(frame is None or frame.is_empty() for frame in frames):
        return None
    events = detect_cargo(found, params, shore=geo.shore_nm, port_distance=geo.anchorage_km)
    changes = store.save_events(events, list(CARGO_TYPES))
    return CargoReport(
        container_events=_height(found.container_events),
        telemetry=_height(found.telemetry),
        releases=_height(found.releases),
        changes=changes,
    )


def run_cargo_live(
    store: Store,
    params: CargoParams,
    geo: Geography,
    readings: pl.DataFrame,
    rules: AlertRules,
    reassess: Callable[[frozenset[int]], object] | None = None,
) -> EventChanges:
    """Detect the cargo events of the boxes `readings` (telemetry just stored) are about, store
    them (retracting only those boxes' stale events) and refresh the alerts. When anything
    changed, `reassess` is first given the vessels those boxes' events name, before and after
    (`engine.assess.reassess_vessels`: their risk, which the alerts' severity reads)."""
    boxes = frozenset(readings["container_number"].unique().to_list())
    if not boxes:
        return EventChanges(0, 0, 0, 0)
    found = gather(store, boxes)
    events = detect_cargo(found, params, shore=geo.shore_nm, port_distance=geo.anchorage_km)
    before = _boxes_events(store, boxes) if reassess else events.clear()
    scope = RunScope(mmsis=(), containers=tuple(sorted(boxes)))
    changes = store.save_events(events, list(CARGO_TYPES), scope)
    if changes.new or changes.revised or changes.retracted:
        if reassess is not None:
            reassess(named_vessels(before) | named_vessels(events))
        AlertStore(store).refresh(rules=rules)
    return changes


def _boxes_events(store: Store, boxes: frozenset[str]) -> pl.DataFrame:
    return store.find_events(EventFilter(types=tuple(CARGO_TYPES), containers=tuple(sorted(boxes))))


def named_vessels(events: pl.DataFrame) -> frozenset[int]:
    """The MMSIs cargo `events` name as related vessels (the ships that carried the boxes)."""
    if events.is_empty():
        return frozenset()
    related = events["related"].explode().drop_nulls().struct.unnest()
    vessels = related.filter(pl.col("kind") == "vessel")["id"].cast(pl.Int64, strict=False)
    return frozenset(vessels.drop_nulls().to_list())


def _height(frame: pl.DataFrame | None) -> int:
    return 0 if frame is None else frame.height
