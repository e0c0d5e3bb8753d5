"""`balise ingest releases|gate|access-log|staff|work` as a user drives them: counts printed,
records stored, quarantine files written, exit codes as for `balise ingest ais`; the synthetic
world's access layer ingested as it is written."""

from __future__ import annotations

import io
import json
from pathlib import Path

import polars as pl
import pytest

from balise.cli.main import run
from balise.sim.access import build_access, write_access
from balise.sim.staff import Vessels
from balise.sim.world import FILES, WorldSpec
from balise.workspace import Workspace

RECORDS = Path(__file__).parents[1] / "data" / "records"


def _balise(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _summaries(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


def test_the_five_commands_store_their_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(tmp_path / "ws")
    runs = {
        "releases": ["releases.csv"],
        "gate": ["gate.csv"],
        "access-log": ["access-log.jsonl", "access-log.csv"],
        "staff": ["staff.csv"],
        "work": ["work.csv"],
    }
    summaries: list[dict[str, object]] = []
    for command, files in runs.items():
        paths = [str(RECORDS / name) for name in files]
        code, out, err = _balise(
            capsys, "--workspace", ws, "ingest", command, "--format", "json", *paths
        )
        assert code == 0, err
        summaries += _summaries(out)
    assert [(s["format"], s["read"], s["stored"]) for s in summaries] == [
        ("releases_csv", 7, 3),
        ("gate_csv", 4, 3),
        ("access_jsonl", 6, 4),
        ("access_csv", 3, 1),
        ("staff_csv", 5, 3),
        ("work_csv", 9, 6),
    ]
    assert summaries[0]["outdated"] == 1
    assert summaries[3]["duplicates"] == 1
    assert summaries[4]["quarantined"] == {"bad_port": 1, "unknown_timezone": 1}
    assert (summaries[5]["duplicates"], summaries[5]["quarantined"]) == (1, {"missing_field": 2})
    assert summaries[5]["skipped"] == {"blank_line": 1}
    store = Workspace(Path(ws)).open_store()
    try:
        assert store.releases(["CSQU3054383"])["customs_status"].to_list() == ["released"]
        assert store.gate_transactions().height == 3
        assert store.access_log(user="pbakker").height == 2
        assert store.staff()["user"].to_list() == ["jvries", "mjanssens", "pbakker"]
        assert store.work_assignments(user="pbakker")["record"].to_list() == [
            "REL-0001", "Tropical Goods, Ltd",
        ]  # fmt: skip
    finally:
        store.close()
    written = sorted(p.name.rsplit("-", 1)[0] for p in (tmp_path / "ws" / "quarantine").iterdir())
    assert written == [
        "access-log.csv", "access-log.jsonl", "gate.csv", "releases.csv", "staff.csv", "work.csv",
    ]  # fmt: skip


def test_the_table_summary_and_a_second_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "--workspace",
        str(tmp_path / "ws"),
        "ingest",
        "releases",
        str(RECORDS / "releases.csv"),
    ]
    code, out, err = _balise(capsys, *args)
    assert code == 0
    assert "releases.csv (releases_csv, ingested)" in out
    assert "quarantined: bad_container_number" in out
    assert "3 quarantined records of releases.csv written to" in " ".join(err.split())
    code, out, err = _balise(capsys, *args)
    assert (code, "already ingested" in out, err) == (0, True, "")


def test_records_from_stdin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO((RECORDS / "staff.csv").read_bytes()))
    monkeypatch.setattr("sys.stdin", stdin)
    ws = str(tmp_path / "ws")
    code, out, _ = _balise(capsys, "--workspace", ws, "ingest", "staff", "--format", "json", "-")
    assert code == 0
    (summary,) = _summaries(out)
    assert (summary["source"], summary["stored"]) == ("stdin", 3)


def test_a_file_of_another_kind_is_rejected_and_the_others_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(tmp_path / "ws")
    files = [str(RECORDS / "staff.csv"), str(RECORDS / "gate.csv")]
    code, out, err = _balise(
        capsys, "--workspace", ws, "ingest", "gate", "--format", "json", *files
    )
    assert code == 3
    assert "rejected staff.csv, line 1: not a gate CSV header" in " ".join(err.split())
    assert "Traceback" not in err
    assert [s["source"] for s in _summaries(out)] == ["gate.csv"]


def test_strict_exits_3_at_the_first_bad_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(tmp_path / "ws")
    log = str(RECORDS / "access-log.jsonl")
    code, _, err = _balise(capsys, "--workspace", ws, "ingest", "access-log", "--strict", log)
    assert code == 3
    assert "access-log.jsonl, line 6: bad_action" in err


def test_the_synthetic_worlds_access_layer_ingests_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = WorldSpec(seed=5, vessels=10, days=3)
    world = build_access(spec.rng("access"), spec.start, spec.days,
                         Vessels([], spec.rng("access", 1)))  # fmt: skip
    names = {"staff": "staff", "work": "work", "releases": "releases", "gate": "gate",
             "access-log": "access"}  # fmt: skip
    paths = {name: tmp_path / FILES[name] for name in names.values()}
    write_access(world, spec.start, paths)
    ws = str(tmp_path / "ws")
    for command, name in names.items():
        code, out, err = _balise(
            capsys, "--workspace", ws, "ingest", command, "--format", "json", str(paths[name])
        )
        assert code == 0, err
        (summary,) = _summaries(out)
        assert summary["quarantined"] == {}, command
        kept = (int(str(summary[key])) for key in ("stored", "duplicates", "outdated"))
        assert summary["read"] == sum(kept)
    written = pl.read_csv(paths["work"], infer_schema=False)
    assert written.height > 0
    store = Workspace(Path(ws)).open_store()
    try:
        stored = store.work_assignments()
        assert stored.select("user", "record").rows() == written.sort("user", "record").rows()
        assert set(stored["user"]) <= set(store.staff()["user"])
    finally:
        store.close()
    code, out, _ = _balise(capsys, "--workspace", ws, "ingest", "work", str(paths["work"]))
    assert (code, "already ingested" in out) == (0, True)
