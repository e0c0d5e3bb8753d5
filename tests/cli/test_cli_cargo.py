"""`balise ingest containers|manifests` as a user drives them: counts printed, a CSV given to
the events command rejected, `--strict` stopping at the first bad event."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from balise.cli.main import run

CARGO = Path(__file__).parents[1] / "data" / "cargo"


def _balise(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_containers_and_manifests(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = str(tmp_path / "ws")
    events = [str(CARGO / "dcsa-journey.jsonl"), str(CARGO / "dcsa-v2-array.json")]
    code, out, err = _balise(capsys, "--workspace", ws, "ingest", "containers", "--format",
                             "json", *events)  # fmt: skip
    assert code == 0, err
    summaries = [json.loads(line) for line in out.splitlines()]
    assert [(s["format"], s["read"], s["stored"], s["duplicates"]) for s in summaries] == [
        ("dcsa_jsonl", 28, 21, 0),
        ("dcsa_json", 5, 0, 4),
    ]
    assert summaries[0]["quarantined"]["bad_json"] == 2
    assert summaries[0]["cleared"] == {"invalid_imo": 1}
    code, out, err = _balise(capsys, "--workspace", ws, "ingest", "manifests",
                             str(CARGO / "manifests.csv"))  # fmt: skip
    assert code == 0, err
    assert "manifests_csv" in out


def test_a_csv_is_not_events_and_strict_stops(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(tmp_path / "ws")
    code, _, err = _balise(capsys, "--workspace", ws, "ingest", "containers",
                           str(CARGO / "manifests.csv"))  # fmt: skip
    assert code != 0
    assert "not DCSA Track & Trace events" in err
    code, _, err = _balise(capsys, "--workspace", ws, "ingest", "containers", "--strict",
                           str(CARGO / "dcsa-journey.jsonl"))  # fmt: skip
    assert code == 3
    assert "line 13" in err
