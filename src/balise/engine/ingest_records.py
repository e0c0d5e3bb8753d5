"""Ingestion of port and access records: container releases, gate transactions, access logs
imported from other systems, staff directories and work assignments.

The same job as AIS ingestion (`balise.engine.ingest`): inputs identified by the sha256 of their
bytes (the same content twice stores nothing new), gzip and zip read, batches committed one by
one (an interrupted ingest resumes), bad records quarantined with their reason, the `ingest.*`
caps applied. The kind of record is named by the command (`balise ingest releases`), not guessed;
an access log is JSON lines or CSV, told from its content.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
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
from balise.io.port_records import (
    GATE_CSV,
    RELEASES_CSV,
    read_gate_transactions,
    read_releases,
)
from balise.io.staff_directory import STAFF_CSV, read_staff_directory
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
}
"""The reader of each format, by the format's name (the ingest's `source_format`)."""

_FORMATS: Final[dict[RecordKind, Callable[[bytes], str]]] = {
    RecordKind.RELEASES: lambda _: RELEASES_CSV.name,
    RecordKind.GATE: lambda _: GATE_CSV.name,
    RecordKind.STAFF: lambda _: STAFF_CSV.name,
    RecordKind.WORK: lambda _: WORK_CSV.name,
    RecordKind.ACCESS_LOG: lambda head: access_log_format(head).name,
}
"""The format of an input of each kind, from its first bytes."""


def _source_kind(kind: RecordKind) -> SourceKind[RecordBatch]:
    def detect(head: bytes, name: str) -> str:
        return _FORMATS[kind](head) if head.strip() else EMPTY_FORMAT

    def read(
        fmt: str, stream: BinaryIO, name: str, options: ReadOptions
    ) -> Generator[RecordBatch, None, None]:
        if fmt != EMPTY_FORMAT:
            yield from _READERS[fmt](stream, name, options)

    def problem(found: Problem, name: str) -> RecordBatch:
        return RecordBatch.of_quarantine(kind, problem_rows(found, name))

    def save(store: Store, ingest_id: str, batch_index: int, batch: RecordBatch) -> None:
        store.store_records(ingest_id, batch_index, batch)

    return SourceKind(detect, read, problem, save)


RECORD_SOURCES: Final = {kind: _source_kind(kind) for kind in RecordKind}
"""How each kind of record is ingested."""


def ingest_records(
    kind: RecordKind,
    item: Input,
    store: Store,
    options: ReadOptions,
    strict: bool = False,
    progress: ProgressCallback | None = None,
) -> IngestResult:
    """Ingest one input of records of `kind` into `store` (or recognise it as already
    ingested). Counters: `records_read`, `records_stored`, `records_replaced`, `duplicates`,
    `outdated`, `skipped` and `quarantined` by reason (see `PortRecordStore.store_records`).
    Raises `InputRejected` for an input that is not of that kind (a CSV header without a
    required column) and, under `strict`, at the first quarantined record."""
    return ingest_with(RECORD_SOURCES[kind], item, store, options, strict, progress)
