"""Screening lists in the DuckDB store (`ListStore`): `lists`, `list_entries`,
`list_judgements`, `screening_review`, `registry_matches` and `registry_screening`, their columns
those of `balise.model.lists`. Stores made before lists existed get the tables when they are
opened (`migrate_lists`), and a table made by an earlier version the columns added since."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, Final

import duckdb
import polars as pl

from balise.model.lists import (
    JUDGEMENT_SCHEMA,
    LIST_ENTRY_SCHEMA,
    LIST_SCHEMA,
    REGISTRY_MATCH_SCHEMA,
    REGISTRY_SCREENING_SCHEMA,
    REVIEW_SCHEMA,
)
from balise.model.schema import UTC_TIME, conform
from balise.store.duckdb_connection import Connected

_TYPES: Final = {pl.String(): "VARCHAR", pl.Date(): "DATE", UTC_TIME: "TIMESTAMPTZ",
                 pl.List(pl.String()): "VARCHAR[]", pl.Float64(): "DOUBLE",
                 pl.Boolean(): "BOOLEAN"}  # fmt: skip
_TABLES: Final = {"lists": LIST_SCHEMA, "list_entries": LIST_ENTRY_SCHEMA,
                  "list_judgements": JUDGEMENT_SCHEMA,
                  "screening_review": REVIEW_SCHEMA,
                  "registry_matches": REGISTRY_MATCH_SCHEMA,
                  "registry_screening": REGISTRY_SCREENING_SCHEMA}  # fmt: skip
_PAIR: Final = "subject_kind, subject_id, list_name, entry_id"


def _columns(schema: dict[str, pl.DataType]) -> dict[str, str]:
    return {name: _TYPES[kind] for name, kind in schema.items()}


LISTS_SQL: Final = "\n".join(
    f"CREATE TABLE IF NOT EXISTS {table} ("
    + ", ".join(f'"{c}" {t}' for c, t in _columns(schema).items())
    + ");"
    for table, schema in _TABLES.items()
)
"""Creates the list tables a store lacks."""


def migrate_lists(con: duckdb.DuckDBPyConnection, columns: dict[str, set[str]]) -> None:
    """Give the list tables of an older store the columns added since (`columns`: the present
    ones by table, read after `LISTS_SQL` created the tables)."""
    for table, schema in _TABLES.items():
        for column, sql_type in _columns(schema).items():
            if column not in columns[table]:
                con.execute(f'ALTER TABLE {table} ADD COLUMN "{column}" {sql_type}')


class DuckDBLists(Connected):
    """The `ListStore` of the DuckDB store."""

    def create_list(self, record: dict[str, Any]) -> bool:
        frame = conform(pl.DataFrame([record]), LIST_SCHEMA)
        with self._transaction(), self._registered("new_list", frame):
            exists = self._rows("SELECT count(*) FROM lists WHERE name = ?", record["name"])
            if exists[0][0]:
                return False
            self._con.execute(f"INSERT INTO lists BY NAME SELECT {_select(LIST_SCHEMA)} "
                              "FROM new_list")  # fmt: skip
        self._changed()
        return True

    def lists(self) -> pl.DataFrame:
        return self._frame(
            f"SELECT {_select(LIST_SCHEMA, 'l.')}, "
            "count(e.entry_id) FILTER (WHERE e.removed_at IS NULL) AS entries, "
            "count(e.entry_id) FILTER (WHERE e.removed_at IS NOT NULL) AS removed "
            "FROM lists l LEFT JOIN list_entries e ON e.list_name = l.name "
            f"GROUP BY ALL ORDER BY l.name"
        )

    def add_list_entries(self, entries: pl.DataFrame) -> int:
        frame = conform(entries, LIST_ENTRY_SCHEMA).unique(
            ["list_name", "entry_id"], keep="first", maintain_order=True
        )
        if frame.is_empty():
            return 0
        with self._transaction(), self._registered("new_entries", frame):
            result = self._con.execute(
                f"INSERT INTO list_entries BY NAME SELECT {_select(LIST_ENTRY_SCHEMA, 'n.')} "
                "FROM new_entries n WHERE NOT EXISTS (SELECT 1 FROM list_entries e "
                "WHERE e.list_name = n.list_name AND e.entry_id = n.entry_id "
                "AND e.removed_at IS NULL)"
            ).fetchone()
        self._changed()
        return int(result[0]) if result else 0

    def remove_list_entry(
        self, list_name: str, entry_id: str, removed_by: str, reason: str, at: datetime
    ) -> bool:
        with self._transaction():
            result = self._con.execute(
                "UPDATE list_entries SET removed_at = ?, removed_by = ?, removed_reason = ? "
                "WHERE list_name = ? AND entry_id = ? AND removed_at IS NULL",
                [at, removed_by, reason, list_name, entry_id],
            ).fetchone()
        self._changed()
        return bool(result and result[0])

    def list_entries(
        self, list_name: str | None = None, include_removed: bool = False
    ) -> pl.DataFrame:
        clauses, params = [], []
        if list_name is not None:
            clauses.append("list_name = ?")
            params.append(list_name)
        if not include_removed:
            clauses.append("removed_at IS NULL")
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        frame = self._frame(
            f"SELECT {_select(LIST_ENTRY_SCHEMA)} FROM list_entries {where} "
            "ORDER BY list_name, added_at, entry_id",
            params,
        )
        return conform(frame, LIST_ENTRY_SCHEMA)

    def add_judgement(self, record: dict[str, Any]) -> None:
        frame = conform(pl.DataFrame([record]), JUDGEMENT_SCHEMA)
        with self._transaction(), self._registered("new_judgement", frame):
            self._con.execute(f"INSERT INTO list_judgements BY NAME SELECT "
                              f"{_select(JUDGEMENT_SCHEMA)} FROM new_judgement")  # fmt: skip
        self._changed()

    def judgements(self, latest: bool = True) -> pl.DataFrame:
        qualify = (f"QUALIFY row_number() OVER (PARTITION BY {_PAIR} ORDER BY judged_at DESC) = 1"
                   if latest else "")  # fmt: skip
        frame = self._frame(
            f"SELECT {_select(JUDGEMENT_SCHEMA)} FROM list_judgements {qualify} "
            f"ORDER BY judged_at, {_PAIR}"
        )
        return conform(frame, JUDGEMENT_SCHEMA)

    def replace_review(self, rows: pl.DataFrame) -> None:
        frame = conform(rows, REVIEW_SCHEMA)
        with self._transaction(), self._registered("new_review", frame):
            self._con.execute("DELETE FROM screening_review")
            self._con.execute(f"INSERT INTO screening_review BY NAME SELECT "
                              f"{_select(REVIEW_SCHEMA)} FROM new_review")  # fmt: skip
        self._changed()

    def review(self, min_score: float = 0.0) -> pl.DataFrame:
        frame = self._frame(
            f"SELECT {_select(REVIEW_SCHEMA)} FROM screening_review WHERE score >= ? "
            f"ORDER BY score DESC, {_PAIR}",
            [min_score],
        )
        return conform(frame, REVIEW_SCHEMA)

    def replace_registry_matches(self, rows: pl.DataFrame, digest: str, at: datetime) -> None:
        frame = conform(rows, REGISTRY_MATCH_SCHEMA)
        with self._transaction(), self._registered("new_matches", frame):
            self._con.execute("DELETE FROM registry_matches")
            self._con.execute("DELETE FROM registry_screening")
            self._con.execute(f"INSERT INTO registry_matches BY NAME SELECT "
                              f"{_select(REGISTRY_MATCH_SCHEMA)} FROM new_matches")  # fmt: skip
            self._con.execute("INSERT INTO registry_screening VALUES (?, ?)", [digest, at])
        self._changed()

    def registry_matches(self, digest: str, ids: Collection[str]) -> pl.DataFrame | None:
        screened = self._rows("SELECT digest FROM registry_screening")
        if not screened or screened[0][0] != digest:
            return None
        frame = self._frame(
            f"SELECT {_select(REGISTRY_MATCH_SCHEMA)} FROM registry_matches "
            "WHERE list_contains(?::VARCHAR[], entity_id) ORDER BY entity_id, score DESC, "
            "entry_ref",
            [sorted(set(ids))],
        )
        return conform(frame, REGISTRY_MATCH_SCHEMA)


def _select(schema: dict[str, pl.DataType], prefix: str = "") -> str:
    return ", ".join(f'{prefix}"{c}"' for c in schema)
