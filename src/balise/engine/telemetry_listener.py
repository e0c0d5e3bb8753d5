"""Live telemetry of smart containers: an MQTT subscriber that stores what it receives.

`listen_telemetry` connects to a broker (Eclipse Paho, the `mqtt` extra), subscribes to a topic
filter (`containers/+/telemetry`) and stores the readings through the same path as files
(`balise.io.telemetry.parse_telemetry`, `PortRecordStore.store_records`): the messages received
are gathered and stored as one batch every `batch_seconds` or every `batch_messages` messages,
whichever comes first, bad ones quarantined with their reason. A session is one ingest (source
`mqtt://HOST:PORT/FILTER`, format `telemetry_mqtt`, its own id) whose batches are the flushes, so
`balise` reports it and counts it as any ingest; a reading already stored (a device or the broker
sending it again) is a duplicate and stores nothing.

After each stored batch, `on_batch(readings)` is called with its good readings (the
`TELEMETRY_SCHEMA` frame; one already stored may be among them): the place where a later stage,
such as the cargo detectors, runs incrementally.

Paho's network thread receives, acknowledges and reconnects (with a back-off from
`reconnect_min_s` doubling up to `reconnect_max_s`, whole seconds; the subscription is renewed
on every connection); the calling thread parses and stores, so the store is used by one thread only.
Delivery: QoS 1 (the default) has the broker resend what was not acknowledged; messages are
acknowledged when received, so a listener killed hard loses at most the batch it was gathering.
With a `client_id` the session is persistent (clean session off): the broker keeps what arrives
while the listener is away, up to its own queue limit (Mosquitto's `max_queued_messages`).

The listener stops when `stop` is set (the CLI sets it on SIGINT and SIGTERM), after
`max_messages` messages or `duration_s` seconds; it stores what it holds, finishes the ingest and
returns a `ListenSummary`.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from balise.engine.ingest_limits import cap_texts
from balise.errors import UsageError
from balise.io.telemetry import (
    LIVE_BATCH_MESSAGES,
    LIVE_BATCH_SECONDS,
    RECONNECT_MAX_SECONDS,
    Message,
    messages_batch,
    topic_level,
)
from balise.model.batch import ReadOptions
from balise.store.base import IngestRecord, Store

if TYPE_CHECKING:
    from paho.mqtt.client import Client

SOURCE_FORMAT: Final = "telemetry_mqtt"
BatchCallback = Callable[[pl.DataFrame], None]
"""Called with the good readings of each stored batch (`TELEMETRY_SCHEMA`)."""
LogCallback = Callable[[str], None]
"""Told what happens to the connection (connected, lost, refused), in words for people."""


@dataclass(frozen=True)
class ListenOptions:
    """Where and how to listen; see the module's docstring. `container_from_topic`: the
    topic filter's `+` level names the container (a message may then leave it out)."""

    host: str
    port: int = 1883
    topic: str = "containers/+/telemetry"
    qos: int = 1
    client_id: str | None = None
    batch_seconds: float = LIVE_BATCH_SECONDS
    batch_messages: int = LIVE_BATCH_MESSAGES
    max_messages: int | None = None
    duration_s: float | None = None
    reconnect_min_s: int = 1
    reconnect_max_s: int = RECONNECT_MAX_SECONDS
    keepalive_s: int = 30
    container_from_topic: bool = True

    @property
    def source(self) -> str:
        return f"mqtt://{self.host}:{self.port}/{self.topic}"


@dataclass
class ListenSummary:
    """What a session did: messages received, readings stored, duplicates, quarantined and
    cleared by reason, batches stored, connections made (the first and every reconnection)."""

    ingest_id: str
    source: str
    messages: int = 0
    stored: int = 0
    duplicates: int = 0
    batches: int = 0
    connections: int = 0
    quarantined: Counter[str] = field(default_factory=Counter)
    cleared: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source, "ingest_id": self.ingest_id, "messages": self.messages,
            "stored": self.stored, "duplicates": self.duplicates, "batches": self.batches,
            "connections": self.connections, "quarantined": dict(self.quarantined),
            "cleared": dict(self.cleared), "seconds": round(self.seconds, 3),
        }  # fmt: skip


def _paho() -> Any:
    try:
        import paho.mqtt.client as mqtt
    except ImportError as err:
        raise UsageError(
            "listening to MQTT needs the mqtt extra: pip install 'balise[mqtt]'", extra="mqtt"
        ) from err
    return mqtt


class _Inbox:
    """Messages received by Paho's thread, waiting for the storing thread."""

    def __init__(self, batch_messages: int) -> None:
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._messages: list[Message] = []
        self._first_at = 0.0
        self._batch_messages = batch_messages
        self.received = 0
        self.connections = 0

    def put(self, message: Message) -> None:
        with self._lock:
            if not self._messages:
                self._first_at = time.monotonic()
            self._messages.append(message)
            self.received += 1
            if len(self._messages) in (1, self._batch_messages):
                self._ready.notify()

    def take(self, batch_seconds: float, idle_s: float = 0.1) -> list[Message]:
        """The messages received, once the first of them waited `batch_seconds` or there are
        `batch_messages`; an empty list after `idle_s` without any (to check for a stop)."""
        with self._lock:
            if not self._messages:
                self._ready.wait(idle_s)
            while self._messages and len(self._messages) < self._batch_messages:
                left = self._first_at + batch_seconds - time.monotonic()
                if left <= 0:
                    break
                self._ready.wait(left)
            taken, self._messages = self._messages, []
            return taken


def _client(options: ListenOptions, inbox: _Inbox, log: LogCallback) -> Client:
    mqtt = _paho()
    persistent = options.client_id is not None
    client: Client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=options.client_id or f"balise-{uuid.uuid4().hex[:12]}",
        clean_session=not persistent,
    )
    client.reconnect_delay_set(max(1, options.reconnect_min_s), max(1, options.reconnect_max_s))

    def on_connect(client: Client, _: Any, flags: Any, reason: Any, __: Any) -> None:
        if reason.is_failure:
            log(f"{options.source}: connection refused ({reason})")
            return
        inbox.connections += 1
        client.subscribe(options.topic, options.qos)
        log(f"{options.source}: connected")

    def on_subscribe(_: Client, __: Any, ___: Any, reasons: Any, ____: Any) -> None:
        granted = ", ".join(str(reason) for reason in reasons)
        log(f"{options.source}: subscribed ({granted})")

    def on_disconnect(_: Client, __: Any, ___: Any, reason: Any, ____: Any) -> None:
        if reason.is_failure:
            log(f"{options.source}: connection lost ({reason}); reconnecting")

    def on_message(_: Client, __: Any, message: Any) -> None:
        inbox.put(Message(message.topic, message.payload))

    def on_connect_fail(_: Client, __: Any) -> None:
        log(f"{options.source}: cannot connect; retrying")

    client.on_connect = on_connect
    client.on_connect_fail = on_connect_fail
    client.on_subscribe = on_subscribe
    client.on_disconnect = on_disconnect
    client.on_message = on_message
    return client


def listen_telemetry(
    store: Store,
    options: ListenOptions,
    read_options: ReadOptions | None = None,
    on_batch: BatchCallback | None = None,
    stop: threading.Event | None = None,
    log: LogCallback | None = None,
) -> ListenSummary:
    """Listen to `options.topic` on the broker and store the readings (see the module's
    docstring) until `stop` is set, `options.max_messages` were received or
    `options.duration_s` passed; `read_options` bounds a message's size
    (`max_record_line_bytes`) and its quarantined text. A broker that cannot be reached is
    tried again and again (each failure told to `log`); raises `UsageError` for an address
    Paho refuses outright or when the mqtt extra is missing."""
    reading = read_options or ReadOptions()
    stop = stop or threading.Event()
    inbox = _Inbox(max(1, options.batch_messages))
    started = datetime.now(UTC)
    summary = ListenSummary(_session_id(options, started), options.source)
    client = _client(options, inbox, log or (lambda _: None))
    _connect(client, options)
    store.start_ingest(
        IngestRecord(summary.ingest_id, options.source, SOURCE_FORMAT, "running", 0,
                     options.batch_messages)
    )  # fmt: skip
    client.loop_start()
    level = topic_level(options.topic) if options.container_from_topic else None
    clock = time.monotonic()
    try:
        while not _done(stop, inbox, options, time.monotonic() - clock):
            _flush(store, inbox.take(options.batch_seconds), summary, reading, level, on_batch)
    finally:
        client.disconnect()
        client.loop_stop()
        _flush(store, inbox.take(0.0, 0.0), summary, reading, level, on_batch)
        store.finish_ingest(summary.ingest_id)
    summary.connections = inbox.connections
    summary.seconds = time.monotonic() - clock
    return summary


def _connect(client: Client, options: ListenOptions) -> None:
    """Start connecting (the network thread connects, and retries while the broker is down or
    its name does not resolve)."""
    try:
        client.connect_async(options.host, options.port, options.keepalive_s)
    except (OSError, ValueError) as err:
        raise UsageError(f"cannot reach {options.source}: {err}", source=options.source) from err


def _session_id(options: ListenOptions, started: datetime) -> str:
    text = f"{SOURCE_FORMAT}\0{options.source}\0{started.isoformat()}\0{uuid.uuid4()}"
    return hashlib.sha256(text.encode()).hexdigest()


def _done(stop: threading.Event, inbox: _Inbox, options: ListenOptions, elapsed: float) -> bool:
    if stop.is_set():
        return True
    if options.max_messages is not None and inbox.received >= options.max_messages:
        return True
    return options.duration_s is not None and elapsed >= options.duration_s


def _flush(
    store: Store,
    messages: list[Message],
    summary: ListenSummary,
    options: ReadOptions,
    level: int | None,
    on_batch: BatchCallback | None,
) -> None:
    """Store `messages` as the session's next batch and tell `on_batch`."""
    if not messages:
        return
    batch = messages_batch(messages, summary.source, summary.messages + 1, options, level)
    batch.quarantine = cap_texts(batch.quarantine, options.max_quarantine_text_bytes)
    store.store_records(summary.ingest_id, summary.batches, batch)
    totals = _counted(store, summary.ingest_id)
    summary.messages += len(messages)
    summary.batches += 1
    summary.stored, summary.duplicates = totals["records_stored"], totals["duplicates"]
    summary.quarantined.update(dict(batch.quarantine["reason"].value_counts().rows()))
    summary.cleared.update(batch.cleared)
    if on_batch is not None and not batch.records.is_empty():
        on_batch(batch.records)


def _counted(store: Store, ingest_id: str) -> Counter[str]:
    counts = store.ingest_counts(ingest_id).filter(pl.col("key") == "")
    return Counter(dict(zip(counts["counter"], counts["count"], strict=True)))
