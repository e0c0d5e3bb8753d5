"""`balise list`: create, add, remove, show, import, export through the command line, a list
change screening the stored AIS again, and bad input as one line with exit code 2."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from api_clients import audit_entries
from balise.cli.main import run

DATA = Path(__file__).parents[1] / "data"
FTM = "\n".join([
    json.dumps({"id": "ofac-v1", "schema": "Vessel",
                "properties": {"name": ["Ocean Star"], "imoNumber": ["IMO 9074729"]}}),
    json.dumps({"id": "ofac-c1", "schema": "Company",
                "properties": {"name": ["Kaffee Export GmbH"], "country": ["de"]}}),
    json.dumps({"id": "own-1", "schema": "Ownership", "properties": {"owner": ["ofac-c1"]}}),
    "{broken",
])  # fmt: skip


Cli = Callable[..., tuple[int, str, str]]
"""Runs `balise --workspace WS ARGS...`: exit code, stdout, stderr."""


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    root = str(tmp_path / "ws")

    def call(*args: str) -> tuple[int, str, str]:
        code = run(["--workspace", root, *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return call


def _entries(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def test_create_add_show_remove(cli: Cli) -> None:
    assert cli("ingest", "ais", str(DATA / "csv" / "dma_26_columns.csv"))[0] == 0
    assert cli("list", "create", "voi", "--kind", "vessels_of_interest")[0] == 0
    code, out, err = cli("list", "add", "voi", "--name", "Northern Light", "--schema", "Vessel",
                         "--imo", "9074729", "--reason", "suspected carrier", "--source",
                         "MAOC-N", "--valid-until", "2099-01-01")  # fmt: skip
    entry_id = out.strip()
    assert code == 0
    assert entry_id.startswith("e-")
    assert "list matches 1 new" in err
    code, out, _ = cli("list", "show", "voi", "--format", "jsonl")
    (entry,) = _entries(out)
    assert (entry["name"], entry["identifiers"], entry["source"], entry["valid_until"]) == (
        "Northern Light", ["imo:9074729"], "MAOC-N", "2099-01-01")  # fmt: skip
    assert str(entry["added_by"]).startswith("local:")
    code, out, _ = cli("events", "--type", "list_match", "--format", "jsonl")
    assert [e["mmsi"] for e in _entries(out)] == [219000873]
    code, _, err = cli("list", "remove", "voi", entry_id, "--reason", "delisted")
    assert code == 0
    assert "1 retracted" in err
    assert cli("events", "--type", "list_match", "--format", "jsonl")[1] == ""
    assert cli("list", "show", "voi", "--format", "jsonl")[1] == ""
    _, out, _ = cli("list", "show", "voi", "--format", "csv", "--removed")
    (row,) = csv.DictReader(io.StringIO(out))
    assert row["removed_reason"] == "delisted"
    _, out, _ = cli("list", "show")
    assert "voi" in out


def test_import_is_lenient_and_export_reads_back(cli: Cli, tmp_path: Path) -> None:
    listed = tmp_path / "ofac.jsonl"
    listed.write_text(FTM)
    cli("list", "create", "sanctions", "--kind", "sanctions")
    code, _, err = cli("list", "import", "sanctions", str(listed), "--source", "OFAC SDN")
    assert code == 0
    assert "bad_json 1" in err
    assert "2 entries read, 2 added" in err
    assert "0 added, 2 already listed" in cli("list", "import", "sanctions", str(listed))[2]
    code, out, _ = cli("list", "export", "sanctions")
    exported = _entries(out)
    by_id = {str(e["id"]): e for e in exported}
    assert sorted(by_id) == ["ofac-c1", "ofac-v1"]
    assert by_id["ofac-v1"]["properties"]["imoNumber"] == ["9074729"]
    assert by_id["ofac-v1"]["properties"]["publisher"] == ["OFAC SDN"]
    _, out, _ = cli("list", "export", "sanctions", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sorted((r["name"], r["imo"], r["country"]) for r in rows) == [
        ("Kaffee Export GmbH", "", "de"), ("Ocean Star", "9074729", "")]  # fmt: skip
    again = tmp_path / "again.csv"
    again.write_text(out)
    cli("list", "create", "copy", "--kind", "user")
    _, _, err = cli("list", "import", "copy", str(again))
    assert "2 entries read, 2 added" in err


def test_re_import_adds_nothing(cli: Cli, tmp_path: Path) -> None:
    listed = tmp_path / "list.csv"
    listed.write_text("name,imo\nOcean Star,9074729\nNo Name Row,1234568\n")
    cli("list", "create", "u", "--kind", "user")
    _, _, err = cli("list", "import", "u", str(listed))
    assert "2 entries read, 2 added" in err
    assert "imo 1" in err, "the bad IMO is counted as an ignored value"
    _, _, err = cli("list", "import", "u", str(listed))
    assert "0 added, 2 already listed" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("list", "create", "x", "--kind", "enemies"), "unknown --kind"),
        (("list", "create", "bad/name", "--kind", "user"), "bad list name"),
        (("list", "add", "nosuch", "--name", "A"), "no list 'nosuch'"),
        (("list", "add", "u", "--name", "A", "--imo", "9074728"), "not a valid IMO"),
        (("list", "add", "u", "--name", "A", "--mmsi", "12"), "not a valid MMSI"),
        (("list", "add", "u", "--name", " "), "--name must not be empty"),
        (("list", "add", "u", "--name", "A", "--valid-until", "soon"), "--valid-until must be"),
        (("list", "add", "u", "--name", "A", "--schema", "Boat"), "--schema must be"),
        (("list", "remove", "u", "e-000"), "holds no entry"),
        (("list", "import", "u", "missing.csv"), "no such file"),
        (("list", "create", "u", "--kind", "user"), "exists already"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli: Cli, args: tuple[str, ...], message: str) -> None:
    cli("list", "create", "u", "--kind", "user")
    code, _, err = cli(*args)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_adding_an_entry_twice_is_refused(cli: Cli) -> None:
    cli("list", "create", "u", "--kind", "user")
    assert cli("list", "add", "u", "--name", "Acme Shipping Ltd")[0] == 0
    code, _, err = cli("list", "add", "u", "--name", "Acme Shipping Ltd")
    assert code == 2
    assert "already holds" in err


def test_review_and_judge(cli: Cli, tmp_path: Path) -> None:
    assert cli("ingest", "ais", str(DATA / "csv" / "dma_26_columns.csv"))[0] == 0
    assert cli("list", "create", "voi", "--kind", "vessels_of_interest")[0] == 0
    entry_id = cli("list", "add", "voi", "--name", "Nordic Starr", "--schema", "Vessel")[1].strip()
    code, out, _ = cli("list", "review", "--format", "jsonl")
    (row,) = [r for r in _entries(out) if r["entry_id"] == entry_id]
    assert code == 0
    assert (row["subject_kind"], row["subject_id"], row["raised"]) == ("vessel", "219000873", True)
    assert row["reasons"]
    code, out, _ = cli("list", "review")
    assert "review queue: 1 candidates" in out
    code, _, err = cli("list", "judge", "vessel", "219000873", "voi", entry_id, "not-same",
                       "--note", "another hull")  # fmt: skip
    assert code == 0
    assert "1 retracted" in err
    assert cli("events", "--type", "list_match", "--format", "jsonl")[1] == ""
    assert entry_id not in cli("list", "review", "--format", "csv")[1]
    code, _, err = cli("list", "judge", "vessel", "219000873", "voi", entry_id, "maybe")
    assert code == 2
    assert "Traceback" not in err
    entries = audit_entries(tmp_path / "ws", "lists")[::-1]  # oldest first
    assert [e["route"] for e in entries] == ["balise list create", "balise list add",
                                             "balise list judge"]  # fmt: skip
    assert entries[-1]["records"] == [f"voi/{entry_id}"]
    assert entries[-1]["detail"] == "vessel 219000873 judged not_same"
    assert all(str(e["user"]).startswith("local:") for e in entries)
