"""The command line as a user drives it: exit codes, outputs, no tracebacks for mistakes."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from balise.cli import demo
from balise.cli.main import run
from balise.engine.detect import Geography
from balise.sim.world import WorldSpec
from balise.workspace import Workspace

DATA = Path(__file__).parents[1] / "data"
GPSD = DATA / "gpsd-ais-stream" / "ais-nmea-type6-fid55.log"
DMA = DATA / "dma-aisdk-header" / "aisdk_header.csv"
ASSUME = ["--assume-time", "2024-01-01T00:00:00Z"]


def _balise(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def workspace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    folder = str(tmp_path / "ws")
    code, _, _ = _balise(
        capsys, "--workspace", folder, "ingest", "ais", *ASSUME, str(GPSD), str(DMA)
    )
    assert code == 0
    return folder


def test_ingest_prints_counts_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = str(tmp_path / "ws")
    code, out, _ = _balise(
        capsys, "--workspace", ws, "ingest", "ais", *ASSUME, "--format", "json", str(GPSD)
    )
    assert code == 0
    summary = json.loads(out)
    assert summary["positions_stored"] == 795
    assert summary["messages_by_type"]["5"] == 130
    assert summary["quarantined"] == {"invalid_mmsi": 3}
    assert list((tmp_path / "ws" / "quarantine").glob("*.jsonl"))


def test_ingest_from_stdin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_stdin = io.TextIOWrapper(io.BytesIO(GPSD.read_bytes()))
    monkeypatch.setattr("sys.stdin", fake_stdin)
    code, out, _ = _balise(
        capsys,
        "--workspace",
        str(tmp_path / "ws"),
        "ingest",
        "ais",
        *ASSUME,
        "--format",
        "json",
        "-",
    )
    assert code == 0
    assert json.loads(out)["source"] == "stdin"


def test_untimed_input_is_reported_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _balise(
        capsys, "--workspace", str(tmp_path / "ws"), "ingest", "ais", str(GPSD)
    )
    assert code == 0
    assert "no_time" in out
    assert "--assume-time" in err


def test_positions_as_csv_and_jsonl(workspace: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _balise(
        capsys, "--workspace", workspace, "positions", "--mmsi", "215810000", "--format", "csv"
    )
    assert code == 0
    frame = pl.read_csv(io.StringIO(out))
    assert frame.row(0, named=True) | {"timestamp": None} == frame.row(0, named=True) | {
        "mmsi": 215810000, "lat": 55.921028, "lon": 17.320418, "timestamp": None,
    }  # fmt: skip
    code, out, _ = _balise(
        capsys, "--workspace", workspace, "positions", "--since", "2018-06-01", "--until",
        "2018-06-02",
    )  # fmt: skip
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows
    assert all(row["timestamp"] == "2018-06-01T00:00:00Z" for row in rows)


def test_positions_as_a_track(workspace: str, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--workspace", workspace, "positions", "--mmsi", "219783000", "--format"]
    code, out, _ = _balise(capsys, *base, "geojson")
    assert code == 0
    feature = json.loads(out)
    assert feature["geometry"]["type"] == "LineString"
    assert feature["properties"]["mmsi"] == 219783000
    code, out, _ = _balise(capsys, *base, "mfjson")
    assert json.loads(out)["temporalGeometry"]["type"] == "MovingPoint"
    code, out, _ = _balise(capsys, *base, "kml")
    assert code == 0
    assert "<gx:Track>" in out
    code, _, err = _balise(capsys, "--workspace", workspace, "positions", "--format", "kml")
    assert code == 2
    assert "--mmsi" in err


def test_vessels_and_dossier(workspace: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _balise(capsys, "--workspace", workspace, "vessels")
    vessels = [json.loads(line) for line in out.splitlines()]
    artvin = next(v for v in vessels if v["mmsi"] == 215678000)
    assert (artvin["name"], artvin["flag"], artvin["imo"]) == ("ARTVIN", "MT", 9595034)
    code, out, _ = _balise(
        capsys, "--workspace", workspace, "vessel", "215678000", "--format", "json"
    )
    dossier = json.loads(out)
    assert dossier["identity"]["call_sign"] == "9HA2782"
    assert dossier["positions"]["positions"] == 1
    code, out, _ = _balise(capsys, "--workspace", workspace, "vessel", "215678000")
    assert (code, "ARTVIN" in out) == (0, True)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["positions", "--since", "yesterday"], 2, "not an ISO 8601 time"),
        (["vessel", "123456789"], 2, "no vessel with MMSI 123456789"),
        (["vessel", "not-a-number"], 2, "Invalid value for 'mmsi'"),
        (["positions", "--format", "xml"], 2, "xml"),
    ],
)
def test_user_mistakes_get_one_clear_line_and_an_exit_code(
    workspace: str, capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    got, _, err = _balise(capsys, "--workspace", workspace, *args)
    assert got == code
    assert message in err
    assert "Traceback" not in err


def test_missing_workspace_and_unknown_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _balise(capsys, "--workspace", str(tmp_path / "none"), "vessels")
    assert (code, "no Balise workspace" in err) == (1, True)
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    code, _, err = _balise(capsys, "--workspace", str(tmp_path / "ws"), "ingest", "ais", str(notes))
    assert (code, "not a recognised AIS format" in err) == (3, True)


def test_strict_ingest_exits_3_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _balise(
        capsys, "--workspace", str(tmp_path / "ws"), "ingest", "ais", "--strict", *ASSUME, str(GPSD)
    )
    assert code == 3
    assert "ais-nmea-type6-fid55.log, line" in err
    assert "invalid_mmsi" in err


def test_demo_builds_the_world_then_reuses_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "DEMO_WORLD", WorldSpec(seed=3, vessels=15, days=1.0))
    monkeypatch.setattr(demo, "default_geography", lambda cache_dir, zones=(): Geography())
    workspace = tmp_path / "demo"
    code, out, err = _balise(capsys, "--workspace", str(workspace), "demo", "--no-serve")
    assert code == 0
    assert "building the world" in err
    assert "positions_stored" in out
    assert "full detection run" in out
    assert "of highest risk" in out
    assert (workspace / "watchlist.csv").exists()
    assert (workspace / "demo-world" / "truth.jsonl").stat().st_size > 0
    assert "the simulated scanner's results" in out
    assert "naive hit rate" in out
    store = Workspace(workspace).open_store()
    try:
        scans = store.inspection_results()
        red = store.inspection_plans(site="FRLEH").filter(pl.col("lane") == "red")
    finally:
        store.close()
    assert sorted(scans["container_number"]) == sorted(red["container_number"])
    assert set(scans["recorded_by"]) <= {demo.DEMO_SCANNER}  # this small world's plan may scan none
    code, out, err = _balise(capsys, "--workspace", str(workspace), "demo", "--no-serve")
    assert code == 0
    assert "building" not in err
    assert "already_ingested" in out.replace(" ", "_")
    assert "up to date detection run" in out


def test_csv_output_is_formula_safe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A vessel named like a spreadsheet formula comes out of `balise vessels --format csv` as
    text (a leading `'`); the negative longitude of `balise positions` stays a number."""
    header = DMA.read_text().splitlines()[0]
    # DMA archives quote nothing: the name is the text between two commas
    row = ('01/06/2018 00:00:00,Class A,215810000,55.921028,-17.320418,Under way using engine,'
           '0.0,12.5,255.5,256,9595034,9HA2782,=HYPERLINK("http://evil"),Cargo,,16,100,GPS,5.6,'
           'ESBJERG,,AIS')  # fmt: skip
    source = tmp_path / "hostile.csv"
    source.write_text(f"{header}\n{row}\n")
    ws = str(tmp_path / "ws")
    assert _balise(capsys, "--workspace", ws, "ingest", "ais", str(source))[0] == 0
    code, out, _ = _balise(capsys, "--workspace", ws, "vessels", "--format", "csv")
    assert code == 0
    vessel = next(csv.DictReader(io.StringIO(out)))
    assert vessel["name"] == '\'=HYPERLINK("http://evil")'
    code, out, _ = _balise(capsys, "--workspace", ws, "positions", "--format", "csv")
    assert next(csv.DictReader(io.StringIO(out)))["lon"] == "-17.320418"


def test_the_demo_records_what_the_simulated_scanner_finds_in_red_boxes(tmp_path: Path) -> None:
    plan = pl.DataFrame({
        "container_number": ["MSCU1234565", "CSQU3054383", "TGHU1791367"],
        "lane": ["red", "red", "green"], "plan_date": [date(2024, 3, 7)] * 3,
    })  # fmt: skip
    staged = ("CSQU3054383", "TGHU1791367")  # the second is not scanned: green
    truth = [{"subject": {"kind": "container", "id": box},
              "evidence": {"scenario": "shell_game"}} for box in staged]  # fmt: skip
    store = Workspace(tmp_path / "ws").open_store(create=True)
    try:
        scanned = demo.record_scans(store, plan, truth)
        stored = store.inspection_results().sort("container_number")
    finally:
        store.close()
    assert scanned == [("MSCU1234565", False, None), ("CSQU3054383", True, "shell_game")]
    assert stored["container_number"].to_list() == ["CSQU3054383", "MSCU1234565"]
    assert stored["found"].to_list() == [True, False]
    assert stored["what"].to_list() == ["shell_game", None]
