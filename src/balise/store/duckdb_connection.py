"""What every part of the DuckDB store shares: the connection, query helpers, transactions, and
the data generation counter of each database file."""

from __future__ import annotations

import contextlib
import itertools
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import duckdb
import polars as pl

from balise.store.audit_commits import audit_queue
from balise.store.base import WriteConflict

_GENERATIONS: dict[str, int] = {}
_GENERATIONS_LOCK = threading.Lock()
_MEMORY = itertools.count()
_ALERTS: Final = "|alerts"
"""The key suffix of a database's alerts generation."""


CONNECTION_CONFIG: Final = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "enable_external_access": False,
}
"""DuckDB never downloads or loads an extension (the ones the store uses, ICU, JSON and Parquet,
are built into the Python package), and SQL cannot reach files or URLs beyond the database's
own: no `INSTALL`, `LOAD`, `read_csv('/etc/...')`, `COPY ... TO`, `ATTACH` or Python
replacement scans (frames are registered by name instead)."""
SESSION_SQL: Final = (
    "SET GLOBAL TimeZone = 'UTC'",
    # batches append whole row groups and a partial one each; compacting those at every
    # checkpoint rewrote the whole table once more (docs/decisions/0004)
    "SET GLOBAL max_vacuum_tasks = 0",
    "SET lock_configuration = true",
)
"""Run once on a new connection: the settings every cursor inherits, then the configuration
locked, so that no statement can turn extensions or file access back on."""


def connect(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A connection to the database at `path` (or `:memory:`) with `CONNECTION_CONFIG`, its
    settings applied and locked (once per database: a second store on a file this process has
    open shares its database, already set up), and the audit rows this process remembers of
    it forgotten when it opens it anew."""
    con = duckdb.connect(str(path), config=dict(CONNECTION_CONFIG))
    locked = con.execute("SELECT current_setting('lock_configuration')").fetchone()
    if not (locked and locked[0]):
        for statement in SESSION_SQL:
            con.execute(statement)
        # opened anew: another process may have written it since this one last had it open
        audit_queue(database_key(path)).forget()
    return con


_LOCK_HOLDER = re.compile(r"Conflicting lock is held in .*\(PID (\d+)\)")


def held_by(err: duckdb.Error) -> tuple[int, str] | None:
    """The process id holding the file's write lock and its command line (as `ps` shows it,
    empty when it cannot be read), when `err` is DuckDB refusing a second writer; else None."""
    found = _LOCK_HOLDER.search(str(err))
    if found is None:
        return None
    pid = int(found.group(1))
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return pid, ""
    words = [w.decode(errors="replace") for w in raw.split(b"\0") if w]
    if len(words) > 2 and words[1:3] == ["-m", "balise"]:
        words = ["balise", *words[3:]]
    elif words and Path(words[0]).name.startswith("python") and len(words) > 1:
        words = [Path(words[1]).name, *words[2:]]
    return pid, " ".join(words)


def locked_message(path: Path | str, held: tuple[int, str]) -> str:
    """Why the store cannot be opened, and what to do, for a person."""
    pid, command = held
    who = f"process {pid} ({command})" if command else f"process {pid}"
    return (
        f"the workspace store {path} is in use by {who}: one process at a time may open a "
        "workspace. Stop that process first, or run the server and the live listeners as one "
        "process: balise serve --listen-ais tcp:HOST:PORT (or udp:PORT, serial:DEVICE)"
    )


def database_key(path: Path | str) -> str:
    """Which database a store is on: its file's resolved path (every store of this process on
    one file shares the key), or a key of its own for `:memory:`."""
    if str(path) == ":memory:":
        return f":memory:{next(_MEMORY)}"
    return str(Path(path).resolve())


def table_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """The column names of every table, by table name: read once, by an opening store, for all
    its migrations (one catalog query costs about what a query for one table does)."""
    columns: dict[str, set[str]] = {}
    rows = con.execute("SELECT table_name, column_name FROM information_schema.columns")
    for table, column in rows.fetchall():
        columns.setdefault(table, set()).add(column)
    return columns


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction, if any: DuckDB ends a transaction by itself when a
    write conflict fails it, and a second rollback would raise."""
    with contextlib.suppress(duckdb.TransactionException):
        con.rollback()


class Connected:
    """A DuckDB connection (`_con`) on the database `_key`, with the helpers the store's parts
    query it through."""

    _con: duckdb.DuckDBPyConnection
    _key: str

    @property
    def generation(self) -> int:
        """A number that grows with every write of data (positions, identities, events, detection
        runs, derived tables) and of who may read it (accounts' roles, revoked tokens, shares)
        made by this process to this database, whichever store object made it; readers compare
        it to know whether what they computed is still current without querying. It sees no
        other process's writes: while a process holds a DuckDB file open for writing (as
        `balise serve` does), no other process can open it."""
        return _GENERATIONS.get(self._key, 0)

    @property
    def alerts_generation(self) -> int:
        """Like `generation`, for the writes of alerts only (derived again, triaged, re-opened):
        a reader of alerts looks again when it moved."""
        return _GENERATIONS.get(self._key + _ALERTS, 0)

    def _changed(self) -> None:
        with _GENERATIONS_LOCK:
            _GENERATIONS[self._key] = _GENERATIONS.get(self._key, 0) + 1

    def _alerts_changed(self) -> None:
        """After a commit that wrote alerts: both generations move."""
        with _GENERATIONS_LOCK:
            _GENERATIONS[self._key] = _GENERATIONS.get(self._key, 0) + 1
            _GENERATIONS[self._key + _ALERTS] = _GENERATIONS.get(self._key + _ALERTS, 0) + 1

    def _frame(self, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
        table = self._con.sql(sql, params=params or None).to_arrow_table()
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return frame

    def _rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return self._con.execute(sql, list(params)).fetchall()

    def _batches(self, sql: str, params: list[Any], batch_rows: int) -> Iterator[pl.DataFrame]:
        """The result of `sql` in frames of at most `batch_rows`, read as they are consumed."""
        reader = self._con.sql(sql, params=params or None).to_arrow_reader(batch_rows)
        for record_batch in reader:
            frame = pl.from_arrow(record_batch)
            assert isinstance(frame, pl.DataFrame)
            yield frame

    def _insert_quarantine(self, ingest_id: str, quarantine: pl.DataFrame) -> None:
        """Append the quarantine rows of a batch of the ingest `ingest_id`."""
        if quarantine.is_empty():
            return
        self._con.register("batch_quarantine", quarantine.to_arrow())
        try:
            self._con.execute(
                "INSERT INTO quarantine SELECT ?, source, source_line, reason, detail, raw"
                " FROM batch_quarantine",
                [ingest_id],
            )
        finally:
            self._con.unregister("batch_quarantine")

    def _record_progress(
        self, ingest_id: str, batch_index: int, counts: list[tuple[str, str, int]]
    ) -> None:
        """Append the counts (`counter`, `key`, `count`) of batch `batch_index` of the ingest
        `ingest_id` and move its progress past the batch."""
        self._insert_counts(ingest_id, batch_index, counts)
        self._con.execute(
            "UPDATE ingests SET batches_done = ? WHERE ingest_id = ?", [batch_index + 1, ingest_id]
        )

    def _insert_counts(
        self, ingest_id: str, batch_index: int, counts: list[tuple[str, str, int]]
    ) -> None:
        """Append counts of an ingest's batch in one statement: a multi-row `INSERT` costs
        about what one row of `executemany` does (it runs the statement once per row)."""
        if not counts:
            return
        rows = ", ".join(["(?, ?, ?, ?, ?)"] * len(counts))
        values = [value for count in counts for value in (ingest_id, batch_index, *count)]
        self._con.execute(f"INSERT INTO ingest_counts VALUES {rows}", values)

    @contextlib.contextmanager
    def _registered(self, name: str, frame: pl.DataFrame, views: bool = False) -> Iterator[None]:
        """`frame` readable as the view `name` for the duration of the block; with `views`, its
        text handed over as Arrow string views (polars' own layout: not copied)."""
        table = frame.to_arrow(compat_level=pl.CompatLevel.newest()) if views else frame.to_arrow()
        self._con.register(name, table)
        try:
            yield
        finally:
            self._con.unregister(name)

    @contextlib.contextmanager
    def _transaction(self, *conflicts: type[duckdb.Error]) -> Iterator[None]:
        """One transaction: committed at the end of the block, rolled back on any exception;
        the exceptions of `conflicts` (a lost race with another writer) become
        `WriteConflict`."""
        self._con.begin()
        try:
            yield
            self._con.commit()
        except conflicts as err:
            rollback(self._con)
            raise WriteConflict(f"another write got there first: {err}") from err
        except BaseException:
            rollback(self._con)
            raise
