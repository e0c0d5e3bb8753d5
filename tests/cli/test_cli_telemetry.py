"""`balise ingest telemetry` as a user drives it: JSON lines (gzip too) stored once per
container and time, bad lines quarantined to a file, cleared values counted."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from balise.cli.main import run
from balise.workspace import Workspace

RECORDS = Path(__file__).parents[1] / "data" / "records"


def test_ingest_telemetry_stores_counts_and_quarantines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws"
    fixture = RECORDS / "telemetry.jsonl"
    code = run(["--workspace", str(ws), "ingest", "telemetry", "--format", "json", str(fixture)])
    out, err = capsys.readouterr()
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["format"], summary["read"], summary["stored"]) == ("telemetry_jsonl", 10, 4)
    # line 10 repeats line 1; line 11 is another reading of line 5's box and time: it wins
    assert (summary["duplicates"], summary["outdated"]) == (1, 1)
    assert summary["quarantined"] == {"bad_container_number": 1, "bad_json": 1, "bad_time": 1,
                                      "missing_field": 1}  # fmt: skip
    assert summary["cleared"] == {"bad_door_open": 1, "bad_humidity": 1, "bad_position": 2}
    assert "4 quarantined records" in err
    # the same readings again, gzipped: a new input, nothing new stored
    packed = tmp_path / "again.jsonl.gz"
    packed.write_bytes(gzip.compress(fixture.read_bytes() + b"\n"))
    code = run(["--workspace", str(ws), "ingest", "telemetry", "--format", "json", str(packed)])
    again = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (again["status"], again["stored"], again["duplicates"]) == ("ingested", 0, 5)
    store = Workspace(ws).open_store()
    try:
        found = store.telemetry("CSQU3054383")
    finally:
        store.close()
    assert found.height == 3
    assert found["humidity"].to_list() == [71.0, None, None]
    assert found["time"].is_sorted()
