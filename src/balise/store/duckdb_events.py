"""Events in the DuckDB store: current state and history, revised when data or settings change.

A detection run gives the full set of events of the types it ran. Each is compared with what is
stored under the same stable id: a new id is inserted as "active"; a known id whose content
changed (a gap closed by late data, an encounter that grew) is updated and marked "revised"; a
stored id of those types that the run no longer finds is marked "retracted", not deleted. Every
change is appended to `event_history` with the run's time, so nothing an analyst saw is lost.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import duckdb
import polars as pl

from balise.model.events import EVENT_SCHEMA, as_events
from balise.store.base import EventChanges, RunScope

_SUBJECT_SQL = "STRUCT(kind VARCHAR, id VARCHAR)"
_TYPES = {
    "id": "VARCHAR PRIMARY KEY", "type": "VARCHAR", "start": "TIMESTAMPTZ", "end": "TIMESTAMPTZ",
    "lat": "DOUBLE", "lon": "DOUBLE", "subject": _SUBJECT_SQL, "related": f"{_SUBJECT_SQL}[]",
    "mmsi": "INTEGER", "other_mmsi": "INTEGER",
    "confidence": "DOUBLE", "score": "DOUBLE", "params": "VARCHAR", "evidence": "VARCHAR",
    "status": "VARCHAR",
}  # fmt: skip
_COLUMNS = ", ".join(f'"{c}"' for c in EVENT_SCHEMA)
_CONTENT = [c for c in EVENT_SCHEMA if c not in ("id", "status")]
EVENTS_SQL = (
    "CREATE TABLE IF NOT EXISTS events ("
    + ", ".join(f'"{c}" {t}' for c, t in _TYPES.items())
    + ", detected_at TIMESTAMPTZ);"
    + "CREATE TABLE IF NOT EXISTS event_history ("
    + ", ".join(f'"{c}" {t.replace(" PRIMARY KEY", "")}' for c, t in _TYPES.items())
    + ", changed_at TIMESTAMPTZ);"
)
_SUBJECT_COLUMNS = ("subject", "related")
"""Columns added to the event record after the first release: stores made before get them, filled
from the vessel columns, when they are opened (`migrate_events`)."""
_BACKFILL_SQL = """
UPDATE {table} SET
    subject = CASE WHEN mmsi IS NULL THEN NULL ELSE {{'kind': 'vessel', 'id': mmsi::VARCHAR}} END,
    related = CASE WHEN other_mmsi IS NULL THEN []
              ELSE [{{'kind': 'vessel', 'id': other_mmsi::VARCHAR}}] END
"""


def migrate_events(con: duckdb.DuckDBPyConnection, columns: dict[str, set[str]]) -> None:
    """Give the event tables of an older store the columns added since (`columns`: the present
    ones by table, read after `EVENTS_SQL` created the tables)."""
    for table in ("events", "event_history"):
        missing = [c for c in _SUBJECT_COLUMNS if c not in columns[table]]
        for column in missing:
            con.execute(f'ALTER TABLE {table} ADD COLUMN "{column}" {_TYPES[column]}')
        if missing:
            con.execute(_BACKFILL_SQL.format(table=table))


def save_events(
    con: duckdb.DuckDBPyConnection,
    events: pl.DataFrame,
    types: list[str],
    scope: RunScope | None = None,
) -> EventChanges:
    """Store the complete `events` of `types` from one run (see the module docstring); with a
    `scope`, the run covered only part of the data and retracts only within it."""
    now = datetime.now(UTC)
    con.register("run_events", as_events(events).to_arrow())
    try:
        con.begin()
        changes = _apply(con, types, now, scope)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    finally:
        con.unregister("run_events")
    return changes


def _scope_sql(scope: RunScope | None) -> tuple[str, list[Any]]:
    """The condition (on stored events `e`) of being inside `scope`, and its parameters."""
    if scope is None:
        return "", []
    window = "TRUE"
    params: list[Any] = [list(scope.mmsis), list(scope.mmsis), list(scope.containers)]
    if scope.window_types:
        window = 'e.type NOT IN (SELECT unnest(?)) OR (e."end" >= ? AND e.start <= ?)'
        params += [list(scope.window_types), scope.since, scope.until]
    if scope.ended_after:
        vessels, times = zip(*scope.ended_after, strict=True)
        since = "coalesce(list_extract(?, list_position(?, e.mmsi)), " \
            "list_extract(?, list_position(?, e.other_mmsi)))"  # fmt: skip
        window = f'({window}) AND (e.type IN (SELECT unnest(?)) OR e."end" >= {since})'
        kept = [*scope.window_types, *scope.timeless_types]
        params += [kept, list(times), list(vessels), list(times), list(vessels)]
    subject = (
        "(e.mmsi IN (SELECT unnest(?)) OR e.other_mmsi IN (SELECT unnest(?)) "
        "OR (e.subject.kind = 'container' AND e.subject.id IN (SELECT unnest(?))))"
    )
    return f" AND {subject} AND ({window})", params


def _apply(
    con: duckdb.DuckDBPyConnection, types: list[str], now: datetime, scope: RunScope | None
) -> EventChanges:
    """Retract, revise and insert (see the module docstring): the run's events are compared
    with the stored ones once (`changed`), the stored ones it no longer finds are picked once
    (`gone`), and the counts are read from those two tables; what has nothing to write (no
    event retracted: nearly every live run) is not run."""
    differs = " OR ".join(f'e."{c}" IS DISTINCT FROM r."{c}"' for c in _CONTENT)
    in_scope, scope_params = _scope_sql(scope)
    changed = (
        f"SELECT r.* EXCLUDE (status), CASE WHEN e.id IS NULL THEN 'active' ELSE 'revised' END "
        f"AS status FROM run_events r LEFT JOIN events e USING (id) "
        f"WHERE e.id IS NULL OR {differs} OR e.status = 'retracted'"
    )
    try:
        con.execute(
            "CREATE TEMP TABLE gone AS SELECT e.id FROM events e WHERE e.type IN "
            "(SELECT unnest(?)) AND e.status <> 'retracted' "
            "AND e.id NOT IN (SELECT id FROM run_events)" + in_scope,
            [types, *scope_params],
        )
        con.execute(f"CREATE TEMP TABLE changed AS {changed}")
        row = con.execute(
            "SELECT (SELECT count(*) FILTER (WHERE status = 'active') FROM changed), "
            "(SELECT count(*) FILTER (WHERE status = 'revised') FROM changed), "
            "(SELECT count(*) FROM gone), (SELECT count(*) FROM run_events)"
        ).fetchone()
        new, revised, retracted, total = (int(v) for v in row) if row else (0, 0, 0, 0)
        if retracted:
            _retract(con, now)
        if new or revised:
            _write_changed(con, now)
    finally:
        con.execute("DROP TABLE IF EXISTS changed")
        con.execute("DROP TABLE IF EXISTS gone")
    return EventChanges(new, revised, retracted, total - new - revised)


def _retract(con: duckdb.DuckDBPyConnection, now: datetime) -> None:
    """Mark the stored events of `gone` retracted, with their history."""
    history = ", ".join(f'"{c}"' for c in EVENT_SCHEMA if c != "status")
    con.execute(
        f"INSERT INTO event_history BY NAME SELECT {history}, 'retracted' AS status, "
        "? AS changed_at FROM events WHERE id IN (SELECT id FROM gone)",
        [now],
    )
    con.execute("UPDATE events SET status = 'retracted', detected_at = ? WHERE id IN "
                "(SELECT id FROM gone)", [now])  # fmt: skip


def _write_changed(con: duckdb.DuckDBPyConnection, now: datetime) -> None:
    """Replace the stored events by those of `changed` (new or revised), with their history."""
    con.execute(
        f"INSERT INTO event_history BY NAME SELECT {_COLUMNS}, ? AS changed_at FROM changed",
        [now],
    )
    con.execute("DELETE FROM events WHERE id IN (SELECT id FROM changed)")
    con.execute(
        f"INSERT INTO events BY NAME SELECT {_COLUMNS}, ? AS detected_at FROM changed", [now]
    )


def load_events(
    con: duckdb.DuckDBPyConnection,
    kind: str | None = None,
    since: datetime | None = None,
    mmsi: int | None = None,
    include_retracted: bool = False,
) -> pl.DataFrame:
    """Stored events, newest first, filtered by type, start time, vessel."""
    clauses, params = [], []
    for clause, value in (("type = ?", kind), ('"end" >= ?', since),
                          ("(mmsi = ? OR other_mmsi = ?)", mmsi)):  # fmt: skip
        if value is not None:
            clauses.append(clause)
            params.extend([value] * clause.count("?"))
    if not include_retracted:
        clauses.append("status <> 'retracted'")
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    table = con.sql(
        f"SELECT {_COLUMNS} FROM events {where} ORDER BY start DESC, id", params=params or None
    ).to_arrow_table()
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame.cast(EVENT_SCHEMA)  # type: ignore[arg-type]
