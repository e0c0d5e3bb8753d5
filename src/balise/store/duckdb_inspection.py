"""The inspection plans and results of the DuckDB store (`InspectionStore`).

`inspection_plans` keeps the last plan of each (site, day): every candidate container with its
lane, why it was selected and its selection probability (the propensity the hit-rate estimate
weights by); planning a day again replaces that day's rows. `inspection_results` keeps one row
per (container, day): a later result of the same box and day replaces it.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import polars as pl

from balise.model.schema import conform
from balise.store.base import INSPECTION_PLAN_SCHEMA, INSPECTION_RESULT_SCHEMA
from balise.store.duckdb_connection import Connected

_TYPES: Final = {pl.String(): "VARCHAR", pl.Float64(): "DOUBLE", pl.Int64(): "BIGINT",
                 pl.Boolean(): "BOOLEAN", pl.Date(): "DATE"}  # fmt: skip


def _sql_type(kind: pl.DataType) -> str:
    return _TYPES.get(kind, "TIMESTAMPTZ")


INSPECTION_SQL: Final = "\n".join(
    f"CREATE TABLE IF NOT EXISTS {table} ("
    + ", ".join(f"{name} {_sql_type(kind)}" for name, kind in schema.items())
    + ");"
    for table, schema in (
        ("inspection_plans", INSPECTION_PLAN_SCHEMA),
        ("inspection_results", INSPECTION_RESULT_SCHEMA),
    )
)


class DuckDBInspection(Connected):
    """The `InspectionStore` of the DuckDB store."""

    def save_inspection_plan(self, site: str, day: date, plan: pl.DataFrame) -> None:
        frame = conform(plan, INSPECTION_PLAN_SCHEMA).with_columns(
            pl.lit(site).alias("site"), pl.lit(day).alias("plan_date")
        )
        with self._transaction(), self._registered("new_plan", frame):
            self._con.execute(
                "DELETE FROM inspection_plans WHERE site = ? AND plan_date = ?", [site, day]
            )
            columns = ", ".join(INSPECTION_PLAN_SCHEMA)
            self._con.execute(
                f"INSERT INTO inspection_plans ({columns}) SELECT {columns} FROM new_plan"
            )
        self._changed()

    def inspection_plans(self, site: str | None = None, day: date | None = None) -> pl.DataFrame:
        clauses: list[str] = []
        params: list[object] = []
        if site is not None:
            clauses.append("site = ?")
            params.append(site)
        if day is not None:
            clauses.append("plan_date = ?")
            params.append(day)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        frame = self._frame(
            f"SELECT * FROM inspection_plans {where} "
            "ORDER BY site, plan_date, probability DESC, container_number",
            list(params),
        )
        return conform(frame, INSPECTION_PLAN_SCHEMA)

    def record_inspection_results(self, results: pl.DataFrame) -> None:
        frame = conform(results, INSPECTION_RESULT_SCHEMA)
        with self._transaction(), self._registered("new_results", frame):
            self._con.execute(
                "DELETE FROM inspection_results r USING new_results n "
                "WHERE r.container_number = n.container_number "
                "AND r.inspected_on = n.inspected_on"
            )
            columns = ", ".join(INSPECTION_RESULT_SCHEMA)
            self._con.execute(
                f"INSERT INTO inspection_results ({columns}) SELECT {columns} FROM new_results"
            )
        self._changed()

    def inspection_results(self, container_number: str | None = None) -> pl.DataFrame:
        where = "WHERE container_number = ?" if container_number else ""
        frame = self._frame(
            f"SELECT * FROM inspection_results {where} ORDER BY inspected_on, container_number",
            [container_number] if container_number else None,
        )
        return conform(frame, INSPECTION_RESULT_SCHEMA)
