"""Live feeds inside the server: listeners that store what they receive through the server's own
store, so one process serves and listens (DuckDB lets one process write a workspace).

A `Feed` is a function given a store cursor and a stop flag, run on a thread of its own from the
application's start to its shutdown (`create_app(feeds=...)`): `balise serve --listen-ais`
passes the AIS listener (`balise.engine.ais_listener.listen_ais`), and `--listen-telemetry` the
MQTT one. What they store bumps the store's data generation, which the stream
(`GET /api/v1/stream`) and the map layer's cache watch.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from balise.store.base import Store

log = logging.getLogger("balise.api.live")

Feed = Callable[[Store, threading.Event], object]
"""Listens and stores until the event is set; its cursor is closed after it returns."""
STOP_WAIT_S = 30.0
"""How long shutdown waits for a feed to store what it holds and finish its ingest."""


@dataclass
class LiveFeeds:
    """The feeds of one application and their threads."""

    feeds: Sequence[Feed] = ()
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self, store: Store) -> None:
        self.stop.clear()
        self.threads = [
            threading.Thread(target=self._run, args=(feed, store.cursor()), daemon=True,
                             name=f"live-feed-{i}")
            for i, feed in enumerate(self.feeds)
        ]  # fmt: skip
        for thread in self.threads:
            thread.start()

    def _run(self, feed: Feed, cursor: Store) -> None:
        try:
            feed(cursor, self.stop)
        except Exception as err:  # a feed that fails must not take the server down
            log.error("live feed stopped: %s", err)
        finally:
            cursor.close()

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(STOP_WAIT_S)
        self.threads = []
