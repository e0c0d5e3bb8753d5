"""Triage: what an analyst does with an alert, who did it and when.

    open ──acknowledge──▶ acknowledged
    open / acknowledged / suspended ──suspend(until)──▶ suspended ──(until passes)──▶ open
    open / acknowledged / suspended ──dismiss(reason)──▶ dismissed
    acknowledged / suspended / dismissed ──reopen──▶ open
    suspended ──acknowledge──▶ acknowledged (the analyst takes it back before the time)

A retracted alert (its event was withdrawn) takes no action. Any other move is refused
(`TriageRefused`), so a double click or a stale screen cannot silently rewrite what a colleague
decided. A suspension must end in the future and within `MAX_SUSPENSION`; a dismissal takes a
reason from `DISMISS_REASONS`, and "other" needs a note saying which. Every action is kept in
the alert's history with its author, time, reason, note and suspension end.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

from balise.alerts.store import AlertStore
from balise.errors import BaliseError, InputRejected
from balise.store.base import WriteConflict

DISMISS_REASONS: Final = ("false_positive", "known_activity", "duplicate", "out_of_scope", "other")
"""Why an alert was dismissed: not what the event claims, a known and lawful activity, the same
case as another alert, outside this watch's remit, or another reason given in the note."""
MAX_SUSPENSION: Final = timedelta(days=365)
"""The longest suspension: a year, after which a watch should look again."""
MAX_NOTE_CHARS: Final = 2000
MAX_USER_CHARS: Final = 64
ANONYMOUS: Final = "anonymous"

_FROM: Final[dict[str, tuple[frozenset[str], str]]] = {
    "acknowledge": (frozenset({"open", "suspended"}), "acknowledged"),
    "suspend": (frozenset({"open", "acknowledged", "suspended"}), "suspended"),
    "dismiss": (frozenset({"open", "acknowledged", "suspended"}), "dismissed"),
    "reopen": (frozenset({"acknowledged", "suspended", "dismissed"}), "open"),
}
"""Each action: the states it may start from and the state it leads to."""


class AlertNotFound(BaliseError):
    """No alert has this id."""


class TriageRefused(BaliseError):
    """The action is not allowed from the alert's current state (or raced another one)."""


def acknowledge(
    alerts: AlertStore, alert_id: str, who: str, note: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Mark an alert as seen and being handled; ends a suspension."""
    return _act(alerts, alert_id, "acknowledge", who, now, {"suspended_until": None}, note=note)


def suspend(
    alerts: AlertStore, alert_id: str, until: datetime, who: str, note: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Silence an alert until `until` (timezone-aware), or until its event is revised."""
    now = now or datetime.now(UTC)
    if until.tzinfo is None:
        raise InputRejected("until must carry a time zone (e.g. 2026-01-01T00:00:00Z)")
    if until <= now:
        raise InputRejected(f"until {until.isoformat()} is not in the future", field="until")
    if until - now > MAX_SUSPENSION:
        raise InputRejected(f"a suspension lasts at most {MAX_SUSPENSION.days} days", field="until")
    return _act(alerts, alert_id, "suspend", who, now, {"suspended_until": until},
                note=note, until=until)  # fmt: skip


def dismiss(
    alerts: AlertStore, alert_id: str, reason: str, who: str, note: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Close an alert as not worth pursuing, with a reason (and a note when "other")."""
    if reason not in DISMISS_REASONS:
        raise InputRejected(f"reason must be one of {', '.join(DISMISS_REASONS)}", field="reason")
    if reason == "other" and not (note or "").strip():
        raise InputRejected('reason "other" needs a note saying why', field="note")
    current = alerts.alert(alert_id)
    strength = current["strength"] if current else None
    fields = {"suspended_until": None, "dismiss_reason": reason, "dismissed_strength": strength}
    return _act(alerts, alert_id, "dismiss", who, now, fields, note=note, reason=reason)


def reopen(
    alerts: AlertStore, alert_id: str, who: str, note: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Put an alert back in the inbox (undo an acknowledgement, suspension or dismissal)."""
    cleared = {"suspended_until": None, "dismiss_reason": None, "dismissed_strength": None}
    return _act(alerts, alert_id, "reopen", who, now, cleared, note=note)


def _act(
    alerts: AlertStore, alert_id: str, action: str, who: str, now: datetime | None,
    fields: dict[str, Any], *, note: str | None, reason: str | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Apply `action` in one transaction: check the state, update the alert, append history."""
    now = now or datetime.now(UTC)
    who, note = _checked_user(who), _checked_note(note)
    allowed, target = _FROM[action]

    def check(state: str | None) -> None:
        if state is None:
            raise AlertNotFound(f"no alert {alert_id}", alert_id=alert_id)
        if state not in allowed:
            raise TriageRefused(
                f"cannot {action} an alert that is {state}", state=state, action=action,
                allowed_from=sorted(allowed),
            )  # fmt: skip

    values = fields | {"state": target, "note": note, "updated_at": now, "updated_by": who}
    entry = {"alert_id": alert_id, "action": action, "state": target, "who": who, "acted_at": now,
             "reason": reason, "note": note, "until": until}  # fmt: skip
    try:
        alerts.store.transition_alert(alert_id, check, values, entry)
    except WriteConflict as err:
        raise TriageRefused("the alert was changed at the same time; try again") from err
    found = alerts.alert(alert_id)
    assert found is not None
    return found


def _checked_user(who: str) -> str:
    who = (who or "").strip() or ANONYMOUS
    if len(who) > MAX_USER_CHARS:
        raise InputRejected(f"user is longer than {MAX_USER_CHARS} characters", field="user")
    return who


def _checked_note(note: str | None) -> str | None:
    if note is not None and len(note) > MAX_NOTE_CHARS:
        raise InputRejected(f"note is longer than {MAX_NOTE_CHARS} characters", field="note")
    return note.strip() or None if note is not None else None
