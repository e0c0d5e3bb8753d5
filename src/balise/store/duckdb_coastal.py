"""Coastal surveillance records in the DuckDB store: radar contacts, radar sites and clearance
declarations (the `CoastalStore` of `balise.store.base`).

Radar contacts can be millions a day, so they take the path of AIS positions, not that of the
other records: a contact is the same as a stored one when its sensor, time, latitude and
longitude are (nothing else tells two reports of one sensor apart), it is compared only with the
contacts stored within the batch's time span, and a batch whose span holds none (a new day, a
new store) is appended without comparison. Repeats within a batch are duplicates too. Radar
sites and declarations are versioned records (`duckdb_records`): the latest version of each
sensor and of each declaration is kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

import polars as pl

from balise.model.coastal import CLEARANCE_SCHEMA, RADAR_CONTACT_SCHEMA, RADAR_SITE_SCHEMA
from balise.model.schema import conform
from balise.store.duckdb_connection import Connected

CONTACT_KEY: Final = ("sensor_id", "time", "lat", "lon", "track_id")
"""What makes a radar contact the same as another (the track id may be null)."""
_SAME_CONTACT: Final = " AND ".join(f's."{c}" IS NOT DISTINCT FROM b."{c}"' for c in CONTACT_KEY)


def _columns(schema: dict[str, pl.DataType], alias: str = "") -> str:
    return ", ".join(f'{alias}"{c}"' for c in schema)


def _within(
    column: str, since: datetime | None, until: datetime | None
) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if since is not None:
        where.append(f'"{column}" >= ?')
        params.append(since)
    if until is not None:
        where.append(f'"{column}" < ?')
        params.append(until)
    return where, params


class DuckDBCoastal(Connected):
    """Radar contacts, radar sites and clearance declarations of the DuckDB store."""

    def _append_contacts(self, ingest_id: str, contacts: pl.DataFrame) -> Counter[str]:
        """Append the contacts of a batch that are not stored yet; count them and the
        duplicates."""
        if contacts.is_empty():
            return Counter()
        fresh = contacts.unique(list(CONTACT_KEY), keep="first", maintain_order=True)
        span = [contacts["time"].min(), contacts["time"].max()]
        overlaps = self._rows(
            'SELECT EXISTS (SELECT 1 FROM radar_contacts WHERE "time" BETWEEN ? AND ?)', *span
        )[0][0]
        columns = _columns(RADAR_CONTACT_SCHEMA, "b.")
        with self._registered("batch_contacts", fresh):
            if overlaps:
                result = self._con.execute(
                    f"INSERT INTO radar_contacts SELECT {columns}, ? FROM batch_contacts b"
                    ' WHERE NOT EXISTS (SELECT 1 FROM radar_contacts s WHERE s."time" BETWEEN'
                    f" ? AND ? AND {_SAME_CONTACT})",
                    [ingest_id, *span],
                ).fetchone()
            else:
                result = self._con.execute(
                    f"INSERT INTO radar_contacts SELECT {columns}, ? FROM batch_contacts b",
                    [ingest_id],
                ).fetchone()
        stored = int(result[0]) if result else 0
        return Counter({"stored": stored, "duplicates": contacts.height - stored})

    def radar_contacts(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        sensor_ids: Sequence[str] | None = None,
    ) -> pl.DataFrame:
        """Radar contacts (`RADAR_CONTACT_SCHEMA`) within [`since`, `until`) of the sensors
        `sensor_ids` when given, by time, then sensor, latitude, longitude."""
        where, params = _within("time", since, until)
        if sensor_ids is not None:
            where.append("list_contains(?, sensor_id)")
            params.append(list(sensor_ids))
        return self._coastal(
            "radar_contacts", RADAR_CONTACT_SCHEMA, where, params, '"time", sensor_id, lat, lon'
        )

    def radar_sites(self) -> pl.DataFrame:
        """Radar sites (`RADAR_SITE_SCHEMA`), the latest version of each sensor, by sensor id."""
        return self._coastal("radar_sites", RADAR_SITE_SCHEMA, [], [], "sensor_id")

    def clearances(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> pl.DataFrame:
        """Clearance declarations (`CLEARANCE_SCHEMA`), the latest version of each, submitted
        within [`since`, `until`), by submission time, then id."""
        where, params = _within("submitted_at", since, until)
        return self._coastal(
            "clearances", CLEARANCE_SCHEMA, where, params, "submitted_at, declaration_id"
        )

    def _coastal(
        self,
        table: str,
        schema: dict[str, pl.DataType],
        where: list[str],
        params: list[Any],
        order: str,
    ) -> pl.DataFrame:
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        frame = self._frame(
            f"SELECT {_columns(schema)} FROM {table} {clause} ORDER BY {order}", params
        )
        return conform(frame, schema)
