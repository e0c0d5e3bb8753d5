"""`balise listen ais` and `balise serve --listen-ais` on the command line: sources given wrong
are usage errors (exit 2) with a plain message; a session against a local TCP feed stores, detects
and prints its summary; a workspace held by another process is said so, with what to do."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from balise.cli import listen as listen_cli
from balise.cli.main import run
from balise.engine.detect import Geography
from balise.errors import WorkspaceError
from balise.workspace import Workspace
from live_feed import FeedServer, jump_feed


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


@pytest.mark.parametrize(
    "args",
    [
        ["listen", "ais", "--tcp", "nohost"],
        ["listen", "ais", "--udp", "0"],
        ["listen", "ais"],
        ["serve", "--listen-ais", "tcp:host"],
        ["serve", "--listen-ais", "http://host:80"],
        ["serve", "--listen-telemetry", "host:1883"],
    ],
)
def test_a_bad_source_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    assert run(["--workspace", str(tmp_path / "ws"), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "Traceback" not in err


def test_a_session_stores_detects_and_says_what_it_did(
    tmp_path: Path, feed: FeedServer, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr("balise.engine.live_detect.default_geography",
                        lambda cache_dir, zones=(): Geography(zones=zones or ()))  # fmt: skip
    before, completing = jump_feed()
    feed.send([*before, *completing, "!AIVDM,1,1,,A,garbage"])
    lines = len(before) + len(completing) + 1
    ws = tmp_path / "ws"
    args = [
        "listen",
        "ais",
        "--tcp",
        feed.address,
        "--max-messages",
        str(lines),
        "--format",
        "json",
    ]
    assert run(["--workspace", str(ws), *args]) == 0
    out, err = capsys.readouterr()
    summary = json.loads(out)
    assert summary["lines"] == lines
    assert summary["positions_stored"] == lines - 1
    assert summary["quarantined"] == {"malformed_sentence": 1}
    assert "alerts: 1 opened" in err
    assert run(["--workspace", str(ws), "events", "--format", "jsonl"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["type"] for e in events] == ["position_jump"]


def test_a_workspace_held_by_another_process_is_said_plainly(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    workspace.open_store(create=True).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); sys.stdin.read()", str(workspace.store_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(WorkspaceError) as refused:
            workspace.open_store()
    finally:
        holder.communicate("")
    message = refused.value.message
    assert f"in use by process {holder.pid}" in message
    assert "balise serve --listen-ais" in message
    assert "IO Error" not in message


def test_ctrl_c_stops_the_listener_instead_of_killing_it() -> None:
    stop = threading.Event()
    with listen_cli._stopped_by_signals(stop):
        signal.raise_signal(signal.SIGINT)
    assert stop.is_set()
