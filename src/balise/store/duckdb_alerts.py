"""The alert inbox's tables in the DuckDB store (the `AlertRepository`).

- `alerts`: one row per alert (`ALERT_SCHEMA`), keyed by the id of the event that triggered it.
- `alert_actions`: its history, one row per action (`ACTION_SCHEMA`), ordered by `seq`.
- `alert_sync`: one row, the marker of what the alerts were last derived from.
- `alert_basis`: one row, where the event history stood at that derivation (`history_at`, its
  latest change, and `history_through`, how many changes it held until that time), and
  `alert_risk_basis`, the vessel risk it read (what the rules read of it: score, band, reasons).

A derivation reads only the events of the vessels whose events or risk changed since the last
one (each of their events, either side of a two-vessel event, with their alerts): an event's
judgement depends on itself, the risk of its vessels and, for a port call, the other events of
its vessel (`balise.alerts.port_calls`), so the others would be judged as before. A live run
then costs what it changed, not the workspace's months of events. Every event is read again
when the rules changed, when the history holds changes the basis cannot place (dated until
`history_at` but written after it was recorded, or of no vessel: container events) or when the
risk table appeared or went.

Each write is one transaction that reads what it changes, so two writers racing on one database
cannot both apply: DuckDB refuses the second writer of the same rows (or of the one
`alert_sync` row), which gets a `WriteConflict`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

import duckdb
import polars as pl

from balise.model.events import EVENT_SCHEMA
from balise.model.schema import UTC_TIME
from balise.store.base import (
    ACTION_SCHEMA,
    ALERT_SCHEMA,
    AlertChanges,
    AlertFilter,
    AlertKey,
    AlertSources,
)
from balise.store.duckdb_derived import DuckDBDerived

ALERTS_SQL: Final = """
CREATE TABLE IF NOT EXISTS alerts (
    id VARCHAR PRIMARY KEY, state VARCHAR, strength DOUBLE, severity DOUBLE,
    severity_label VARCHAR, fingerprint VARCHAR, suspended_until TIMESTAMPTZ,
    dismiss_reason VARCHAR, dismissed_strength DOUBLE, note VARCHAR, created_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ, updated_by VARCHAR);
CREATE SEQUENCE IF NOT EXISTS alert_action_seq;
CREATE TABLE IF NOT EXISTS alert_actions (
    seq BIGINT, alert_id VARCHAR, action VARCHAR, state VARCHAR, who VARCHAR, acted_at TIMESTAMPTZ,
    reason VARCHAR, note VARCHAR, until TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS alert_sync (
    id INTEGER PRIMARY KEY, marker VARCHAR, refreshed_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS alert_basis (
    id INTEGER PRIMARY KEY, history_at TIMESTAMPTZ, history_through BIGINT);
"""
_RISK_READ: Final = "mmsi, score, band, reasons"
"""What the alert rules read of the vessel risk (`balise.alerts.rules`, `port_calls`)."""

_ACTION_COLUMNS: Final = ", ".join(ACTION_SCHEMA)
_EVENT_COLUMNS: Final = ", ".join(f'"{c}"' for c in EVENT_SCHEMA)
_EVENT_FIELDS: Final = ", ".join(
    f'e."{c}"' if c != "status" else "e.status AS event_status" for c in EVENT_SCHEMA if c != "id"
)
_SELECT: Final = f"SELECT a.*, {_EVENT_FIELDS} FROM alerts a JOIN events e USING (id)"
_ORDER: Final = "ORDER BY a.severity DESC, e.start DESC, a.id"
_RACES: Final = (duckdb.TransactionException, duckdb.ConstraintException)
"""What DuckDB raises to the loser of two writers of the same rows."""


def alert_where(where: AlertFilter) -> tuple[list[str], list[Any]]:
    """The conditions (on alerts `a` joined to events `e`) of `where`, and their parameters."""
    clauses: list[str] = []
    params: list[Any] = []
    if where.states:
        clauses.append("list_contains(?, a.state)")
        params.append(list(where.states))
    if where.types:
        clauses.append("list_contains(?, e.type)")
        params.append(list(where.types))
    if where.min_severity > 0:
        clauses.append("a.severity >= ?")
        params.append(where.min_severity)
    if where.mmsi is not None:
        clauses.append("(e.mmsi = ? OR e.other_mmsi = ?)")
        params += [where.mmsi, where.mmsi]
    if where.since is not None:
        clauses.append('e."end" >= ?')
        params.append(where.since)
    if where.updated_after is not None:  # a revision by Balise is in the history only
        clauses.append(
            "(a.updated_at > ? OR a.id IN (SELECT alert_id FROM alert_actions WHERE acted_at > ?))"
        )
        params += [where.updated_after, where.updated_after]
    return clauses, params


def _joined(clauses: list[str]) -> str:
    return f"WHERE {' AND '.join(clauses)}" if clauses else ""


class DuckDBAlerts(DuckDBDerived):
    """The `AlertRepository` of the DuckDB store."""

    def alert_sources_version(self) -> str:
        """The event history's extent and the risk table's time and content: a new detection
        run or assessment changes it."""
        history = self._rows("SELECT count(*), max(changed_at) FROM event_history")[0]
        risk = self._rows(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'vessel_risk' AND column_name = 'computed_at'"
        )[0][0]
        # the rows' content too: a vessel scored again at the same data time moves nothing else
        computed = (
            self._rows(
                f"SELECT count(*), max(computed_at), sum(hash({_RISK_READ})) FROM vessel_risk"
            )[0]
            if risk
            else None
        )
        return f"{history[0]}|{history[1]}|{computed}"

    def alert_marker(self) -> str | None:
        rows = self._rows("SELECT marker FROM alert_sync WHERE id = 1")
        return str(rows[0][0]) if rows else None

    def rederive_alerts(
        self,
        marker: str,
        derive: Callable[[AlertSources], AlertChanges],
        now: datetime,
        whole: bool = True,
    ) -> AlertChanges | None:
        """Derive the alerts again in one transaction, unless another writer just did; unless
        `whole`, from the events of the vessels that changed since the last derivation only
        (see the module docstring)."""
        with self._transaction(*_RACES):
            if self.alert_marker() == marker:
                return None
            present = self._tables("vessel_risk", "alert_risk_basis")
            risk_now = "vessel_risk" in present
            risk = self._risk_changes(risk_now, "alert_risk_basis" in present)
            vessels = None if whole or risk is None else self._changed_vessels(risk)
            changes = derive(self._alert_sources(vessels, risk_now))
            self._write_alerts(changes, marker, now)
            self._record_basis(risk_now, risk)
        self._alerts_changed()  # after the commit: answers kept per generation are made again
        return changes

    def _alert_sources(self, vessels: list[int] | None, risk: bool) -> AlertSources:
        """Every event and alert, or those of the events of `vessels` (either side); the
        vessel risk when there is a table of it (`risk`)."""
        where, params = "", None
        if vessels is not None:
            where = "WHERE mmsi IN (SELECT unnest(?)) OR other_mmsi IN (SELECT unnest(?))"
            params = [vessels, vessels]
        events = self._frame(f"SELECT {_EVENT_COLUMNS}, detected_at FROM events {where}", params)
        events = events.cast(EVENT_SCHEMA | {"detected_at": UTC_TIME})  # type: ignore[arg-type]
        scoped = f"WHERE id IN (SELECT id FROM events {where})" if where else ""
        alerts = self._frame(f"SELECT * FROM alerts {scoped}", params)
        vessel_risk = self._frame("SELECT * FROM vessel_risk") if risk else None
        return AlertSources(events, vessel_risk, alerts)

    def _changed_vessels(self, risk: list[int]) -> list[int] | None:
        """The vessels whose events changed since the basis was recorded, and those of `risk`
        (whose risk changed); None when that cannot be told (then every event is read)."""
        basis = self._rows("SELECT history_at, history_through FROM alert_basis WHERE id = 1")
        if not basis or basis[0][0] is None:
            return None
        at, through = basis[0]
        rows = self._rows(
            "SELECT count(*) FILTER (WHERE changed_at <= ?), count(*) FILTER (WHERE changed_at > "
            "? AND mmsi IS NULL AND other_mmsi IS NULL), list(DISTINCT mmsi) FILTER (WHERE "
            "changed_at > ?), list(DISTINCT other_mmsi) FILTER (WHERE changed_at > ?) "
            "FROM event_history",
            at, at, at, at,
        )  # fmt: skip
        earlier, vesselless, mmsis, others = rows[0]
        if earlier != through or vesselless:
            return None
        return sorted({*(mmsis or ()), *(others or ()), *risk} - {None})

    def _tables(self, *names: str) -> set[str]:
        """Those of the tables `names` the store has."""
        rows = self._rows(
            "SELECT table_name FROM duckdb_tables() WHERE table_name IN (SELECT unnest(?))",
            list(names),
        )
        return {str(r[0]) for r in rows}

    def _risk_changes(self, risk_now: bool, basis_now: bool) -> list[int] | None:
        """The vessels whose risk (what the rules read of it) differs from the basis's; None
        when the risk table appeared or went since (`risk_now`, `basis_now`: whether there is
        one, and a basis of it)."""
        if risk_now != basis_now:
            return None
        if not risk_now:
            return []
        current = f"SELECT {_RISK_READ} FROM vessel_risk"
        basis = f"SELECT {_RISK_READ} FROM alert_risk_basis"
        rows = self._rows(
            f"SELECT DISTINCT mmsi FROM (({current} EXCEPT {basis}) UNION ALL "
            f"({basis} EXCEPT {current}))"
        )
        return [int(r[0]) for r in rows if r[0] is not None]

    def _record_basis(self, risk_now: bool, risk: list[int] | None) -> None:
        """Record where the history and the risk (`risk_now`: whether there is a risk table;
        `risk`: its changes from the basis) stand (`alert_basis`, `alert_risk_basis`)."""
        self._con.execute(
            "INSERT OR REPLACE INTO alert_basis SELECT 1, latest, (SELECT count(*) FROM "
            "event_history WHERE changed_at <= latest) FROM (SELECT max(changed_at) AS latest "
            "FROM event_history)"
        )
        if risk_now and risk != []:
            self._con.execute(
                f"CREATE OR REPLACE TABLE alert_risk_basis AS SELECT {_RISK_READ} FROM vessel_risk"
            )
        elif not risk_now:
            self._con.execute("DROP TABLE IF EXISTS alert_risk_basis")

    def _write_alerts(self, changes: AlertChanges, marker: str, now: datetime) -> None:
        """Replace the changed alert rows, append their history and record the marker."""
        self._con.execute("INSERT OR REPLACE INTO alert_sync VALUES (1, ?, ?)", [marker, now])
        if not changes.alerts and not changes.actions:
            return
        alerts = pl.DataFrame(changes.alerts, schema=ALERT_SCHEMA)
        actions = pl.DataFrame(changes.actions, schema=ACTION_SCHEMA)
        with self._registered("changed_alerts", alerts), self._registered("new_actions", actions):
            self._con.execute("DELETE FROM alerts WHERE id IN (SELECT id FROM changed_alerts)")
            self._con.execute("INSERT INTO alerts BY NAME SELECT * FROM changed_alerts")
            self._con.execute(
                "INSERT INTO alert_actions BY NAME SELECT nextval('alert_action_seq') AS seq, "
                f"{_ACTION_COLUMNS} FROM new_actions"
            )

    def expire_suspensions(self, now: datetime, who: str) -> int:
        """Re-open the suspended alerts whose suspension ended by `now`."""
        due = "state = 'suspended' AND suspended_until <= ?"
        with self._transaction(*_RACES):
            count = int(self._rows(f"SELECT count(*) FROM alerts WHERE {due}", now)[0][0])
            if count:
                self._con.execute(
                    "INSERT INTO alert_actions SELECT nextval('alert_action_seq'), id, 'reopened', "
                    f"'open', ?, suspended_until, 'suspension_expired', NULL, suspended_until "
                    f"FROM alerts WHERE {due}",
                    [who, now],
                )
                self._con.execute(
                    "UPDATE alerts SET state = 'open', updated_at = suspended_until, "
                    f"updated_by = ?, suspended_until = NULL, note = NULL WHERE {due}",
                    [who, now],
                )
        if count:
            self._alerts_changed()
        return count

    def next_suspension_end(self) -> datetime | None:
        rows = self._rows("SELECT min(suspended_until) FROM alerts WHERE state = 'suspended'")
        end: datetime | None = rows[0][0] if rows else None
        return end

    def alert_history_size(self) -> int:
        return int(self._rows("SELECT count(*) FROM alert_actions")[0][0])

    def transition_alert(
        self,
        alert_id: str,
        check: Callable[[str | None], None],
        values: dict[str, Any],
        action: dict[str, Any],
    ) -> None:
        """Check the alert's state, set `values` on it and append `action`, in one
        transaction."""
        unknown = set(values) - set(ALERT_SCHEMA)
        if unknown:
            raise ValueError(f"not alert columns: {sorted(unknown)}")
        assignments = ", ".join(f"{column} = ?" for column in values)
        entry = [action.get(column) for column in ACTION_SCHEMA]
        slots = ", ".join("?" for _ in ACTION_SCHEMA)
        with self._transaction(duckdb.TransactionException):
            rows = self._rows("SELECT state FROM alerts WHERE id = ?", alert_id)
            check(str(rows[0][0]) if rows else None)
            self._con.execute(
                f"UPDATE alerts SET {assignments} WHERE id = ?", [*values.values(), alert_id]
            )
            self._con.execute(
                f"INSERT INTO alert_actions (seq, {_ACTION_COLUMNS}) "
                f"VALUES (nextval('alert_action_seq'), {slots})",
                entry,
            )
        self._alerts_changed()

    def find_alerts(
        self, where: AlertFilter, limit: int | None = None, after: AlertKey | None = None
    ) -> pl.DataFrame:
        """Alerts with their event's fields, most severe first, then newest, then id."""
        clauses, params = alert_where(where)
        if after is not None:
            clauses.append(
                "(a.severity < ? OR (a.severity = ? AND (e.start < ? OR "
                "(e.start = ? AND a.id > ?))))"
            )
            params += [after.severity, after.severity, after.start, after.start, after.id]
        cap = "" if limit is None else f" LIMIT {int(limit)}"
        return self._frame(f"{_SELECT} {_joined(clauses)} {_ORDER}{cap}", params)

    def alert(self, alert_id: str) -> dict[str, Any] | None:
        found = self._frame(f"{_SELECT} WHERE a.id = ?", [alert_id])
        return found.row(0, named=True) if found.height else None

    def alert_history(self, alert_id: str) -> pl.DataFrame:
        return self._frame(
            f"SELECT {_ACTION_COLUMNS} FROM alert_actions WHERE alert_id = ? "
            "ORDER BY acted_at, seq",
            [alert_id],
        )

    def alert_work(self) -> pl.DataFrame:
        return self._frame(
            "SELECT DISTINCT a.who AS user, r.record FROM alert_actions a JOIN events e "
            "ON e.id = a.alert_id, LATERAL (SELECT unnest([a.alert_id, e.mmsi::VARCHAR, "
            "e.other_mmsi::VARCHAR]) AS record) r "
            "WHERE a.who IS NOT NULL AND a.who <> 'balise' AND r.record IS NOT NULL "
            "ORDER BY 1, 2"
        )

    def alert_counts(self, where: AlertFilter) -> pl.DataFrame:
        clauses, params = alert_where(where)
        return self._frame(
            "SELECT e.type, a.state, count(*)::BIGINT AS count FROM alerts a JOIN events e "
            f"USING (id) {_joined(clauses)} GROUP BY ALL ORDER BY e.type, a.state",
            params,
        )
