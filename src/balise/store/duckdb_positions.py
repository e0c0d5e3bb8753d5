"""Positions and identities in the DuckDB store, read back: per vessel, over time, as tracks and
summaries."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import polars as pl

from balise.model.schema import IDENTITY_FIELDS, POSITION_SCHEMA
from balise.store.duckdb_connection import Connected


class DuckDBPositions(Connected):
    """The `PositionStore` queries of the DuckDB store."""

    def positions_of(
        self,
        mmsis: list[int] | None,
        since: datetime | None = None,
        until: datetime | None = None,
        columns: Sequence[str] | None = None,
    ) -> pl.DataFrame:
        """Every stored position (of the vessels `mmsis` only when given), optionally within
        [`since`, `until`), ordered by vessel and time, in one frame; only `columns` when given
        (a string column costs more to fetch than all the numbers of a row)."""
        clauses, params = _position_filters(None, since, until)
        if mmsis is not None:
            clauses = f"{clauses} AND" if clauses else "WHERE"
            clauses += " mmsi IN (SELECT unnest(?))"
            params.append(mmsis)
        chosen = "*" if columns is None else ", ".join(f'"{c}"' for c in _known(columns))
        return self._frame(
            f"SELECT {chosen} FROM positions {clauses} ORDER BY mmsi, timestamp", params
        )

    def positions(
        self,
        mmsi: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[pl.DataFrame]:
        filters, params = _position_filters(mmsi, since, until)
        sql = f"SELECT * FROM positions {filters} ORDER BY mmsi, timestamp"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        yield from self._batches(sql, params, 100_000)

    def vessels(self, mmsis: Sequence[int] | None = None) -> pl.DataFrame:
        latest = ", ".join(
            f"arg_max({c}, last_seen) FILTER (WHERE {c} IS NOT NULL) AS {c}"
            for c in IDENTITY_FIELDS
        )
        where = "WHERE mmsi IN (SELECT unnest(?))" if mmsis is not None else ""
        return self._frame(
            f"""
            WITH pos AS (
                SELECT mmsi, count(*) AS positions, min(timestamp) AS first_position,
                       max(timestamp) AS last_position, arg_max(lat, timestamp) AS last_lat,
                       arg_max(lon, timestamp) AS last_lon
                FROM positions {where} GROUP BY mmsi),
            ident AS (
                SELECT mmsi, {latest}, count(DISTINCT name) AS names,
                       count(DISTINCT call_sign) AS call_signs, count(DISTINCT imo) AS imos,
                       sum(messages)::BIGINT AS identity_reports
                FROM identities {where} GROUP BY mmsi)
            SELECT * FROM ident FULL OUTER JOIN pos USING (mmsi) ORDER BY mmsi
            """,
            None if mmsis is None else [list(mmsis), list(mmsis)],
        )

    def last_position_time(self) -> datetime | None:
        found: datetime | None = self._rows("SELECT max(timestamp) FROM positions")[0][0]
        return found

    def identity_history(self, mmsi: int) -> pl.DataFrame:
        return self._frame(
            "SELECT * FROM identities WHERE mmsi = ? ORDER BY first_seen, msg_type", [mmsi]
        )

    def identity_history_all(
        self, mmsis: list[int] | None = None, same_imo: bool = False
    ) -> pl.DataFrame:
        """Every identity snapshot (of the vessels `mmsis` only when given, and with
        `same_imo` of the vessels that reported one of their IMO numbers), as identity reports
        timed at their first sighting."""
        where = ""
        if mmsis is not None:
            where = "WHERE mmsi IN (SELECT unnest($1))"
        if mmsis is not None and same_imo:
            where += (
                " OR imo IN (SELECT imo FROM identities WHERE mmsi IN (SELECT unnest($1))"
                " AND imo IS NOT NULL)"
            )
        return self._frame(
            f"SELECT * EXCLUDE (first_seen), first_seen AS timestamp FROM identities {where} "
            "ORDER BY mmsi, first_seen, msg_type",
            [mmsis] if mmsis is not None else None,
        )

    def position_bounds(self, changed: pl.DataFrame) -> pl.DataFrame:
        """Per vessel of `changed` (`mmsi`, `first`): `first_seen`, `last_seen` and `previous`,
        its last position time before `first`."""
        self._con.register("changed_vessels", changed.select("mmsi", "first").to_arrow())
        try:
            return self._frame(
                "SELECT c.mmsi, min(p.timestamp) AS first_seen, max(p.timestamp) AS last_seen, "
                "max(p.timestamp) FILTER (WHERE p.timestamp < c.first) AS previous "
                "FROM positions p JOIN changed_vessels c USING (mmsi) GROUP BY c.mmsi "
                "ORDER BY c.mmsi"
            )
        finally:
            self._con.unregister("changed_vessels")

    def recent_positions(self, hours: float, active_hours: float) -> pl.DataFrame:
        """Each vessel's positions of the last `hours` before its own last position, for the
        vessels heard within `active_hours` of the newest stored position."""
        return self._frame(
            "WITH last AS (SELECT mmsi, max(timestamp) AS last FROM positions GROUP BY mmsi), "
            "active AS (SELECT * FROM last WHERE last >= (SELECT max(last) FROM last) "
            "- to_microseconds(CAST(? * 3.6e9 AS BIGINT))) "
            "SELECT p.* FROM positions p JOIN active a USING (mmsi) "
            "WHERE p.timestamp >= a.last - to_microseconds(CAST(? * 3.6e9 AS BIGINT)) "
            "ORDER BY p.mmsi, p.timestamp",
            [active_hours, hours],
        )

    def position_summary(self, mmsi: int) -> dict[str, Any]:
        """Count, time span and last known position of one vessel."""
        frame = self._frame(
            "SELECT count(*) AS positions, min(timestamp) AS first_position,"
            " max(timestamp) AS last_position, arg_max(lat, timestamp) AS last_lat,"
            " arg_max(lon, timestamp) AS last_lon, arg_max(sog_knots, timestamp) AS last_sog_knots,"
            " arg_max(cog_deg, timestamp) AS last_cog_deg FROM positions WHERE mmsi = ?",
            [mmsi],
        )
        return frame.row(0, named=True)

    def track(
        self, mmsi: int, since: datetime | None, until: datetime | None, limit: int
    ) -> pl.DataFrame:
        """The vessel's positions in [`since`, `until`), oldest first, at most its latest
        `limit`: the columns a track drawing or export needs."""
        filters, params = _position_filters(mmsi, since, until)
        return self._frame(
            "SELECT * FROM (SELECT timestamp, lat, lon, sog_knots, cog_deg FROM positions "
            f"{filters} ORDER BY timestamp DESC LIMIT {int(limit)}) ORDER BY timestamp",
            params,
        )

    def has_positions(self, mmsi: int) -> bool:
        """Whether any position of the vessel is stored."""
        return bool(
            self._rows("SELECT EXISTS (SELECT 1 FROM positions WHERE mmsi = ?)", mmsi)[0][0]
        )

    def knows_vessel(self, mmsi: int) -> bool:
        """Whether any position or identity report of the vessel is stored."""
        return bool(self._rows(
            "SELECT EXISTS (SELECT 1 FROM positions WHERE mmsi = ?) "
            "OR EXISTS (SELECT 1 FROM identities WHERE mmsi = ?)", mmsi, mmsi)[0][0])  # fmt: skip


def _known(columns: Sequence[str]) -> list[str]:
    """`columns`, checked against the position record's (they are written into SQL)."""
    unknown = [c for c in columns if c not in POSITION_SCHEMA]
    if unknown:
        raise ValueError(f"not position columns: {unknown}")
    return list(columns)


def _position_filters(
    mmsi: int | None, since: datetime | None, until: datetime | None
) -> tuple[str, list[Any]]:
    clauses, params = [], []
    for clause, value in (("mmsi = ?", mmsi), ("timestamp >= ?", since), ("timestamp < ?", until)):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params
