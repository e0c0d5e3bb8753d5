"""Live AIS: raw NMEA from receivers and aggregators over TCP, UDP or a serial line, stored as
it arrives through the same path as files.

`listen_ais` runs one reader thread per source; reader threads only receive: they cut the bytes
into lines (`balise.io.nmea_live.LineFramer`) stamped with their arrival time and put them in a
shared inbox. The calling thread takes the lines every `batch_seconds`, or as soon as
`batch_messages` are waiting, decodes each source's lines with its own `NmeaStream` (the file
reader's steps; a two-sentence message split between batches is reassembled) and stores them
(`Store.store_batch`: positions, identities, quarantine with reasons, the change log that scopes
the next detection run). Each source is one ingest of the session (source `tcp://HOST:PORT`,
`udp://:PORT` or `serial://DEVICE`, format `nmea_live`), whose batches are the flushes.

After each flush that stored something, `on_batch` is called: the place where incremental
detection and the alert refresh run (`balise.engine.live_detect`), so alerts appear while
listening.

A TCP source is a client: a refused or lost connection is tried again after a wait that starts
at `reconnect_min_s` and doubles up to `reconnect_max_s` (setting `listen.reconnect_max_seconds`),
back to the minimum once connected. A UDP source listens on a port (each datagram holds whole
lines). A serial source reads a device through pyserial (the `serial` extra), reopened with the
same back-off when it goes away.

The listener stops when `stop` is set (the CLI sets it on SIGINT and SIGTERM), after
`max_messages` lines or `duration_s` seconds; it stores what it holds, gives the fragments still
waiting to quarantine (`orphan_fragment`), finishes the ingests and returns an `AisListenSummary`.
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import polars as pl

from balise.engine.ingest_limits import cap_texts
from balise.errors import UsageError
from balise.io.nmea_live import LineFramer, NmeaStream, ReceivedLine
from balise.io.telemetry import LIVE_BATCH_MESSAGES, LIVE_BATCH_SECONDS, RECONNECT_MAX_SECONDS
from balise.model.batch import ReadBatch, ReadOptions
from balise.store.base import IngestRecord, Store

SOURCE_FORMAT: Final = "nmea_live"
RECEIVE_BYTES: Final = 65_536
POLL_S: Final = 0.2
"""How often a reader thread blocked on a quiet source looks at the stop flag, s."""
BatchCallback = Callable[[list[ReadBatch]], None]
"""Called after each flush with the batches it stored (one per source that sent lines)."""
LogCallback = Callable[[str], None]


@dataclass(frozen=True)
class AisSource:
    """Where to read: `kind` tcp (a server Balise connects to), udp (a port Balise listens
    on) or serial (a device, at `baud`)."""

    kind: str
    host: str = ""
    port: int = 0
    device: str = ""
    baud: int = 38_400

    @property
    def name(self) -> str:
        if self.kind == "tcp":
            host = f"[{self.host}]" if ":" in self.host else self.host
            return f"tcp://{host}:{self.port}"
        if self.kind == "udp":
            return f"udp://{self.host}:{self.port}"
        return f"serial://{self.device}"


def _port(text: str, what: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise UsageError(f"{what}: {text!r} is not a port (1-65535)", value=text)
    return int(text)


def tcp_source(text: str) -> AisSource:
    """`HOST:PORT` (`[::1]:PORT` for IPv6)."""
    host, sep, port = text.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host:
        raise UsageError(f"--tcp: expected HOST:PORT, got {text!r}", value=text)
    return AisSource("tcp", host=host, port=_port(port, "--tcp"))


def udp_source(text: str) -> AisSource:
    """`PORT` (every interface) or `HOST:PORT` (the interface to listen on)."""
    host, _, port = text.strip().rpartition(":")
    return AisSource("udp", host=host.removeprefix("[").removesuffix("]"),
                     port=_port(port, "--udp"))  # fmt: skip


def serial_source(text: str) -> AisSource:
    """`DEVICE` or `DEVICE:BAUD` (38,400 baud, the AIS standard rate, when left out)."""
    device, sep, baud = text.strip().rpartition(":")
    if not sep or not baud.isdigit():
        device, baud = text.strip(), "38400"
    if not device:
        raise UsageError(f"--serial: expected DEVICE[:BAUD], got {text!r}", value=text)
    return AisSource("serial", device=device, baud=int(baud))


def parse_source(text: str) -> AisSource:
    """`tcp:HOST:PORT`, `udp:PORT` or `serial:DEVICE[:BAUD]` (`balise serve --listen-ais`)."""
    kind, sep, rest = text.partition(":")
    makers = {"tcp": tcp_source, "udp": udp_source, "serial": serial_source}
    if not sep or kind not in makers:
        raise UsageError(
            f"--listen-ais: expected tcp:HOST:PORT, udp:PORT or serial:DEVICE[:BAUD], got {text!r}",
            value=text,
        )
    return makers[kind](rest)


@dataclass(frozen=True)
class AisListenOptions:
    """How to listen; see the module's docstring."""

    sources: tuple[AisSource, ...]
    batch_seconds: float = LIVE_BATCH_SECONDS
    batch_messages: int = LIVE_BATCH_MESSAGES
    max_messages: int | None = None
    duration_s: float | None = None
    reconnect_min_s: float = 1.0
    reconnect_max_s: float = RECONNECT_MAX_SECONDS
    connect_timeout_s: float = 10.0


@dataclass
class AisListenSummary:
    """What a session did, over all its sources: lines received, positions stored, duplicates,
    identity reports, quarantined by reason, flushes, connections made (TCP and serial: the
    first and every reconnection)."""

    sources: tuple[str, ...]
    ingest_ids: dict[str, str]
    lines: int = 0
    positions_stored: int = 0
    duplicates: int = 0
    identity_reports: int = 0
    batches: int = 0
    connections: int = 0
    quarantined: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "sources": list(self.sources), "ingest_ids": self.ingest_ids, "lines": self.lines,
            "positions_stored": self.positions_stored, "duplicates": self.duplicates,
            "identity_reports": self.identity_reports, "batches": self.batches,
            "connections": self.connections, "quarantined": dict(self.quarantined),
            "seconds": round(self.seconds, 3),
        }  # fmt: skip


class LineInbox:
    """Lines received by the reader threads, waiting for the storing thread."""

    def __init__(self, batch_messages: int) -> None:
        self._ready = threading.Condition(threading.Lock())
        self._lines: list[tuple[int, ReceivedLine]] = []
        self._first_at = 0.0
        self._batch_messages = batch_messages
        self.received = 0
        self.connections = 0

    def put(self, source: int, lines: list[ReceivedLine]) -> None:
        if not lines:
            return
        with self._ready:
            if not self._lines:
                self._first_at = time.monotonic()
            self._lines.extend((source, line) for line in lines)
            self.received += len(lines)
            if len(self._lines) == len(lines) or len(self._lines) >= self._batch_messages:
                self._ready.notify()

    def connected(self) -> None:
        with self._ready:
            self.connections += 1

    def take(self, batch_seconds: float, idle_s: float = 0.1) -> list[tuple[int, ReceivedLine]]:
        """The lines received, once the first waited `batch_seconds` or `batch_messages` are
        waiting; an empty list after `idle_s` without any (to look at the stop flag)."""
        with self._ready:
            if not self._lines:
                self._ready.wait(idle_s)
            while self._lines and len(self._lines) < self._batch_messages:
                left = self._first_at + batch_seconds - time.monotonic()
                if left <= 0:
                    break
                self._ready.wait(left)
            taken, self._lines = self._lines, []
            return taken


def _now() -> datetime:
    return datetime.now(UTC)


class _Reader(threading.Thread):
    """One source's receiving thread: lines into the inbox until `stop`."""

    def __init__(
        self, index: int, source: AisSource, options: AisListenOptions, inbox: LineInbox,
        stop: threading.Event, log: LogCallback, max_line_bytes: int,
    ) -> None:  # fmt: skip
        super().__init__(name=f"ais-{source.name}", daemon=True)
        self.index, self.source, self.options = index, source, options
        self.inbox, self.stop, self.log = inbox, stop, log
        self.max_line_bytes = max_line_bytes
        self.ready = threading.Event()
        """Set once the source is listening (UDP bound) or has been tried once (TCP, serial)."""

    def run(self) -> None:
        try:
            if self.source.kind == "udp":
                self._udp()
            else:
                self._reconnecting()
        except Exception as err:  # a reader thread must say why it ended, not die silently
            self.log(f"{self.source.name}: stopped: {err}")
        finally:
            self.ready.set()

    def _put(self, lines: list[ReceivedLine]) -> None:
        self.inbox.put(self.index, lines)

    def _reconnecting(self) -> None:
        delay = self.options.reconnect_min_s
        while not self.stop.is_set():
            try:
                self._session()
            except OSError as err:
                self.log(f"{self.source.name}: cannot connect ({err}); retrying in {delay:g} s")
            else:
                delay = self.options.reconnect_min_s
                self.log(f"{self.source.name}: connection closed; reconnecting in {delay:g} s")
            self.ready.set()
            if self.stop.wait(delay):
                return
            delay = min(delay * 2, self.options.reconnect_max_s)

    def _session(self) -> None:
        """One connection (or opening of the device), read until it ends; `OSError` when it
        cannot be opened."""
        if self.source.kind == "serial":
            self._serial()
            return
        framer = LineFramer(self.max_line_bytes)
        address = (self.source.host, self.source.port)
        with socket.create_connection(address, self.options.connect_timeout_s) as conn:
            conn.settimeout(POLL_S)
            self.inbox.connected()
            self.log(f"{self.source.name}: connected")
            self.ready.set()
            while not self.stop.is_set():
                try:
                    data = conn.recv(RECEIVE_BYTES)
                except TimeoutError:
                    continue
                except OSError as err:
                    self.log(f"{self.source.name}: connection lost ({err})")
                    break
                if not data:
                    break
                self._put(framer.feed(data, _now()))
        self._put(framer.flush(_now()))

    def _udp(self) -> None:
        family = socket.AF_INET6 if ":" in self.source.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.bind((self.source.host, self.source.port))
            sock.settimeout(POLL_S)
            self.log(f"{self.source.name}: listening")
            self.ready.set()
            framer = LineFramer(self.max_line_bytes)
            while not self.stop.is_set():
                try:
                    data = sock.recv(RECEIVE_BYTES)
                except TimeoutError:
                    continue
                arrived = _now()
                self._put(framer.feed(data, arrived) + framer.flush(arrived))

    def _serial(self) -> None:
        serial = serial_module()
        framer = LineFramer(self.max_line_bytes)
        try:
            port = serial.Serial(self.source.device, self.source.baud, timeout=POLL_S)
        except serial.SerialException as err:
            raise OSError(str(err)) from err
        with port:
            self.inbox.connected()
            self.log(f"{self.source.name}: opened at {self.source.baud} baud")
            self.ready.set()
            while not self.stop.is_set():
                try:
                    data = port.read(RECEIVE_BYTES)
                except serial.SerialException as err:
                    self.log(f"{self.source.name}: device lost ({err})")
                    break
                self._put(framer.feed(data, _now()))
        self._put(framer.flush(_now()))


def serial_module() -> Any:
    """pyserial, or a `UsageError` saying how to install it."""
    try:
        import serial
    except ImportError as err:
        raise UsageError(
            "reading a serial device needs the serial extra: pip install 'balise[serial]'",
            extra="serial",
        ) from err
    return serial


def _session_id(source: str, started: datetime) -> str:
    text = f"{SOURCE_FORMAT}\0{source}\0{started.isoformat()}\0{uuid.uuid4()}"
    return hashlib.sha256(text.encode()).hexdigest()


class _Session:
    """The storing side: one decoding stream and one ingest per source."""

    def __init__(
        self, store: Store, options: AisListenOptions, reading: ReadOptions,
        on_batch: BatchCallback | None,
    ) -> None:  # fmt: skip
        started = _now()
        self.store, self.reading, self.on_batch = store, reading, on_batch
        names = tuple(source.name for source in options.sources)
        self.streams = [NmeaStream(name, reading) for name in names]
        self.ids = [_session_id(name, started) for name in names]
        self.batch_index = [0] * len(names)
        self.summary = AisListenSummary(names, dict(zip(names, self.ids, strict=True)))
        for name, ingest_id in zip(names, self.ids, strict=True):
            store.start_ingest(IngestRecord(ingest_id, name, SOURCE_FORMAT, "running", 0,
                                            options.batch_messages))  # fmt: skip

    def flush(self, taken: list[tuple[int, ReceivedLine]]) -> None:
        by_source: dict[int, list[ReceivedLine]] = {}
        for index, line in taken:
            by_source.setdefault(index, []).append(line)
        stored = [self._store(index, self.streams[index].batch(lines))
                  for index, lines in sorted(by_source.items())]  # fmt: skip
        self.summary.lines += len(taken)
        if stored:
            self.summary.batches += 1
        if self.on_batch is not None and stored:
            self.on_batch(stored)

    def close(self) -> None:
        for index, stream in enumerate(self.streams):
            closing = stream.close()
            if not closing.quarantine.is_empty():
                self._store(index, closing)
            self.store.finish_ingest(self.ids[index])

    def _store(self, index: int, batch: ReadBatch) -> ReadBatch:
        batch.quarantine = cap_texts(batch.quarantine, self.reading.max_quarantine_text_bytes)
        self.store.store_batch(self.ids[index], self.batch_index[index], batch)
        self.batch_index[index] += 1
        self._count(batch)
        return batch

    def _count(self, batch: ReadBatch) -> None:
        summary = self.summary
        summary.quarantined.update(dict(batch.quarantine["reason"].value_counts().rows()))
        totals: Counter[str] = Counter()
        for ingest_id in self.ids:
            counts = self.store.ingest_counts(ingest_id).filter(pl.col("key") == "")
            totals.update(dict(zip(counts["counter"], counts["count"], strict=True)))
        summary.positions_stored = totals["positions_stored"]
        summary.duplicates = totals["duplicates"]
        summary.identity_reports = totals["identity_reports"]


def listen_ais(
    store: Store,
    options: AisListenOptions,
    read_options: ReadOptions | None = None,
    on_batch: BatchCallback | None = None,
    stop: threading.Event | None = None,
    log: LogCallback | None = None,
    ready: threading.Event | None = None,
) -> AisListenSummary:
    """Listen to every source of `options` and store what arrives (see the module's docstring)
    until `stop` is set, `options.max_messages` lines were received or `options.duration_s`
    passed. `ready` is set once every source listens or was tried once. Raises `UsageError`
    when a source cannot be used at all (no sources, the serial extra missing)."""
    if not options.sources:
        raise UsageError("no source to listen to: give --tcp, --udp or --serial")
    if any(source.kind == "serial" for source in options.sources):
        serial_module()
    reading = read_options or ReadOptions()
    stop = stop or threading.Event()
    tell = log or (lambda _: None)
    inbox = LineInbox(max(1, options.batch_messages))
    session = _Session(store, options, reading, on_batch)
    readers = [
        _Reader(i, source, options, inbox, stop, tell, reading.max_line_bytes)
        for i, source in enumerate(options.sources)
    ]
    clock = time.monotonic()
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.ready.wait(options.connect_timeout_s)
    if ready is not None:
        ready.set()
    try:
        while not _done(stop, inbox, options, time.monotonic() - clock):
            session.flush(inbox.take(options.batch_seconds))
    finally:
        stop.set()
        for reader in readers:
            reader.join(options.connect_timeout_s)
        session.flush(inbox.take(0.0, 0.0))
        session.close()
    session.summary.connections = inbox.connections
    session.summary.seconds = time.monotonic() - clock
    return session.summary


def _done(
    stop: threading.Event, inbox: LineInbox, options: AisListenOptions, elapsed: float
) -> bool:
    if stop.is_set():
        return True
    if options.max_messages is not None and inbox.received >= options.max_messages:
        return True
    return options.duration_s is not None and elapsed >= options.duration_s
