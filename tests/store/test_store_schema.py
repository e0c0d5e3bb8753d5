"""A new store is created with every table, column and index an older store is migrated to: its
columns are not read when it is opened (no file before), so a column that only a migration adds
would be missing from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from balise.store.duckdb import DuckDBStore

CATALOG = (
    "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE NOT internal"
    " ORDER BY ALL",
    "SELECT table_name, index_name, sql FROM duckdb_indexes() ORDER BY ALL",
    "SELECT sequence_name FROM duckdb_sequences() ORDER BY ALL",
)


def _catalog(con: duckdb.DuckDBPyConnection) -> list[list[tuple[Any, ...]]]:
    return [con.execute(query).fetchall() for query in CATALOG]


def _file_catalog(path: Path) -> list[list[tuple[Any, ...]]]:
    con = duckdb.connect(str(path))
    try:
        return _catalog(con)
    finally:
        con.close()


def test_a_new_store_has_what_an_older_one_is_migrated_to(tmp_path: Path) -> None:
    new = tmp_path / "new.duckdb"
    DuckDBStore(new).close()
    older = tmp_path / "older.duckdb"
    DuckDBStore(older).close()
    con = duckdb.connect(str(older))
    for table in ("events", "event_history"):
        con.execute(f"ALTER TABLE {table} DROP COLUMN related")
        con.execute(f"ALTER TABLE {table} DROP COLUMN subject")
    con.execute("DROP INDEX container_events_box")
    con.execute("ALTER TABLE container_events DROP COLUMN retracted")
    con.close()
    DuckDBStore(older).close()  # migrated
    reopened = tmp_path / "reopened.duckdb"
    DuckDBStore(reopened).close()
    DuckDBStore(reopened).close()  # opened again: its columns read, nothing to migrate
    created = _file_catalog(new)
    assert created[0]
    assert created[1]
    assert _file_catalog(reopened) == created
    assert [sorted(rows) for rows in _file_catalog(older)] == [sorted(rows) for rows in created]
    in_memory = DuckDBStore(":memory:")
    try:
        assert _catalog(in_memory._con) == created
    finally:
        in_memory.close()
