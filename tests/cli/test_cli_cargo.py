"""`balise ingest containers|manifests` as a user drives them: counts printed, a CSV given to
the events command rejected, `--strict` stopping at the first bad event."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from balise.cli.main import run
from balise.settings import setting
from balise.store.duckdb import DuckDBStore
from balise.workspace import Workspace

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


BAD_LINES = [
    "{not json",
    '{"eventID": "cut',
    "",
    "[1, 2]",
    '{"eventID": "x-1", "eventType": "EQUIPMENT", "equipmentEventTypeCode": "LOAD", '
    '"eventDateTime": "yesterday", "equipmentReference": "MSCU1234565"}',
    '{"eventID": "x-2", "eventType": "WEATHER", "eventDateTime": "2024-05-01T10:00:00Z"}',
    '{"eventID": "x-3", "eventType": "EQUIPMENT", "equipmentEventTypeCode": "DISC", '
    '"eventDateTime": "2024-05-01T10:00:00Z", "equipmentReference": "ABCU1234567"}',
]


def _stored(ws: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    store = DuckDBStore(Workspace(ws).store_path)
    try:
        events = store.container_events(retracted=True).sort("source", "source_line")
        quarantine = store.quarantine().select("source", "source_line", "reason", "detail", "raw")
        return events, quarantine.sort("source", "source_line")
    finally:
        store.close()


def test_the_thresholds_declared_or_not_the_same_events_are_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing naming a detector's threshold, the settings declare only their own (the
    detectors are not imported); a `BALISE_` variable naming one (at its default) declares them
    all: either way the command stores the same events, quarantine rows and counts."""
    bad = tmp_path / "bad.jsonl"
    journey = (CARGO / "dcsa-journey.jsonl").read_text().splitlines()
    bad.write_text("\n".join([*journey[:10], *BAD_LINES, *journey[10:]]) + "\n")
    inputs = [str(CARGO / "dcsa-journey.jsonl"), str(CARGO / "dcsa-v2-array.json"), str(bad)]
    monkeypatch.delenv("BALISE_DETECT_GAP_MIN_GAP_HOURS", raising=False)
    runs = []
    for declared in (False, True):
        if declared:
            default = setting("detect.gap.min_gap_hours").default
            monkeypatch.setenv("BALISE_DETECT_GAP_MIN_GAP_HOURS", str(default))
        ws = tmp_path / f"ws-{declared}"
        code, out, err = _balise(capsys, "--workspace", str(ws), "ingest", "containers",
                                 "--format", "json", *inputs)  # fmt: skip
        assert code == 0, err
        counts = [json.loads(line) for line in out.splitlines()]
        runs.append((counts, *_stored(ws)))
    (counts, events, quarantine), (counts_all, events_all, quarantine_all) = runs
    assert {"bad_json", "bad_time", "unknown_code", "bad_container_number"} <= set(
        quarantine["reason"]
    )
    assert events.height > 20
    assert counts == counts_all
    assert events.equals(events_all, null_equal=True)
    assert quarantine.equals(quarantine_all, null_equal=True)
