"""An ingest killed half-way (SIGKILL, no clean-up) leaves whole batches; a re-run completes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from helpers import checksum, sentences

LINES = 120_000


def _write_stream(path: Path) -> None:
    (line,) = sentences({"msg_type": 1, "mmsi": 227006760, "lat": 43.1, "lon": 5.9})
    start = int(datetime(2024, 3, 1, tzinfo=UTC).timestamp())
    with path.open("w") as out:
        for second in range(LINES):
            out.write("\\" + checksum(f"c:{start + second}") + "\\" + line + "\n")


def _command(workspace: Path, stream: Path) -> list[str]:
    args = ["--workspace", str(workspace), "ingest", "ais", "--batch-records", "500", str(stream)]
    return [sys.executable, "-m", "balise", *args]


def _progress(workspace: Path) -> tuple[str, int, int]:
    with duckdb.connect(str(workspace / "balise.duckdb"), read_only=True) as con:
        status, batches = con.execute("SELECT status, batches_done FROM ingests").fetchone() or (
            "none",
            0,
        )
        (stored,) = con.execute("SELECT count(*) FROM positions").fetchone() or (0,)
    return str(status), int(batches), int(stored)


def test_killed_ingest_resumes_to_the_same_store(tmp_path: Path) -> None:
    stream = tmp_path / "day.nmea"
    _write_stream(stream)
    workspace = tmp_path / "ws"
    process = subprocess.Popen(
        _command(workspace, stream), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        wal = workspace / "balise.duckdb.wal"
        if wal.exists() and wal.stat().st_size > 200_000:
            break
        time.sleep(0.01)
    if process.poll() is not None:
        pytest.skip("the ingest finished before it could be killed on this machine")
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    status, batches, stored = _progress(workspace)
    assert status == "running"
    assert 0 < stored < LINES
    assert batches > 0
    rerun = subprocess.run(_command(workspace, stream), capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert "resumed" in rerun.stdout
    assert _progress(workspace)[0] == "complete"
    assert _progress(workspace)[2] == LINES
