"""What the readers of port, access and coastal records yield: batches of one kind of record.

The AIS readers yield `balise.model.batch.ReadBatch` (positions and identities); the readers of
container releases, gate transactions, imported access logs, staff directories and work
assignments, of radar contacts, radar sites and clearance declarations, and of container
events, cargo manifests and smart-container telemetry, yield a `RecordBatch` of one of the
frames of `balise.model.records`, `balise.model.coastal` or `balise.model.cargo`, with the same
quarantine rows and tallies, so the ingest job runs both the same way (hash, batches,
resumption, quarantine).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

import polars as pl

from balise.model.cargo import CONTAINER_EVENT_SCHEMA, MANIFEST_SCHEMA, TELEMETRY_SCHEMA
from balise.model.coastal import CLEARANCE_SCHEMA, RADAR_CONTACT_SCHEMA, RADAR_SITE_SCHEMA
from balise.model.records import (
    ACCESS_SCHEMA,
    GATE_SCHEMA,
    RELEASE_SCHEMA,
    STAFF_SCHEMA,
    WORK_SCHEMA,
)
from balise.model.registry import ENTITY_SCHEMA, LINK_SCHEMA
from balise.model.schema import QUARANTINE_SCHEMA, empty


class RecordKind(StrEnum):
    """The kinds of records Balise reads besides AIS (`balise ingest KIND`)."""

    RELEASES = "releases"
    GATE = "gate"
    ACCESS_LOG = "access-log"
    STAFF = "staff"
    WORK = "work"
    RADAR = "radar"
    RADAR_SITES = "radar-sites"
    CLEARANCES = "clearances"
    TELEMETRY = "telemetry"
    CONTAINERS = "containers"
    MANIFESTS = "manifests"
    REGISTRY = "registry"
    REGISTRY_LINKS = "registry-links"


RECORD_SCHEMAS: Final[dict[RecordKind, dict[str, pl.DataType]]] = {
    RecordKind.RELEASES: RELEASE_SCHEMA,
    RecordKind.GATE: GATE_SCHEMA,
    RecordKind.ACCESS_LOG: ACCESS_SCHEMA,
    RecordKind.STAFF: STAFF_SCHEMA,
    RecordKind.WORK: WORK_SCHEMA,
    RecordKind.RADAR: RADAR_CONTACT_SCHEMA,
    RecordKind.RADAR_SITES: RADAR_SITE_SCHEMA,
    RecordKind.CLEARANCES: CLEARANCE_SCHEMA,
    RecordKind.TELEMETRY: TELEMETRY_SCHEMA,
    RecordKind.CONTAINERS: CONTAINER_EVENT_SCHEMA,
    RecordKind.MANIFESTS: MANIFEST_SCHEMA,
    RecordKind.REGISTRY: ENTITY_SCHEMA,
    RecordKind.REGISTRY_LINKS: LINK_SCHEMA,
}
"""The frame each kind of record is read into and stored as."""


@dataclass
class RecordBatch:
    """One batch of an input of port or access records.

    `records` holds the good records in the frame of `kind` (`RECORD_SCHEMAS`); `quarantine` the
    rejected ones with their reason and original text; `records_read` counts the input records
    (data lines), blank lines excepted, which `skipped` counts (with other input that is valid
    but not a record, such as an NMEA sentence of another type); `cleared` counts values of kept
    records turned into nulls, by reason (an invalid MMSI in a declaration).
    """

    kind: RecordKind
    records: pl.DataFrame
    quarantine: pl.DataFrame = field(default_factory=lambda: empty(QUARANTINE_SCHEMA))
    records_read: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    cleared: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of_quarantine(cls, kind: RecordKind, quarantine: pl.DataFrame) -> RecordBatch:
        """A batch holding no record, only `quarantine` rows (an input that ended early)."""
        return cls(kind, empty(RECORD_SCHEMAS[kind]), quarantine)
