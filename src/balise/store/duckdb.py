"""The embedded store: one DuckDB file in the workspace.

Each batch is written in one transaction together with its counts and the ingest's progress, so an
ingest killed half-way leaves whole batches only, and a re-run resumes after the last one. Positions
are de-duplicated on (mmsi, timestamp, lat, lon) against what is stored, within the batch's time
span; identity reports are folded into snapshots (one row per distinct identity of an MMSI and
report type, with first and last time seen and a message count), so changes are kept, not
overwritten, and repeats cost nothing.

`DuckDBStore` is the `Store` of `balise.store.base`; its queries are grouped by concern in the
`duckdb_*` modules (positions, events, alerts, fleet), each a part of the class.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from balise.errors import WorkspaceError
from balise.model.batch import ReadBatch
from balise.model.schema import IDENTITY_KEY, POSITION_SCHEMA, UTC_TIME
from balise.store.base import IngestRecord
from balise.store.batch_rows import PreparedBatch, prepare_batch
from balise.store.duckdb_accounts import ACCOUNTS_SQL, DuckDBAccounts
from balise.store.duckdb_alerts import ALERTS_SQL, DuckDBAlerts
from balise.store.duckdb_connection import (
    connect,
    database_key,
    held_by,
    locked_message,
    table_columns,
)
from balise.store.duckdb_event_queries import DuckDBEventQueries
from balise.store.duckdb_events import EVENTS_SQL, migrate_events
from balise.store.duckdb_fleet import DuckDBFleet
from balise.store.duckdb_inspection import INSPECTION_SQL, DuckDBInspection
from balise.store.duckdb_lists import LISTS_SQL, DuckDBLists, migrate_lists
from balise.store.duckdb_positions import DuckDBPositions
from balise.store.duckdb_records import (
    RECORD_INDEXES_SQL,
    RECORD_TABLES_SQL,
    DuckDBRecords,
    migrate_records,
)
from balise.store.duckdb_registry import DuckDBRegistry

_SQL_TYPES = {
    pl.Int8(): "TINYINT",
    pl.Int16(): "SMALLINT",
    pl.Int32(): "INTEGER",
    pl.Int64(): "BIGINT",
    pl.Float64(): "DOUBLE",
    pl.String(): "VARCHAR",
    UTC_TIME: "TIMESTAMPTZ",
}
_IDENTITY_TYPES = {
    "mmsi": "INTEGER", "msg_type": "TINYINT", "source_format": "VARCHAR", "imo": "INTEGER",
    "name": "VARCHAR", "call_sign": "VARCHAR", "ship_type": "SMALLINT",
    "ship_type_text": "VARCHAR", "length_m": "DOUBLE", "width_m": "DOUBLE", "draught_m": "DOUBLE",
    "destination": "VARCHAR", "eta": "TIMESTAMPTZ", "first_seen": "TIMESTAMPTZ",
    "last_seen": "TIMESTAMPTZ", "messages": "BIGINT", "first_source": "VARCHAR",
    "first_source_line": "BIGINT",
}  # fmt: skip


def _columns_sql(types: dict[str, str]) -> str:
    return ", ".join(f"{name} {sql}" for name, sql in types.items())


_SCHEMA_SQL = f"""
CREATE TABLE IF NOT EXISTS positions (
    {_columns_sql({n: _SQL_TYPES[t] for n, t in POSITION_SCHEMA.items()})});
CREATE TABLE IF NOT EXISTS identities ({_columns_sql(_IDENTITY_TYPES)});
CREATE TABLE IF NOT EXISTS quarantine (
    ingest_id VARCHAR, source VARCHAR, source_line BIGINT, reason VARCHAR, detail VARCHAR,
    raw VARCHAR);
CREATE TABLE IF NOT EXISTS ingests (
    ingest_id VARCHAR PRIMARY KEY, source VARCHAR, source_format VARCHAR, status VARCHAR,
    batches_done INTEGER, batch_records INTEGER, started TIMESTAMPTZ, finished TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS ingest_counts (
    ingest_id VARCHAR, batch_index INTEGER, counter VARCHAR, key VARCHAR, count BIGINT);
CREATE SEQUENCE IF NOT EXISTS change_seq;
CREATE TABLE IF NOT EXISTS changes (seq BIGINT, mmsi INTEGER, first TIMESTAMPTZ, last TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS detect_runs (
    run_at TIMESTAMPTZ, seq BIGINT, fingerprint VARCHAR, mode VARCHAR, positions BIGINT);
"""

_CREATE_SQL = "\n".join(
    [
        _SCHEMA_SQL,
        EVENTS_SQL,
        ALERTS_SQL,
        ACCOUNTS_SQL,
        RECORD_TABLES_SQL,
        INSPECTION_SQL,
        LISTS_SQL,
    ]
)
"""Creates every table (and sequence) a store lacks."""

_SAME_IDENTITY = " AND ".join(f"i.{c} IS NOT DISTINCT FROM b.{c}" for c in IDENTITY_KEY)


class DuckDBStore(
    DuckDBPositions,
    DuckDBEventQueries,
    DuckDBAlerts,
    DuckDBFleet,
    DuckDBAccounts,
    DuckDBRecords,
    DuckDBInspection,
    DuckDBLists,
    DuckDBRegistry,
):
    """The `Store` over a DuckDB file (or `:memory:`)."""

    def __init__(self, path: Path | str) -> None:
        new = str(path) == ":memory:" or not Path(path).exists()
        try:
            self._con = connect(path)
        except duckdb.Error as err:
            held = held_by(err)
            if held is not None:
                raise WorkspaceError(locked_message(path, held), path=str(path),
                                     pid=held[0]) from err  # fmt: skip
            raise WorkspaceError(f"cannot open the store {path}: {err}", path=str(path)) from err
        self._key = database_key(path)
        self._migrate(new)

    def _migrate(self, new: bool) -> None:
        """Create the tables a store lacks and give those of an older store the columns added
        since, in one transaction (one commit to the write-ahead log, not one per statement),
        the present columns read once for all the tables. A `new` store (no file before it
        was opened) has them all as created: its columns are not read (the first catalog
        query of a database costs about a third of opening a new one)."""
        with self._transaction():
            self._con.execute(_CREATE_SQL)
            if not new:
                columns = table_columns(self._con)
                migrate_events(self._con, columns)
                migrate_records(self._con, columns)
                migrate_lists(self._con, columns)
            self._con.execute(RECORD_INDEXES_SQL)

    def close(self) -> None:
        self._con.close()

    def cursor(self) -> DuckDBStore:
        """Another store on the same open database, for another thread (a DuckDB connection
        must not be used by two threads at once); close it when done."""
        other = DuckDBStore.__new__(DuckDBStore)
        other._con = self._con.cursor()  # inherits the settings: UTC, locked configuration
        other._key = self._key
        return other

    def ingest(self, ingest_id: str) -> IngestRecord | None:
        rows = self._rows(
            "SELECT ingest_id, source, source_format, status, batches_done, batch_records "
            "FROM ingests WHERE ingest_id = ?",
            ingest_id,
        )
        return IngestRecord(*rows[0]) if rows else None

    def start_ingest(self, record: IngestRecord) -> IngestRecord:
        existing = self.ingest(record.ingest_id)
        if existing is not None:
            return existing
        self._con.execute(
            "INSERT INTO ingests VALUES (?, ?, ?, 'running', 0, ?, now(), NULL)",
            [record.ingest_id, record.source, record.source_format, record.batch_records],
        )
        return record

    def finish_ingest(self, ingest_id: str) -> None:
        self._con.execute(
            "UPDATE ingests SET status = 'complete', finished = now() WHERE ingest_id = ?",
            [ingest_id],
        )

    def fail_ingest(self, ingest_id: str, quarantine: pl.DataFrame) -> None:
        """The failure's rows replace an earlier failure's (batch index -1), so re-running a
        failing input does not pile them up; `batches_done` is left as it is."""
        con = self._con
        con.begin()
        try:
            con.execute(
                "DELETE FROM quarantine WHERE ingest_id = ? AND reason = 'reader_error'",
                [ingest_id],
            )
            con.execute(
                "DELETE FROM ingest_counts WHERE ingest_id = ? AND batch_index = -1", [ingest_id]
            )
            self._insert_quarantine(ingest_id, quarantine)
            reasons = quarantine["reason"].value_counts().rows()
            self._insert_counts(ingest_id, -1, [("quarantined", r, n) for r, n in reasons])
            con.execute("UPDATE ingests SET status = 'failed' WHERE ingest_id = ?", [ingest_id])
            con.commit()
        except BaseException:
            con.rollback()
            raise

    def prepare_batch(self, batch: ReadBatch) -> PreparedBatch:
        """`batch` with its identity snapshots and change-log rows computed (`batch_rows`): no
        use of the connection, so another thread may call it while this store writes."""
        return prepare_batch(batch)

    def store_batch(self, ingest_id: str, batch_index: int, batch: ReadBatch) -> None:
        prepared = prepare_batch(batch)
        con = self._con
        con.begin()
        try:
            stored = self._insert_positions(batch.positions)
            snapshots = self._upsert_identities(prepared.snapshots)
            self._insert_quarantine(ingest_id, batch.quarantine)
            if stored or snapshots:
                self._record_changes(prepared.touched)
            self._record_progress(ingest_id, batch_index, _batch_counts(batch, stored, snapshots))
            con.commit()
        except BaseException:
            con.rollback()
            raise
        finally:
            self._changed()

    def _record_changes(self, touched: pl.DataFrame) -> None:
        """Log which vessels a batch touched and over what time span (`touched`), under one new
        sequence number: an incremental detection run re-examines those vessels only."""
        self._con.register("touched", touched.to_arrow())
        try:
            self._con.execute(
                "INSERT INTO changes SELECT s.seq, t.mmsi, t.first, t.last FROM touched t, "
                "(SELECT nextval('change_seq') AS seq) s"
            )
        finally:
            self._con.unregister("touched")

    def last_change(self) -> int:
        """The sequence number of the last stored change (0 when nothing was stored)."""
        return int(self._rows("SELECT coalesce(max(seq), 0) FROM changes")[0][0])

    def changes_since(self, seq: int) -> pl.DataFrame:
        """Vessels touched after change `seq`: `mmsi`, `first` and `last` time touched."""
        return self._frame(
            "SELECT mmsi, min(first) AS first, max(last) AS last FROM changes WHERE seq > ? "
            "GROUP BY mmsi ORDER BY mmsi",
            [seq],
        )

    def _insert_positions(self, positions: pl.DataFrame) -> int:
        """Insert the positions not already stored; a batch whose time span holds no stored
        position (a new day, a new store) needs no comparison."""
        if positions.is_empty():
            return 0
        times = positions["timestamp"]
        span = [times.min(), times.max()]
        overlaps = self._rows(
            "SELECT EXISTS (SELECT 1 FROM positions WHERE timestamp BETWEEN ? AND ?)", *span
        )[0][0]
        # the text columns as Arrow string views (polars' own layout): about a tenth less CPU
        # for the insert than converting them to Arrow strings first
        with self._registered("batch_positions", positions, views=True):
            if overlaps:
                result = self._con.execute(
                    "INSERT INTO positions SELECT b.* FROM batch_positions b ANTI JOIN ("
                    " SELECT mmsi, timestamp, lat, lon FROM positions"
                    " WHERE timestamp BETWEEN ? AND ?) p USING (mmsi, timestamp, lat, lon)",
                    span,
                ).fetchone()
            else:
                result = self._con.execute(
                    "INSERT INTO positions SELECT * FROM batch_positions"
                ).fetchone()
        return int(result[0]) if result else 0

    def _upsert_identities(self, snapshots: pl.DataFrame) -> int:
        """Fold a batch's identity snapshots into the stored ones; the number of new ones."""
        if snapshots.is_empty():
            return 0
        self._con.register("batch_identities", snapshots.to_arrow())
        try:
            self._con.execute(
                "UPDATE identities i SET first_seen = least(i.first_seen, b.first_seen),"
                " last_seen = greatest(i.last_seen, b.last_seen),"
                " messages = i.messages + b.messages"
                f" FROM batch_identities b WHERE {_SAME_IDENTITY}"
            )
            columns = ", ".join(f"b.{c}" for c in _IDENTITY_TYPES)
            result = self._con.execute(
                f"INSERT INTO identities SELECT {columns} FROM batch_identities b"
                f" WHERE NOT EXISTS (SELECT 1 FROM identities i WHERE {_SAME_IDENTITY})"
            ).fetchone()
        finally:
            self._con.unregister("batch_identities")
        return int(result[0]) if result else 0

    def ingest_counts(self, ingest_id: str) -> pl.DataFrame:
        return self._frame(
            "SELECT counter, key, sum(count)::BIGINT AS count FROM ingest_counts"
            " WHERE ingest_id = ? GROUP BY counter, key ORDER BY counter, key",
            [ingest_id],
        )

    def quarantine(self, ingest_id: str | None = None) -> pl.DataFrame:
        where = "WHERE ingest_id = ?" if ingest_id else ""
        return self._frame(
            f"SELECT * FROM quarantine {where} ORDER BY ingest_id, source_line",
            [ingest_id] if ingest_id else [],
        )


def _batch_counts(batch: ReadBatch, stored: int, snapshots: int) -> list[tuple[str, str, int]]:
    decoded_positions = batch.positions.height
    counts = [
        ("records_read", "", batch.records_read),
        ("positions_stored", "", stored),
        ("duplicates", "", batch.duplicates + decoded_positions - stored),
        ("no_position", "", batch.no_position),
        ("identity_reports", "", batch.identities.height),
        ("identity_snapshots_new", "", snapshots),
    ]
    for counter, tally in (
        ("messages", batch.messages_by_type),
        ("cleared", batch.cleared),
        ("skipped", batch.skipped),
    ):
        counts.extend((counter, str(key), n) for key, n in tally.items())
    reasons = batch.quarantine["reason"].value_counts()
    counts.extend(("quarantined", reason, n) for reason, n in reasons.iter_rows())
    return [c for c in counts if c[2]]
