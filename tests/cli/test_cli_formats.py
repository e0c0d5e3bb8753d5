"""`balise ingest ais` on an archive format whose times come from `$PGHP` sentences."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from balise.cli.main import run

PGHP = Path(__file__).parents[1] / "data" / "formats" / "gatehouse_pghp.nmea"


def test_ingest_gatehouse_archive_stores_positions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace = str(tmp_path / "ws")
    code = run(["--workspace", workspace, "ingest", "ais", "--format", "json", str(PGHP)])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0
    assert summary["positions_stored"] == 5
    assert summary["quarantined"] == {"bad_checksum": 1, "bad_time": 2, "no_time": 2}
    assert run(["--workspace", workspace, "positions", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert "2024-03-01" in out
