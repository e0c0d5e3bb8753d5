"""A real Mosquitto broker for the MQTT tests: started on a free local port with a temporary
configuration, stopped and started again on the same port to test reconnection.

Mosquitto is a Debian package (`apt-get install mosquitto`, done by `.ci/run`). Where it is
missing the tests that need it are skipped with the reason, except under CI (`CI` set, as
`.ci/run` runs), where a missing broker is a failure: the MQTT path must be tested there.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from local_server import free_port

START_TIMEOUT_S = 10.0


def mosquitto_binary() -> str:
    """The path of `mosquitto`; skips the test where it is missing, fails under CI."""
    found = shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if Path(p).exists()),
        None,
    )
    if found is None:
        reason = "mosquitto is not installed (apt-get install mosquitto; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: the MQTT tests must run in CI")
        pytest.skip(reason)
    return found


class Broker:
    """A Mosquitto process on 127.0.0.1:`port`; `stop` and `start` keep the port."""

    def __init__(self, binary: str, folder: Path) -> None:
        self.port = free_port()
        self._binary = binary
        self._config = folder / "mosquitto.conf"
        self._config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence false\n"
            # a listener that falls behind keeps every message (the default drops past 1000)
            "max_queued_messages 0\n"
            "max_inflight_messages 0\n"
            f"log_dest file {folder / 'mosquitto.log'}\n"
        )
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            [self._binary, "-c", str(self._config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"mosquitto exited with {self._process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)  # polling a starting process, not waiting for a result
        raise RuntimeError(f"mosquitto did not listen on {self.port} in {START_TIMEOUT_S} s")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)
        self._process = None


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Broker]:
    """A running Mosquitto broker of its own, stopped after the test."""
    broker = Broker(mosquitto_binary(), tmp_path)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
