"""Events in the DuckDB store, read and written through the `EventStore` interface: detection
runs saved (`duckdb_events`), filtered lists a page or a batch at a time, one event and its
revisions, and the record of detection runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Final

import polars as pl

from balise.model.box import Box
from balise.model.events import EVENT_SCHEMA
from balise.store.base import DetectRun, EventChanges, EventFilter, RunScope
from balise.store.duckdb_connection import Connected
from balise.store.duckdb_events import load_events, save_events

_COLUMNS: Final = ", ".join(f'"{c}"' for c in EVENT_SCHEMA)
_NEWEST_FIRST: Final = "ORDER BY start DESC, id"
_RELATED_VESSELS: Final = (
    "list_transform(list_filter(related, lambda r: r.kind = 'vessel'), "
    "lambda r: TRY_CAST(r.id AS BIGINT))"
)
"""The MMSIs of the vessels an event's `related` names (ids that are not numbers left null)."""


def box_sql(box: Box, lat: str = "lat", lon: str = "lon") -> tuple[str, list[Any]]:
    """The condition of being inside `box` on the columns `lat` and `lon`, with its
    parameters."""
    joiner = "OR" if box.crosses_antimeridian else "AND"
    text = f"({lat} BETWEEN ? AND ? AND ({lon} >= ? {joiner} {lon} <= ?))"
    return text, [box.min_lat, box.max_lat, box.min_lon, box.max_lon]


def event_where(where: EventFilter) -> tuple[str, list[Any]]:
    """The WHERE clause (empty when nothing is filtered) of `where`, with its parameters."""
    clauses: list[str] = []
    params: list[Any] = []

    def add(clause: str, *values: Any) -> None:
        clauses.append(clause)
        params.extend(values)

    if where.types:
        add("list_contains(?, type)", list(where.types))
    if where.statuses:
        add("list_contains(?, status)", list(where.statuses))
    else:
        add("status <> 'retracted'")
    if where.since is not None:
        add('"end" >= ?', where.since)
    if where.until is not None:
        add("start < ?", where.until)
    if where.mmsi is not None:
        add("(mmsi = ? OR other_mmsi = ?)", where.mmsi, where.mmsi)
    if where.mmsis is not None:
        vessels = list(where.mmsis)
        add("(list_contains(?, mmsi) OR list_contains(?, other_mmsi))", vessels, vessels)
    if where.containers is not None:
        add("(subject.kind = 'container' AND list_contains(?, subject.id))", list(where.containers))
    if where.related_vessels is not None:
        add(f"list_has_any({_RELATED_VESSELS}, ?::BIGINT[])", list(where.related_vessels))
    if where.min_score is not None:
        add("coalesce(score, confidence) >= ?", where.min_score)
    if where.bbox is not None:
        inside, corners = box_sql(where.bbox)
        add(inside, *corners)
    if where.areas:
        boxes = [box_sql(area) for area in where.areas]
        add("(" + " OR ".join(b[0] for b in boxes) + ")", *(p for b in boxes for p in b[1]))
    if where.after is not None:
        key = where.after
        add("(start < ? OR (start = ? AND id > ?))", key.start, key.start, key.id)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


class DuckDBEventQueries(Connected):
    """The `EventStore` of the DuckDB store."""

    def save_events(
        self, events: pl.DataFrame, types: list[str], scope: RunScope | None = None
    ) -> EventChanges:
        """Store one run's complete events of `types`: new, revised, retracted (with history);
        with a `scope`, only events inside it can be retracted."""
        try:
            return save_events(self._con, events, types, scope)
        finally:
            self._changed()

    def events(
        self, kind: str | None = None, since: datetime | None = None, mmsi: int | None = None
    ) -> pl.DataFrame:
        """Stored events that are not retracted, newest first."""
        return load_events(self._con, kind, since, mmsi)

    def find_events(self, where: EventFilter, limit: int | None = None) -> pl.DataFrame:
        """Events matching `where`, newest start first then id, at most `limit`."""
        clause, params = event_where(where)
        cap = "" if limit is None else f" LIMIT {int(limit)}"
        return self._frame(f"SELECT {_COLUMNS} FROM events {clause} {_NEWEST_FIRST}{cap}", params)

    def iter_events(self, where: EventFilter, batch_rows: int) -> Iterator[pl.DataFrame]:
        """The events of `find_events` a batch of at most `batch_rows` at a time."""
        clause, params = event_where(where)
        sql = f"SELECT {_COLUMNS} FROM events {clause} {_NEWEST_FIRST}"
        yield from self._batches(sql, params, batch_rows)

    def event(self, event_id: str) -> dict[str, Any] | None:
        """One event, whatever its status, or None."""
        found = self._frame(f"SELECT {_COLUMNS} FROM events WHERE id = ?", [event_id])
        return found.row(0, named=True) if found.height else None

    def event_history(self, event_id: str) -> pl.DataFrame:
        """Every stored revision of an event, oldest first."""
        return self._frame(
            f"SELECT {_COLUMNS}, changed_at FROM event_history WHERE id = ? ORDER BY changed_at",
            [event_id],
        )

    def last_detect_run(self) -> tuple[int, str] | None:
        """The change sequence and settings fingerprint of the last detection run."""
        run = self.latest_detect_run()
        return (run.seq, run.fingerprint) if run is not None else None

    def latest_detect_run(self) -> DetectRun | None:
        """The last detection run, or None before the first."""
        rows = self._rows(
            "SELECT run_at, seq, fingerprint FROM detect_runs ORDER BY run_at DESC LIMIT 1"
        )
        return DetectRun(rows[0][0], int(rows[0][1]), str(rows[0][2])) if rows else None

    def record_detect_run(self, seq: int, fingerprint: str, mode: str, positions: int) -> None:
        self._con.execute(
            "INSERT INTO detect_runs VALUES (now(), ?, ?, ?, ?)",
            [seq, fingerprint, mode, positions],
        )
        self._changed()
