"""Port, access and coastal records in the DuckDB store: container releases, gate transactions,
imported access logs, the staff directory, work assignments, radar sites and clearance
declarations (and radar contacts, through `duckdb_coastal`).

Each kind has its table, with the columns of its frame (`balise.model.records`) and the ingest
that stored the row. A batch is written in one transaction with its counts, its quarantine rows
and the ingest's progress, as AIS batches are.

A release, a gate transaction, a staff member, a radar site and a declaration are records with an
identity (`release_id`, `gate_tx_id`, `user`, `sensor_id`, `declaration_id`) whose later
versions replace the earlier: a release re-issued later (a later `issued_at`, or for the same
issue a later `customs_status_at`) or a declaration submitted again later (`submitted_at`)
replaces the stored one and an older version is not stored (`outdated`); gate transactions,
staff members, radar sites and telemetry readings (container number and time) have no version
time, so the later line of an input, and a later input, wins. A version identical to the
stored one (all columns but `source` and `source_line`) is a duplicate and stores nothing. A work
assignment's identity is its whole content (`user`, `record`): it is stored once, and every
repetition, in the same input or another, is a duplicate. A Track & Trace event (`event_id`)
is replaced by a later `created_at`, and by its retraction (`retracted`, DCSA `isRetracted`)
whatever the times: a retraction is the newest version of its event; a bill of lading by a
later `issued_at`.
Access log entries have no identity: an entry already stored by another input (logs exported
twice, overlapping exports) is a duplicate; within one input every line is kept, since a user
may read the same record twice in one second.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import duckdb
import polars as pl

from balise.model.containers import normalise_container
from balise.model.record_batch import RECORD_SCHEMAS, RecordBatch, RecordKind
from balise.model.schema import UTC_TIME, conform
from balise.store.duckdb_coastal import DuckDBCoastal

RECORD_TABLES: Final[dict[RecordKind, str]] = {
    RecordKind.RELEASES: "releases",
    RecordKind.GATE: "gate_transactions",
    RecordKind.ACCESS_LOG: "access_log",
    RecordKind.STAFF: "staff",
    RecordKind.WORK: "work_assignments",
    RecordKind.RADAR: "radar_contacts",
    RecordKind.RADAR_SITES: "radar_sites",
    RecordKind.CLEARANCES: "clearances",
    RecordKind.TELEMETRY: "telemetry",
    RecordKind.CONTAINERS: "container_events",
    RecordKind.MANIFESTS: "manifests",
    RecordKind.REGISTRY: "entities",
    RecordKind.REGISTRY_LINKS: "entity_links",
}
"""The table of each kind of record (the access log imported from other systems; Balise's own
audit log is another table)."""
_PROVENANCE: Final = ("source", "source_line")
"""Columns saying where a row was read, not what it says."""


@dataclass(frozen=True)
class _Versions:
    """How the versions of one record are told apart: the `key` columns naming the record
    (never null: the readers require them) and the columns that order its versions, oldest first
    (a null is older than any value)."""

    key: tuple[str, ...]
    order: tuple[str, ...] = ()


_VERSIONED: Final = {
    RecordKind.RELEASES: _Versions(("release_id",), ("issued_at", "customs_status_at")),
    RecordKind.GATE: _Versions(("gate_tx_id",)),
    RecordKind.STAFF: _Versions(("user",)),
    RecordKind.WORK: _Versions(("user", "record")),
    RecordKind.RADAR_SITES: _Versions(("sensor_id",)),
    RecordKind.CLEARANCES: _Versions(("declaration_id",), ("submitted_at",)),
    RecordKind.TELEMETRY: _Versions(("container_number", "time")),
    RecordKind.CONTAINERS: _Versions(("event_id",), ("retracted", "created_at")),
    RecordKind.MANIFESTS: _Versions(("bill_of_lading",), ("issued_at",)),
    RecordKind.REGISTRY: _Versions(("entity_id",)),
    RecordKind.REGISTRY_LINKS: _Versions(("link_id",)),
}


def _sql_type(dtype: pl.DataType) -> str:
    if dtype == UTC_TIME:
        return "TIMESTAMPTZ"
    if dtype == pl.List(pl.String()):
        return "VARCHAR[]"
    names = {
        pl.Boolean(): "BOOLEAN",
        pl.String(): "VARCHAR",
        pl.Int64(): "BIGINT",
        pl.Int32(): "INTEGER",
        pl.Float64(): "DOUBLE",
        pl.Date(): "DATE",
        pl.Boolean(): "BOOLEAN",
    }
    return names[dtype]


def _q(column: str) -> str:
    """A column name quoted (`user`, `time` and `count` are SQL words)."""
    return f'"{column}"'


_INDEXES: Final = (
    "CREATE INDEX IF NOT EXISTS container_events_box ON container_events (container_number);",
    "CREATE INDEX IF NOT EXISTS manifests_bill ON manifests (bill_of_lading);",
)
"""Indexes of the tables read by one record or one box (a container's journey). Not on
`container_events.event_id`: no query looks an event up by its id (the versions of a batch are
found by a hash join, which does not use an index), and keeping that index up to date cost a
fifth of the CPU time a batch of 200,000 new events takes to store (0.2 of 1.05 s)."""
_DROPPED_INDEXES: Final = ("DROP INDEX IF EXISTS container_events_id;",)
"""Indexes of older stores that are no longer kept."""
RECORD_TABLES_SQL: Final = "\n".join(
    f"CREATE TABLE IF NOT EXISTS {table} ("
    + ", ".join(f"{_q(c)} {_sql_type(t)}" for c, t in RECORD_SCHEMAS[kind].items())
    + ", ingest_id VARCHAR);"
    for kind, table in RECORD_TABLES.items()
)


def _content(kind: RecordKind) -> list[str]:
    """The columns that say what a record says (all but where it was read)."""
    return [c for c in RECORD_SCHEMAS[kind] if c not in _PROVENANCE]


def _same(kind: RecordKind, a: str, b: str) -> str:
    """SQL: rows `a` and `b` say the same (nulls equal)."""
    return " AND ".join(f"{a}.{_q(c)} IS NOT DISTINCT FROM {b}.{_q(c)}" for c in _content(kind))


def _keyed(key: tuple[str, ...], a: str, b: str) -> str:
    """SQL: rows `a` and `b` are of the same record (their `key` columns equal)."""
    return " AND ".join(f"{a}.{_q(c)} = {b}.{_q(c)}" for c in key)


def _newer(kind: RecordKind, order: tuple[str, ...], a: str, b: str) -> str:
    """SQL: version `a` is newer than version `b` by the columns `order` (times, a null the
    oldest; flags, a null as false)."""

    def value(row: str, column: str) -> str:
        if RECORD_SCHEMAS[kind][column] == pl.Boolean():
            return f"coalesce({row}.{_q(column)}, FALSE)"
        return f"coalesce({row}.{_q(column)}, '-infinity'::TIMESTAMPTZ)"

    terms = [
        " AND ".join(
            [
                *(f"{value(a, c)} = {value(b, c)}" for c in order[:i]),
                f"{value(a, o)} > {value(b, o)}",
            ]
        )
        for i, o in enumerate(order)
    ]
    return f"({' OR '.join(terms)})" if terms else "FALSE"


RECORD_INDEXES_SQL: Final = "\n".join([*_DROPPED_INDEXES, *_INDEXES])
"""Drops the indexes no longer kept and creates those kept, once the record tables have every
column (`migrate_records`)."""


def migrate_records(con: duckdb.DuckDBPyConnection, columns: dict[str, set[str]]) -> None:
    """Give the record tables of an older store the columns added since
    (`container_events.retracted`; `columns`: the present ones by table, read after
    `RECORD_TABLES_SQL` created the tables); rows are written by column name, so the order of
    a table's columns does not matter. `RECORD_INDEXES_SQL` comes after."""
    for kind, table in RECORD_TABLES.items():
        for column, dtype in RECORD_SCHEMAS[kind].items():
            if column not in columns[table]:
                con.execute(f"ALTER TABLE {table} ADD COLUMN {_q(column)} {_sql_type(dtype)}")


class DuckDBRecords(DuckDBCoastal):
    """The `PortRecordStore` and the `CoastalStore` of the DuckDB store."""

    def store_records(self, ingest_id: str, batch_index: int, batch: RecordBatch) -> None:
        """Store one batch of records with its counts and quarantine rows, atomically; the
        ingest's progress moves past it."""
        try:
            with self._transaction():
                if batch.kind in _VERSIONED:
                    fates = self._save_versions(ingest_id, batch.kind, batch.records)
                elif batch.kind is RecordKind.RADAR:
                    fates = self._append_contacts(ingest_id, batch.records)
                else:
                    fates = self._append_new(ingest_id, batch.kind, batch.records)
                self._insert_quarantine(ingest_id, batch.quarantine)
                self._record_progress(ingest_id, batch_index, _record_counts(batch, fates))
        finally:
            self._changed()

    def _save_versions(
        self, ingest_id: str, kind: RecordKind, records: pl.DataFrame
    ) -> Counter[str]:
        """Store the newest version of each record of the batch unless the stored one is newer
        or the same; count what became of every row.

        A join on the key columns alone (the table's other columns are not read) tells whether
        any record of the batch is stored: a batch of new records (the usual case) is stored
        without reading the stored rows; otherwise it is compared with the stored versions."""
        versions, table = _VERSIONED[kind], RECORD_TABLES[kind]
        if records.is_empty():
            return Counter()
        latest, earlier = _latest_versions(records, versions)
        with self._registered("latest_keys", latest.select(versions.key)):
            known = self._rows(
                f"SELECT count(*) FROM {table} s WHERE EXISTS (SELECT 1 FROM latest_keys l"
                f" WHERE {_keyed(versions.key, 's', 'l')})"
            )[0][0]
        if not known:  # every record is new: stored as it is, no join
            fates = latest.select("batch_row", pl.lit("stored").alias("fate"))
            winners = latest.with_columns(fates["fate"])
        else:
            with self._registered("latest", latest):
                fates = self._frame(
                    f"SELECT l.batch_row, CASE WHEN s.{_q(versions.key[0])} IS NULL THEN 'stored'"
                    f" WHEN {_same(kind, 's', 'l')} THEN 'duplicates'"
                    f" WHEN {_newer(kind, versions.order, 's', 'l')} THEN 'outdated'"
                    f" ELSE 'replaced' END AS fate FROM latest l LEFT JOIN {table} s"
                    f" ON {_keyed(versions.key, 's', 'l')}"
                )
            winners = latest.join(fates, on="batch_row").filter(
                pl.col("fate").is_in(["stored", "replaced"])
            )
        same_in_batch = 0
        if not earlier.is_empty():
            with self._registered("latest", latest), self._registered("earlier", earlier):
                same_in_batch = self._rows(
                    f"SELECT count(*) FROM earlier e JOIN latest l"
                    f" ON {_keyed(versions.key, 'e', 'l')} WHERE {_same(kind, 'e', 'l')}"
                )[0][0]
        self._write_versions(ingest_id, kind, winners.drop("batch_row"))
        counted = Counter(dict(fates["fate"].value_counts().rows()))
        counted["duplicates"] += same_in_batch
        counted["outdated"] += earlier.height - same_in_batch
        counted["stored"] += counted["replaced"]
        return counted

    def _write_versions(self, ingest_id: str, kind: RecordKind, winners: pl.DataFrame) -> None:
        """Replace the stored versions of the records of `winners` with them: only those whose
        `fate` is `replaced` have one to delete (a batch of new records deletes nothing)."""
        if winners.is_empty():
            return
        key, table = _VERSIONED[kind].key, RECORD_TABLES[kind]
        columns = ", ".join(_q(c) for c in RECORD_SCHEMAS[kind])
        target = f"{table} ({columns}, ingest_id)"
        replaced = winners.filter(pl.col("fate") == "replaced").select(key)
        if not replaced.is_empty():
            with self._registered("replaced_keys", replaced):
                self._con.execute(
                    f"DELETE FROM {table} s WHERE EXISTS"
                    f" (SELECT 1 FROM replaced_keys w WHERE {_keyed(key, 's', 'w')})"
                )
        with self._registered("winners", winners.drop("fate"), views=True):
            self._con.execute(f"INSERT INTO {target} SELECT {columns}, ? FROM winners", [ingest_id])

    def _append_new(self, ingest_id: str, kind: RecordKind, records: pl.DataFrame) -> Counter[str]:
        """Append the entries no other ingest stored; count them and the duplicates."""
        if records.is_empty():
            return Counter()
        table = RECORD_TABLES[kind]
        columns = ", ".join(f"b.{_q(c)}" for c in RECORD_SCHEMAS[kind])
        names = ", ".join(_q(c) for c in RECORD_SCHEMAS[kind])
        with self._registered("incoming", records):
            result = self._con.execute(
                f"INSERT INTO {table} ({names}, ingest_id) SELECT {columns}, ? FROM incoming b"
                f" WHERE NOT EXISTS ("
                f" SELECT 1 FROM {table} a WHERE a.ingest_id <> ? AND {_same(kind, 'a', 'b')})",
                [ingest_id, ingest_id],
            ).fetchone()
        stored = int(result[0]) if result else 0
        return Counter({"stored": stored, "duplicates": records.height - stored})

    # --- reading back ----------------------------------------------------------------------

    def releases(
        self, container_numbers: Sequence[str] | None = None, terminal: str | None = None
    ) -> pl.DataFrame:
        """Stored releases (the latest version of each), of the containers `container_numbers`
        (compared in their stored form: `normalise_container`) and at `terminal` (a terminal,
        `NLRTM-ECT`, or every terminal of a port, `NLRTM`) when given; by `issued_at`, then id."""
        where: list[str] = []
        params: list[Any] = []
        if container_numbers is not None:
            where.append("list_contains(?, container_number)")
            params.append([normalise_container(n) for n in container_numbers])
        if terminal is not None:
            where.append("(terminal = ? OR starts_with(terminal, ? || '-'))")
            params += [terminal.upper(), terminal.upper()]
        return self._records(RecordKind.RELEASES, where, params, "issued_at, release_id")

    def gate_transactions(
        self,
        container_numbers: Sequence[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> pl.DataFrame:
        """Stored gate transactions (of the containers `container_numbers` when given) within
        [`since`, `until`), by time, then id."""
        where, params = _within(since, until)
        if container_numbers is not None:
            where.append("list_contains(?, container_number)")
            params.append([normalise_container(n) for n in container_numbers])
        return self._records(RecordKind.GATE, where, params, '"time", gate_tx_id')

    def access_log(
        self, since: datetime | None = None, until: datetime | None = None, user: str | None = None
    ) -> pl.DataFrame:
        """Imported access log entries (of `user` when given) within [`since`, `until`), by
        time, then user."""
        where, params = _within(since, until)
        if user is not None:
            where.append('"user" = ?')
            params.append(user)
        return self._records(RecordKind.ACCESS_LOG, where, params, '"time", "user"')

    def staff(self) -> pl.DataFrame:
        """The staff directory: one row per user, the latest version, by user."""
        return self._records(RecordKind.STAFF, [], [], '"user"')

    def work_assignments(self, user: str | None = None) -> pl.DataFrame:
        """Work assignments (of `user` when given): one row per (user, record), by user, then
        record."""
        where, params = (['"user" = ?'], [user]) if user is not None else ([], [])
        return self._records(RecordKind.WORK, where, params, '"user", "record"')

    def telemetry(
        self,
        container_number: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        containers: Collection[str] | None = None,
    ) -> pl.DataFrame:
        """Smart-container readings (of `container_number` and of the boxes `containers`,
        compared in their stored form, when given) within [`since`, `until`), by time, then
        container number."""
        where, params = _within(since, until)
        if container_number is not None:
            where.append("container_number = ?")
            params.append(normalise_container(container_number))
        _of_boxes(where, params, "container_number", containers)
        return self._records(RecordKind.TELEMETRY, where, params, '"time", container_number')

    def container_events(
        self,
        container_number: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        containers: Collection[str] | None = None,
        retracted: bool = False,
    ) -> pl.DataFrame:
        """Stored Track & Trace events (the latest version of each), of the container
        `container_number` and of the boxes `containers` (compared in their stored form:
        `normalise_container`) when given, that happen within [`since`, `until`); by event
        time, then id. Retracted events (`retracted`) are left out unless `retracted`."""
        where, params = _within(since, until, "event_time")
        if container_number is not None:
            where.append("container_number = ?")
            params.append(normalise_container(container_number))
        _of_boxes(where, params, "container_number", containers)
        if not retracted:
            where.append("retracted IS NOT TRUE")
        return self._records(RecordKind.CONTAINERS, where, params, "event_time, event_id")

    def manifests(
        self,
        bill_of_lading: str | None = None,
        container_number: str | None = None,
        containers: Collection[str] | None = None,
    ) -> pl.DataFrame:
        """Stored bills of lading (the latest version of each), the bill `bill_of_lading`, those
        covering the container `container_number` and those covering any of the boxes
        `containers` when given; by bill."""
        where: list[str] = []
        params: list[Any] = []
        if bill_of_lading is not None:
            where.append("bill_of_lading = ?")
            params.append(bill_of_lading)
        if container_number is not None:
            where.append("list_contains(container_numbers, ?)")
            params.append(normalise_container(container_number))
        if containers is not None:
            where.append("list_has_any(container_numbers, ?::VARCHAR[])")
            params.append(sorted({normalise_container(n) for n in containers}))
        return self._records(RecordKind.MANIFESTS, where, params, "bill_of_lading")

    def _records(
        self, kind: RecordKind, where: list[str], params: list[Any], order: str
    ) -> pl.DataFrame:
        schema = RECORD_SCHEMAS[kind]
        columns = ", ".join(_q(c) for c in schema)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        frame = self._frame(
            f"SELECT {columns} FROM {RECORD_TABLES[kind]} {clause} ORDER BY {order}", params
        )
        return conform(frame, schema)


def _latest_versions(
    records: pl.DataFrame, versions: _Versions
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The newest version of each record of `records` (with its `batch_row`) and the earlier
    ones; a batch whose keys are all distinct (the usual case) is not sorted."""
    numbered = records.with_row_index("batch_row")
    key = list(versions.key)
    if records.select(pl.struct(key).is_unique().all()).item():
        return numbered, numbered.clear()
    order = [
        pl.col(c).fill_null(False) if records.schema[c] == pl.Boolean() else pl.col(c)
        for c in versions.order
    ]
    ranked = numbered.sort([*order, pl.col("batch_row")], nulls_last=False)
    latest = ranked.unique(key, keep="last", maintain_order=True)
    earlier = ranked.join(latest.select("batch_row"), on="batch_row", how="anti")
    return latest, earlier


def _of_boxes(
    where: list[str], params: list[Any], column: str, containers: Collection[str] | None
) -> None:
    """Keep the rows whose `column` is one of `containers` (normalised) when given: a join
    with the list, in SQL."""
    if containers is not None:
        where.append(f"{_q(column)} IN (SELECT unnest(?::VARCHAR[]))")
        params.append(sorted({normalise_container(n) for n in containers}))


def _within(
    since: datetime | None, until: datetime | None, column: str = "time"
) -> tuple[list[str], list[Any]]:
    """Clauses and parameters keeping `column` within [`since`, `until`)."""
    where: list[str] = []
    params: list[Any] = []
    if since is not None:
        where.append(f"{_q(column)} >= ?")
        params.append(since)
    if until is not None:
        where.append(f"{_q(column)} < ?")
        params.append(until)
    return where, params


def _record_counts(batch: RecordBatch, fates: Counter[str]) -> list[tuple[str, str, int]]:
    """The counters of one batch (`ingest_counts` rows: counter, key, count)."""
    counts = [
        ("records_read", "", batch.records_read),
        *((f"records_{fate}", "", fates[fate]) for fate in ("stored", "replaced")),
        *((fate, "", fates[fate]) for fate in ("duplicates", "outdated")),
        *(("skipped", reason, n) for reason, n in batch.skipped.items()),
        *(("cleared", reason, n) for reason, n in batch.cleared.items()),
        *(("quarantined", r, n) for r, n in batch.quarantine["reason"].value_counts().rows()),
    ]
    return [count for count in counts if count[2]]
