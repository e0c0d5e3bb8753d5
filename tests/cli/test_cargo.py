"""`balise cargo train` and `balise cargo score`: a model file, scores in CSV and JSON lines
with reasons, quarantined rows counted, user mistakes as one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from balise.cli.main import run
from kcs_rows import kcs_csv, kcs_rows


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("cargo")
    train_rows = kcs_rows(600, seed=21)
    valid_rows = kcs_rows(200, seed=22, start=90_000)
    (root / "train.csv").write_text(
        kcs_csv(train_rows) + "123,2020-02-02,short row\n"  # quarantined, not fatal
    )
    (root / "valid.csv").write_text(kcs_csv(valid_rows))
    code = run(
        ["cargo", "train", "--declarations", str(root / "train.csv"),
         "--valid", str(root / "valid.csv"), "--model", str(root / "model.zip"),
         "--folds", "3", "--threads", "1"]
    )  # fmt: skip
    assert code == 0
    return {"root": root, "model": root / "model.zip", "valid": root / "valid.csv"}


def test_train_saves_one_model_file_and_reports(
    trained: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert trained["model"].stat().st_size > 1000


def test_score_csv_one_row_per_declaration(
    trained: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code = run(["cargo", "score", "--model", str(trained["model"]),
                "--declarations", str(trained["valid"])])  # fmt: skip
    out = capsys.readouterr()
    assert code == 0
    lines = out.out.strip().splitlines()
    assert lines[0] == "declaration_id,score,critical,at_stake"
    assert len(lines) == 201
    assert lines[1].startswith("10090000,")
    assert "200 declarations" in out.err


def test_score_jsonl_with_reasons_and_quarantine(
    trained: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    rows = kcs_rows(5, seed=23, start=70_000)
    path = trained["root"] / "to-score.csv"
    path.write_text(kcs_csv(rows) + "10070009,2020-01-01,30,B,11,21,11,10,D,I,S,,440890,CN,CN,"
                    "8.0,A,Y,ten,5.0,,\n")  # fmt: skip
    capsys.readouterr()
    code = run(["cargo", "score", "--model", str(trained["model"]), "--declarations", str(path),
                "--format", "jsonl"])  # fmt: skip
    out = capsys.readouterr()
    assert code == 0
    records = [json.loads(line) for line in out.out.splitlines()]
    assert [r["declaration_id"] for r in records] == [r[0] for r in rows]
    assert all(0 <= r["score"] <= 1 for r in records)
    assert all(isinstance(r["reasons"], list) and len(r["reasons"]) <= 3 for r in records)
    assert any(r["reasons"] for r in records)
    assert "1 quarantined (bad_number 1)" in out.err
    assert "line 7" in out.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "{root}/missing.zip", "--declarations", "{valid}"], "no model file"),
        (["--model", "{valid}", "--declarations", "{valid}"], "not a Balise targeting model"),
        (["--model", "{model}", "--declarations", "{root}/nothing.csv"], "cannot read"),
        (["--model", "{model}", "--declarations", "{root}/noid.csv"], "no declaration id"),
    ],
)
def test_score_user_mistakes_are_one_line(
    trained: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    (trained["root"] / "noid.csv").write_text("importer,hs6\nA,440890\n")
    names = {k: str(v) for k, v in trained.items()}
    capsys.readouterr()
    code = run(["cargo", "score", *(a.format(**names) for a in args)])
    err = " ".join(capsys.readouterr().err.split())  # the console wraps long lines
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_train_without_labels_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "unlabelled.csv").write_text("Declaration ID,Importer ID\n1,A\n")
    code = run(["cargo", "train", "--declarations", str(tmp_path / "unlabelled.csv"),
                "--model", str(tmp_path / "m.zip")])  # fmt: skip
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2
    assert "Fraud" in err
    assert not (tmp_path / "m.zip").exists()
