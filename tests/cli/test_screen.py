"""`balise screen`: the output contract (row numbering, null match, jsonl and csv) and bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from balise.cli.main import run

LIST_CSV = """name,date_of_birth,nationality,imo,mmsi
Vladimir Putin,1952-10-07,ru,,
Acme Shipping Ltd,,gb,,
Ocean Star,,pa,9074729,
,,,,
"""
NAMES_CSV = """name,imo
Putin Vladimir,
ACME SHIPPING LIMITED,
Sea Wolf,9074729
Completely Different Person,
,
"""
FTM = "\n".join([
    json.dumps({"id": "ofac-1", "schema": "Person",
                "properties": {"name": ["Vladimir Putin"], "birthDate": ["1952-10-07"]}}),
    json.dumps({"id": "own-1", "schema": "Ownership", "properties": {"owner": ["ofac-1"]}}),
    "{broken",
    json.dumps({"id": "v-1", "schema": "Vessel",
                "properties": {"name": ["Ocean Star"], "imoNumber": ["IMO 9074729"]}}),
])  # fmt: skip


def _files(tmp_path: Path, listed: str, suffix: str = ".csv") -> tuple[str, str]:
    (tmp_path / f"list{suffix}").write_text(listed)
    (tmp_path / "names.csv").write_text(NAMES_CSV)
    return str(tmp_path / f"list{suffix}"), str(tmp_path / "names.csv")


def _screen(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(["--workspace", "unused", "screen", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_csv_list_rows_are_numbered_and_unmatched_rows_are_null(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listed, names = _files(tmp_path, LIST_CSV)
    code, out, err = _screen(capsys, "--list", listed, "--names", names)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [r["query_row"] for r in rows] == [0, 1, 2, 3, 4]
    assert [r["match_id"] for r in rows] == ["0", "1", "2", None, None]
    assert rows[2]["reasons"][0] == "same IMO 9074729"
    assert rows[4]["score"] is None
    assert "no_name 1" in err


def test_ftm_list_ids_and_csv_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listed, names = _files(tmp_path, FTM, ".jsonl")
    code, out, err = _screen(capsys, "--list", listed, "--names", names, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert [r["match_id"] for r in rows] == ["ofac-1", "", "v-1", "", ""]
    assert "bad_json 1" in err


def test_threshold_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listed, names = _files(tmp_path, LIST_CSV)
    _, out, _ = _screen(capsys, "--list", listed, "--names", names, "--threshold", "1")
    assert [json.loads(line)["match_id"] for line in out.splitlines()][:3] == [None, "1", None]


@pytest.mark.parametrize("problem", ["missing", "binary", "no_name_column"])
def test_unreadable_files_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], problem: str
) -> None:
    _listed, names = _files(tmp_path, LIST_CSV)
    bad = tmp_path / "bad.csv"
    if problem == "binary":
        bad.write_bytes(b"\xff\xfe\x00garbage")
    elif problem == "no_name_column":
        bad.write_text("colour,size\nred,2\n")
    code, out, err = _screen(capsys, "--list", str(bad), "--names", names)
    assert code == 2
    assert out == ""
    assert err.startswith("error:")
    assert err.count("error") == 1


def test_an_imo_failing_its_check_digit_is_ignored_not_matched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listed, _ = _files(tmp_path, LIST_CSV)
    names = tmp_path / "typo.csv"
    names.write_text("name,imo\nSea Wolf,9074728\n")
    code, out, err = _screen(capsys, "--list", listed, "--names", str(names))
    assert code == 0
    assert json.loads(out)["match_id"] is None
    assert "values ignored: bad_imo 1" in err
