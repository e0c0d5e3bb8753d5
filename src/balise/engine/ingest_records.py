"""Ingestion of records besides AIS: container releases, gate transactions, access logs
imported from other systems, staff directories, work assignments, radar contacts, radar sites,
clearance declarations, container Track & Trace events, cargo manifests, smart-container
telemetry and company registries (FtM JSON lines, entities and links CSV).

The same job as AIS ingestion (`balise.engine.ingest`): inputs identified by the sha256 of their
bytes (the same content twice stores nothing new), gzip and zip read, batches committed one by
one (an interrupted ingest resumes), bad records quarantined with their reason, the `ingest.*`
caps applied. The kind of record is named by the command (`balise ingest releases`), not guessed;
an access log is JSON lines or CSV, radar contacts CSV, JSON lines, NMEA ARPA sentences or
ASTERIX, container events a JSON array or JSON lines, and manifests CSV, a JSON array or JSON
lines, told from their content. NMEA and ASTERIX radar inputs are read with the radar sites
stored in the workspace (`ingest radar-sites` first) and a default sensor and date
(`RadarDefaults`); these are part of the ingest's identity, so an input quarantined for an
unknown sensor is read again once its site is declared.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO, Final

from balise.engine.ingest import (
    EMPTY_FORMAT,
    IngestResult,
    Input,
    ProgressCallback,
    SourceKind,
    ingest_with,
)
from balise.engine.ingest_limits import Problem, problem_rows
from balise.io.access_log import ACCESS_CSV, ACCESS_JSONL, access_log_format, read_access_log
from balise.io.arpa import ARPA_POSITION_ERROR_M, ArpaContext, looks_like_arpa, read_arpa
from balise.io.asterix_radar import looks_like_asterix, read_asterix
from balise.io.clearances import CLEARANCES_CSV, read_clearances
from balise.io.dcsa_events import (
    DCSA_JSON,
    DCSA_JSONL,
    dcsa_format,
    read_event_array,
    read_event_lines,
)
from balise.io.manifests import (
    MANIFESTS_CSV,
    MANIFESTS_JSON,
    MANIFESTS_JSONL,
    manifests_format,
    read_manifests,
)
from balise.io.port_records import (
    GATE_CSV,
    RELEASES_CSV,
    read_gate_transactions,
    read_releases,
)
from balise.io.radar_records import (
    RADAR_CSV,
    RADAR_JSONL,
    RADAR_SITES_CSV,
    read_radar_contacts,
    read_radar_sites,
)
from balise.io.registry import (
    ENTITIES_CSV,
    LINKS_CSV,
    REGISTRY_FTM,
    read_registry,
    registry_format,
)
from balise.io.staff_directory import STAFF_CSV, read_staff_directory
from balise.io.telemetry import TELEMETRY_JSONL, read_telemetry
from balise.io.work_assignments import WORK_CSV, read_work_assignments
from balise.model.batch import ReadOptions
from balise.model.record_batch import RecordBatch, RecordKind
from balise.store.base import Store

Reader = Callable[[BinaryIO, str, ReadOptions], Iterator[RecordBatch]]

_READERS: Final[dict[str, Reader]] = {
    RELEASES_CSV.name: read_releases,
    GATE_CSV.name: read_gate_transactions,
    STAFF_CSV.name: read_staff_directory,
    WORK_CSV.name: read_work_assignments,
    ACCESS_JSONL.name: lambda s, n, o: read_access_log(s, n, ACCESS_JSONL, o),
    ACCESS_CSV.name: lambda s, n, o: read_access_log(s, n, ACCESS_CSV, o),
    RADAR_CSV.name: lambda s, n, o: read_radar_contacts(s, n, RADAR_CSV, o),
    RADAR_JSONL.name: lambda s, n, o: read_radar_contacts(s, n, RADAR_JSONL, o),
    RADAR_SITES_CSV.name: read_radar_sites,
    CLEARANCES_CSV.name: read_clearances,
    TELEMETRY_JSONL.name: read_telemetry,
    DCSA_JSONL: read_event_lines,
    DCSA_JSON: read_event_array,
    MANIFESTS_CSV.name: lambda s, n, o: read_manifests(s, n, MANIFESTS_CSV, o),
    MANIFESTS_JSONL.name: lambda s, n, o: read_manifests(s, n, MANIFESTS_JSONL, o),
    MANIFESTS_JSON.name: lambda s, n, o: read_manifests(s, n, MANIFESTS_JSON, o),
    REGISTRY_FTM: lambda s, n, o: read_registry(s, n, REGISTRY_FTM, o),
    ENTITIES_CSV.name: lambda s, n, o: read_registry(s, n, ENTITIES_CSV.name, o),
    LINKS_CSV.name: lambda s, n, o: read_registry(s, n, LINKS_CSV.name, o),
}
"""The reader of each format, by the format's name (the ingest's `source_format`)."""

_FORMATS: Final[dict[RecordKind, Callable[[bytes, str], str]]] = {
    RecordKind.RELEASES: lambda _, __: RELEASES_CSV.name,
    RecordKind.GATE: lambda _, __: GATE_CSV.name,
    RecordKind.STAFF: lambda _, __: STAFF_CSV.name,
    RecordKind.WORK: lambda _, __: WORK_CSV.name,
    RecordKind.ACCESS_LOG: lambda head, _: access_log_format(head).name,
    RecordKind.RADAR: lambda head, _: radar_format(head),
    RecordKind.RADAR_SITES: lambda _, __: RADAR_SITES_CSV.name,
    RecordKind.CLEARANCES: lambda _, __: CLEARANCES_CSV.name,
    RecordKind.TELEMETRY: lambda _, __: TELEMETRY_JSONL.name,
    RecordKind.CONTAINERS: dcsa_format,
    RecordKind.MANIFESTS: lambda head, _: manifests_format(head).name,
    RecordKind.REGISTRY: lambda head, _: registry_format(head),
    RecordKind.REGISTRY_LINKS: lambda head, _: registry_format(head),
}
"""The format of an input of each kind, from its first bytes (and its name, for errors)."""
ARPA_NMEA: Final = "arpa_nmea"
ASTERIX: Final = "asterix"


def radar_format(head: bytes) -> str:
    """`asterix`, `arpa_nmea` (TTM and TLL sentences), `radar_jsonl` or `radar_csv`, from the
    first bytes of a radar input (a CSV without the required columns is rejected as it is
    read)."""
    if looks_like_asterix(head):
        return ASTERIX
    if looks_like_arpa(head):
        return ARPA_NMEA
    return RADAR_JSONL.name if head.lstrip()[:1] == b"{" else RADAR_CSV.name


@dataclass(frozen=True)
class RadarDefaults:
    """What NMEA and ASTERIX radar inputs do not say: the sensor of sentences without an `s:`
    tag (and of every ASTERIX record, instead of its SAC/SIC), the date of times of day without
    one, and the position error of reports that give none, metres (setting
    `ingest.arpa_position_error_m`)."""

    sensor_id: str | None = None
    day: date | None = None
    position_error_m: float = ARPA_POSITION_ERROR_M


def radar_context(store: Store, defaults: RadarDefaults) -> ArpaContext:
    """The context radar inputs are read in: `defaults` and the radar sites of `store`."""
    sites = store.radar_sites()
    positions = {
        row[0]: (row[1], row[2]) for row in sites.select("sensor_id", "lat", "lon").iter_rows()
    }
    return ArpaContext(positions, defaults.sensor_id, defaults.day, defaults.position_error_m)


def _fingerprint(context: ArpaContext) -> str:
    return json.dumps(
        [sorted(context.sites.items()), context.sensor_id, str(context.day),
         context.position_error_m]
    )  # fmt: skip


def _source_kind(kind: RecordKind, radar: ArpaContext | None = None) -> SourceKind[RecordBatch]:
    def detect(head: bytes, name: str) -> str:
        return _FORMATS[kind](head, name) if head.strip() else EMPTY_FORMAT

    def read(
        fmt: str, stream: BinaryIO, name: str, options: ReadOptions
    ) -> Generator[RecordBatch, None, None]:
        if fmt == ARPA_NMEA:
            yield from read_arpa(stream, name, radar or ArpaContext(), options)
        elif fmt == ASTERIX:
            yield from read_asterix(stream, name, radar or ArpaContext(), options)
        elif fmt != EMPTY_FORMAT:
            yield from _READERS[fmt](stream, name, options)

    def problem(found: Problem, name: str) -> RecordBatch:
        return RecordBatch.of_quarantine(kind, problem_rows(found, name))

    def save(store: Store, ingest_id: str, batch_index: int, batch: RecordBatch) -> None:
        store.store_records(ingest_id, batch_index, batch)

    context = "" if radar is None else _fingerprint(radar)
    return SourceKind(detect, read, problem, save, context)


RECORD_SOURCES: Final = {kind: _source_kind(kind) for kind in RecordKind}
"""How each kind of record is ingested."""


def ingest_records(
    kind: RecordKind,
    item: Input,
    store: Store,
    options: ReadOptions,
    strict: bool = False,
    progress: ProgressCallback | None = None,
    radar: RadarDefaults | None = None,
) -> IngestResult:
    """Ingest one input of records of `kind` into `store` (or recognise it as already
    ingested). Counters: `records_read`, `records_stored`, `records_replaced`, `duplicates`,
    `outdated`, `skipped`, `cleared` and `quarantined` by reason (see
    `PortRecordStore.store_records`). Radar inputs are read with the stored radar sites and
    `radar` (defaults: none). Raises `InputRejected` for an input that is not of that kind (a
    CSV header without a required column) and, under `strict`, at the first quarantined
    record."""
    source = RECORD_SOURCES[kind]
    if kind is RecordKind.RADAR:
        source = _source_kind(kind, radar_context(store, radar or RadarDefaults()))
    return ingest_with(source, item, store, options, strict, progress)
