"""`balise detect` and `balise events` on a small synthetic world, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from balise.cli import detect as detect_cli
from balise.cli.main import run
from balise.engine.detect import DETECTED_TYPES, Geography
from balise.maritime.encounters import PRESETS
from balise.settings import DETECT_PRESETS


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("detect")
    world = folder / "world"
    args = ["--seed", "5", "--vessels", "20", "--days", "3"]
    assert run(["sim", "atlantic", "--out", str(world), *args]) == 0
    assert run(["--workspace", str(folder / "ws"), "ingest", "ais", str(world / "ais.nmea")]) == 0
    return folder / "ws"


@pytest.fixture(autouse=True)
def no_shore_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real distance-to-shore grid takes a minute to build: tests/geo covers it."""
    monkeypatch.setattr(
        detect_cli, "default_geography", lambda cache_dir, zones=(): Geography(zones=zones or ())
    )


def _events(workspace: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert run(["--workspace", str(workspace), "events", *args]) == 0
    return capsys.readouterr().out


def test_detect_finds_staged_behaviour_and_reruns_change_nothing(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["--workspace", str(workspace), "detect"]) == 0
    first = capsys.readouterr().out
    assert all(kind in first for kind in DETECTED_TYPES)
    lines = _events(workspace, capsys, "--format", "jsonl").splitlines()
    found = {json.loads(line)["type"] for line in lines}
    assert {"encounter", "shared_mmsi", "identity_change"} <= found
    assert run(["--workspace", str(workspace), "detect"]) == 0
    again = capsys.readouterr().out
    assert "unchanged" in again
    assert len(_events(workspace, capsys, "--format", "jsonl").splitlines()) == len(lines)


def test_events_as_geojson_and_filtered(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["--workspace", str(workspace), "detect"]) == 0
    collection = json.loads(_events(workspace, capsys, "--format", "geojson"))
    assert collection["type"] == "FeatureCollection"
    assert collection["features"]
    feature = collection["features"][0]
    assert feature["geometry"]["type"] == "Point"
    assert isinstance(feature["properties"]["params"], dict)
    only = _events(workspace, capsys, "--type", "encounter", "--format", "jsonl").splitlines()
    assert only
    assert {json.loads(line)["type"] for line in only} == {"encounter"}


def test_unknown_preset_is_a_usage_error(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["--workspace", str(workspace), "detect", "--preset", "nope"]) == 2
    assert "detect.preset" in capsys.readouterr().err


def test_presets_are_the_detectors() -> None:
    assert tuple(PRESETS) == DETECT_PRESETS


def _stored(folder: Path) -> dict[str, tuple[object, ...]]:
    from balise.store.duckdb import DuckDBStore

    store = DuckDBStore(folder / "balise.duckdb")
    try:
        events = store.events()
    finally:
        store.close()
    return {row[0]: row[1:] for row in events.drop("status").rows()}


def test_incremental_run_after_late_data_equals_a_full_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run on part of the AIS, then the rest arrives: newer lines and a chunk of older ones
    (late data). The incremental run must end where a full run on everything ends."""
    world = tmp_path / "world"
    assert run(["sim", "atlantic", "--out", str(world), "--seed", "5", "--vessels", "20",
                "--days", "3"]) == 0  # fmt: skip
    lines = (world / "ais.nmea").read_text().splitlines(keepends=True)
    early, late = tmp_path / "early.nmea", tmp_path / "late.nmea"
    third, half, two_thirds = len(lines) // 3, len(lines) // 2, len(lines) * 2 // 3
    early.write_text("".join(lines[:third] + lines[half:two_thirds]))
    late.write_text("".join(lines[third:half] + lines[two_thirds:]))
    ws = str(tmp_path / "ws")
    assert run(["--workspace", ws, "ingest", "ais", str(early)]) == 0
    assert run(["--workspace", ws, "detect"]) == 0
    assert run(["--workspace", ws, "ingest", "ais", str(late)]) == 0
    capsys.readouterr()
    assert run(["--workspace", ws, "detect"]) == 0
    assert "vessels with new data" in capsys.readouterr().out
    incremental = _stored(tmp_path / "ws")
    assert run(["--workspace", ws, "detect"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert run(["--workspace", ws, "detect", "--full"]) == 0
    assert _stored(tmp_path / "ws") == incremental


def test_vessel_dossier_shows_events_risk_and_destination(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["--workspace", str(workspace), "detect"]) == 0
    lines = _events(workspace, capsys, "--type", "shared_mmsi", "--format", "jsonl").splitlines()
    mmsi = str(json.loads(lines[0])["mmsi"])
    capsys.readouterr()
    assert run(["--workspace", str(workspace), "vessel", mmsi, "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert "shared_mmsi" in {e["type"] for e in record["events"]}
    risk = record["risk"]
    assert risk["score"] > 0
    assert risk["band"] in ("low", "medium", "high")
    assert any(r["kind"] == "shared_mmsi" for r in risk["reasons"])
    assert isinstance(record["voyages"], list)
    assert run(["--workspace", str(workspace), "vessel", mmsi]) == 0
    table = capsys.readouterr().out
    assert "Risk" in table
    assert "not proof" in table
    assert "shared_mmsi" in table


def test_a_threshold_setting_changes_the_events(
    workspace: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`detect.gap.min_gap_hours` from the environment: a changed threshold re-detects
    everything (the fingerprint changed) and the events carry the value in force."""
    assert run(["--workspace", str(workspace), "detect"]) == 0
    before = _events(workspace, capsys, "--type", "ais_gap", "--format", "jsonl").splitlines()
    monkeypatch.setenv("BALISE_DETECT_GAP_MIN_GAP_HOURS", "100")
    capsys.readouterr()
    assert run(["--workspace", str(workspace), "detect"]) == 0
    assert "of every vessel" in capsys.readouterr().out
    after = _events(workspace, capsys, "--type", "ais_gap", "--format", "jsonl").splitlines()
    assert len(after) < len(before)
    assert all(json.loads(line)["params"]["min_gap_hours"] == 100.0 for line in after)
    monkeypatch.delenv("BALISE_DETECT_GAP_MIN_GAP_HOURS")
    assert run(["--workspace", str(workspace), "detect"]) == 0
