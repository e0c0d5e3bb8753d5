"""The alert inbox in the workspace store: alerts derived from events, their triage and history.

What the store keeps (through its `AlertRepository`):

- the alerts: one row per alert, keyed by the id of the event that triggered it; its triage `state`
  ("open", "acknowledged", "suspended", "dismissed", or "retracted" when the event was), the
  event's `strength` and the alert's `severity` (`balise.alerts.rules`), the trigger
  `fingerprint`, `suspended_until`, `dismiss_reason` with the `dismissed_strength`, the `note` of
  the last action, and who changed it last and when.
- their history: one row per action, by an analyst (acknowledge, suspend, dismiss,
  reopen) or by Balise itself (who = "balise": opened, reopened, revised, retracted), with the
  state it left, the reason, the note and the suspension's end.

`refresh` (re)derives the alerts from the current events whenever the events, the vessel risk or
the rules changed since the last refresh (from the events of the vessels that changed only, when
the store can tell which: every event when the rules changed), then ends the suspensions whose
time has passed:

- an alertable event without an alert opens one;
- a retracted event retracts its alert; an alert whose event comes back (and still passes its
  rule) re-opens;
- a revised event (another fingerprint) re-opens a suspended alert, as the suspension was keyed to
  the data that triggered it (MonitorFish PR #3971); re-opens a dismissed alert only when the event
  is now stronger than when it was dismissed (a dismissal is the analyst's judgement of that
  event, and a weaker or equal revision does not contradict it); leaves an open or acknowledged
  alert in its state, with a "revised" entry in its history;
- an alert whose event no longer passes its rule is kept: once raised, it waits for the analyst;
  except when the rules themselves changed (new `alerts.*` settings or defaults) and no analyst
  has touched the alert yet: an open alert the rules in force would not raise is retracted
  (reason "rules_changed"), so the inbox follows the rules an officer sets, and it re-opens if
  the rules raise it again;
- a suspension whose `suspended_until` has passed re-opens the alert (history time: the end of
  the suspension).

Severities are updated at each refresh, since they follow the vessel's current risk. Balise's own
transitions are dated by the detection run that caused them (the event's `detected_at`), not by
the next time someone reads the inbox; a suspension's end by its `suspended_until`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import polars as pl

from balise.alerts.rules import AlertRules, evaluate
from balise.store.base import (
    ACTION_SCHEMA,
    ALERT_SCHEMA,
    AlertChanges,
    AlertFilter,
    AlertKey,
    AlertRepository,
    AlertSources,
    WriteConflict,
)

__all__ = [
    "ACTION_SCHEMA", "ALERT_SCHEMA", "STATES", "SYSTEM_USER", "AlertFilter", "AlertKey",
    "AlertStore", "RefreshReport", "transition",
]  # fmt: skip

SYSTEM_USER: Final = "balise"
"""Who the history names for the transitions Balise makes by itself."""
STATES: Final = ("open", "acknowledged", "suspended", "dismissed", "retracted")


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
    alert: dict[str, Any] | None,
    event: dict[str, Any],
    now: datetime,
    rules_changed: bool = False,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The alert after a refresh, given its row (None if none) and its event's judgement (a row
    of `evaluate`), and the history entry of the change (None if none); `rules_changed` when the
    rules differ from those of the last refresh. See the module docstring for the rules."""
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
    if rules_changed and alert["state"] == "open" and not event["alertable"]:
        gone = current | {"state": "retracted", "updated_at": now, "updated_by": SYSTEM_USER}
        return gone, _action(gone, "retracted", "rules_changed", now)
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


@functools.cache
def _high_risk_ports() -> frozenset[str]:
    """The packaged high-risk ports, read once (every live run refreshes the alerts)."""
    from balise.geo.gazetteer import load_high_risk_ports

    return frozenset(load_high_risk_ports()["locode"].to_list())


class AlertStore:
    """The alert inbox over a workspace store (or a cursor of it)."""

    def __init__(self, store: AlertRepository) -> None:
        self.store = store

    def refresh(
        self,
        now: datetime | None = None,
        rules: AlertRules | None = None,
        high_risk_ports: frozenset[str] | None = None,
        sources_unchanged: bool = False,
    ) -> RefreshReport:
        """Bring the alerts up to date with the events, the risk and the clock (see above);
        `sources_unchanged` when the caller knows that neither the events nor the risk changed
        since a refresh with the same rules (then only the clock is looked at: suspensions).

        Each step is one transaction that reads what it changes, so two refreshes racing on
        one database cannot both apply: the store refuses the second writer of the same rows
        (`WriteConflict`), which then gives way; the winner's result is what both readers
        see."""
        now = now or datetime.now(UTC)
        rules = rules or AlertRules()
        report = RefreshReport(rederived=False)
        try:
            if not sources_unchanged:
                report = self._rederive_if_changed(now, rules, high_risk_ports)
            expired = self.store.expire_suspensions(now, SYSTEM_USER)
        except WriteConflict:
            return report
        return RefreshReport(**(report.__dict__ | {"expired": expired}))

    def _rederive_if_changed(
        self, now: datetime, rules: AlertRules, high_risk_ports: frozenset[str] | None
    ) -> RefreshReport:
        """Derive the alerts again if the events, the risk or the rules changed since the last
        time (their marker says)."""
        marker = f"{self.store.alert_sources_version()}|{rules.describe()}"
        previous = self.store.alert_marker()
        if marker == previous:
            return RefreshReport(rederived=False)
        ports = _high_risk_ports() if high_risk_ports is None else high_risk_ports
        changed = previous is not None and not previous.endswith(f"|{rules.describe()}")
        return self._rederive(now, rules, ports, marker, changed)

    def _rederive(
        self,
        now: datetime,
        rules: AlertRules,
        ports: frozenset[str],
        marker: str,
        rules_changed: bool,
    ) -> RefreshReport:
        """Derive the alerts again (see `refresh`); nothing when another refresh just did."""
        changes = self.store.rederive_alerts(
            marker,
            lambda sources: derive(sources, now, rules, ports, rules_changed),
            now,
            whole=rules_changed,
        )
        if changes is None:
            return RefreshReport(rederived=False)
        counts = pl.Series([a["action"] for a in changes.actions], dtype=pl.String).value_counts()
        tally = dict(counts.iter_rows())
        rescored = len(changes.alerts) - len(changes.actions)
        return RefreshReport(
            True,
            tally.get("opened", 0),
            tally.get("reopened", 0),
            tally.get("retracted", 0),
            tally.get("revised", 0),
            rescored,
        )

    def alerts(
        self,
        filters: AlertFilter | None = None,
        limit: int | None = 100,
        after: AlertKey | None = None,
    ) -> pl.DataFrame:
        """Alerts with their event's type, vessel, time and place, most severe first, then
        newest; `after` is the sort key of the last alert of the previous page."""
        return self.store.find_alerts(filters or AlertFilter(), limit, after)

    def alert(self, alert_id: str) -> dict[str, Any] | None:
        """One alert with its event's fields, or None."""
        return self.store.alert(alert_id)

    def history(self, alert_id: str) -> pl.DataFrame:
        """The actions on one alert, oldest first."""
        return self.store.alert_history(alert_id)

    def counts(self, filters: AlertFilter | None = None) -> pl.DataFrame:
        """Alerts per event type and state (`type`, `state`, `count`)."""
        return self.store.alert_counts(filters or AlertFilter())


def derive(
    sources: AlertSources,
    now: datetime,
    rules: AlertRules,
    ports: frozenset[str],
    rules_changed: bool = False,
) -> AlertChanges:
    """The alert rows changed and the history entries made by judging every event again
    (`transition`); Balise's own transitions are dated by the event's detection, at the
    latest `now`."""
    judged = evaluate(sources.events, sources.vessel_risk, ports, rules).join(
        sources.events.select("id", "detected_at"), on="id", how="left"
    )
    existing = {r["id"]: r for r in sources.alerts.to_dicts()}
    changes = AlertChanges()
    for event in judged.to_dicts():
        before = existing.get(event["id"])
        when = min(event["detected_at"] or now, now)
        after, action = transition(before, event, when, rules_changed)
        if after is not None and after != before:
            changes.alerts.append(after)
        if action is not None:
            changes.actions.append(action)
    return changes
