"""A live AIS feed for tests: a TCP server on a free local port sending NMEA lines when told, and
the sentences of a vessel whose position jumps away and back (a `position_jump` event, raised as
an alert, once the return is received)."""

from __future__ import annotations

import queue
import socket
import threading
from datetime import UTC, datetime, timedelta
from typing import Final

from helpers import sentences, tagged

JUMPER: Final = 244_000_001
OTHER: Final = 244_000_002


def position(mmsi: int, lat: float, lon: float, at: datetime | None = None) -> str:
    """A class A position report; behind a tag block with its receive time when `at` is given."""
    fields = {"msg_type": 1, "mmsi": mmsi, "lat": lat, "lon": lon, "speed": 10, "course": 90,
              "heading": 90}  # fmt: skip
    sentence = sentences(fields)[0]
    return sentence if at is None else tagged(sentence, int(at.timestamp()))


def jump_feed(now: datetime | None = None) -> tuple[list[str], list[str]]:
    """Two parts: a vessel steaming for ten minutes, then its excursion 80 nm away and back (the
    sentences completing a `position_jump`) with a second vessel heard for the first time."""
    t0 = (now or datetime.now(UTC)) - timedelta(minutes=40)
    before = [position(JUMPER, 52.0, 3.0 + i * 0.005, t0 + timedelta(minutes=i)) for i in range(10)]
    away = [position(JUMPER, 53.0, 4.5, t0 + timedelta(minutes=10 + 5 * i)) for i in range(4)]
    back = [position(JUMPER, 52.0, 3.06 + i * 0.005, t0 + timedelta(minutes=31 + i))
            for i in range(4)]  # fmt: skip
    other = [position(OTHER, 51.5, 2.5, t0 + timedelta(minutes=36))]
    return before, [*away, *back, *other]


def late_fix(now: datetime) -> str:
    """A position of the excursion of `jump_feed(now)` received late: it revises the event."""
    return position(JUMPER, 53.0, 4.5, now - timedelta(minutes=40) + timedelta(minutes=12))


class FeedServer:
    """A TCP server on 127.0.0.1 that accepts connections one after the other and sends each
    what `send` queues (lines, or None to close that connection); `connections` counts them."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen()
        self._socket.settimeout(0.2)
        self.port: int = self._socket.getsockname()[1]
        self.connections = 0
        self.accepted = threading.Event()
        self._queue: queue.Queue[bytes | None] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def send(self, lines: list[str] | bytes) -> None:
        data = lines if isinstance(lines, bytes) else "".join(f"{x}\r\n" for x in lines).encode()
        self._queue.put(data)

    def drop(self) -> None:
        """Close the current connection (the listener should connect again)."""
        self._queue.put(None)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._socket.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            self.accepted.set()
            with conn:
                self._talk(conn)

    def _talk(self, conn: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                data = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            if data is None:
                return
            conn.sendall(data)
