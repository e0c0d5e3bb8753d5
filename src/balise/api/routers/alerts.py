"""The alert inbox: list, count, read an alert with its history, and triage it.

Every read first refreshes the inbox from the events (`AlertStore.refresh`: new alerts, revised
and retracted events, ended suspensions), so the list is never older than the last detection
run. Triage actions are by the signed-in account (session or token), never by a name the client
writes; they are kept in the alert's history and in the audit log. Alerts about Balise's own
users (the security domain) are for security officers alone.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi import Path as PathParam
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from balise.alerts import triage
from balise.alerts.rules import SEVERITY_LABELS, AlertRules
from balise.alerts.store import STATES, AlertFilter, AlertKey, AlertStore
from balise.api.auth import (
    SECURITY_TYPES,
    check,
    current,
    may_read_type,
    record,
    record_read,
    visible_types,
)
from balise.api.deps import RulesDep, StoreDep
from balise.api.event_types import EventTypeName as EventType
from balise.api.event_types import Subject
from balise.api.kept import KeptDep
from balise.api.pagination import bad_cursor, next_link
from balise.api.params import utc
from balise.api.problems import ProblemError, not_found
from balise.errors import InputRejected
from balise.model.events import decode_event_json

router = APIRouter(tags=["alerts"])
AlertId = Annotated[str, PathParam(max_length=128)]

State = Literal["open", "acknowledged", "suspended", "dismissed", "retracted"]
Severity = Literal["low", "medium", "high", "critical"]
DismissReason = Literal["false_positive", "known_activity", "duplicate", "out_of_scope", "other"]
assert set(STATES) == set(get_args(State))
assert get_args(Severity) == SEVERITY_LABELS


PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"description": "A cursor this API did not issue, or a body that is not JSON"},
    404: {"description": "No alert with this id"},
    409: {"description": "The action is not allowed from the alert's state"},
    422: {"description": "Invalid body or parameters"},
}
"""The error responses, each documented by `create_app` as a `Problem`."""


class AlertOut(BaseModel):
    """An alert: its triage state and severity, and the event that triggered it."""

    id: str = Field(description="The id of the triggering event.")
    state: State
    severity: float = Field(description="0-1: event strength combined with the vessel's risk.")
    severity_label: Severity
    strength: float = Field(description="The event's score, else its confidence (0-1).")
    type: str
    subject: Subject | None = Field(description="What the event is about.")
    related: list[Subject] = Field(description="What else the event involves.")
    mmsi: int | None
    other_mmsi: int | None
    start: datetime
    end: datetime | None
    lat: float | None
    lon: float | None
    score: float | None
    confidence: float | None
    event_status: str = Field(description='The event\'s status: "active", "revised", "retracted".')
    evidence: dict[str, Any] = Field(description="What the event observed (as in /events).")
    suspended_until: datetime | None
    dismiss_reason: str | None
    note: str | None
    fingerprint: str = Field(description="Hash of the triggering event's content.")
    created_at: datetime
    updated_at: datetime
    updated_by: str


class ActionOut(BaseModel):
    """One entry of an alert's history."""

    action: str = Field(description="acknowledge, suspend, dismiss, reopen (analysts); opened, "
                        "reopened, revised, retracted (Balise).")  # fmt: skip
    state: State = Field(description="The state the action left.")
    who: str
    acted_at: datetime
    reason: str | None
    note: str | None
    until: datetime | None


class AlertDetail(AlertOut):
    """An alert with its history, oldest first."""

    history: list[ActionOut]


class AlertPage(BaseModel):
    items: list[AlertOut]
    next: str | None = Field(description="Cursor of the next page (null on the last page).")


class AlertCounts(BaseModel):
    total: int
    by_state: dict[str, int]
    by_type: dict[str, dict[str, int]] = Field(description="Per event type, per state.")


class _Triage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(None, max_length=triage.MAX_NOTE_CHARS)


class AcknowledgeBody(_Triage):
    """Acknowledge: the alert is seen and being handled."""


class ReopenBody(_Triage):
    """Reopen: put the alert back in the inbox."""


class SuspendBody(_Triage):
    """Suspend until a time (in the future, at most a year ahead, with a time zone)."""

    until: AwareDatetime


class DismissBody(_Triage):
    """Dismiss with a reason; "other" needs a note."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "if": {"properties": {"reason": {"const": "other"}}, "required": ["reason"]},
            "then": {"required": ["note"],
                     "properties": {"note": {"type": "string", "pattern": "\\S"}}},
        },
    )  # fmt: skip

    reason: DismissReason

    @model_validator(mode="after")
    def _other_needs_note(self) -> DismissBody:
        if self.reason == "other" and not (self.note or "").strip():
            raise ValueError('reason "other" needs a note saying why')
        return self


_CURSOR_VERSION = "a1."
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _encode(key: AlertKey) -> str:
    """The opaque token of an alert page's end, as `balise.api.pagination` writes event cursors:
    a version prefix, then URL-safe base64 of [severity, start in microseconds, id]."""
    micros = (key.start - _EPOCH) // timedelta(microseconds=1)
    text = json.dumps([key.severity, micros, key.id], separators=(",", ":"))
    return _CURSOR_VERSION + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(token: str) -> AlertKey:
    if not token.startswith(_CURSOR_VERSION):
        raise bad_cursor()
    body = token[len(_CURSOR_VERSION) :]
    try:
        raw = base64.urlsafe_b64decode((body + "=" * (-len(body) % 4)).encode("ascii"))
        severity, micros, alert_id = json.loads(raw)
        if not isinstance(micros, int) or not isinstance(alert_id, str):
            raise TypeError("wrong member types")
        if isinstance(severity, bool) or not isinstance(severity, int | float):
            raise TypeError("wrong member types")
        return AlertKey(float(severity), _EPOCH + timedelta(microseconds=micros), alert_id)
    except (binascii.Error, ValueError, TypeError, OverflowError, UnicodeError) as err:
        raise bad_cursor() from err


def with_evidence(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Alert rows with their event's evidence as an object (and without its params)."""
    decoded = [decode_event_json(row) for row in rows]
    for row in decoded:
        row.pop("params", None)
    return decoded


def inbox(store: StoreDep, rules: AlertRules, request: Request | None = None) -> AlertStore:
    """The alert inbox of the request's store, refreshed with the rules in force. The events
    and the risk are compared with those the alerts were derived from only when the data
    version moved since the app last did (their writes bump it): the rules are the app's."""
    alerts = AlertStore(store)
    state = request.app.state if request is not None else None
    version = store.generation  # read before: a write during the refresh is seen next time
    checked = getattr(state, "alerts_checked", None) if state is not None else None
    unchanged = checked is not None and checked[0] == version
    if unchanged and checked is not None and datetime.now(UTC) < checked[1]:
        return alerts  # no write since, and no suspension has ended: nothing to refresh
    alerts.refresh(rules=rules, sources_unchanged=unchanged)
    if state is not None:
        state.alerts_checked = (
            version,
            store.next_suspension_end() or datetime.max.replace(tzinfo=UTC),
        )
    return alerts


def alert_filter(
    state: list[State] | None, kind: Sequence[str] | None, min_severity: Severity | None,
    mmsi: int | None, since: datetime | None, rules: AlertRules,
) -> AlertFilter:  # fmt: skip
    floor = rules.floor(min_severity) if min_severity else 0.0
    return AlertFilter(tuple(state or ()), tuple(kind or ()), floor, mmsi, utc(since))


MmsiQuery = Annotated[int | None, Query(ge=0, le=999_999_999, description="Either vessel.")]
SinceQuery = Annotated[
    datetime | None, Query(description="Alerts whose event ended at or after (UTC if no zone).")
]
StateQuery = Annotated[list[State] | None, Query(description="Any of these states.")]
TypeQuery = Annotated[list[EventType] | None, Query(alias="type", description="Event types.")]
SeverityQuery = Annotated[Severity | None, Query(description="At least this severe.")]


@router.get("/api/v1/alerts", response_model=AlertPage, responses=PROBLEMS)
def list_alerts(
    request: Request, response: Response, store: StoreDep, rules: RulesDep, kept: KeptDep,
    state: StateQuery = None,
    kind: TypeQuery = None, min_severity: SeverityQuery = None, mmsi: MmsiQuery = None,
    since: SinceQuery = None, limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> dict[str, Any]:  # fmt: skip
    """The inbox: alerts most severe first, then newest, a page at a time (`next` cursor and a
    `Link: rel="next"` header)."""
    after = _decode(cursor) if cursor else None
    alerts = inbox(store, rules, request)
    kinds = visible_types(request, kind or (), base="alert")
    where = alert_filter(state, kinds, min_severity, mmsi, since, rules)

    def page() -> tuple[list[dict[str, Any]], str | None]:
        found = alerts.alerts(where, limit + 1, after)
        items = with_evidence(found.head(limit).to_dicts())
        if found.height <= limit:
            return items, None
        last = items[-1]
        return items, _encode(AlertKey(last["severity"], last["start"], last["id"]))

    items, token = kept.get(store.generation, ("alerts", where, limit, after), page)
    record_read(request, "alert", [item["id"] for item in items])
    if token is not None:
        response.headers["Link"] = next_link(request.url, token)
    return {"items": items, "next": token}


@router.get("/api/v1/alerts/counts", response_model=AlertCounts, responses=PROBLEMS)
def count_alerts(
    request: Request, store: StoreDep, rules: RulesDep, kept: KeptDep, state: StateQuery = None,
    kind: TypeQuery = None, min_severity: SeverityQuery = None, mmsi: MmsiQuery = None,
    since: SinceQuery = None,
) -> dict[str, Any]:  # fmt: skip
    """Counters for the inbox: alerts per state and per event type and state."""
    kinds = visible_types(request, kind or (), base="alert")
    alerts = inbox(store, rules, request)
    where = alert_filter(state, kinds, min_severity, mmsi, since, rules)
    return kept.get(store.generation, ("alert counts", where), lambda: _counts(alerts, where))


def _counts(alerts: AlertStore, where: AlertFilter) -> dict[str, Any]:
    counts = alerts.counts(where)
    by_state: dict[str, int] = {}
    by_type: dict[str, dict[str, int]] = {}
    for kind_name, state_name, count in counts.iter_rows():
        by_state[state_name] = by_state.get(state_name, 0) + count
        by_type.setdefault(kind_name, {})[state_name] = count
    return {"total": sum(by_state.values()), "by_state": by_state, "by_type": by_type}


def _detail(request: Request, alerts: AlertStore, alert_id: str) -> dict[str, Any]:
    found = alerts.alert(alert_id)
    if found is None or not may_read_type(request, found["type"], base="alert"):
        raise not_found("alert", alert_id)
    return with_evidence([found])[0] | {"history": alerts.history(alert_id).to_dicts()}


@router.get("/api/v1/alerts/{alert_id}", response_model=AlertDetail, responses=PROBLEMS)
def get_alert(
    request: Request, alert_id: Annotated[str, PathParam(max_length=128)], store: StoreDep,
    rules: RulesDep,
) -> dict[str, Any]:  # fmt: skip
    """One alert with its history."""
    detail = _detail(request, inbox(store, rules), alert_id)
    record_read(request, "alert", [alert_id])
    return detail


def _triaged(
    request: Request, store: StoreDep, rules: AlertRules, alert_id: str, action: str,
    act: Callable[[AlertStore, str], Any],
) -> dict[str, Any]:  # fmt: skip
    """Run a triage action by the request's account, turning refusals into problems; the alert
    with its history."""
    alerts = inbox(store, rules)
    found = alerts.alert(alert_id)
    if found is None or not may_read_type(request, found["type"], base="alert"):
        raise not_found("alert", alert_id)
    check(request, "security_event" if found["type"] in SECURITY_TYPES else "alert", "change")
    who = current(request).username
    try:
        act(alerts, who)
    except triage.AlertNotFound as err:
        raise not_found("alert", alert_id) from err
    except triage.TriageRefused as err:
        raise ProblemError(409, "Invalid transition", err.message, **err.details) from err
    except InputRejected as err:
        raise ProblemError(422, "Invalid triage", err.message, kind="invalid-triage") from err
    record(request, "change", "alert", [alert_id], 1, action)
    return _detail(request, alerts, alert_id)


@router.post("/api/v1/alerts/{alert_id}/acknowledge", response_model=AlertDetail,
             responses=PROBLEMS)  # fmt: skip
def acknowledge_alert(
    request: Request, alert_id: AlertId, store: StoreDep, rules: RulesDep,
    body: Annotated[AcknowledgeBody | None, Body()] = None,
) -> dict[str, Any]:  # fmt: skip
    """Acknowledge an open or suspended alert."""
    note = body.note if body else None
    return _triaged(request, store, rules, alert_id, "acknowledge",
                    lambda a, who: triage.acknowledge(a, alert_id, who, note))  # fmt: skip


@router.post("/api/v1/alerts/{alert_id}/suspend", response_model=AlertDetail, responses=PROBLEMS)
def suspend_alert(
    request: Request, alert_id: AlertId, store: StoreDep, rules: RulesDep, body: SuspendBody
) -> dict[str, Any]:
    """Suspend an alert until a time; it re-opens then, or earlier if its event is revised."""
    return _triaged(request, store, rules, alert_id, "suspend",
                    lambda a, who: triage.suspend(a, alert_id, body.until, who,
                                                  body.note))  # fmt: skip


@router.post("/api/v1/alerts/{alert_id}/dismiss", response_model=AlertDetail, responses=PROBLEMS)
def dismiss_alert(
    request: Request, alert_id: AlertId, store: StoreDep, rules: RulesDep, body: DismissBody
) -> dict[str, Any]:
    """Dismiss an alert with a reason; it re-opens only if its event is revised stronger."""
    return _triaged(request, store, rules, alert_id, "dismiss",
                    lambda a, who: triage.dismiss(a, alert_id, body.reason, who,
                                                  body.note))  # fmt: skip


@router.post("/api/v1/alerts/{alert_id}/reopen", response_model=AlertDetail, responses=PROBLEMS)
def reopen_alert(
    request: Request, alert_id: AlertId, store: StoreDep, rules: RulesDep,
    body: Annotated[ReopenBody | None, Body()] = None,
) -> dict[str, Any]:  # fmt: skip
    """Put an acknowledged, suspended or dismissed alert back in the inbox."""
    note = body.note if body else None
    return _triaged(request, store, rules, alert_id, "reopen",
                    lambda a, who: triage.reopen(a, alert_id, who, note))  # fmt: skip
