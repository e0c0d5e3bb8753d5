"""Workspace files are private to the user running Balise: the folder 0700, its store, settings,
quarantine and spool files 0600, whatever the umask, and an older workspace is tightened."""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from api_clients import signed_in
from balise.cli.main import run
from balise.workspace import STORE_FILE, Workspace

DATA = Path(__file__).parent / "data"
GPSD = DATA / "gpsd-ais-stream" / "ais-nmea-type6-fid55.log"
ASSUME = ["--assume-time", "2024-01-01T00:00:00Z"]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """The common umask (files 0644, folders 0755): what Balise must not rely on."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def test_a_new_workspace_is_private(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "ws"
    assert run(["--workspace", str(root), "ingest", "ais", *ASSUME, str(GPSD)]) == 0
    capsys.readouterr()
    assert _mode(root) == 0o700
    assert _mode(root / STORE_FILE) == 0o600
    quarantine = Workspace(root).quarantine_dir
    assert _mode(quarantine) == 0o700
    files = list(quarantine.glob("*.jsonl"))
    assert files, "the fixture has quarantined records"
    assert {_mode(path) for path in files} == {0o600}


def test_stdin_is_spooled_privately(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(GPSD.read_bytes())))
    root = tmp_path / "ws"
    assert run(["--workspace", str(root), "ingest", "ais", *ASSUME, "-"]) == 0
    capsys.readouterr()
    spool = Workspace(root).spool_dir
    assert _mode(spool) == 0o700
    assert _mode(spool / "stdin") == 0o600


def test_an_older_workspace_is_tightened_when_opened(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    workspace.open_store(create=True).close()
    workspace.settings_path.write_text('[detect]\npreset = "gfw"\n')
    for path, loose in ((workspace.root, 0o755), (workspace.store_path, 0o644),
                        (workspace.settings_path, 0o644)):  # fmt: skip
        path.chmod(loose)
    workspace.open_store().close()
    assert _mode(workspace.root) == 0o700
    assert _mode(workspace.store_path) == 0o600
    assert _mode(workspace.settings_path) == 0o600


def test_zones_saved_through_the_api_are_private(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    workspace.open_store(create=True).close()
    ring = [[-20.0, 10.0], [-19.0, 10.0], [-19.0, 11.0], [-20.0, 10.0]]
    zone = {"type": "Feature", "id": "box", "properties": {"name": "box"},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}  # fmt: skip
    with signed_in(workspace.root) as client:
        assert client.post("/api/v1/zones", json=zone).status_code == 201
    assert _mode(workspace.zones_path) == 0o600
