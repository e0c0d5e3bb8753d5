"""The store's DuckDB connections load no extension and reach no file but their database:
`INSTALL`, `LOAD`, file readers and turning the settings back on are refused, on the first
connection, on a cursor and on a second store of the same file."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from balise.store.duckdb import DuckDBStore
from balise.workspace import STORE_FILE

REFUSED = [
    "INSTALL spatial",
    "LOAD spatial",
    "INSTALL httpfs",
    "SET autoload_known_extensions = true",
    "SET autoinstall_known_extensions = true",
    "SET enable_external_access = true",
    "SET lock_configuration = false",
]


@pytest.fixture
def store(tmp_path: Path) -> DuckDBStore:
    return DuckDBStore(tmp_path / STORE_FILE)


def _connections(store: DuckDBStore, tmp_path: Path) -> list[DuckDBStore]:
    return [store, store.cursor(), DuckDBStore(tmp_path / STORE_FILE)]


@pytest.mark.parametrize("statement", REFUSED)
def test_extensions_cannot_be_installed_or_loaded(
    store: DuckDBStore, tmp_path: Path, statement: str
) -> None:
    for connection in _connections(store, tmp_path):
        with pytest.raises(duckdb.Error, match=r"disabled|locked"):
            connection._con.execute(statement)


def test_sql_reaches_no_file_beyond_the_database(store: DuckDBStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside.csv"
    outside.write_text("a\n1\n")
    for statement in (f"SELECT * FROM read_csv('{outside}')",
                      f"COPY (SELECT 1) TO '{tmp_path / 'copy.csv'}'",
                      f"ATTACH '{tmp_path / 'other.duckdb'}'"):  # fmt: skip
        with pytest.raises(duckdb.Error, match="disabled"):
            store._con.execute(statement)
    assert not (tmp_path / "copy.csv").exists()


def test_the_store_still_works_in_utc(store: DuckDBStore, tmp_path: Path) -> None:
    for connection in _connections(store, tmp_path):
        settings = connection._con.execute(
            "SELECT current_setting('TimeZone'), current_setting('max_vacuum_tasks'), "
            "current_setting('autoload_known_extensions')"
        ).fetchone()
        assert settings == ("UTC", 0, False)
        stamp = connection._con.execute("SELECT TIMESTAMPTZ '2024-03-01 12:00:00+02'").fetchone()
        assert stamp is not None
        assert stamp[0].utcoffset().total_seconds() == 0
