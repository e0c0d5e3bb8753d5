"""The store interface every implementation (DuckDB now, PostgreSQL later) provides.

Persistence is split by concern into small protocols, so that a module asks for what it uses
(the ingest engine an `IngestStore`, the alert inbox an `AlertRepository`) and a second
implementation can be written against them without touching `api`, `alerts` or `engine`
(docs/decisions/0006). `Store` combines them. The value types the protocols take and give
(filters, page keys, run scopes, change counts) are defined here, not by an implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, Protocol

import polars as pl

from balise.errors import BaliseError
from balise.model.batch import ReadBatch
from balise.model.box import Box
from balise.model.record_batch import RecordBatch
from balise.model.schema import UTC_TIME
from balise.store.accounts import AccountStore, AuditStore, ShareStore
from balise.store.lists import ListStore
from balise.store.registry import RegistryStore

DERIVED_TABLES: Final = (
    "vessel_risk", "vessel_tracking", "voyage_risk", "radar_associations", "radar_plan"
)  # fmt: skip
"""Tables recomputed whole after each detection run from the events and latest positions, and
`radar_plan`, the last plan of `balise plan radars` (`RADAR_PLAN_SCHEMA`)."""
RADAR_PLAN_SCHEMA: Final[dict[str, pl.DataType]] = {
    "planned_at": UTC_TIME, "geojson": pl.String(),
}  # fmt: skip
"""The last radar siting plan: when it was made and its GeoJSON FeatureCollection (text)."""

INSPECTION_PLAN_SCHEMA: Final[dict[str, pl.DataType]] = {
    "site": pl.String(), "plan_date": pl.Date(), "planned_at": UTC_TIME,
    "container_number": pl.String(), "lane": pl.String(), "selected_by": pl.String(),
    "probability": pl.Float64(), "risk": pl.Float64(), "severity": pl.Float64(),
    "value": pl.Float64(), "scan_minutes": pl.Float64(), "earliest": UTC_TIME,
    "latest": UTC_TIME, "scanner": pl.Int64(), "shift_start": UTC_TIME, "shift_end": UTC_TIME,
    "vessel_imo": pl.Int64(), "bill_of_lading": pl.String(), "reasons": pl.String(),
    "method": pl.String(), "seed": pl.Int64(),
}  # fmt: skip
"""One candidate container of a site's inspection plan for a day: its lane (red, yellow,
green), why it was selected (held, risk, exploration, or ""), its selection probability, risk
(0-1), severity, expected value (risk × severity), scan minutes, window, the slot it was given
(scanner and shift, null when none), its vessel and bill, the reasons (JSON list), the method
that planned and the seed of the random draw."""
INSPECTION_RESULT_SCHEMA: Final[dict[str, pl.DataType]] = {
    "container_number": pl.String(), "inspected_on": pl.Date(), "found": pl.Boolean(),
    "what": pl.String(), "recorded_at": UTC_TIME, "recorded_by": pl.String(),
}  # fmt: skip
"""The result of a container's inspection on a day: found or not, what, who recorded it."""

ALERT_SCHEMA: Final[dict[str, pl.DataType]] = {
    "id": pl.String(), "state": pl.String(), "strength": pl.Float64(), "severity": pl.Float64(),
    "severity_label": pl.String(), "fingerprint": pl.String(), "suspended_until": UTC_TIME,
    "dismiss_reason": pl.String(), "dismissed_strength": pl.Float64(), "note": pl.String(),
    "created_at": UTC_TIME, "updated_at": UTC_TIME, "updated_by": pl.String(),
}  # fmt: skip
"""One alert: its triage state, strength and severity, and the last action on it."""
ACTION_SCHEMA: Final[dict[str, pl.DataType]] = {
    "alert_id": pl.String(), "action": pl.String(), "state": pl.String(), "who": pl.String(),
    "acted_at": UTC_TIME, "reason": pl.String(), "note": pl.String(), "until": UTC_TIME,
}  # fmt: skip
"""One entry of an alert's history: who did what, when, why, and the state it left."""


class WriteConflict(BaliseError):
    """A write lost a race with another writer of the same rows and was rolled back."""


@dataclass(frozen=True)
class IngestRecord:
    """One input's ingest: identified by the sha256 of its bytes, so a re-run is recognised."""

    ingest_id: str
    source: str
    source_format: str
    status: str
    batches_done: int
    batch_records: int


@dataclass(frozen=True)
class RunScope:
    """What an incremental run re-detected: every event of the vessels `mmsis` (as `mmsi` or
    `other_mmsi`) and of the `containers` (as subject), except that events of `window_types`
    (found on the positions of a time window only, e.g. encounters) are covered only where they
    overlap `since`-`until`. Stored events outside the scope are neither revised nor retracted
    by the run."""

    mmsis: tuple[int, ...]
    window_types: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    containers: tuple[str, ...] = ()
    """Containers (ISO 6346 numbers) whose events, as subject, the run re-detected too."""
    ended_after: tuple[tuple[int, datetime], ...] = ()
    """Per vessel (MMSI, time): its events that ended before the time were not re-detected (a
    run on a time window around the new data) and are left as stored, except those of
    `window_types` (scoped by `since`) and `timeless_types`."""
    timeless_types: tuple[str, ...] = ()
    """Types re-detected on the vessels' whole history (identity changes, from every identity
    report) whatever `ended_after`."""


@dataclass(frozen=True)
class EventChanges:
    """What a detection run changed in the store."""

    new: int
    revised: int
    retracted: int
    unchanged: int


@dataclass(frozen=True)
class DetectRun:
    """A recorded detection run: when, up to which change, with which settings."""

    run_at: datetime
    seq: int
    fingerprint: str


@dataclass(frozen=True)
class EventKey:
    """Where a page of events ended: the last event's start and id."""

    start: datetime
    id: str


@dataclass(frozen=True)
class EventFilter:
    """Which events to read: any of `types` and `statuses` (no status: all but retracted),
    overlapping [`since`, `until`) (ended at or after `since`, started before `until`), about
    vessel `mmsi` (either vessel), about one of `mmsis` (either vessel), about one of the
    `containers`, naming one of the vessels `related_vessels` among what they involve, score
    (else confidence) at least `min_score`, inside `bbox` and inside any of `areas` (e.g. a
    zone's parts' bounding boxes), and after the keyset cursor `after` in the (start
    descending, id) order."""

    types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    mmsi: int | None = None
    min_score: float | None = None
    bbox: Box | None = None
    areas: tuple[Box, ...] = ()
    after: EventKey | None = None
    mmsis: tuple[int, ...] | None = None
    """When given (even empty), only the events about one of these vessels."""
    containers: tuple[str, ...] | None = None
    """When given (even empty), only the events whose subject is one of these containers."""
    related_vessels: tuple[int, ...] | None = None
    """When given (even empty), only the events whose `related` names one of these vessels (a
    cargo event names the ship that carried its box there)."""


@dataclass(frozen=True)
class AlertKey:
    """Where a page of alerts ends: the sort key of its last alert."""

    severity: float
    start: datetime
    id: str


@dataclass(frozen=True)
class AlertFilter:
    """Which alerts to list: any of `states` and `types` (all when empty), at least
    `min_severity` (0-1), about vessel `mmsi` (as either vessel), event ending at or after
    `since`, alert changed after `updated_after` (opened, triaged, re-opened, retracted, or its
    event revised: an entry of its history after it)."""

    states: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    min_severity: float = 0.0
    mmsi: int | None = None
    since: datetime | None = None
    updated_after: datetime | None = None


@dataclass(frozen=True)
class AlertSources:
    """What alerts are derived from: every stored event (`EVENT_SCHEMA` and `detected_at`), the
    vessel risk table (None before the first assessment) and the current alerts."""

    events: pl.DataFrame
    vessel_risk: pl.DataFrame | None
    alerts: pl.DataFrame


@dataclass(frozen=True)
class AlertChanges:
    """Alert rows to write whole (`ALERT_SCHEMA`) and history entries to append
    (`ACTION_SCHEMA`)."""

    alerts: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)


class IngestStore(Protocol):
    """Ingests of input files: their batches, counts, quarantine and the change log."""

    def ingest(self, ingest_id: str) -> IngestRecord | None:
        """The ingest of that content, if one was started."""
        ...

    def start_ingest(self, record: IngestRecord) -> IngestRecord:
        """Record the start of an ingest; return the existing record if it was already started."""
        ...

    def prepare_batch(self, batch: ReadBatch) -> ReadBatch:
        """`batch` with what storing it derives from it alone computed beforehand, without
        the store's connection: the ingest calls it on its read-ahead thread while the store
        writes the batch before. `store_batch` takes a batch prepared or not."""
        ...

    def store_batch(self, ingest_id: str, batch_index: int, batch: ReadBatch) -> None:
        """Store one batch and its counts atomically; the ingest's progress moves past it."""
        ...

    def finish_ingest(self, ingest_id: str) -> None: ...

    def fail_ingest(self, ingest_id: str, quarantine: pl.DataFrame) -> None:
        """Mark an ingest failed (its reader broke) with the quarantine rows saying why; the
        batches already stored stay, and a re-run resumes after them."""
        ...

    def ingest_counts(self, ingest_id: str) -> pl.DataFrame:
        """Counts of an ingest: columns `counter`, `key`, `count`."""
        ...

    def quarantine(self, ingest_id: str | None = None) -> pl.DataFrame: ...

    def last_change(self) -> int:
        """The sequence number of the last stored batch that changed data (0: none)."""
        ...

    def changes_since(self, seq: int) -> pl.DataFrame:
        """The vessels changed after `seq`: `mmsi`, `first`, `last` (time span touched)."""
        ...


class PositionStore(Protocol):
    """Positions and identity reports as stored, per vessel and over time."""

    def positions(
        self,
        mmsi: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[pl.DataFrame]:
        """Stored positions ordered by vessel then time, in frames of bounded size."""
        ...

    def positions_of(
        self,
        mmsis: list[int] | None,
        since: datetime | None = None,
        until: datetime | None = None,
        columns: Sequence[str] | None = None,
    ) -> pl.DataFrame:
        """Positions of the vessels `mmsis` (all when None) within [`since`, `until`), in one
        frame ordered by vessel then time; only `columns` (of `POSITION_SCHEMA`) when given."""
        ...

    def position_bounds(self, changed: pl.DataFrame) -> pl.DataFrame:
        """For each vessel of `changed` (`mmsi`, `first`: the change log's), when its stored
        positions begin (`first_seen`) and end (`last_seen`), and its last position before
        `first` (`previous`, null when none)."""
        ...

    def recent_positions(self, hours: float, active_hours: float) -> pl.DataFrame:
        """Each vessel's positions of the last `hours` before its own last position, for the
        vessels heard within `active_hours` of the newest stored position."""
        ...

    def track(
        self, mmsi: int, since: datetime | None, until: datetime | None, limit: int
    ) -> pl.DataFrame:
        """The vessel's `timestamp`, `lat`, `lon`, `sog_knots`, `cog_deg` in [`since`,
        `until`), oldest first, at most its latest `limit` positions."""
        ...

    def has_positions(self, mmsi: int) -> bool:
        """Whether any position of the vessel is stored."""
        ...

    def knows_vessel(self, mmsi: int) -> bool:
        """Whether any position or identity report of the vessel is stored."""
        ...

    def position_summary(self, mmsi: int) -> dict[str, Any]:
        """Count, time span and last known position of one vessel."""
        ...

    def vessels(self, mmsis: Sequence[int] | None = None) -> pl.DataFrame:
        """One row per MMSI seen (of those of `mmsis` when given): latest identity, flag,
        positions and time span."""
        ...

    def last_position_time(self) -> datetime | None:
        """The time of the newest stored position, None when there is none."""
        ...

    def identity_history(self, mmsi: int) -> pl.DataFrame:
        """Every identity snapshot of a vessel, with when and how often it was seen."""
        ...

    def identity_history_all(
        self, mmsis: list[int] | None = None, same_imo: bool = False
    ) -> pl.DataFrame:
        """Every identity snapshot (of the vessels `mmsis` when given, and with `same_imo` of
        the vessels that reported one of their IMO numbers), timed at its first sighting."""
        ...


class EventStore(Protocol):
    """Events with their revision history, and the detection runs that made them."""

    def save_events(
        self, events: pl.DataFrame, types: list[str], scope: RunScope | None = None
    ) -> EventChanges:
        """Store a detection run's complete events of `types`; revise and retract the others
        (within `scope` only, for an incremental run)."""
        ...

    def events(
        self, kind: str | None = None, since: datetime | None = None, mmsi: int | None = None
    ) -> pl.DataFrame:
        """Stored events that are not retracted, newest first."""
        ...

    def find_events(self, where: EventFilter, limit: int | None = None) -> pl.DataFrame:
        """Events (`EVENT_SCHEMA` columns) matching `where`, newest start first then id, at
        most `limit`."""
        ...

    def iter_events(self, where: EventFilter, batch_rows: int) -> Iterator[pl.DataFrame]:
        """The events of `find_events` in frames of at most `batch_rows`, read as they are
        consumed (an export of any size in bounded memory)."""
        ...

    def event(self, event_id: str) -> dict[str, Any] | None:
        """One event (also a retracted one), or None."""
        ...

    def event_history(self, event_id: str) -> pl.DataFrame:
        """Every stored revision of an event (its columns and `changed_at`), oldest first."""
        ...

    def last_detect_run(self) -> tuple[int, str] | None:
        """The change sequence and settings fingerprint the last detection run covered."""
        ...

    def latest_detect_run(self) -> DetectRun | None:
        """The last detection run with its time, or None before the first."""
        ...

    def record_detect_run(self, seq: int, fingerprint: str, mode: str, positions: int) -> None:
        """Remember that a detection run covered the changes up to `seq`."""
        ...


class DerivedStore(Protocol):
    """Tables recomputed whole after each detection run (`DERIVED_TABLES`)."""

    def save_table(self, name: str, frame: pl.DataFrame) -> None:
        """Replace the derived table `name` with `frame`, atomically."""
        ...

    def table(self, name: str, mmsi: int | None = None) -> pl.DataFrame | None:
        """The derived table `name` (of one vessel when `mmsi` is given); None before the
        first detection run made it."""
        ...


class AlertRepository(Protocol):
    """The alert rows, their history and the marker of what they were derived from. The rules
    and the triage semantics are `balise.alerts`'; this keeps and reads what they decide."""

    @property
    def alerts_generation(self) -> int:
        """A number that grows with every write of alerts made by this process (as
        `FleetStore.generation` does with every write of data)."""
        ...

    def alert_sources_version(self) -> str:
        """A text that changes whenever the event history or the vessel risk table changes."""
        ...

    def alert_marker(self) -> str | None:
        """The marker recorded by the last derivation of the alerts, if any."""
        ...

    def rederive_alerts(
        self,
        marker: str,
        derive: Callable[[AlertSources], AlertChanges],
        now: datetime,
        whole: bool = True,
    ) -> AlertChanges | None:
        """In one transaction: unless the recorded marker is already `marker` (then None),
        read the sources, write what `derive` makes of them and record `marker` as of `now`. Raises
        `WriteConflict` when another writer raced it. Unless `whole`, the sources may be the
        events of the vessels whose events or risk changed since the last derivation only, with
        their alerts (what `derive` would change is theirs)."""
        ...

    def expire_suspensions(self, now: datetime, who: str) -> int:
        """Re-open the suspended alerts whose suspension ended by `now` (history by `who`,
        dated at the suspension's end); how many. Raises `WriteConflict` on a race."""
        ...

    def next_suspension_end(self) -> datetime | None:
        """When the first suspension of a suspended alert ends (None: no alert is suspended):
        until then, `expire_suspensions` has nothing to do unless the alerts are written."""
        ...

    def alert_history_size(self) -> int:
        """How many entries the alerts' history holds: every change of an alert's state, time
        or fingerprint adds one and none is removed, so an unchanged size means that no alert
        changed in a way the live stream sends."""
        ...

    def transition_alert(
        self,
        alert_id: str,
        check: Callable[[str | None], None],
        values: dict[str, Any],
        action: dict[str, Any],
    ) -> None:
        """In one transaction: give the alert's state (None: no such alert) to `check`, which
        raises to refuse, then set `values` on the alert and append `action`
        (`ACTION_SCHEMA`). Raises `WriteConflict` when the alert changed at the same time."""
        ...

    def find_alerts(
        self, where: AlertFilter, limit: int | None = None, after: AlertKey | None = None
    ) -> pl.DataFrame:
        """Alerts with their event's fields, most severe first, then newest, then id; `after`
        is the sort key of the last alert of the previous page."""
        ...

    def alert(self, alert_id: str) -> dict[str, Any] | None:
        """One alert with its event's fields, or None."""
        ...

    def alert_history(self, alert_id: str) -> pl.DataFrame:
        """The actions on one alert (`ACTION_SCHEMA`), oldest first."""
        ...

    def alert_work(self) -> pl.DataFrame:
        """What each person works on through the inbox: (`user`, `record`) for every alert they
        acted on, its id and its vessels' MMSIs."""
        ...

    def alert_counts(self, where: AlertFilter) -> pl.DataFrame:
        """Alerts per event type and state (`type`, `state`, `count`)."""
        ...


class FleetStore(Protocol):
    """The fleet snapshot behind the map layer and the vessel search, and the data version
    that says when to build it again."""

    @property
    def generation(self) -> int:
        """A number that grows with every write of data; equal numbers mean unchanged data."""
        ...

    def fleet(self) -> pl.DataFrame:
        """One row per vessel heard or identified: last position (`time`, `lat`, `lon`,
        `sog_knots`, `cog_deg`, `heading_deg`), current identity, and the search columns
        `name_key` (the current name normalised: accents stripped, upper case, every run of
        characters other than A-Z and 0-9 one space, trimmed), `names`, `call_signs`, `imos`
        (every normalised value ever reported, `|`-separated)."""
        ...


class PortRecordStore(Protocol):
    """Port and access records: container releases, gate transactions, access logs imported
    from other systems, the staff directory and work assignments, each read back in its frame of
    `balise.model.records`. A record with an identity (release, gate transaction, staff member)
    is kept in its latest version, a work assignment (user, record) once; storing the same
    content again stores nothing new."""

    def store_records(self, ingest_id: str, batch_index: int, batch: RecordBatch) -> None:
        """Store one batch of records with its counts and quarantine rows atomically; the
        ingest's progress moves past it. Counters: `records_read`, `records_stored` (new or
        replacing), `records_replaced`, `duplicates` (the same as stored), `outdated` (older
        than the version kept), `skipped` and `quarantined` by reason."""
        ...

    def releases(
        self, container_numbers: Sequence[str] | None = None, terminal: str | None = None
    ) -> pl.DataFrame:
        """Releases (`RELEASE_SCHEMA`) of the containers `container_numbers` and at `terminal`
        (`NLRTM-ECT`, or a port's every terminal: `NLRTM`) when given, by issue time."""
        ...

    def gate_transactions(
        self,
        container_numbers: Sequence[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> pl.DataFrame:
        """Gate transactions (`GATE_SCHEMA`) of the containers `container_numbers` when given,
        within [`since`, `until`), by time."""
        ...

    def access_log(
        self, since: datetime | None = None, until: datetime | None = None, user: str | None = None
    ) -> pl.DataFrame:
        """Imported access log entries (`ACCESS_SCHEMA`) of `user` when given, within [`since`,
        `until`), by time."""
        ...

    def staff(self) -> pl.DataFrame:
        """The staff directory (`STAFF_SCHEMA`), one row per user, by user."""
        ...

    def work_assignments(self, user: str | None = None) -> pl.DataFrame:
        """Work assignments (`WORK_SCHEMA`: user, record, source) of `user` when given, one row
        per (user, record), by user, then record."""
        ...


class CoastalStore(Protocol):
    """Coastal surveillance records: radar contacts, radar sites and clearance declarations,
    each read back in its frame of `balise.model.coastal`. They are stored by
    `PortRecordStore.store_records` (batches of `RecordKind.RADAR`, `RADAR_SITES`,
    `CLEARANCES`): a contact once (its sensor, time and position), a site and a declaration in
    their latest version."""

    def radar_contacts(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        sensor_ids: Sequence[str] | None = None,
    ) -> pl.DataFrame:
        """Radar contacts (`RADAR_CONTACT_SCHEMA`) within [`since`, `until`) of the sensors
        `sensor_ids` when given, by time."""
        ...

    def radar_sites(self) -> pl.DataFrame:
        """Radar sites (`RADAR_SITE_SCHEMA`), one row per sensor, by sensor id."""
        ...

    def clearances(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> pl.DataFrame:
        """Clearance declarations (`CLEARANCE_SCHEMA`), one row per declaration (its latest
        version), submitted within [`since`, `until`), by submission time."""
        ...


class TelemetryStore(Protocol):
    """Readings of smart containers (`balise.model.cargo.TELEMETRY_SCHEMA`), stored by
    `PortRecordStore.store_records` (batches of `RecordKind.TELEMETRY`) once per container
    number and time: a reading sent again is a duplicate, a different one at the same time
    replaces it."""

    def telemetry(
        self,
        container_number: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        containers: Collection[str] | None = None,
    ) -> pl.DataFrame:
        """Readings (`TELEMETRY_SCHEMA`) of `container_number` and of the boxes `containers`
        (ISO 6346, any spacing) when given, within [`since`, `until`), by time. The filters
        are the store's (a live batch reads its boxes' readings, not the whole table)."""
        ...


class CargoStore(Protocol):
    """Container logistics records: Track & Trace events and cargo manifests, each read back
    in its frame of `balise.model.cargo`. They are stored by `PortRecordStore.store_records`
    (batches of `RecordKind.CONTAINERS`, `MANIFESTS`): an event (`event_id`) and a bill of
    lading in their latest version (`created_at`, `issued_at`)."""

    def container_events(
        self,
        container_number: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        containers: Collection[str] | None = None,
        retracted: bool = False,
    ) -> pl.DataFrame:
        """Track & Trace events (`CONTAINER_EVENT_SCHEMA`) of the container `container_number`
        and of the boxes `containers` when given, happening within [`since`, `until`), by event
        time. An event its publisher retracted (DCSA `isRetracted`) is read only when
        `retracted` is true (as its retraction, `retracted` set)."""
        ...

    def manifests(
        self,
        bill_of_lading: str | None = None,
        container_number: str | None = None,
        containers: Collection[str] | None = None,
    ) -> pl.DataFrame:
        """Bills of lading (`MANIFEST_SCHEMA`), one row per bill (its latest version): the bill
        `bill_of_lading`, those covering `container_number` and those covering any of the boxes
        `containers` when given, by bill."""
        ...


class InspectionStore(Protocol):
    """Inspection plans (`INSPECTION_PLAN_SCHEMA`, the last plan of each site and day) and
    results (`INSPECTION_RESULT_SCHEMA`, one per container and day, the latest kept)."""

    def save_inspection_plan(self, site: str, day: date, plan: pl.DataFrame) -> None:
        """Replace the plan of `site` on `day` with the rows of `plan`, in one transaction."""
        ...

    def inspection_plans(self, site: str | None = None, day: date | None = None) -> pl.DataFrame:
        """The stored plans' rows, of `site` and `day` when given, by site, day, then
        probability (highest first)."""
        ...

    def record_inspection_results(self, results: pl.DataFrame) -> None:
        """Store results; one of the same container and day replaces the stored one."""
        ...

    def inspection_results(self, container_number: str | None = None) -> pl.DataFrame:
        """The stored results, of `container_number` when given, by day then container."""
        ...


class Store(
    IngestStore,
    PositionStore,
    EventStore,
    DerivedStore,
    AlertRepository,
    FleetStore,
    AccountStore,
    ShareStore,
    AuditStore,
    PortRecordStore,
    CoastalStore,
    TelemetryStore,
    CargoStore,
    InspectionStore,
    ListStore,
    RegistryStore,
    Protocol,
):
    """Where readers' batches go and where queries read them back: every concern."""

    def cursor(self) -> Store:
        """Another store on the same open database, for another thread; close it when done."""
        ...

    def close(self) -> None: ...
