"""Company registries in the DuckDB store (`RegistryStore`): the `entities` and `entity_links`
tables, made and written with the other record tables (`balise.store.duckdb_records`)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import polars as pl

from balise.model.registry import ENTITY_SCHEMA, LINK_SCHEMA
from balise.model.schema import conform
from balise.store.duckdb_connection import Connected


def _columns(schema: dict[str, pl.DataType]) -> str:
    return ", ".join(f'"{c}"' for c in schema)


class DuckDBRegistry(Connected):
    """The `RegistryStore` of the DuckDB store."""

    def registry_entities(self, ids: Collection[str] | None = None) -> pl.DataFrame:
        where, params = "", []
        if ids is not None:
            where, params = "WHERE list_contains(?::VARCHAR[], entity_id)", [sorted(set(ids))]
        return self._read("entities", ENTITY_SCHEMA, where, params, "entity_id")

    def registry_links(self, ids: Collection[str] | None = None) -> pl.DataFrame:
        where: str = ""
        params: list[Any] = []
        if ids is not None:
            wanted = sorted(set(ids))
            where = ("WHERE list_contains(?::VARCHAR[], source_id) "
                     "OR list_contains(?::VARCHAR[], target_id)")  # fmt: skip
            params = [wanted, wanted]
        return self._read("entity_links", LINK_SCHEMA, where, params, "link_id")

    def _read(
        self, table: str, schema: dict[str, pl.DataType], where: str, params: list[Any], key: str
    ) -> pl.DataFrame:
        frame = self._frame(
            f"SELECT {_columns(schema)} FROM {table} {where} ORDER BY {key}", params
        )
        return conform(frame, schema)
