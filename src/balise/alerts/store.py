"""The alert inbox in the workspace store: alerts derived from events, their triage and history.

Tables (in the workspace DuckDB, created when first used):

- `alerts`: one row per alert, keyed by the id of the event that triggered it; its triage `state`
  ("open", "acknowledged", "suspended", "dismissed", or "retracted" when the event was), the
  event's `strength` and the alert's `severity` (`balise.alerts.rules`), the trigger
  `fingerprint`, `suspended_until`, `dismiss_reason` with the `dismissed_strength`, the `note` of
  the last action, and who changed it last and when.
- `alert_actions`: the history, one row per action, by an analyst (acknowledge, suspend, dismiss,
  reopen) or by Balise itself (who = "balise": opened, reopened, revised, retracted), with the
  state it left, the reason, the note and the suspension's end.

`refresh` (re)derives the alerts from the current events whenever the events, the vessel risk or
the rules changed since the last refresh, then ends the suspensions whose time has passed:

- an alertable event without an alert opens one;
- a retracted event retracts its alert; an alert whose event comes back (and still passes its
  rule) re-opens;
- a revised event (another fingerprint) re-opens a suspended alert, as the suspension was keyed to
  the data that triggered it (MonitorFish PR #3971); re-opens a dismissed alert only when the event
  is now stronger than when it was dismissed (a dismissal is the analyst's judgement of that
  event, and a weaker or equal revision does not contradict it); leaves an open or acknowledged
  alert in its state, with a "revised" entry in its history;
- an alert whose event no longer passes its rule is kept: once raised, it waits for the analyst;
- a suspension whose `suspended_until` has passed re-opens the alert (history time: the end of
  the suspension).

Severities are updated at each refresh, since they follow the vessel's current risk. Balise's own
transitions are dated by the detection run that caused them (the event's `detected_at`), not by
the next time someone reads the inbox; a suspension's end by its `suspended_until`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import duckdb
import polars as pl

from balise.alerts.rules import AlertRules, evaluate
from balise.model.events import EVENT_SCHEMA
from balise.model.schema import UTC_TIME
from balise.store.duckdb import DuckDBStore

SYSTEM_USER: Final = "balise"
"""Who the history names for the transitions Balise makes by itself."""
STATES: Final = ("open", "acknowledged", "suspended", "dismissed", "retracted")

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
"""

ALERT_SCHEMA: Final[dict[str, pl.DataType]] = {
    "id": pl.String(), "state": pl.String(), "strength": pl.Float64(), "severity": pl.Float64(),
    "severity_label": pl.String(), "fingerprint": pl.String(), "suspended_until": UTC_TIME,
    "dismiss_reason": pl.String(), "dismissed_strength": pl.Float64(), "note": pl.String(),
    "created_at": UTC_TIME, "updated_at": UTC_TIME, "updated_by": pl.String(),
}  # fmt: skip
ACTION_SCHEMA: Final[dict[str, pl.DataType]] = {
    "alert_id": pl.String(), "action": pl.String(), "state": pl.String(), "who": pl.String(),
    "acted_at": UTC_TIME, "reason": pl.String(), "note": pl.String(), "until": UTC_TIME,
}  # fmt: skip
_ACTION_COLUMNS: Final = ", ".join(ACTION_SCHEMA)
_EVENT_COLUMNS: Final = ", ".join(f'"{c}"' for c in EVENT_SCHEMA)


@dataclass(frozen=True)
class RefreshReport:
    """What a refresh changed: alerts opened, re-opened, retracted, revised in place, severities
    updated, suspensions ended; `rederived` is False when nothing upstream had changed."""

    rederived: bool
    opened: int = 0
    reopened: int = 0
    retracted: int = 0
    revised: int = 0
    rescored: int = 0
    expired: int = 0


def _action(alert: dict[str, Any], action: str, reason: str, now: datetime) -> dict[str, Any]:
    return {
        "alert_id": alert["id"],
        "action": action,
        "state": alert["state"],
        "who": SYSTEM_USER,
        "acted_at": now,
        "reason": reason,
        "note": None,
        "until": None,
    }


def _opened(event: dict[str, Any], now: datetime) -> dict[str, Any]:
    keep = ("id", "strength", "severity", "severity_label", "fingerprint")
    alert = dict.fromkeys(ALERT_SCHEMA) | {k: event[k] for k in keep}
    return alert | {"state": "open", "created_at": now, "updated_at": now,
                    "updated_by": SYSTEM_USER}  # fmt: skip


def _reopen(alert: dict[str, Any], now: datetime) -> dict[str, Any]:
    cleared = dict.fromkeys(("suspended_until", "dismiss_reason", "dismissed_strength", "note"))
    return alert | cleared | {"state": "open", "updated_at": now, "updated_by": SYSTEM_USER}


def transition(
    alert: dict[str, Any] | None, event: dict[str, Any], now: datetime
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The alert after a refresh, given its row (None if none) and its event's judgement (a row
    of `evaluate`), and the history entry of the change (None if none). See the module
    docstring for the rules."""
    retracted = event["status"] == "retracted"
    if alert is None:
        if retracted or not event["alertable"]:
            return None, None
        opened = _opened(event, now)
        return opened, _action(opened, "opened", "rule", now)
    keep = ("strength", "severity", "severity_label")
    current = alert | {k: event[k] for k in keep}
    if retracted:
        if alert["state"] == "retracted":
            return current, None
        gone = current | {"state": "retracted", "updated_at": now, "updated_by": SYSTEM_USER}
        return gone, _action(gone, "retracted", "event_retracted", now)
    if alert["state"] == "retracted":
        if not event["alertable"]:
            return current, None
        back = _reopen(current, now) | {"fingerprint": event["fingerprint"]}
        return back, _action(back, "reopened", "event_restored", now)
    if event["fingerprint"] == alert["fingerprint"]:
        return current, None
    current["fingerprint"] = event["fingerprint"]
    if alert["state"] == "suspended":
        back = _reopen(current, now)
        return back, _action(back, "reopened", "event_revised", now)
    stronger = event["strength"] > (alert["dismissed_strength"] or 0.0)
    if alert["state"] == "dismissed" and stronger:
        back = _reopen(current, now)
        return back, _action(back, "reopened", "event_revised_stronger", now)
    return current, _action(current, "revised", "event_revised", now)


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction, if any: DuckDB ends a transaction by itself when a
    write conflict fails it, and a second rollback would raise."""
    with contextlib.suppress(duckdb.TransactionException):
        con.rollback()


def _high_risk_ports() -> frozenset[str]:
    from balise.geo.gazetteer import load_high_risk_ports

    return frozenset(load_high_risk_ports()["locode"].to_list())


class AlertStore:
    """The alert inbox over a workspace `DuckDBStore` (or a cursor of it)."""

    def __init__(self, store: DuckDBStore) -> None:
        self.store = store
        try:
            store._con.execute(ALERTS_SQL)
        except duckdb.TransactionException:  # created at the same moment by another request
            rollback(store._con)

    def refresh(
        self,
        now: datetime | None = None,
        rules: AlertRules | None = None,
        high_risk_ports: frozenset[str] | None = None,
    ) -> RefreshReport:
        """Bring the alerts up to date with the events, the risk and the clock (see above).

        Each step is one transaction that reads what it changes, so two refreshes racing on
        one database cannot both apply: DuckDB refuses the second writer of the same rows (or
        of the one `alert_sync` row), which then gives way; the winner's result is what both
        readers see."""
        now = now or datetime.now(UTC)
        rules = rules or AlertRules()
        marker = self._marker(rules)
        report = RefreshReport(rederived=False)
        try:
            if marker != self._last_marker():
                ports = _high_risk_ports() if high_risk_ports is None else high_risk_ports
                report = self._rederive(now, rules, ports, marker)
            expired = self._expire(now)
        except (duckdb.TransactionException, duckdb.ConstraintException):
            return report
        return RefreshReport(**(report.__dict__ | {"expired": expired}))

    def _marker(self, rules: AlertRules) -> str:
        """What the alerts are derived from: the event history's extent, the risk table's time
        and the rules; a new detection run or assessment changes it."""
        history = self.store._rows("SELECT count(*), max(changed_at) FROM event_history")[0]
        risk = self.store._rows(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'vessel_risk' AND column_name = 'computed_at'"
        )[0][0]
        computed = (
            self.store._rows("SELECT count(*), max(computed_at) FROM vessel_risk")[0]
            if risk
            else None
        )
        return f"{history[0]}|{history[1]}|{computed}|{rules.describe()}"

    def _last_marker(self) -> str | None:
        rows = self.store._rows("SELECT marker FROM alert_sync WHERE id = 1")
        return str(rows[0][0]) if rows else None

    def _rederive(
        self, now: datetime, rules: AlertRules, ports: frozenset[str], marker: str
    ) -> RefreshReport:
        """Derive the alerts again, in one transaction (see `refresh`)."""
        con = self.store._con
        con.begin()
        try:
            if self._last_marker() == marker:  # another refresh did it meanwhile
                rollback(con)
                return RefreshReport(rederived=False)
            report = self._derive(now, rules, ports, marker)
            con.commit()
        except BaseException:
            rollback(con)
            raise
        return report

    def _derive(
        self, now: datetime, rules: AlertRules, ports: frozenset[str], marker: str
    ) -> RefreshReport:
        events = self.store._frame(f"SELECT {_EVENT_COLUMNS}, detected_at FROM events")
        events = events.cast(EVENT_SCHEMA | {"detected_at": UTC_TIME})  # type: ignore[arg-type]
        judged = evaluate(events, self.store.table("vessel_risk"), ports, rules).join(
            events.select("id", "detected_at"), on="id", how="left"
        )
        existing = {r["id"]: r for r in self.store._frame("SELECT * FROM alerts").to_dicts()}
        changed: list[dict[str, Any]] = []
        actions: list[dict[str, Any]] = []
        for event in judged.to_dicts():
            before = existing.get(event["id"])
            when = min(event["detected_at"] or now, now)
            after, action = transition(before, event, when)
            if after is not None and after != before:
                changed.append(after)
            if action is not None:
                actions.append(action)
        self._write(changed, actions, marker, now)
        counts = pl.Series([a["action"] for a in actions], dtype=pl.String).value_counts()
        tally = dict(counts.iter_rows())
        rescored = len(changed) - len(actions)
        return RefreshReport(
            True,
            tally.get("opened", 0),
            tally.get("reopened", 0),
            tally.get("retracted", 0),
            tally.get("revised", 0),
            rescored,
        )

    def _write(
        self, alerts: list[dict[str, Any]], actions: list[dict[str, Any]], marker: str,
        now: datetime,
    ) -> None:  # fmt: skip
        """Replace the changed alert rows, append their history and record the marker."""
        con = self.store._con
        con.register("changed_alerts", pl.DataFrame(alerts, schema=ALERT_SCHEMA).to_arrow())
        con.register("new_actions", pl.DataFrame(actions, schema=ACTION_SCHEMA).to_arrow())
        try:
            con.execute("DELETE FROM alerts WHERE id IN (SELECT id FROM changed_alerts)")
            con.execute("INSERT INTO alerts BY NAME SELECT * FROM changed_alerts")
            con.execute(
                "INSERT INTO alert_actions BY NAME SELECT nextval('alert_action_seq') AS seq, "
                f"{_ACTION_COLUMNS} FROM new_actions"
            )
            con.execute("INSERT OR REPLACE INTO alert_sync VALUES (1, ?, ?)", [marker, now])
        finally:
            con.unregister("changed_alerts")
            con.unregister("new_actions")

    def _expire(self, now: datetime) -> int:
        """Re-open the suspended alerts whose suspension ended by `now`."""
        due = "state = 'suspended' AND suspended_until <= ?"
        con = self.store._con
        con.begin()
        try:
            count = int(
                con.execute(f"SELECT count(*) FROM alerts WHERE {due}", [now]).fetchall()[0][0]
            )
            if count:
                con.execute(
                    "INSERT INTO alert_actions SELECT nextval('alert_action_seq'), id, 'reopened', "
                    f"'open', ?, suspended_until, 'suspension_expired', NULL, suspended_until "
                    f"FROM alerts WHERE {due}",
                    [SYSTEM_USER, now],
                )
                con.execute(
                    "UPDATE alerts SET state = 'open', updated_at = suspended_until, "
                    f"updated_by = ?, suspended_until = NULL, note = NULL WHERE {due}",
                    [SYSTEM_USER, now],
                )
            con.commit()
        except BaseException:
            rollback(con)
            raise
        return count

    def alerts(
        self,
        filters: AlertFilter | None = None,
        limit: int | None = 100,
        after: PageKey | None = None,
    ) -> pl.DataFrame:
        """Alerts with their event's type, vessel, time and place, most severe first, then
        newest; `after` is the sort key of the last alert of the previous page."""
        where, params = (filters or AlertFilter()).sql()
        if after is not None:
            where.append(
                "(a.severity < ? OR (a.severity = ? AND (e.start < ? OR "
                "(e.start = ? AND a.id > ?))))"
            )
            params += [after.severity, after.severity, after.start, after.start, after.id]
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return self.store._frame(
            f"{_SELECT} {clause} ORDER BY a.severity DESC, e.start DESC, a.id"
            + ("" if limit is None else f" LIMIT {int(limit)}"),
            params,
        )

    def alert(self, alert_id: str) -> dict[str, Any] | None:
        """One alert with its event's fields, or None."""
        found = self.store._frame(f"{_SELECT} WHERE a.id = ?", [alert_id])
        return found.row(0, named=True) if found.height else None

    def history(self, alert_id: str) -> pl.DataFrame:
        """The actions on one alert, oldest first."""
        return self.store._frame(
            f"SELECT {_ACTION_COLUMNS} FROM alert_actions WHERE alert_id = ? "
            "ORDER BY acted_at, seq",
            [alert_id],
        )

    def counts(self, filters: AlertFilter | None = None) -> pl.DataFrame:
        """Alerts per event type and state (`type`, `state`, `count`)."""
        where, params = (filters or AlertFilter()).sql()
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return self.store._frame(
            "SELECT e.type, a.state, count(*)::BIGINT AS count FROM alerts a JOIN events e "
            f"USING (id) {clause} GROUP BY ALL ORDER BY e.type, a.state",
            params,
        )


_SELECT: Final = (
    'SELECT a.*, e.type, e.subject, e.related, e.mmsi, e.other_mmsi, e.start, e."end", e.lat, '
    "e.lon, e.score, e.confidence, e.params, e.evidence, e.status AS event_status "
    "FROM alerts a JOIN events e USING (id)"
)


@dataclass(frozen=True)
class PageKey:
    """Where a page of alerts ends: the sort key of its last alert."""

    severity: float
    start: datetime
    id: str


@dataclass(frozen=True)
class AlertFilter:
    """Which alerts to list: any of `states` and `types` (all when empty), at least
    `min_severity` (0-1), about vessel `mmsi` (as either vessel), event ending at or after
    `since`."""

    states: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    min_severity: float = 0.0
    mmsi: int | None = None
    since: datetime | None = None

    def sql(self) -> tuple[list[str], list[Any]]:
        """The conditions (on alerts `a` joined to events `e`) and their parameters."""
        where: list[str] = []
        params: list[Any] = []
        if self.states:
            where.append("a.state IN (SELECT unnest(?))")
            params.append(list(self.states))
        if self.types:
            where.append("e.type IN (SELECT unnest(?))")
            params.append(list(self.types))
        if self.min_severity > 0:
            where.append("a.severity >= ?")
            params.append(self.min_severity)
        if self.mmsi is not None:
            where.append("(e.mmsi = ? OR e.other_mmsi = ?)")
            params += [self.mmsi, self.mmsi]
        if self.since is not None:
            where.append('e."end" >= ?')
            params.append(self.since)
        return where, params
