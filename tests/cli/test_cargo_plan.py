"""`balise cargo plan`, `cargo result` and `cargo performance` on a workspace holding container
events: the plan stored and printed, banned parties held, results recorded and the hit rates
shown; user mistakes (unknown site, bad date) one line and exit 2."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from balise.cli.main import run
from balise.workspace import Workspace
from cargo_helpers import PLAN_BOXES, at, plan_workspace

BOXES = PLAN_BOXES
DAY = (at(1)).date()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return plan_workspace(tmp_path / "ws")


def plan_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_plan_csv_lists_the_candidates_and_is_stored(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(["--workspace", str(workspace), "cargo", "plan", "--site", "frleh",
                "--date", str(DAY), "--format", "csv", "--seed", "3"])  # fmt: skip
    out = capsys.readouterr()
    assert code == 0, out.err
    rows = plan_rows(out.out)
    assert sorted(r["container_number"] for r in rows) == sorted(BOXES[1:])
    assert {r["lane"] for r in rows} <= {"red", "yellow", "green"}
    assert all(0 <= float(r["probability"]) <= 1 for r in rows)
    red = [r for r in rows if r["lane"] == "red"]
    assert red
    assert all(r["scanner"] and r["shift_start"] for r in red)
    store = Workspace(workspace).open_store()
    try:
        stored = store.inspection_plans(site="FRLEH", day=DAY)
    finally:
        store.close()
    assert stored.height == 4
    assert set(stored["seed"].to_list()) == {3}


def test_banned_party_held_and_table_output(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    banned = tmp_path / "banned.csv"
    banned.write_text("name\nACME TRADING LIMITED\n")
    code = run(["--workspace", str(workspace), "cargo", "plan", "--site", "FRLEH",
                "--date", str(DAY), "--format", "jsonl", "--banned", str(banned)])  # fmt: skip
    out = capsys.readouterr()
    assert code == 0, out.err
    held = [line for line in out.out.splitlines() if BOXES[3] in line]
    assert '"selected_by":"held"' in held[0]
    assert '"lane":"red"' in held[0]
    assert "banned list" in held[0]
    code = run(["--workspace", str(workspace), "cargo", "plan", "--site", "FRLEH",
                "--date", str(DAY), "--banned", str(banned)])  # fmt: skip
    out = capsys.readouterr()
    assert code == 0
    assert "FRLEH" in out.out
    assert "1 held" in out.out


def test_results_and_performance(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--workspace", str(workspace), "cargo", "plan", "--site", "FRLEH",
                "--date", str(DAY), "--format", "csv", "--seed", "1"]) == 0  # fmt: skip
    rows = plan_rows(capsys.readouterr().out)
    red = [r["container_number"] for r in rows if r["lane"] == "red"]
    code = run(["--workspace", str(workspace), "cargo", "result", red[0].lower(), "--found",
                "yes", "--what", "cocaine, 40 kg", "--date", str(DAY)])  # fmt: skip
    assert code == 0
    for box in red[1:]:
        assert run(["--workspace", str(workspace), "cargo", "result", box, "--found", "no",
                    "--date", str(DAY)]) == 0  # fmt: skip
    capsys.readouterr()
    assert run(["--workspace", str(workspace), "cargo", "performance"]) == 0
    out = capsys.readouterr().out
    assert "naive hit rate" in out
    assert f"{1 / len(red):.1%}" in out
    assert run(["--workspace", str(workspace), "cargo", "plan", "--site", "FRLEH",
                "--date", str(DAY + timedelta(days=1)), "--report"]) == 0  # fmt: skip
    assert "IPW" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--site", "XXABC", "--date", "2025-03-02"], "unknown site 'XXABC'"),
        (["--site", "FRLEH", "--date", "2025-02-30"], "not a day as YYYY-MM-DD"),
        (["--site", "FRLEH", "--date", "tomorrow"], "not a day"),
    ],
)
def test_user_mistakes_are_one_line_and_exit_2(
    workspace: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(["--workspace", str(workspace), "cargo", "plan", *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_bad_sites_table_is_a_clear_error(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workspace / "inspection-sites.csv").write_text(
        "site,scanners,scans_per_hour,shifts\nFRLEH,2,3,morning\n"
    )
    code = run(["--workspace", str(workspace), "cargo", "plan", "--site", "FRLEH",
                "--date", str(date(2025, 3, 2))])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "line 2" in err


def test_a_party_screened_onto_a_banned_companies_list_holds_its_boxes(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A company added to a `banned_companies` list is screened against the manifests (a
    `list_match` on the shipper `Acme Trading S.A.`, written otherwise) and the plan holds its
    box, saying which list and entry; a company on a list of another kind holds nothing."""
    ws = ["--workspace", str(workspace)]
    assert run([*ws, "list", "create", "watch", "--kind", "user"]) == 0
    assert run([*ws, "list", "add", "watch", "--name", "Shipper 2"]) == 0
    assert run([*ws, "list", "create", "banned", "--kind", "banned_companies"]) == 0
    assert run([*ws, "list", "add", "banned", "--name", "ACME TRADING SA"]) == 0
    capsys.readouterr()
    code = run([*ws, "cargo", "plan", "--site", "FRLEH", "--date", str(DAY),
                "--format", "jsonl", "--seed", "3"])  # fmt: skip
    out = capsys.readouterr()
    assert code == 0, out.err
    rows = {r["container_number"]: r for r in map(json.loads, out.out.splitlines())}
    held = rows[BOXES[3]]
    assert (held["lane"], held["selected_by"]) == ("red", "held")
    assert "list banned: ACME TRADING SA" in held["reasons"]
    assert rows[BOXES[2]]["selected_by"] != "held"
