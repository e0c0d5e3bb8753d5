"""The live telemetry listener against a real Mosquitto broker: messages published with Paho
are stored as readings, bad ones quarantined, container numbers taken from the topic, the
callback told of each batch, and the listener reconnects when the broker restarts."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import polars as pl
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from balise.engine.telemetry_listener import ListenOptions, ListenSummary, listen_telemetry
from balise.store.duckdb import DuckDBStore
from mqtt_broker import Broker, mosquitto

broker = mosquitto
WAIT_S = 20.0
GOOD = {"container_number": "CSQU3054383", "time": "2024-03-01T08:00:00Z", "lat": 51.95,
        "lon": 4.05, "door_open": False}  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DuckDBStore]:
    opened = DuckDBStore(tmp_path / "balise.duckdb")
    yield opened
    opened.close()


def publish(port: int, messages: list[tuple[str, Any]], qos: int = 1) -> None:
    """Publish each (topic, payload) and wait until the broker has them all."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="test-publisher")
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        sent = [
            client.publish(topic, p if isinstance(p, bytes) else json.dumps(p).encode(), qos)
            for topic, p in messages
        ]
        for info in sent:
            info.wait_for_publish(WAIT_S)
            assert info.is_published()
    finally:
        client.disconnect()
        client.loop_stop()


class Listening:
    """A listener on its own thread (with its own store cursor), and what it said."""

    def __init__(self, store: DuckDBStore, options: ListenOptions) -> None:
        self.stop = threading.Event()
        self.subscribed = threading.Event()
        self.lines: list[str] = []
        self.batches: list[pl.DataFrame] = []
        self.stored = threading.Condition()
        self.summary: ListenSummary | None = None
        self._store, self._options = store.cursor(), options
        self._thread = threading.Thread(target=self._run)

    def _log(self, line: str) -> None:
        self.lines.append(line)
        if "subscribed" in line:
            self.subscribed.set()

    def _on_batch(self, readings: pl.DataFrame) -> None:
        with self.stored:
            self.batches.append(readings)
            self.stored.notify_all()

    def _run(self) -> None:
        try:
            self.summary = listen_telemetry(
                self._store, self._options, on_batch=self._on_batch, stop=self.stop,
                log=self._log,
            )  # fmt: skip
        finally:
            self._store.close()

    def __enter__(self) -> Listening:
        self._thread.start()
        assert self.subscribed.wait(WAIT_S), self.lines
        return self

    def wait_for_readings(self, count: int) -> None:
        with self.stored:
            got = self.stored.wait_for(lambda: sum(b.height for b in self.batches) >= count, WAIT_S)
        assert got, (count, self.lines)

    def finish(self) -> None:
        """Wait for the listener to end by itself."""
        self._thread.join(WAIT_S)
        assert not self._thread.is_alive(), self.lines

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self._thread.join(WAIT_S)


def test_published_messages_are_stored_and_bad_ones_quarantined(
    broker: Broker, store: DuckDBStore
) -> None:
    options = ListenOptions("127.0.0.1", broker.port, batch_seconds=0.05, max_messages=6)
    messages: list[tuple[str, Any]] = [
        ("containers/CSQU3054383/telemetry", GOOD),
        ("containers/CSQU3054383/telemetry", {**GOOD, "time": 1709280060, "door_open": True}),
        ("containers/CSQU3054383/telemetry", b"not json"),
        ("containers/CSQU3054383/telemetry", {**GOOD, "container_number": "CSQU3054384"}),
        ("containers/MSKU9070323/telemetry", GOOD),  # names another box than its topic
        ("containers/CSQU3054383/telemetry", GOOD),  # sent again
    ]
    with Listening(store, options) as listening:
        publish(broker.port, messages)
        listening.finish()  # max_messages ends it
    summary = listening.summary
    assert summary is not None
    assert (summary.messages, summary.stored, summary.duplicates) == (6, 2, 1)
    assert summary.quarantined == {"bad_json": 1, "bad_container_number": 1,
                                   "container_mismatch": 1}  # fmt: skip
    found = store.telemetry("CSQU3054383")
    assert found["door_open"].to_list() == [False, True]
    assert found["source"].unique().to_list() == [options.source]
    quarantined = store.quarantine(summary.ingest_id)
    assert sorted(quarantined["reason"]) == ["bad_container_number", "bad_json",
                                             "container_mismatch"]  # fmt: skip
    assert "not json" in quarantined["raw"].to_list()
    record = store.ingest(summary.ingest_id)
    assert record is not None
    assert (record.status, record.source_format) == ("complete", "telemetry_mqtt")
    assert sum(b.height for b in listening.batches) == 3  # the callback saw every good reading


def test_the_topic_names_the_container_when_the_message_does_not(
    broker: Broker, store: DuckDBStore
) -> None:
    bare = {"time": "2024-03-01T08:00:00Z", "temperature_c": 4.5}
    options = ListenOptions("127.0.0.1", broker.port, "boxes/+/data", qos=0, batch_seconds=0.05)
    with Listening(store, options) as listening:
        # in order: once the second is stored, the first was received
        publish(broker.port, [("boxes/gate-7/data", bare), ("boxes/msku9070323/data", bare)])
        listening.wait_for_readings(1)
    assert store.telemetry()[["container_number", "temperature_c"]].rows() == [("MSKU9070323", 4.5)]
    assert listening.summary is not None
    assert listening.summary.quarantined == {"bad_container_number": 1}


def test_the_listener_reconnects_after_the_broker_restarts(
    broker: Broker, store: DuckDBStore
) -> None:
    options = ListenOptions("127.0.0.1", broker.port, batch_seconds=0.05, reconnect_max_s=1)
    topic = "containers/CSQU3054383/telemetry"
    with Listening(store, options) as listening:
        publish(broker.port, [(topic, GOOD)])
        listening.wait_for_readings(1)
        listening.subscribed.clear()
        broker.stop()
        broker.start()
        assert listening.subscribed.wait(WAIT_S), listening.lines
        publish(broker.port, [(topic, {**GOOD, "time": "2024-03-01T08:05:00Z"})])
        listening.wait_for_readings(2)
    assert listening.summary is not None
    assert listening.summary.connections == 2
    assert any("connection lost" in line for line in listening.lines)
    assert store.telemetry().height == 2
