"""The live stream (GET /api/v1/stream) on a served app listening to a local TCP feed: refused
without credentials, an alert raised while connected arrives on it (with `positions` before) and
again when its event is revised, a revoked token ends it, need-to-know (a security officer, who
reads only the alerts about Balise's own users, follows the positions but gets no sea alert),
and Last-Event-ID resumes."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest

from api_clients import TEST_ACTOR, account_token
from balise.alerts import triage
from balise.alerts.rules import alert_rules
from balise.alerts.store import AlertStore
from balise.api.app import create_app
from balise.api.routers.stream import _Watch
from balise.cli.listen import live_ais_detection
from balise.engine.accounts import revoke_token
from balise.engine.ais_listener import AisListenOptions, AisSource, listen_ais
from balise.engine.detect import Geography
from balise.engine.live_detect import LiveDetection
from balise.maritime.params import detector_params
from balise.model.events import EVENT_SCHEMA, event_id, to_json
from balise.security import credentials
from balise.store.base import Store
from balise.store.duckdb import DuckDBStore
from balise.workspace import Workspace
from live_feed import JUMPER, FeedServer, jump_feed, late_fix
from local_server import served as serving

WAIT_S = 30.0


@dataclass(frozen=True)
class Served:
    """A served workspace: its URL and folder, the feed it listens to, the accounts' tokens."""

    url: str
    root: Path
    feed: FeedServer
    tokens: dict[str, str]


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    """A served workspace listening to a feed; its URL, the feed and the accounts' tokens."""
    monkeypatch.setenv("BALISE_STREAM_LOOKBACK_SECONDS", "1")
    monkeypatch.setenv("BALISE_STREAM_KEEPALIVE_SECONDS", "0.5")
    root = tmp_path / "ws"
    tokens = {"analyst": account_token(root, "ana", ("analyst",)),
              "security": account_token(root, "sam", ("security_officer",))}  # fmt: skip
    feed = FeedServer()
    detection = LiveDetection("gfw", Geography(zones=()), detector_params({}), alert_rules({}))
    options = AisListenOptions((AisSource("tcp", "127.0.0.1", feed.port),), batch_seconds=0.05,
                               reconnect_min_s=0.05)  # fmt: skip

    def ais(store: Store, stop: threading.Event) -> object:
        with live_ais_detection(detection, store, print) as loop:
            return listen_ais(store, options, None, loop.wake, stop=stop)

    app = create_app(root, bind_host="127.0.0.1", feeds=[ais])
    with serving(app, timeout_graceful_shutdown=1) as url:
        assert feed.accepted.wait(WAIT_S)
        yield Served(url, root, feed, tokens)
    feed.close()


class Stream:
    """A connection to the stream read on a thread: the events received, in order."""

    def __init__(self, url: str, token: str, last_event_id: str | None = None) -> None:
        self.headers = {"Authorization": f"Bearer {token}"}
        if last_event_id:
            self.headers["Last-Event-ID"] = last_event_id
        self.url = url + "/api/v1/stream"
        self.events: list[dict[str, Any]] = []
        self.comments = 0
        self.changed = threading.Condition()
        self.closing = threading.Event()
        self.opened = threading.Event()
        self.ended = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            self._follow()
        except httpx.TransportError:
            if not self.closing.is_set():  # the server going away at the end is expected
                raise
        finally:
            self.ended.set()

    def _follow(self) -> None:
        with (
            httpx.Client(timeout=WAIT_S) as client,
            client.stream("GET", self.url, headers=self.headers) as response,
        ):
            assert response.headers["content-type"].startswith("text/event-stream")
            event: dict[str, Any] = {}
            for line in response.iter_lines():
                if self.closing.is_set():
                    return
                if line.startswith("retry:"):
                    self.opened.set()
                elif line.startswith(":"):
                    with self.changed:
                        self.comments += 1
                        self.changed.notify_all()
                elif line.startswith(("id:", "event:", "data:")):
                    name, _, value = line.partition(": ")
                    event[name] = json.loads(value) if name == "data" else value
                elif not line and event:
                    with self.changed:
                        self.events.append(event)
                        self.changed.notify_all()
                    event = {}

    def wait_for(self, kind: str) -> dict[str, Any]:
        with self.changed:
            assert self.changed.wait_for(lambda: self.of(kind), WAIT_S), self.events
            return self.of(kind)[0]

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("event") == kind]

    def wait_comments(self, count: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.comments >= count, WAIT_S)

    def close(self) -> None:
        self.closing.set()


def test_the_stream_needs_a_session_or_token(served: Served) -> None:
    url = served.url
    response = httpx.get(url + "/api/v1/stream", timeout=WAIT_S)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_an_alert_raised_while_connected_arrives(served: Served) -> None:
    url, feed, tokens = served.url, served.feed, served.tokens
    analyst, security = Stream(url, tokens["analyst"]), Stream(url, tokens["security"])
    analyst.wait_comments(1)
    security.wait_comments(1)
    now = datetime.now(UTC)
    before, completing = jump_feed(now)
    feed.send(before + completing)
    alert = analyst.wait_for("alert")
    assert alert["data"]["type"] == "position_jump"
    assert alert["data"]["mmsi"] == JUMPER
    assert alert["data"]["state"] == "open"
    assert analyst.events.index(analyst.of("positions")[0]) < analyst.events.index(alert)
    feed.send([late_fix(now)])  # revises the event: the alert is sent again
    with analyst.changed:
        assert analyst.changed.wait_for(lambda: len(analyst.of("alert")) == 2, WAIT_S)
    revised = analyst.of("alert")[1]["data"]
    assert revised["id"] == alert["data"]["id"]
    assert revised["fingerprint"] != alert["data"]["fingerprint"]
    security.wait_for("positions")
    security.wait_comments(security.comments + 2)  # a second later: still no sea alert
    assert not security.of("alert")
    time.sleep(1.2)  # beyond the look-back: a new connection starts from now
    fresh = Stream(url, tokens["analyst"])
    resumed = Stream(url, tokens["analyst"], last_event_id=str(int(alert["id"]) - 1))
    assert resumed.wait_for("alert")["data"]["id"] == alert["data"]["id"]
    fresh.wait_comments(2)
    assert not fresh.of("alert")
    for stream in (analyst, security, fresh, resumed):
        stream.close()


def test_a_revoked_token_ends_the_stream(served: Served) -> None:
    stream = Stream(served.url, served.tokens["analyst"])
    stream.wait_comments(1)
    assert not stream.ended.is_set()
    parts = credentials.split_token(served.tokens["analyst"])
    assert parts is not None
    store = Workspace(served.root).open_store()  # the server's database, shared in-process
    try:
        revoke_token(store, TEST_ACTOR, parts[0])
    finally:
        store.close()
    assert stream.ended.wait(WAIT_S)


def test_what_this_process_writes_is_sent_without_waiting_for_the_poll(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stream looks at the store as soon as the listener stored a batch or a run refreshed
    the alerts: with a poll (and keep-alive) far longer than the wait, both still arrive."""
    monkeypatch.setenv("BALISE_STREAM_POLL_SECONDS", "120")
    monkeypatch.setenv("BALISE_STREAM_KEEPALIVE_SECONDS", "120")
    stream = Stream(served.url, served.tokens["analyst"])
    assert stream.opened.wait(WAIT_S)
    before, completing = jump_feed(datetime.now(UTC))
    served.feed.send(before)
    stream.wait_for("positions")
    served.feed.send(completing)
    started = time.monotonic()
    assert stream.wait_for("alert")["data"]["mmsi"] == JUMPER
    assert time.monotonic() - started < WAIT_S < 120
    stream.close()


def _meeting(hours: float) -> pl.DataFrame:
    """One encounter of vessels 1 and 2 that lasted `hours` (the same event, revised)."""
    start = datetime(2024, 3, 1, tzinfo=UTC)
    return pl.DataFrame([{
        "id": event_id("encounter", 1, start.isoformat()), "type": "encounter", "start": start,
        "end": start + timedelta(hours=hours), "lat": 5.0, "lon": 179.9, "mmsi": 1,
        "other_mmsi": 2, "confidence": 0.7, "score": None, "params": "{}",
        "evidence": to_json({"duration_h": hours}), "status": "active",
    }], schema=EVENT_SCHEMA)  # fmt: skip


def test_an_alert_opened_long_ago_and_revised_now_is_sent_once() -> None:
    """A revision keeps the alert's time (opened before the look-back): the stream finds it
    by the revision, sends it once, and not again at each later look; a look after no change
    does not read the alerts, one after a triage does."""
    store = DuckDBStore(":memory:")
    inbox = AlertStore(store)
    store.save_events(_meeting(3.0), ["encounter"])
    inbox.refresh(datetime.now(UTC) - timedelta(hours=1))  # opened an hour ago
    watch = _Watch(("encounter",), False, datetime.now(UTC), {})
    assert watch.changed_alerts(store) == []
    store.save_events(_meeting(4.0), ["encounter"])
    assert inbox.refresh().revised == 1
    revised = watch.changed_alerts(store)
    assert [a["state"] for a in revised] == ["open"]
    watch.mark(revised)
    assert watch.changed_alerts(store) == []
    store.save_events(_meeting(5.0), ["encounter"])  # revised again: sent again, once
    inbox.refresh()
    again = watch.changed_alerts(store)
    assert [a["fingerprint"] != revised[0]["fingerprint"] for a in again] == [True]
    watch.mark(again)
    assert list(watch.sent) == [again[0]["id"]]  # one version remembered per alert
    looked: list[object] = []
    find_alerts = store.find_alerts

    def spied(*args: Any) -> pl.DataFrame:
        looked.append(args)
        return find_alerts(*args)

    store.find_alerts = spied  # type: ignore[method-assign, assignment]
    assert watch.changed_alerts(store) == []
    assert looked == []  # nothing acted on since the last look: the alerts are not read
    triage.acknowledge(inbox, again[0]["id"], "analyst", None)
    assert [a["state"] for a in watch.changed_alerts(store)] == ["acknowledged"]
    assert len(looked) == 1
    store.close()
