"""The live stream: server-sent events telling a browser what changed, so the inbox fills and the
map moves without reloading.

`GET /api/v1/stream` answers `text/event-stream` (WHATWG HTML, server-sent events) and keeps the
connection open. It looks as soon as this process wrote to the store (its data generation moved:
a stored batch, a detection run; the alerts are queried when their own generation moved: an
alert refresh, a triage), and every `stream.poll_seconds` otherwise, and sends:

- `positions`, `{"version": N}`, when new data was stored (the store's data generation moved:
  a live listener's batch, an ingest, a detection run): the map fetches its layer again;
- `alert`, one alert as `/api/v1/alerts` gives it, when an alert was opened, re-opened,
  revised, retracted or triaged since the last one sent;
- a comment line after `stream.keepalive_seconds` of silence, once the credentials were checked
  again (a revoked token or an ended session ends the stream).

Need-to-know as on the lists: only the alert types the account may read (`visible_types`: an
analyst never sees insider alerts; a security officer does) and `positions` only to those who may
read the picture; alerts sent are audited like listed ones. Every event carries an `id`, the time
of the last alert change sent (microseconds since the epoch): the browser sends it back as
`Last-Event-ID` when it reconnects, and the stream starts again from there. Since an alert is
dated by the detection run that raised it, which may commit after a later change was sent, each
look goes back `stream.lookback_seconds` before that time and leaves out what it already sent.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Final

from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from balise.alerts.store import AlertFilter, AlertStore
from balise.api.auth import allowed, authenticate, check, record_read, visible_types
from balise.api.deps import in_thread
from balise.api.problems import ProblemError
from balise.api.routers.alerts import AlertOut, with_evidence
from balise.settings import (
    STREAM_KEEPALIVE_SECONDS,
    STREAM_LOOKBACK_SECONDS,
    STREAM_POLL_SECONDS,
)
from balise.store.base import Store

router = APIRouter(tags=["stream"])
EVENT_STREAM: Final = "text/event-stream"
WAKE_TICK_S: Final = 0.01
"""How often a waiting stream looks at the store's data generation (an integer in memory), s."""
RETRY_MS: Final = 3_000
"""How long a browser waits before reconnecting a lost stream (the `retry:` field)."""
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_DESCRIPTION: Final = (
    'Server-sent events: `positions` (data: `{"version": N}`) when new data was stored, '
    "`alert` (data: an alert as in /api/v1/alerts) when an alert changed, comment lines to "
    "keep the connection. Each event's `id` resumes the stream (`Last-Event-ID`)."
)


def _micros(at: datetime) -> int:
    return (at - _EPOCH) // timedelta(microseconds=1)


def _resumed(last_event_id: str | None) -> datetime | None:
    if last_event_id and last_event_id.isdigit() and len(last_event_id) <= 18:
        return _EPOCH + timedelta(microseconds=int(last_event_id))
    return None


def _message(kind: str, data: Any, event_id: int) -> str:
    return f"id: {event_id}\nevent: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def _key(alert: dict[str, Any]) -> tuple[str, str, datetime, str]:
    """What makes an alert's version: a triage changes its state or time, a revision of its
    event its fingerprint."""
    return alert["id"], alert["state"], alert["updated_at"], alert["fingerprint"]


class _Watch:
    """One connection's view: the alert types it may see, what it sent, how far it got."""

    def __init__(self, kinds: tuple[str, ...], picture: bool, since: datetime, values: Any):
        self.kinds, self.picture, self.watermark = kinds, picture, since
        self.poll_s = float(values.get("stream.poll_seconds", STREAM_POLL_SECONDS))
        self.keepalive_s = float(values.get("stream.keepalive_seconds", STREAM_KEEPALIVE_SECONDS))
        lookback = float(values.get("stream.lookback_seconds", STREAM_LOOKBACK_SECONDS))
        self.lookback = timedelta(seconds=lookback)
        self.sent: dict[str, tuple[tuple[str, str, datetime, str], datetime]] = {}
        """Per alert, the version last sent (`_key`) and until when to remember it."""
        self.history: int | None = None
        """The alerts' history size at the last look (`Store.alert_history_size`)."""

    def changed_alerts(self, store: Store) -> list[dict[str, Any]]:
        """Alerts changed since the watermark (less the look-back) not sent yet, oldest change
        first. Every change that makes an alert to send adds an entry to the alerts' history:
        when none was added since the last look, there is nothing to send, and the alerts are
        not read (one count instead)."""
        size = store.alert_history_size()
        if size == self.history:
            return []
        where = AlertFilter(types=self.kinds, updated_after=self.watermark - self.lookback)
        rows = AlertStore(store).alerts(where, None).sort("updated_at").to_dicts()
        self.history = size  # counted before the alerts: an entry after makes the next look read
        fresh = [r for r in rows if self.sent.get(r["id"], (None,))[0] != _key(r)]
        return with_evidence(fresh)

    def mark(self, alerts: list[dict[str, Any]]) -> None:
        """Remember `alerts` as sent, each in the version sent (a look finds an alert in its
        current version only), until the look-back has passed the time it was sent: a look
        finds an alert by its own time or by a later action on it, and a revision by Balise
        keeps the alert's time (an alert opened long ago and revised now is found, and must not
        be sent again at every look)."""
        now = datetime.now(UTC)
        for alert in alerts:
            self.sent[alert["id"]] = (_key(alert), max(alert["updated_at"], now))
            self.watermark = max(self.watermark, alert["updated_at"])
        floor = self.watermark - self.lookback
        self.sent = {key: sent for key, sent in self.sent.items() if sent[1] >= floor}


def _scope(request: Request) -> tuple[tuple[str, ...], bool]:
    """The alert types and whether the picture (positions) this account may follow; 403 when
    neither."""
    picture = allowed(request, "picture", "read")
    may_alerts = allowed(request, "alert", "read") or allowed(request, "security_event", "read")
    kinds = visible_types(request, (), base="alert") if may_alerts else ()
    if not kinds and not picture:
        check(request, "alert", "read")
    return kinds, picture


async def _still_signed_in(request: Request) -> bool:
    """Whether the stream's token or session is still valid (revoked, expired or signed out:
    the stream ends, and the browser's reconnection is refused)."""
    try:
        await run_in_threadpool(authenticate, request)
    except ProblemError:
        return False
    return True


async def _events(request: Request, watch: _Watch) -> AsyncIterator[str]:
    yield f"retry: {RETRY_MS}\n\n"
    generation = request.app.state.store.generation
    spoke = time.monotonic()
    alerts_seen, looked = -1, time.monotonic()  # -1: the alerts are looked at once at first
    while not await request.is_disconnected():
        store = request.app.state.store
        if store is None:  # shutting down
            return
        out: list[str] = []
        now_generation = store.generation
        if watch.picture and now_generation != generation:
            out.append(_message("positions", {"version": now_generation}, _micros(watch.watermark)))
        generation = now_generation
        look = time.monotonic() - looked >= watch.poll_s or store.alerts_generation != alerts_seen
        if look:
            alerts_seen, looked = store.alerts_generation, time.monotonic()
        if look and watch.kinds:
            alerts = await in_thread(request, watch.changed_alerts)
            watch.mark(alerts)
            out.extend(
                _message("alert", AlertOut.model_validate(a).model_dump(mode="json"),
                         _micros(watch.watermark))
                for a in alerts
            )  # fmt: skip
            if alerts:
                await run_in_threadpool(record_read, request, "alert", [a["id"] for a in alerts])
        if not out and time.monotonic() - spoke >= watch.keepalive_s:
            if not await _still_signed_in(request):
                return
            out.append(": keep-alive\n\n")
        if out:
            spoke = time.monotonic()
            yield "".join(out)
        await _next_change(request, generation, looked + watch.poll_s)


async def _next_change(request: Request, generation: int, deadline: float) -> None:
    """Wait until the store's data generation moves past `generation` (a batch stored, a run's
    events or alerts written: looked at every `WAKE_TICK_S`, an in-memory counter, no query) or
    the monotonic clock reaches `deadline`, whichever comes first. The alerts are queried again
    only when their own generation moved (`alerts_generation`) or a poll period passed, so an
    alert written by a live run goes out within a tick, and the alerts are queried no more often
    than before."""
    while (left := deadline - time.monotonic()) > 0:
        await asyncio.sleep(min(WAKE_TICK_S, left))
        store = request.app.state.store
        if store is None or store.generation != generation:
            return


@router.get(
    "/api/v1/stream",
    response_class=StreamingResponse,
    responses={200: {"description": _DESCRIPTION, "content": {EVENT_STREAM: {}}}},
)
async def stream(
    request: Request,
    last_event_id: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            max_length=32,
            description="The id of the last event received, to resume from it.",
        ),
    ] = None,
) -> StreamingResponse:
    """Live changes as server-sent events: new data (`positions`) and changed alerts (`alert`),
    filtered by what the account may read; see the module's docstring."""
    kinds, picture = _scope(request)
    since = _resumed(last_event_id) or datetime.now(UTC)
    values = request.app.state.workspace.settings().values
    watch = _Watch(kinds, picture, since, values)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(_events(request, watch), media_type=EVENT_STREAM, headers=headers)
