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


def migrate_events(con: duckdb.DuckDBPyConnection) -> None:
    """Create the event tables, and give those of an older store the columns added since."""
    con.execute(EVENTS_SQL)
    for table in ("events", "event_history"):
        present = {
            row[0]
            for row in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
            ).fetchall()
        }
        missing = [c for c in _SUBJECT_COLUMNS if c not in present]
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


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> int:
    row = con.execute(sql, params).fetchone()
    return int(row[0]) if row else 0


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
    differs = " OR ".join(f'e."{c}" IS DISTINCT FROM r."{c}"' for c in _CONTENT)
    new = _count(con, "SELECT count(*) FROM run_events r ANTI JOIN events e USING (id)", [])
    revised = _count(
        con, f"SELECT count(*) FROM run_events r JOIN events e USING (id) WHERE {differs} "
        "OR e.status = 'retracted'", [])  # fmt: skip
    total = _count(con, "SELECT count(*) FROM run_events", [])
    in_scope, scope_params = _scope_sql(scope)
    gone_sql = "FROM events e WHERE e.type IN (SELECT unnest(?)) AND e.status <> 'retracted' " \
        f"AND e.id NOT IN (SELECT id FROM run_events){in_scope}"  # fmt: skip
    gone_params = [types, *scope_params]
    retracted = _count(con, f"SELECT count(*) {gone_sql}", gone_params)
    history = ", ".join(f'"{c}"' for c in EVENT_SCHEMA if c != "status")
    con.execute(
        f"INSERT INTO event_history BY NAME SELECT {history}, 'retracted' AS status, "
        f"? AS changed_at {gone_sql}",
        [now, *gone_params],
    )
    con.execute(f"UPDATE events SET status = 'retracted', detected_at = ? WHERE id IN "
                f"(SELECT e.id {gone_sql})", [now, *gone_params])  # fmt: skip
    changed = (
        f"SELECT r.* EXCLUDE (status), CASE WHEN e.id IS NULL THEN 'active' ELSE 'revised' END "
        f"AS status FROM run_events r LEFT JOIN events e USING (id) "
        f"WHERE e.id IS NULL OR {differs} OR e.status = 'retracted'"
    )
    con.execute(f"CREATE TEMP TABLE changed AS {changed}")
    try:
        con.execute(
            f"INSERT INTO event_history BY NAME SELECT {_COLUMNS}, ? AS changed_at FROM changed",
            [now],
        )
        con.execute("DELETE FROM events WHERE id IN (SELECT id FROM changed)")
        con.execute(
            f"INSERT INTO events BY NAME SELECT {_COLUMNS}, ? AS detected_at FROM changed", [now]
        )
    finally:
        con.execute("DROP TABLE changed")
    return EventChanges(new, revised, retracted, total - new - revised)


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
