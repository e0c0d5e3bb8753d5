"""The live AIS listener against real local sockets: a TCP server started here (a message split
between two batches, lines without a tag block stamped at arrival, reconnection after the server
drops the connection, bad lines quarantined) and a UDP port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from balise.engine.ais_listener import (
    AisListenOptions,
    AisListenSummary,
    AisSource,
    listen_ais,
    parse_source,
)
from balise.errors import UsageError
from balise.model.batch import ReadBatch
from balise.store.duckdb import DuckDBStore
from helpers import sentences
from live_feed import FeedServer, position

WAIT_S = 20.0
STATIC = {"msg_type": 5, "mmsi": 244_000_003, "imo": 9_321_483, "callsign": "PBXY",
          "shipname": "NORDIC TIDE", "ship_type": 70, "destination": "ROTTERDAM"}  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DuckDBStore]:
    opened = DuckDBStore(tmp_path / "balise.duckdb")
    yield opened
    opened.close()


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


class Listening:
    """The listener on its own thread with its own cursor; the batches it stored."""

    def __init__(self, store: DuckDBStore, *sources: AisSource) -> None:
        options = AisListenOptions(sources, batch_seconds=0.05, reconnect_min_s=0.05,
                                   reconnect_max_s=0.2, connect_timeout_s=5)  # fmt: skip
        self.stop, self.ready = threading.Event(), threading.Event()
        self.batches: list[ReadBatch] = []
        self.log: list[str] = []
        self.summary: AisListenSummary | None = None
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, args=(store.cursor(), options))
        self._thread.start()
        assert self.ready.wait(WAIT_S)

    def _run(self, cursor: DuckDBStore, options: AisListenOptions) -> None:
        try:
            self.summary = listen_ais(cursor, options, on_batch=self._stored, stop=self.stop,
                                      log=self.log.append, ready=self.ready)  # fmt: skip
        finally:
            cursor.close()

    def _stored(self, batches: list[ReadBatch]) -> None:
        with self._changed:
            self.batches.extend(batches)
            self._changed.notify_all()

    def wait(self, done: Callable[[], bool]) -> None:
        with self._changed:
            assert self._changed.wait_for(done, WAIT_S), self.log

    def finish(self) -> AisListenSummary:
        self.stop.set()
        self._thread.join(WAIT_S)
        assert self.summary is not None
        return self.summary


def _positions(listening: Listening) -> int:
    return sum(batch.positions.height for batch in listening.batches)


def test_a_message_split_between_batches_is_stored_whole(
    store: DuckDBStore, feed: FeedServer
) -> None:
    first, second = sentences(STATIC)
    listening = Listening(store, parse_source(f"tcp:{feed.address}"))
    feed.send([first, position(244_000_009, 52.0, 3.0)])
    listening.wait(lambda: _positions(listening) == 1)
    feed.send([second])
    listening.wait(lambda: any(not b.identities.is_empty() for b in listening.batches))
    summary = listening.finish()
    assert len(listening.batches) >= 2
    assert store.identity_history(244_000_003)["name"].to_list() == ["NORDIC TIDE"]
    assert summary.identity_reports == 1
    assert not summary.quarantined


def test_lines_without_a_tag_block_are_stamped_at_arrival(
    store: DuckDBStore, feed: FeedServer
) -> None:
    listening = Listening(store, AisSource("tcp", "127.0.0.1", feed.port))
    before = datetime.now(UTC)
    feed.send([position(244_000_010, 52.0, 3.0)])
    listening.wait(lambda: _positions(listening) == 1)
    after = datetime.now(UTC)
    listening.finish()
    stamped = store.positions_of([244_000_010])["timestamp"].to_list()
    assert len(stamped) == 1
    assert before - timedelta(seconds=1) <= stamped[0] <= after


def test_it_reconnects_after_the_server_drops_the_connection(
    store: DuckDBStore, feed: FeedServer
) -> None:
    listening = Listening(store, AisSource("tcp", "127.0.0.1", feed.port))
    feed.send([position(244_000_011, 52.0, 3.0)])
    listening.wait(lambda: _positions(listening) == 1)
    feed.drop()
    feed.send([position(244_000_012, 52.0, 3.1)])
    listening.wait(lambda: _positions(listening) == 2)
    summary = listening.finish()
    assert summary.connections == feed.connections == 2
    assert any("connection closed" in line for line in listening.log)


def test_bad_lines_are_quarantined_with_their_reason(store: DuckDBStore, feed: FeedServer) -> None:
    good = position(244_000_013, 52.0, 3.0)
    bad = good[:-2] + ("00" if not good.endswith("00") else "11")
    listening = Listening(store, AisSource("tcp", "127.0.0.1", feed.port))
    feed.send([good, bad, "!AIVDM,garbage", "x" * 5000])
    listening.wait(lambda: _positions(listening) == 1 and len(listening.batches) >= 1)
    summary = listening.finish()
    stored = store.quarantine(summary.ingest_ids[f"tcp://127.0.0.1:{feed.port}"])
    assert sorted(stored["reason"].to_list()) == [
        "bad_checksum", "line_too_long", "malformed_sentence",
    ]  # fmt: skip
    assert summary.quarantined == {"bad_checksum": 1, "line_too_long": 1, "malformed_sentence": 1}


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_udp_datagrams_and_a_tcp_feed_at_once(store: DuckDBStore, feed: FeedServer) -> None:
    port = _free_udp_port()
    listening = Listening(store, parse_source(f"udp:127.0.0.1:{port}"),
                          parse_source(f"tcp:{feed.address}"))  # fmt: skip
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        deadline = time.monotonic() + WAIT_S
        while _positions(listening) == 0 and time.monotonic() < deadline:
            sender.sendto(position(244_000_014, 52.0, 3.0).encode(), ("127.0.0.1", port))
            time.sleep(0.1)
    feed.send([position(244_000_015, 52.0, 3.0)])
    listening.wait(lambda: {244_000_014, 244_000_015} <= _mmsis(listening))
    summary = listening.finish()
    assert summary.sources == (f"udp://127.0.0.1:{port}", f"tcp://127.0.0.1:{feed.port}")


def _mmsis(listening: Listening) -> set[int]:
    return {m for batch in listening.batches for m in batch.positions["mmsi"].to_list()}


@pytest.mark.parametrize(
    "text", ["tcp:nohost", "udp:port", "tcp:host:99999", "ftp:host:1", "serial:", "nothing"]
)
def test_a_bad_source_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError):
        parse_source(text)


def test_source_syntax() -> None:
    assert parse_source("tcp:[::1]:10110") == AisSource("tcp", "::1", 10110)
    assert parse_source("udp:10110") == AisSource("udp", "", 10110)
    assert parse_source("serial:/dev/ttyUSB0:38400") == AisSource("serial", device="/dev/ttyUSB0")
    assert parse_source("serial:/dev/ttyS1").baud == 38_400
    assert AisSource("tcp", "::1", 10110).name == "tcp://[::1]:10110"
